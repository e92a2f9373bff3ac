"""The door's roster for offline answers (docs/CHECKIN_API.md): per registration only what the door
shows (a hash of the ticket code, never the code; name, company, role, status, the check-in), read
in two queries whatever the size."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.events.door import checkout_closes_at
from app.extensions import db
from app.models import CheckIn, Event, EventStatus, Registration, RegistrationStatus

_STATUS = {
    RegistrationStatus.CONFIRMED: "ok",
    RegistrationStatus.WAITLISTED: "waitlisted",
    RegistrationStatus.CANCELLED: "cancelled",
}


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def event_roster(event: Event, now: dt.datetime) -> dict:
    """The whole roster of one event (``full`` is always true: every refresh replaces the device's copy)."""
    registrations = db.session.scalars(
        select(Registration)
        .options(selectinload(Registration.company))
        .where(Registration.event_id == event.id, Registration.ticket_hash.is_not(None))
        .order_by(Registration.id)
    ).all()
    checkins = {c.registration_id: c for c in db.session.scalars(select(CheckIn).where(CheckIn.event_id == event.id))}
    cancelled_event = event.status == EventStatus.CANCELLED
    entries = []
    for r in registrations:
        c = checkins.get(r.id)
        entries.append(
            {
                "h": r.ticket_hash,
                "id": r.id,
                "n": r.name,
                "c": r.company_name,
                "r": r.role_tag,
                "rl": r.role_label,
                "s": "cancelled" if cancelled_event else _STATUS[r.status],
                "in": _iso(c.checked_in_at) if c else None,
                "g": c.gate if c else None,
                "out": _iso(c.checked_out_at) if c else None,
            }
        )
    return {
        "event": {
            "id": event.id,
            "title": event.title,
            "ends_at": _iso(event.ends_at),
            "erase_after": _iso(checkout_closes_at(event)),
        },
        "server_time": _iso(now),
        "cursor": _iso(now),
        "full": True,
        "entries": entries,
        "revoked": [],
    }
