"""A large company-list import is applied by a background job (app/directory/import_jobs.py)."""

from __future__ import annotations

import html
import io
import json

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, Job, JobStatus
from tests.factories import PASSWORD, valid_brn
from tests.helpers import post_form
from tests.jobs.helpers import wait_for_job

from .helpers import bad_check_digit, build_xlsx, companies_named, company_rows, imports, upload

ROWS = 6


@pytest.fixture(autouse=True)
def small_threshold(app):
    app.config["JOB_IMPORT_FROM"] = ROWS


def _file(with_error: bool = True) -> bytes:
    rows = [[f"잡기업{i:02d}", valid_brn(), "콘텐츠", "", "", "", "Y"] for i in range(ROWS - 1)]
    if with_error:
        rows.append(["번호틀린기업", bad_check_digit(valid_brn()), "제조", "", "", "", ""])
    else:
        rows.append([f"잡기업{ROWS - 1:02d}", valid_brn(), "콘텐츠", "", "", "", ""])
    return build_xlsx(rows)


def _login(client, auth, email: str) -> None:
    auth.logout()
    assert auth.login(email, PASSWORD).status_code == 302


def _uploaded(client, world, content: bytes) -> int:
    response = upload(client, content, "큰목록.xlsx", world.dmc.id)
    assert response.status_code == 302
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _apply(client, import_id: int, skip_errors: bool):
    return post_form(
        client,
        f"/directory/import/{import_id}/apply",
        {"skip_errors": "y"} if skip_errors else {},
        token_from=f"/directory/import/{import_id}",
    )


def _job_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    location = response.headers["Location"]
    assert location.startswith("/jobs/"), location
    return int(location.rsplit("/", 1)[1])


def test_a_large_import_is_applied_by_a_job_whose_file_lists_each_row(client, auth, world):
    _login(client, auth, "staff@example.com")
    import_id = _uploaded(client, world, _file())

    job_id = _job_id(_apply(client, import_id, skip_errors=True))
    job = wait_for_job(job_id)

    assert job.status == JobStatus.DONE, job.error
    assert job.kind == "company_import" and job.user_id == world.staff.id and job.total == ROWS
    assert len(companies_named(*[f"잡기업{i:02d}" for i in range(ROWS)])) == ROWS - 1
    (record,) = imports()
    assert record.applied_at is not None
    assert json.loads(record.summary) == {"new": ROWS - 1, "update": 0, "unchanged": 0, "error": 1}

    page = html.unescape(client.get(f"/jobs/{job_id}").get_data(as_text=True))
    assert f"완료: {ROWS}행" in page and "기업 목록 가져오기로 돌아가기" in page
    download = client.get(f"/jobs/{job_id}/download")
    assert download.status_code == 200
    assert download.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(download.data))
    assert book.sheetnames == ["가져오기 결과", "요약"]
    rows = list(book["가져오기 결과"].iter_rows(values_only=True))
    assert rows[0] == ("행", "기업명", "사업자등록번호", "결과", "내용")
    assert [r[3] for r in rows[1:]] == ["신규"] * (ROWS - 1) + ["오류"]
    assert rows[-1][1] == "번호틀린기업" and "사업자등록번호" in rows[-1][4]
    summary = dict(list(book["요약"].iter_rows(values_only=True))[1:])
    assert summary == {"신규": ROWS - 1, "수정": 0, "변경 없음": 0, "오류": 1}

    db.session.rollback()
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "company_import"))
    assert entry is not None and entry.user_id == world.staff.id and entry.cluster_id == world.dmc.id
    assert entry.object_id == import_id and "'new': 5" in entry.summary

    # Applying the same file again is refused as on the page, and writes nothing.
    before = company_rows()
    again = post_form(
        client,
        f"/directory/import/{import_id}/apply",
        {},
        token_from=f"/directory/import/{import_id}",
        follow_redirects=True,
    )
    assert "이미 반영된 파일입니다" in html.unescape(again.get_data(as_text=True))
    assert company_rows() == before


def test_errors_without_skip_fail_the_job_with_the_pages_message_and_write_nothing(client, auth, world):
    _login(client, auth, "staff@example.com")
    before = company_rows()
    import_id = _uploaded(client, world, _file())

    job = wait_for_job(_job_id(_apply(client, import_id, skip_errors=False)))

    assert job.status == JobStatus.FAILED
    page = html.unescape(client.get(f"/jobs/{job.id}").get_data(as_text=True))
    assert "오류가 있는 행이 있어 아무것도 반영하지 않았습니다" in page
    assert company_rows() == before
    (record,) = imports()
    assert record.applied_at is None


def test_a_second_click_while_the_job_waits_leads_to_the_same_job(client, auth, world):
    _login(client, auth, "staff@example.com")
    import_id = _uploaded(client, world, _file(with_error=False))
    db.session.rollback()
    waiting = Job(
        kind="company_import",
        status=JobStatus.QUEUED,
        params=json.dumps({"import_id": import_id, "skip_errors": False}),
        title="대기",
        user_id=world.staff.id,
    )
    db.session.add(waiting)
    db.session.commit()

    assert _job_id(_apply(client, import_id, skip_errors=False)) == waiting.id
    db.session.rollback()
    assert db.session.scalar(select(db.func.count(Job.id))) == 1


def test_a_small_import_still_applies_at_once(client, auth, world, app):
    app.config["JOB_IMPORT_FROM"] = ROWS + 1
    _login(client, auth, "staff@example.com")
    import_id = _uploaded(client, world, _file(with_error=False))

    response = _apply(client, import_id, skip_errors=False)

    assert response.headers["Location"] == f"/directory/import/{import_id}"
    assert len(companies_named(*[f"잡기업{i:02d}" for i in range(ROWS)])) == ROWS
    db.session.rollback()
    assert db.session.scalar(select(db.func.count(Job.id))) == 0


def test_only_the_importer_and_admins_see_the_import_job(client, auth, world):
    _login(client, auth, "staff@example.com")
    job = wait_for_job(_job_id(_apply(client, _uploaded(client, world, _file()), skip_errors=True)))
    assert job.status == JobStatus.DONE

    for email in ("magok-staff@example.com", "member@example.com"):
        _login(client, auth, email)
        assert client.get(f"/jobs/{job.id}").status_code == 403
        assert client.get(f"/jobs/{job.id}/download").status_code == 403
    _login(client, auth, "admin@example.com")
    assert client.get(f"/jobs/{job.id}/download").status_code == 200
    auth.logout()
    anonymous = client.get(f"/jobs/{job.id}/download")
    assert anonymous.status_code == 302 and "/auth/login" in anonymous.headers["Location"]


def test_other_cluster_staff_cannot_start_the_job(client, auth, world):
    _login(client, auth, "staff@example.com")
    import_id = _uploaded(client, world, _file())
    _login(client, auth, "magok-staff@example.com")

    response = post_form(client, f"/directory/import/{import_id}/apply", {}, token_from="/directory/import")

    assert response.status_code == 403
    db.session.rollback()
    assert db.session.scalar(select(db.func.count(Job.id))) == 0
