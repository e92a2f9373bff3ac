"""Registration mail: HTML with a plain-text part, the event's .ics, the recipient's language,
retry with backoff, the long-running worker, and no SMTP inside a request in production mode."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import icalendar
from sqlalchemy import func, select

from app.events import notifications
from app.events.registration import AttendeeData, register
from app.extensions import db
from app.mail import queue_mail, send_due
from app.models import EventStatus, OutboxMessage, Role, utcnow
from tests.conftest import _free_port
from tests.factories import PASSWORD, make_cluster, make_company, make_event, make_user
from tests.helpers import post_form, see_committed, wait_for_mail

ROOT = Path(__file__).resolve().parents[2]


def _event(**kw):
    cluster = make_cluster()
    return make_event(
        cluster,
        status=EventStatus.PUBLISHED,
        title_ko="상암 네트워킹 나이트",
        title_en="Sangam Networking Night",
        venue_name="DMC 첨단산업센터",
        **kw,
    )


def _attachment(message, content_type="text/calendar"):
    for part in message.iter_attachments():
        if part.get_content_type() == content_type:
            return part
    return None


def test_confirmation_has_text_html_and_a_parsable_ics(app, mailbox):
    event = _event(capacity=5)
    company = make_company(event.host_cluster)
    db.session.commit()
    register(
        event.id, [AttendeeData("김민지", "minji@nuri.example")], company=company, consent_version="v1", now=utcnow()
    )
    db.session.commit()
    assert send_due() == 1
    [msg] = wait_for_mail(mailbox, 1)
    assert "참가 신청이 확정되었습니다" in msg["Subject"]
    text = msg.get_body(preferencelist=("plain",)).get_content()
    html = msg.get_body(preferencelist=("html",)).get_content()
    assert "김민지님" in text and "DMC 첨단산업센터" in text and "<" not in text
    assert "<strong>상암 네트워킹 나이트</strong>" in html and "http://localhost/events/" in html
    part = _attachment(msg)
    assert part is not None and part.get_filename() == f"moim-event-{event.id}.ics"
    cal = icalendar.Calendar.from_ical(part.get_content())
    [vevent] = cal.walk("VEVENT")
    assert str(vevent["UID"]) == f"event-{event.id}@moim.local"
    assert int(vevent["SEQUENCE"]) == event.sequence
    assert vevent["DTSTART"].params["TZID"] == "Asia/Seoul"
    assert vevent.decoded("DTSTART") == event.starts_at
    assert cal.walk("VTIMEZONE"), "the TZID must be defined in the file"


def test_waitlist_mail_says_the_position_and_has_no_ics(app, mailbox):
    event = _event(capacity=1)
    company = make_company(event.host_cluster)
    db.session.commit()
    register(
        event.id,
        [AttendeeData("가", "a@x.example"), AttendeeData("나", "b@x.example"), AttendeeData("다", "c@x.example")],
        company=company,
        consent_version="v1",
        now=utcnow(),
    )
    db.session.commit()
    assert send_due() == 3
    mails = {m["To"]: m for m in wait_for_mail(mailbox, 3)}
    assert "대기자로 등록되었습니다" in mails["c@x.example"]["Subject"]
    assert "현재 대기 순번: 2번" in mails["c@x.example"].get_body(preferencelist=("plain",)).get_content()
    assert _attachment(mails["c@x.example"]) is None
    assert _attachment(mails["a@x.example"]) is not None


def test_mail_is_in_the_language_the_recipient_chose(app, mailbox):
    event = _event(capacity=5)
    company = make_company(event.host_cluster)
    make_user(Role.MEMBER, company=company, email="en@nuri.example", locale="en")
    db.session.commit()
    register(
        event.id,
        [AttendeeData("Alex Kim", "en@nuri.example"), AttendeeData("이도윤", "ko@nuri.example")],
        company=company,
        consent_version="v1",
        now=utcnow(),
    )
    db.session.commit()
    send_due()
    mails = {m["To"]: m for m in wait_for_mail(mailbox, 2)}
    english = mails["en@nuri.example"]
    assert "Sangam Networking Night" in english["Subject"] and "확정" not in english["Subject"]
    assert "confirmed" in english.get_body(preferencelist=("plain",)).get_content().lower()
    assert "상암 네트워킹 나이트" in mails["ko@nuri.example"]["Subject"]


def test_event_change_and_cancellation_mail_carry_the_updated_calendar(app, mailbox):
    event = _event(capacity=5)
    company = make_company(event.host_cluster)
    db.session.commit()
    register(
        event.id, [AttendeeData("김민지", "minji@nuri.example")], company=company, consent_version="v1", now=utcnow()
    )
    db.session.commit()
    send_due()
    wait_for_mail(mailbox, 1)
    event.sequence += 1
    event.status = EventStatus.CANCELLED
    notifications.event_cancelled(event, ["minji@nuri.example"])
    db.session.commit()
    send_due()
    cancel_mail = wait_for_mail(mailbox, 2)[1]
    assert "행사 취소 안내" in cancel_mail["Subject"]
    [vevent] = icalendar.Calendar.from_ical(_attachment(cancel_mail).get_content()).walk("VEVENT")
    assert vevent["STATUS"] == "CANCELLED" and int(vevent["SEQUENCE"]) == 1


def test_failed_send_is_kept_and_retried_with_growing_backoff(app, mailbox):
    real_port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = _free_port()  # nothing listens there
    queue_mail("lee@example.com", "[Moim] 안내", "본문")
    db.session.commit()
    start = utcnow()
    assert send_due(now=start) == 0
    message = db.session.scalar(select(OutboxMessage))
    first_wait = message.next_attempt_at - start
    assert message.sent_at is None and message.attempts == 1 and "Connection" in message.last_error
    assert dt.timedelta(seconds=25) < first_wait < dt.timedelta(seconds=35)
    # Not due yet: nothing is tried, even with the server back.
    app.config["MAIL_PORT"] = real_port
    assert send_due(now=start + dt.timedelta(seconds=5)) == 0
    assert db.session.get(OutboxMessage, message.id).attempts == 1
    # Down again at the next try: the wait doubles.
    app.config["MAIL_PORT"] = _free_port()
    second = start + dt.timedelta(seconds=40)
    assert send_due(now=second) == 0
    message = db.session.get(OutboxMessage, message.id)
    assert message.attempts == 2
    assert dt.timedelta(seconds=50) < message.next_attempt_at - utcnow() < dt.timedelta(seconds=70)
    # Server back and the message due: it goes out, once.
    app.config["MAIL_PORT"] = real_port
    assert send_due(now=second + dt.timedelta(minutes=2)) == 1
    assert [m["To"] for m in wait_for_mail(mailbox, 1)] == ["lee@example.com"]
    assert send_due(now=second + dt.timedelta(hours=2)) == 0


def test_backoff_is_capped_and_never_gives_up(app):
    app.config["MAIL_PORT"] = _free_port()
    queue_mail("lee@example.com", "[Moim] 안내", "본문")
    db.session.commit()
    now = utcnow()
    for _ in range(12):
        send_due(now=now)
        message = db.session.scalar(select(OutboxMessage))
        now = message.next_attempt_at
    assert message.attempts == 12 and message.sent_at is None
    assert message.next_attempt_at - utcnow() <= dt.timedelta(seconds=3600 * 1.1)


def test_in_worker_mode_a_request_never_touches_smtp(app, client, auth, mailbox):
    """Production: the request only writes the outbox, even when SMTP would hang or fail."""
    app.config["MAIL_DELIVERY"] = "worker"
    app.config["MAIL_PORT"] = _free_port()
    event = _event(capacity=5)
    company = make_company(event.host_cluster)
    make_user(Role.MEMBER, company=company, email="member@nuri.example", name="김민지")
    db.session.commit()
    auth.login("member@nuri.example", PASSWORD)
    response = post_form(
        client,
        f"/events/{event.id}/register",
        {
            "attendees-0-name": "김민지",
            "attendees-0-email": "member@nuri.example",
            "consent": "y",
        },
        token_from=f"/events/{event.id}",
    )
    assert response.status_code == 302
    see_committed()
    message = db.session.scalar(select(OutboxMessage))
    assert message.recipient == "member@nuri.example" and message.attempts == 0 and message.sent_at is None
    assert mailbox == []


def test_two_senders_at_once_send_each_message_once(app, mailbox, smtp_server):
    for n in range(30):
        queue_mail(f"p{n}@example.com", f"[Moim] {n}", "본문")
    db.session.commit()
    results = []

    def sender():
        with app.app_context():
            total = 0
            while (sent := send_due(limit=5)) > 0:
                total += sent
            results.append(total)
            db.session.remove()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sum(results) == 30
    received = [m["To"] for m in wait_for_mail(mailbox, 30)]
    time.sleep(0.2)
    assert sorted(received) == sorted(f"p{n}@example.com" for n in range(30))
    see_committed()
    assert db.session.scalar(select(func.count()).where(OutboxMessage.sent_at.is_(None))) == 0


def test_file_backend_writes_eml_files(app, tmp_path):
    app.config.update(MAIL_BACKEND="file", MAIL_FILE_DIR=str(tmp_path))
    queue_mail("lee@example.com", "[Moim] 파일", "본문", body_html="<p>본문</p>")
    db.session.commit()
    assert send_due() == 1
    [eml] = list(tmp_path.glob("*.eml"))
    assert b"lee@example.com" in eml.read_bytes()


def test_mail_worker_command_sends_until_stopped(app, smtp_server, mailbox):
    controller, _sink = smtp_server
    env = dict(
        os.environ,
        MOIM_CONFIG="development",
        SECRET_KEY="x" * 32,
        FLASK_APP="wsgi",
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        MAIL_BACKEND="smtp",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(controller.port),
        MAIL_DELIVERY="worker",
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "mail", "worker", "--interval", "0.2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        queue_mail("worker@example.com", "[Moim] 워커", "본문")
        db.session.commit()
        assert [m["To"] for m in wait_for_mail(mailbox, 1, timeout=20)] == ["worker@example.com"]
        # Mail queued later is picked up by the same running worker.
        queue_mail("later@example.com", "[Moim] 워커 2", "본문")
        db.session.commit()
        assert len(wait_for_mail(mailbox, 2, timeout=10)) == 2
    finally:
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=20)
    assert worker.returncode == 0, output
    assert "Mail worker stopped." in output
    see_committed()
    assert db.session.scalar(select(func.count()).where(OutboxMessage.sent_at.is_(None))) == 0


def test_korean_subjects_keep_every_space(app, mailbox):
    # Folded at 78 columns, Python's email package turned the space in "DMC 위임했습니다"
    # into "DMC위임했습니다" for these subjects.
    subjects = [
        "의결권 철회되었습니다 [Moim] DMC 위임했습니다 테스트기업12 위임했습니다",
        "[Moim] 테스트기업12 위임했습니다 에 정기회의: 철회되었습니다 테스트기업12",
    ]
    for n, subject in enumerate(subjects):
        queue_mail(f"s{n}@example.com", subject, "본문")
    db.session.commit()
    assert send_due() == 2
    received = sorted(wait_for_mail(mailbox, 2), key=lambda m: m["To"])
    assert [m["Subject"] for m in received] == subjects


def test_a_plain_text_mail_also_gets_an_html_part_with_links(app, mailbox):
    queue_mail(
        "lee@example.com", "[Moim] 안내", "첫 줄 <b>굵게</b>\n둘째 줄\n\n링크: http://localhost/r/abc?x=1&y=2\n-- Moim"
    )
    db.session.commit()
    send_due()
    [msg] = wait_for_mail(mailbox, 1)
    html = msg.get_body(preferencelist=("html",)).get_content()
    assert "첫 줄 &lt;b&gt;굵게&lt;/b&gt;<br>둘째 줄" in html
    assert '<a href="http://localhost/r/abc?x=1&amp;y=2">' in html
    assert msg.get_body(preferencelist=("plain",)).get_content().startswith("첫 줄 <b>굵게</b>")
