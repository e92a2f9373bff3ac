"""Sending the outbox: claims with a lease, retry backoff, the senders, and delivery after commit.

How queued mail leaves once a request has committed it is ``MAIL_DELIVERY``:

- ``worker`` (production): only ``flask mail worker`` sends; the request does nothing more.
- ``background`` (development): a thread in the web process is woken.
- ``inline`` (tests): sent before the response, so tests can read the mailbox at once.
  A failure still only leaves the message in the outbox.

The framework does this, once per request; views never call anything after their commit.
``queue_mail`` marks the database session (``session.info``). When the session's outermost
transaction commits, a session listener turns the mark into a flag on ``flask.g`` (only
inside a request); when it ends any other way (rollback, close) the mark is dropped, so mail
that was rolled back never starts a delivery. A savepoint's release or rollback leaves the
mark alone: the enclosing transaction decides. An ``after_request`` hook (``init_mail``)
calls ``deliver_pending()`` once if the flag is set, however many commits the request made;
a request that queued nothing costs no query and no SMTP connection. The hook also runs for
error pages: mail committed before an exception still leaves, and mail from a transaction
the exception cut short was never committed, so nothing is sent. (The hook runs before a
streamed body: mail committed inside a streaming generator waits for the next sender.)

Outside a request (``flask`` commands, the worker, scripts) committing queued mail delivers
nothing by itself: ``flask mail worker`` or ``flask mail send`` sends it.

Sending claims messages with a lease (``next_attempt_at`` moved forward) so two workers
never send one message twice; a failure reschedules it with exponential backoff. Messages
are never dropped: they wait until a send succeeds.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import smtplib
import threading

from flask import Flask, Response, current_app, g, has_request_context
from sqlalchemy import event, func, or_, select
from sqlalchemy.orm import Session, SessionTransaction

from app.database import begin_write
from app.extensions import db
from app.mail.transport import Transport, build_message
from app.models import OutboxMessage, utcnow

log = logging.getLogger(__name__)

# How long a claimed message is reserved for the worker that claimed it. A worker that dies
# mid-send releases it when the lease ends (the message may then be sent twice: at least once).
CLAIM_LEASE = dt.timedelta(minutes=5)


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
    failing = (
        db.session.scalar(select(func.count()).where(OutboxMessage.sent_at.is_(None), OutboxMessage.attempts > 0)) or 0
    )
    return unsent, failing


def _send(ids: list[int]) -> int:
    """Send the claimed messages. Each outcome is committed on its own, so a crash loses
    nothing; a failure schedules the next try by ``backoff``."""
    if not ids:
        return 0
    app = current_app._get_current_object()
    cfg = app.config
    transport = Transport(app)
    sent = 0
    try:
        for message_id in ids:
            message = db.session.get(OutboxMessage, message_id)
            error = None
            recipient = message.recipient
            try:
                mail = build_message(message)
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
    """Let committed mail leave as ``MAIL_DELIVERY`` says.

    The after-request hook calls this once per request that committed mail; calling it
    again (as older views do after their commit) finds nothing left and sends nothing twice.
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


# --- after a request's commit ----------------------------------------------------------------

# On the session (session.info): mail was queued in the transaction in progress.
_QUEUED = "moim_mail_queued"
# On flask.g: this request committed queued mail.
_COMMITTED = "moim_mail_committed"


def note_mail_queued(session) -> None:
    """Mark ``session`` (a Session or the scoped ``db.session``): its transaction holds new mail."""
    session.info[_QUEUED] = True


def _mail_committed(session: Session) -> None:
    # after_commit also fires when a savepoint is released; only the outermost commit counts.
    if session.in_nested_transaction():
        return
    if session.info.pop(_QUEUED, False) and has_request_context():
        setattr(g, _COMMITTED, True)


def _transaction_ended(session: Session, transaction: SessionTransaction) -> None:
    # Runs after _mail_committed for a commit, and alone for a rollback or close, which
    # discard the queued rows (after_soft_rollback would miss Session.close()). Only the
    # outermost transaction: a flush runs in a subtransaction, begin_nested() in a savepoint.
    if transaction.parent is None:
        session.info.pop(_QUEUED, None)


def _deliver_after_request(response: Response) -> Response:
    if g.pop(_COMMITTED, False):
        # Its own app context, hence its own database session: delivery commits its claims
        # and must never commit, nor wait on the locks of, whatever the view left uncommitted.
        with current_app._get_current_object().app_context():
            deliver_pending()
    return response


def init_mail(app: Flask) -> None:
    """Deliver mail after the commit of each request that queued some (see the module doc)."""
    # db.session's session class is shared by every app: listen once.
    if not event.contains(db.session, "after_commit", _mail_committed):
        event.listen(db.session, "after_commit", _mail_committed)
        event.listen(db.session, "after_transaction_end", _transaction_ended)
    app.after_request(_deliver_after_request)
