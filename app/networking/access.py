"""Who takes part in an event's networking, and as whom: the attendee behind a request.

A person takes part as one of the event's active registrations (confirmed or waitlisted),
reached either by signing in (the account's e-mail is the registration's) or through their
personal networking link (signed from the ticket salt like the badge link, so a colleague
registered by a company member needs no account; it dies with a reissued badge). Every page
and endpoint of the area resolves the attendee here, then checks the networking consent.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from app.events.access import visible_event_or_404
from app.events.registration import ACTIVE
from app.events.tickets import ticket_key
from app.extensions import db
from app.models import Company, Event, Registration, Role


def networking_event_or_404(event_id: int) -> Event:
    """A visible event whose staff turned networking on; any other event has no networking pages."""
    event = visible_event_or_404(event_id)
    if not event.networking_enabled:
        abort(404)
    return event


def link_token(registration: Registration, key: bytes | None = None) -> str:
    """The secret of a registration's personal networking link (128 bits, URL-safe, never stored)."""
    if not registration.ticket_salt:
        raise ValueError(f"registration {registration.id} has no ticket yet")
    digest = hmac.new(key or ticket_key(), b"networking link:" + registration.ticket_salt.encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()[:16]).decode().rstrip("=")


def link_matches(registration: Registration, token: str | None) -> bool:
    if not registration.ticket_salt or not token or len(token) > 64:
        return False
    return hmac.compare_digest(link_token(registration).encode(), token.encode())


@dataclasses.dataclass(frozen=True)
class Attendee:
    """The person acting: their registration, and how they got here (for links back)."""

    registration: Registration
    token: str | None = None  # the personal link's token; None when signed in

    @property
    def event(self) -> Event:
        return self.registration.event

    @property
    def company(self) -> Company | None:
        """The directory company they act for; None for a guest (guests exchange contacts, no meetings)."""
        return self.registration.company

    @property
    def consented(self) -> bool:
        return self.registration.networking_consent_at is not None


def registration_of_user(event: Event, user) -> Registration | None:
    """The signed-in person's own active registration at the event (matched by e-mail)."""
    if not user.is_authenticated or user.role != Role.MEMBER:
        return None
    return db.session.scalars(
        select(Registration)
        .where(
            Registration.event_id == event.id,
            Registration.email == user.email,
            Registration.status.in_(ACTIVE),
        )
        .limit(1)
    ).first()


def signed_in_attendee(event: Event) -> Attendee | None:
    registration = registration_of_user(event, current_user)
    return Attendee(registration) if registration is not None else None


def linked_attendee_or_404(registration_id: int, token: str) -> Attendee:
    """The attendee of a personal networking link; a wrong, dead or inactive link is a 404."""
    registration = db.session.get(Registration, registration_id)
    if registration is None or not link_matches(registration, token) or registration.status not in ACTIVE:
        abort(404)
    if not registration.event.networking_enabled or registration.event.status.value == "draft":
        abort(404)
    return Attendee(registration, token)


def consenting_attendee_or_403(attendee: Attendee | None) -> Attendee:
    """The networking pages beyond the consent form need the person's consent (403 otherwise)."""
    if attendee is None or not attendee.consented:
        abort(403)
    return attendee
