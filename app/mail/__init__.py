"""Mail: messages are queued in the outbox inside the request's transaction and sent after it.

A request only writes ``OutboxMessage`` rows; it never waits for SMTP (except ``inline``
delivery in tests). ``outbox`` queues (plain or from ``templates/mail/``, in the recipient's
language), ``transport`` builds the message and talks SMTP/console/file, ``delivery`` claims,
sends and retries, and after a request's commit lets the mail leave as ``MAIL_DELIVERY``
says (see its docstring). The names below are the package's API.
"""

from __future__ import annotations

from app.mail.delivery import (
    CLAIM_LEASE,
    backoff,
    init_mail,
    pending_counts,
    send_all,
    send_due,
)
from app.mail.outbox import Attachment, linkify, queue_mail, queue_template, recipient_locale, recipient_locales
from app.mail.transport import MAIL_POLICY

__all__ = [
    "CLAIM_LEASE",
    "MAIL_POLICY",
    "Attachment",
    "backoff",
    "init_mail",
    "linkify",
    "pending_counts",
    "queue_mail",
    "queue_template",
    "recipient_locale",
    "recipient_locales",
    "send_all",
    "send_due",
]
