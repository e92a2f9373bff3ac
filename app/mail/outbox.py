"""Queueing mail: outbox rows written in the caller's transaction, in the recipient's language."""

from __future__ import annotations

import dataclasses
import json
import re

from flask import current_app, render_template
from flask_babel import force_locale
from markupsafe import Markup, escape
from sqlalchemy import select

from app.extensions import db
from app.mail.delivery import note_mail_queued
from app.models import OutboxMessage, User
from app.models.user import normalize_email


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
    note_mail_queued(db.session)
    return message


_URL = re.compile(r"https?://[^\s<>\"']+")


def linkify(line: str) -> Markup:
    """Escape a line of text and turn its http(s) URLs into links."""
    out, last = [], 0
    for match in _URL.finditer(line):
        out.append(escape(line[last : match.start()]))
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
    found = {}
    if emails:
        found = dict(db.session.execute(select(User.email, User.locale).where(User.email.in_(emails))).all())
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
