"""Mail: messages are queued in the outbox inside the request's transaction and sent by a worker.

A request only writes ``OutboxMessage`` rows; it never waits for SMTP. How queued mail
leaves after the commit is ``MAIL_DELIVERY``:

- ``worker`` (production): only ``flask mail worker`` sends; the request does nothing more.
- ``background`` (development): a thread in the web process is woken after the commit.
- ``inline`` (tests): sent right after the commit, before the response, so tests can read
  the mailbox at once. A failure still only leaves the message in the outbox.

Sending claims messages with a lease (``next_attempt_at`` moved forward) so two workers
never send one message twice; a failure reschedules it with exponential backoff. Messages
are never dropped: they wait until a send succeeds.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import email.policy
import json
import logging
import random
import re
import smtplib
import threading
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import Flask, current_app, render_template
from flask_babel import force_locale
from markupsafe import Markup, escape
from sqlalchemy import func, or_, select

from app.database import begin_write
from app.extensions import db
from app.models import OutboxMessage, User, utcnow
from app.models.user import normalize_email

log = logging.getLogger(__name__)

# How long a claimed message is reserved for the worker that claimed it. A worker that dies
# mid-send releases it when the lease ends (the message may then be sent twice: at least once).
CLAIM_LEASE = dt.timedelta(minutes=5)


@dataclasses.dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # e.g. "text/calendar; method=PUBLISH"
    data: str


def queue_mail(
    recipient: str,
    subject: str,
    body_text: str,
    *,
    body_html: str | None = None,
    attachments: list[Attachment] | None = None,
) -> OutboxMessage:
    """Add a message to the outbox; it leaves once the caller has committed.

    Without ``body_html`` the HTML part is made from the text (paragraphs and links).
    """
    if body_html is None:
        body_html = _html_from_text(subject, body_text)
    message = OutboxMessage(
        recipient=recipient,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        attachments_json=json.dumps([dataclasses.asdict(a) for a in attachments]) if attachments else None,
    )
    db.session.add(message)
    return message


_URL = re.compile(r"https?://[^\s<>\"']+")


def linkify(line: str) -> Markup:
    """Escape a line of text and turn its http(s) URLs into links."""
    out, last = [], 0
    for match in _URL.finditer(line):
        out.append(escape(line[last:match.start()]))
        url = match.group(0)
        out.append(Markup('<a href="{0}">{0}</a>').format(url))
        last = match.end()
    out.append(escape(line[last:]))
    return Markup("").join(out)


def _html_from_text(subject: str, body_text: str) -> str:
    paragraphs = [p.splitlines() for p in re.split(r"\n\s*\n", body_text.strip()) if p.strip()]
    paragraphs = [[line for line in p if line.strip() != "-- Moim"] for p in paragraphs]
    return render_template("mail/_plain.html", subject=subject, paragraphs=[p for p in paragraphs if p])


def recipient_locales(emails: list[str]) -> dict[str, str]:
    """The language each recipient chose on their account, or Korean (also for people without
    one), in one query. Addresses are expected normalized, as registrations store them."""
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    found = dict(db.session.execute(select(User.email, User.locale).where(User.email.in_(emails))).all()) if emails else {}
    return {e: (found.get(e) if found.get(e) in current_app.config["LANGUAGES"] else default) for e in emails}


def recipient_locale(email: str) -> str:
    email = normalize_email(email)
    return recipient_locales([email])[email]


def queue_template(
    recipient: str,
    template: str,
    *,
    locale: str | None = None,
    attachments: list[Attachment] | None = None,
    **context,
) -> OutboxMessage:
    """Queue ``mail/<template>.txt`` and ``.html`` rendered in the recipient's language.

    The text template sets the subject with ``{% set subject %}...{% endset %}``.
    """
    locale = locale or recipient_locale(recipient)
    with force_locale(locale):
        env = current_app.jinja_env
        ctx = dict(context)
        current_app.update_template_context(ctx)
        module = env.get_template(f"mail/{template}.txt").make_module(ctx)
        subject = " ".join(str(getattr(module, "subject", "")).split())
        body_text = str(module).strip() + "\n"
        body_html = render_template(f"mail/{template}.html", subject=subject, **context)
    return queue_mail(recipient, subject, body_text, body_html=body_html, attachments=attachments)


# --- building and sending ------------------------------------------------------------------


# Python's header folding at 78 columns can drop the space between two encoded words
# (about 8 % of Korean subjects lost one in a test of random ones). Headers up to SMTP's
# 998-octet line limit are not folded, so the subject arrives exactly as written.
MAIL_POLICY = email.policy.default.clone(max_line_length=990)


def _build(message: OutboxMessage) -> EmailMessage:
    mail = EmailMessage(policy=MAIL_POLICY)
    mail["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    mail["To"] = message.recipient
    mail["Subject"] = message.subject
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain="moim.local")
    mail.set_content(message.body_text, charset="utf-8")
    if message.body_html:
        mail.add_alternative(message.body_html, subtype="html", charset="utf-8")
    for item in json.loads(message.attachments_json or "[]"):
        maintype, _, rest = item["content_type"].partition("/")
        subtype, *param_parts = [p.strip() for p in rest.split(";")]
        params = dict(p.split("=", 1) for p in param_parts if "=" in p)
        if maintype == "text":
            mail.add_attachment(item["data"], subtype=subtype, filename=item["filename"], params=params)
        else:
            mail.add_attachment(item["data"].encode(), maintype=maintype, subtype=subtype, filename=item["filename"])
    return mail


class _Transport:
    """One SMTP connection (opened on first use) or a console/file sink for a batch."""

    def __init__(self, app: Flask) -> None:
        self.cfg = app.config
        self.backend = self.cfg["MAIL_BACKEND"]
        self.smtp: smtplib.SMTP | None = None

    def send(self, mail: EmailMessage) -> None:
        if self.backend == "console":
            body = mail.get_body(preferencelist=("plain",)).get_content()
            print(f"\n--- mail to {mail['To']}: {mail['Subject']}\n{body}\n---", flush=True)
        elif self.backend == "file":
            folder = Path(self.cfg["MAIL_FILE_DIR"])
            folder.mkdir(parents=True, exist_ok=True)
            name = f"{utcnow():%Y%m%d-%H%M%S}-{mail['Message-ID'].strip('<>').split('@')[0]}.eml"
            (folder / name).write_bytes(bytes(mail))
        else:
            if self.smtp is None:
                self.smtp = self._connect()
            self.smtp.send_message(mail)

    def _connect(self) -> smtplib.SMTP:
        cfg = self.cfg
        smtp_cls = smtplib.SMTP_SSL if cfg["MAIL_USE_SSL"] else smtplib.SMTP
        smtp = smtp_cls(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=cfg["MAIL_TIMEOUT"])
        try:
            if cfg["MAIL_USE_TLS"] and not cfg["MAIL_USE_SSL"]:
                smtp.starttls()
            if cfg["MAIL_USERNAME"]:
                smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()
            self.smtp = None


def backoff(attempts: int, *, base: float, cap: float) -> dt.timedelta:
    """Wait before retry number ``attempts``: base, 2x base, 4x base, ... capped, with ±10 % jitter."""
    seconds = min(base * (2 ** max(attempts - 1, 0)), cap)
    return dt.timedelta(seconds=seconds * random.uniform(0.9, 1.1))


def _claim(limit: int, now: dt.datetime, due_only: bool, after_id: int = 0) -> list[int]:
    """Reserve up to ``limit`` unsent messages for this sender; commits the reservation."""
    begin_write()
    query = select(OutboxMessage).where(OutboxMessage.sent_at.is_(None), OutboxMessage.id > after_id)
    if due_only:
        query = query.where(or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now))
    query = query.order_by(OutboxMessage.id).limit(limit)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    messages = db.session.scalars(query).all()
    for message in messages:
        message.next_attempt_at = now + CLAIM_LEASE
    ids = [m.id for m in messages]
    db.session.commit()
    return ids


def send_due(limit: int = 50, *, now: dt.datetime | None = None) -> int:
    """Send outbox messages that are due for a try; returns how many were sent."""
    return _send(_claim(limit, now or utcnow(), due_only=True))


def send_all(batch: int = 100) -> tuple[int, int]:
    """Try every unsent message once, due or not (an operator's "send now").

    Returns (sent, failed).
    """
    sent = failed = 0
    last_id = 0
    while ids := _claim(batch, utcnow(), due_only=False, after_id=last_id):
        last_id = max(ids)
        ok = _send(ids)
        sent += ok
        failed += len(ids) - ok
    return sent, failed


def pending_counts() -> tuple[int, int]:
    """(unsent messages, of which failed at least once)."""
    unsent = db.session.scalar(select(func.count()).where(OutboxMessage.sent_at.is_(None))) or 0
    failing = db.session.scalar(
        select(func.count()).where(OutboxMessage.sent_at.is_(None), OutboxMessage.attempts > 0)
    ) or 0
    return unsent, failing


def _send(ids: list[int]) -> int:
    """Send the claimed messages. Each outcome is committed on its own, so a crash loses
    nothing; a failure schedules the next try by ``backoff``."""
    if not ids:
        return 0
    app = current_app._get_current_object()
    cfg = app.config
    transport = _Transport(app)
    sent = 0
    try:
        for message_id in ids:
            message = db.session.get(OutboxMessage, message_id)
            error = None
            recipient = message.recipient
            try:
                mail = _build(message)
                # End the read transaction: SMTP must never run while we hold a database lock.
                db.session.commit()
                transport.send(mail)
            except (OSError, smtplib.SMTPException, ValueError) as exc:
                transport.close()  # a broken connection is not reused for the next message
                error = f"{type(exc).__name__}: {exc}"[:1000]
                log.warning("mail %s to %s failed: %s", message_id, recipient, exc)
            begin_write()
            message = db.session.get(OutboxMessage, message_id, populate_existing=True)
            message.attempts += 1
            if error is None:
                message.sent_at = utcnow()
                message.next_attempt_at = None
                message.last_error = None
                sent += 1
            else:
                message.last_error = error
                message.next_attempt_at = utcnow() + backoff(
                    message.attempts, base=cfg["MAIL_RETRY_BASE_SECONDS"], cap=cfg["MAIL_RETRY_MAX_SECONDS"]
                )
            db.session.commit()
    finally:
        transport.close()
    return sent


# --- after a request's commit ----------------------------------------------------------------


class _BackgroundSender:
    """A daemon thread per process that sends the outbox when woken (development)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.wake = threading.Event()
        self.thread = threading.Thread(target=self._run, name="moim-mail", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            self.wake.wait(timeout=self.app.config["MAIL_WORKER_INTERVAL"])
            self.wake.clear()
            with self.app.app_context():
                try:
                    while send_due() > 0:
                        pass
                except Exception:  # keep the thread alive; the worker logs and retries
                    log.exception("background mail sender failed")
                finally:
                    db.session.remove()


_senders: dict[int, _BackgroundSender] = {}
_senders_lock = threading.Lock()


def deliver_pending() -> int:
    """Call after the request's commit: let queued mail leave as ``MAIL_DELIVERY`` says.

    Never raises for mail trouble and, except in ``inline`` mode, never waits for SMTP.
    Returns how many messages were sent now (always 0 unless ``inline``).
    """
    mode = current_app.config["MAIL_DELIVERY"]
    if mode == "inline":
        try:
            return send_due()
        except Exception:
            db.session.rollback()
            log.exception("inline mail delivery failed; the outbox keeps the messages")
            return 0
    if mode == "background":
        app = current_app._get_current_object()
        with _senders_lock:
            sender = _senders.get(id(app))
            if sender is None:
                sender = _senders[id(app)] = _BackgroundSender(app)
        sender.wake.set()
    return 0
