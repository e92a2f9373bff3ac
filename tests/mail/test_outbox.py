"""Mail goes through the outbox: sent after commit, kept and retried when SMTP is down."""

import time

from sqlalchemy import select

from app.extensions import db
from app.mail import queue_mail
from app.mail.delivery import deliver_pending
from app.models import OutboxMessage
from tests.conftest import _free_port


def _wait_for(mailbox, n, timeout=3.0):
    deadline = time.monotonic() + timeout
    while len(mailbox) < n and time.monotonic() < deadline:
        time.sleep(0.02)
    return mailbox


def test_queued_mail_is_delivered_through_smtp_in_korean(app, mailbox):
    queue_mail("kim@example.com", "[Moim] 행사 안내", "안녕하세요. 12월 3일 행사에 초대합니다.")
    db.session.commit()
    assert deliver_pending() == 1
    _wait_for(mailbox, 1)
    assert len(mailbox) == 1
    msg = mailbox[0]
    assert msg["To"] == "kim@example.com"
    assert msg["Subject"] == "[Moim] 행사 안내"
    assert "12월 3일 행사에 초대합니다" in msg.get_body(preferencelist=("plain",)).get_content()
    sent = db.session.scalar(select(OutboxMessage))
    assert sent.sent_at is not None and sent.attempts == 1
    # Nothing is sent twice.
    assert deliver_pending() == 0


def test_mail_waits_in_outbox_while_smtp_is_down_then_cli_sends_it(app, runner, mailbox):
    real_port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = _free_port()  # nothing listens there
    queue_mail("lee@example.com", "[Moim] 비밀번호 재설정 안내", "링크")
    db.session.commit()
    assert deliver_pending() == 0
    waiting = db.session.scalar(select(OutboxMessage))
    assert waiting.sent_at is None and waiting.attempts == 1 and waiting.last_error
    assert mailbox == []

    app.config["MAIL_PORT"] = real_port
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0 and "Sent 1" in result.output
    _wait_for(mailbox, 1)
    assert [m["To"] for m in mailbox] == ["lee@example.com"]
    db.session.rollback()  # end the read transaction: see what the command committed
    assert db.session.scalar(select(OutboxMessage)).sent_at is not None
