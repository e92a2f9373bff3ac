"""Mail: messages are queued in the outbox inside the request's transaction, sent after commit."""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import OutboxMessage, utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


def queue_mail(recipient: str, subject: str, body_text: str) -> OutboxMessage:
    """Add a message to the outbox; it is sent once the caller has committed."""
    message = OutboxMessage(recipient=recipient, subject=subject, body_text=body_text)
    db.session.add(message)
    return message


def _build(message: OutboxMessage) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    mail["To"] = message.recipient
    mail["Subject"] = message.subject
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain="moim.local")
    mail.set_content(message.body_text, charset="utf-8")
    return mail


def _send_smtp(mails: list[EmailMessage]) -> None:
    cfg = current_app.config
    smtp_cls = smtplib.SMTP_SSL if cfg["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_cls(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=cfg["MAIL_TIMEOUT"]) as smtp:
        if cfg["MAIL_USE_TLS"] and not cfg["MAIL_USE_SSL"]:
            smtp.starttls()
        if cfg["MAIL_USERNAME"]:
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
        for mail in mails:
            smtp.send_message(mail)


def deliver_pending(limit: int = 50) -> int:
    """Send unsent outbox messages; returns how many were sent.

    Commits its own bookkeeping: call it after the request's commit. A failure
    leaves the message in the outbox for `flask mail send` to retry.
    """
    pending = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.attempts < MAX_ATTEMPTS)
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    if not pending:
        return 0
    sent = 0
    backend = current_app.config["MAIL_BACKEND"]
    for message in pending:
        message.attempts += 1
        try:
            mail = _build(message)
            if backend == "console":
                log.warning("MAIL (console backend) to %s: %s\n%s", message.recipient, message.subject, message.body_text)
                print(f"\n--- mail to {message.recipient}: {message.subject}\n{message.body_text}\n---", flush=True)
            else:
                _send_smtp([mail])
        except (OSError, smtplib.SMTPException) as exc:
            message.last_error = str(exc)[:1000]
            log.warning("mail to %s failed: %s", message.recipient, exc)
            continue
        message.sent_at = utcnow()
        message.last_error = None
        sent += 1
    db.session.commit()
    return sent
