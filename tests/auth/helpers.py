"""Shared helpers for the account tests: reading mail from the real SMTP server, sign-in state."""
from __future__ import annotations

import re
import time

from sqlalchemy import func, select

from app.extensions import db
from app.models import OutboxMessage
from tests.conftest import csrf_token


def wait_for_mail(mailbox, count: int = 1, timeout: float = 2.0):
    """Messages received so far, polling until at least `count` arrived (aiosmtpd is async)."""
    deadline = time.monotonic() + timeout
    while len(mailbox) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return list(mailbox)


def no_mail_arrives(mailbox, wait: float = 0.3) -> bool:
    """True when nothing arrives within a short wait (sending is synchronous, so this is enough)."""
    time.sleep(wait)
    return len(mailbox) == 0


def no_mail_sent_or_queued(mailbox, wait: float = 0.3) -> bool:
    """True when nothing arrives within a short wait and the outbox holds no unsent message.

    The empty mailbox alone would also pass when mail was queued but never delivered (no
    delivery after the commit, SMTP down, worker mode). The outbox is counted on a connection
    of its own, so the test's session and its transaction are left as they are.
    """
    time.sleep(wait)
    with db.engine.connect() as conn:
        unsent = conn.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None)))
    return len(mailbox) == 0 and unsent == 0


def body_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def link_in(message, path_prefix: str) -> tuple[str, str]:
    """The absolute link to `path_prefix`<token> in a mail, and its token."""
    match = re.search(r"(http://localhost" + re.escape(path_prefix) + r"([A-Za-z0-9_\-]+))", body_of(message))
    assert match, f"no {path_prefix} link in mail:\n{body_of(message)}"
    return match.group(1), match.group(2)


def signed_in_as(client) -> str | None:
    """The e-mail shown on the logout button of the home page, or None when signed out."""
    html = client.get("/").get_data(as_text=True)
    match = re.search(r'action="/auth/logout".*?title="([^"]+)"', html, re.S)
    return match.group(1) if match else None


def post_form(client, path: str, data: dict, token_from: str | None = None, **kw):
    """POST a form the way a browser does: with the CSRF token of the page it came from."""
    data = dict(data, csrf_token=csrf_token(client, token_from or path))
    return client.post(path, data=data, **kw)


def see_committed() -> None:
    """End the test's own read transaction, so that what requests committed becomes visible.

    SQLite (WAL, explicit BEGIN) reads from a snapshot taken when the transaction began;
    loaded objects are expired and reload on next access.
    """
    db.session.rollback()
