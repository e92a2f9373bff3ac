"""Background jobs with the in-process backend (the default of development and tests), on SQLite and PostgreSQL:
large badge, certificate and report batches become jobs with a progress page, the file is offered to its owner
and the event's staff only, expires with a clear 410, and failures show a Korean message."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from app.checkin import badges
from app.extensions import db
from app.jobs import create_job
from app.jobs.runner import run_job
from app.jobs.sweep import requeue_lost, sweep
from app.models import Job, JobStatus, Registration, RegistrationStatus, Role, utcnow
from tests.checkin.badge_helpers import CONFIRMED, badge_texts, make_world
from tests.factories import PASSWORD, make_checkin, make_user
from tests.helpers import decode_qr_codes, pdf_pages, pdf_text, post_form, see_committed
from tests.jobs.helpers import job_row, start_badge_job, wait_for_job


@pytest.fixture
def world(app):
    app.config.update(JOB_BADGES_FROM=5, JOB_CERTIFICATES_FROM=3, JOB_REPORT_FROM=5)
    w = make_world()
    # A second staff member of the host cluster: "the event's staff" who did not start the job.
    w.colleague = make_user(Role.STAFF, clusters=[w.dmc], email="colleague-dmc@example.com")
    db.session.commit()
    return w


def _unsent_job(world, params: dict) -> Job:
    """A job row whose message was never sent (its process died first); the test runs it."""
    job = create_job("badges", world.host_staff, world.event, "명찰", params)
    db.session.flush()
    db.session.info.pop("moim_jobs_pending")
    return job


def _printed() -> set[str]:
    see_committed()
    return set(db.session.scalars(select(Registration.name).where(Registration.badge_printed_at.is_not(None))))


# --- a badge batch end to end ----------------------------------------------------------------


def test_a_large_badge_batch_becomes_a_job_with_progress_and_a_download(client, auth, world):
    auth.login(world.host_staff.email, PASSWORD)
    job_id = start_badge_job(client, world.event, layout="insert", sort="name")
    page = client.get(f"/jobs/{job_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "명찰 PDF 9장" in html and "<progress" in html and "js/job-progress.js" in html

    job = wait_for_job(job_id)
    assert job.status == JobStatus.DONE, job.error
    assert (job.done, job.total) == (2, 2)  # 9 badges, 8 per insert sheet: 2 pages
    assert job.user_id == world.host_staff.id and job.event_id == world.event.id
    assert job.expires_at - job.finished_at == dt.timedelta(hours=24)
    assert _printed() == set(CONFIRMED)  # marked printed with the file, as the inline batch does

    status = client.get(f"/jobs/{job_id}/status").get_json()
    assert status["status"] == "done" and status["percent"] == 100
    assert status["download_url"] == f"/jobs/{job_id}/download"
    assert "완료: 2쪽" in status["label"]
    response = client.get(status["download_url"])
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "badges-event-" in response.headers["Content-Disposition"]
    data = response.get_data()
    assert len(pdf_pages(data)) == 2
    assert [next(n for n in CONFIRMED if n in t) for t in badge_texts(data, "insert")] == sorted(CONFIRMED)


def test_a_small_batch_stays_inline_and_a_preview_never_starts_a_job(client, auth, world, app):
    app.config["JOB_BADGES_FROM"] = 10
    auth.login(world.host_staff.email, PASSWORD)
    response = post_form(
        client,
        f"/staff/events/{world.event.id}/badges.pdf",
        {"layout": "a6"},
        token_from=f"/staff/events/{world.event.id}/badges",
    )
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    app.config["JOB_BADGES_FROM"] = 5
    assert client.get(f"/staff/events/{world.event.id}/badges.pdf").mimetype == "application/pdf"
    see_committed()
    assert db.session.scalar(select(Job.id)) is None


def test_badge_progress_is_reported_chunk_by_chunk(app, world):
    seen = []
    regs = badges.select_badges(world.event, badges.BadgeOptions())
    badges.badge_pdf(world.event, regs, "a6", chunk_badges=4, progress=seen.append)
    assert seen == [4, 8, 9]


def test_the_job_progress_row_moves_while_pages_render(app, world, monkeypatch):
    """The runner writes done/total as chunks finish: read from a second connection mid-job."""
    import threading

    job = _unsent_job(world, {"layout": "a6"})
    db.session.commit()
    job_id = job.id
    observed = set()
    stop = threading.Event()

    def watch():
        with app.app_context():
            while not stop.is_set():
                row = db.session.execute(select(Job.done, Job.total, Job.status).where(Job.id == job_id)).one()
                observed.add(tuple(row))
                db.session.rollback()

    watcher = threading.Thread(target=watch)
    watcher.start()
    monkeypatch.setattr(badges, "CHUNK_BADGES", 4)  # three chunks of one page each (a6: 4 per sheet)
    try:
        run_job(job_id)
    finally:
        stop.set()
        watcher.join()
    running = sorted(done for done, total, status in observed if status == JobStatus.RUNNING and total == 3)
    assert 0 in running and any(0 < d < 3 for d in running), observed
    finished = job_row(job_id)
    assert (finished.done, finished.total, finished.status) == (3, 3, JobStatus.DONE)


# --- certificates and the attendance report --------------------------------------------------


def test_a_large_certificate_batch_confirms_then_runs_as_a_job(client, auth, world):
    for name in ("박서연", "강민준", "최지우", "오지호"):
        make_checkin(world.regs[name])
    db.session.commit()
    auth.login(world.host_staff.email, PASSWORD)
    response = client.get(f"/staff/events/{world.event.id}/certificates.pdf")
    assert response.status_code == 302
    confirm = client.get(response.headers["Location"])
    assert confirm.status_code == 200 and "참가확인서 4장" in confirm.get_data(as_text=True)
    # Without the CSRF token nothing starts.
    assert client.post(f"/staff/events/{world.event.id}/certificates/job").status_code == 400
    started = post_form(client, f"/staff/events/{world.event.id}/certificates/job", {})
    assert started.status_code == 302
    job_id = int(started.headers["Location"].rsplit("/", 1)[1])
    job = wait_for_job(job_id)
    assert job.status == JobStatus.DONE, job.error
    assert (job.done, job.total) == (4, 4)
    data = client.get(f"/jobs/{job_id}/download").get_data()
    assert len(pdf_pages(data)) == 4
    # The QR codes point at the public verification page, built without a request.
    urls = decode_qr_codes(data)
    assert len(urls) == 4 and all(u.text.startswith("http://localhost/certificates/verify/") for u in urls)
    # A company's share of the batch, and a bad company id.
    only = post_form(
        client,
        f"/staff/events/{world.event.id}/certificates/job?company_id={world.companies['다온'].id}",
        {},
        token_from=f"/staff/events/{world.event.id}/certificates/job",
    )
    job = wait_for_job(int(only.headers["Location"].rsplit("/", 1)[1]))
    assert (job.status, job.total, json.loads(job.params)["company_id"]) == (
        JobStatus.DONE,
        2,
        world.companies["다온"].id,
    )
    bad = client.get(f"/staff/events/{world.event.id}/certificates/job?company_id=abc")
    assert bad.status_code == 400 and "기업 번호" in bad.get_data(as_text=True)


def test_a_large_attendance_report_runs_as_a_job(client, auth, world):
    auth.login(world.admin.email, PASSWORD)
    response = client.get(f"/staff/events/{world.event.id}/attendance.pdf")
    assert response.status_code == 302 and response.headers["Location"].endswith("/attendance/job")
    started = post_form(client, f"/staff/events/{world.event.id}/attendance/job", {})
    job = wait_for_job(int(started.headers["Location"].rsplit("/", 1)[1]))
    assert job.status == JobStatus.DONE, job.error
    assert job.total == job.done >= 1
    data = client.get(f"/jobs/{job.id}/download").get_data()
    assert "박서연" in pdf_text(data)


# --- who may see a job -----------------------------------------------------------------------


def test_only_the_owner_the_events_staff_and_admins_see_the_job_and_its_file(client, auth, world):
    auth.login(world.host_staff.email, PASSWORD)
    job_id = start_badge_job(client, world.event)
    wait_for_job(job_id)
    auth.logout()
    paths = [f"/jobs/{job_id}", f"/jobs/{job_id}/status", f"/jobs/{job_id}/download"]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    for user in (world.other_staff, world.member, world.other_member):
        auth.login(user.email, PASSWORD)
        for path in paths:
            assert client.get(path).status_code == 403, (user.email, path)
        auth.logout()
    for user in (world.host_staff, world.colleague, world.admin):
        auth.login(user.email, PASSWORD)
        assert client.get(f"/jobs/{job_id}").status_code == 200
        assert client.get(f"/jobs/{job_id}/download").get_data().startswith(b"%PDF")
        auth.logout()
    auth.login(world.admin.email, PASSWORD)
    for path in (f"/jobs/{job_id + 1000}", f"/jobs/{job_id + 1000}/status", f"/jobs/{job_id + 1000}/download"):
        assert client.get(path).status_code == 404


def test_other_cluster_staff_cannot_start_jobs_for_an_event(client, auth, world):
    auth.login(world.other_staff.email, PASSWORD)
    for path in ("certificates/job", "attendance/job"):
        assert client.get(f"/staff/events/{world.event.id}/{path}").status_code == 403
    see_committed()
    assert db.session.scalar(select(Job.id)) is None


# --- failures and expiry ---------------------------------------------------------------------


def test_a_job_with_nothing_left_to_print_fails_with_a_korean_message(client, auth, world):
    auth.login(world.host_staff.email, PASSWORD)
    job = create_job("badges", world.host_staff, world.event, "명찰", {"layout": "a6", "unprinted": True})
    db.session.execute(
        Registration.__table__.update().values(status=RegistrationStatus.CANCELLED.value)
    )  # everyone cancelled before the worker got to it
    db.session.commit()
    failed = wait_for_job(job.id)
    assert failed.status == JobStatus.FAILED and failed.file_data is None
    status = client.get(f"/jobs/{job.id}/status").get_json()
    assert status["status"] == "failed" and status["download_url"] is None
    assert status["error"].startswith("인쇄할 명찰이 없습니다")
    assert "인쇄할 명찰이 없습니다" in client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert client.get(f"/jobs/{job.id}/download").status_code == 302  # back to its page, no 500


def test_an_unexpected_error_fails_the_job_with_the_general_korean_message(client, auth, world):
    auth.login(world.host_staff.email, PASSWORD)
    job = create_job("badges", world.host_staff, world.event, "명찰", {"layout": "poster"})
    db.session.commit()
    failed = wait_for_job(job.id)
    assert failed.status == JobStatus.FAILED
    assert failed.error.startswith("파일을 만드는 중 오류가 발생했습니다")
    assert _printed() == set()  # nothing of the failed run was kept


def test_an_expired_file_gets_a_clear_410_page_and_the_sweep_deletes_it(client, auth, world):
    auth.login(world.host_staff.email, PASSWORD)
    job_id = start_badge_job(client, world.event)
    job = wait_for_job(job_id)
    job.expires_at = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    for path in (f"/jobs/{job_id}", f"/jobs/{job_id}/download"):
        response = client.get(path)
        assert response.status_code == 410
        assert "파일 보관 기간이 지났습니다" in response.get_data(as_text=True)
        assert "24시간" in response.get_data(as_text=True)
    assert client.get(f"/jobs/{job_id}/status").get_json()["status"] == "expired"
    counts = sweep()
    assert counts.expired == 1
    see_committed()
    assert db.session.scalar(select(Job.file_data).where(Job.id == job_id)) is None
    # Still a clear page once the file is gone; and old rows are deleted after JOB_KEEP_DAYS.
    assert client.get(f"/jobs/{job_id}/download").status_code == 410
    assert sweep(utcnow() + dt.timedelta(days=31)).deleted == 1
    assert client.get(f"/jobs/{job_id}").status_code == 404


# --- surviving a restart (in process) ----------------------------------------------------------


def test_a_job_whose_process_died_is_revived_by_its_page_and_completes(client, auth, world, app):
    """A 'running' job whose heartbeat stopped (the web process that ran it restarted)."""
    app.config["JOB_STALE_SECONDS"] = 1
    job = create_job("badges", world.host_staff, world.event, "명찰", {"layout": "a6"})
    db.session.flush()
    db.session.info.pop("moim_jobs_pending")  # as if its process died before running it
    job.status = JobStatus.RUNNING
    job.run_token = "dead-runner"
    job.attempts = 1
    job.heartbeat_at = utcnow() - dt.timedelta(seconds=5)
    db.session.commit()
    auth.login(world.colleague.email, PASSWORD)
    assert client.get(f"/jobs/{job.id}/status").status_code == 200
    done = wait_for_job(job.id)
    assert done.status == JobStatus.DONE and done.attempts == 2
    assert done.run_token != "dead-runner"


def test_a_second_message_for_a_running_job_is_dropped(app, world):
    job = _unsent_job(world, {"layout": "a6"})
    job.status, job.run_token, job.heartbeat_at, job.attempts = JobStatus.RUNNING, "alive", utcnow(), 1
    db.session.commit()
    job_id = job.id
    run_job(job_id)  # a re-delivered message while its runner is alive
    again = job_row(job_id)
    assert (again.status, again.run_token, again.attempts) == (JobStatus.RUNNING, "alive", 1)
    assert requeue_lost(utcnow()) == []  # a fresh heartbeat is not lost


def test_a_job_that_keeps_killing_its_worker_fails_after_three_attempts(app, world):
    job = _unsent_job(world, {"layout": "a6"})
    job.status, job.run_token, job.attempts = JobStatus.RUNNING, "dead", 3
    job.heartbeat_at = utcnow() - dt.timedelta(hours=1)
    db.session.commit()
    job_id = job.id
    run_job(job_id)
    failed = job_row(job_id)
    assert failed.status == JobStatus.FAILED and "여러 번 중단" in failed.error


def test_a_rolled_back_job_is_never_sent(app, world):
    create_job("badges", world.host_staff, world.event, "명찰", {"layout": "a6"})
    db.session.rollback()
    assert "moim_jobs_pending" not in db.session.info
    assert "moim_jobs" not in app.extensions  # the backend was never even needed
