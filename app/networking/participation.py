"""Taking part in an event's networking: giving and withdrawing the networking consent.

Services take plain arguments and never commit (the view commits once).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.events.tickets import ensure_tickets
from app.extensions import db
from app.mail import queue_template, recipient_locales
from app.models import Event, Registration, RegistrationStatus
from app.networking.consent import NETWORKING_CONSENT_VERSION


def give_consent(registration: Registration, now: dt.datetime) -> None:
    registration.networking_consent_version = NETWORKING_CONSENT_VERSION
    registration.networking_consent_at = now


def withdraw_consent(registration: Registration) -> None:
    """From now on the person is not listed to others and sees nobody; contacts already exchanged
    stay with the other side (they were handed over in person), the person's own notes stay theirs."""
    registration.networking_consent_version = None
    registration.networking_consent_at = None


def announce_networking(event: Event) -> int:
    """Staff just opened networking: mail every confirmed attendee their personal networking link
    (people registered before it opened got none with their confirmation). Returns how many."""
    registrations = list(
        db.session.scalars(
            select(Registration)
            .where(Registration.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED)
            .order_by(Registration.id)
        )
    )
    ensure_tickets(registrations)
    locales = recipient_locales([r.email for r in registrations])
    for registration in registrations:
        queue_template(
            registration.email,
            "networking_opened",
            locale=locales[registration.email],
            event=event,
            registration=registration,
        )
    return len(registrations)
