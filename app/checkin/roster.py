"""The door's roster for offline answers (docs/CHECKIN_API.md): per registration only what the door
shows (a hash of the ticket code, never the code; name, company, role, status, the check-in), read
in one query whatever the size."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.events.door import checkout_closes_at
from app.extensions import db
from app.models import CheckIn, Company, Event, EventStatus, Registration, RegistrationStatus
from app.models.registration import role_tag, role_tag_label

_STATUS = {
    RegistrationStatus.CONFIRMED: "ok",
    RegistrationStatus.WAITLISTED: "waitlisted",
    RegistrationStatus.CANCELLED: "cancelled",
}


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def event_roster(event: Event, now: dt.datetime) -> dict:
    """The whole roster of one event (``full`` is always true: every refresh replaces the device's copy).

    One Core SELECT (registrations, their company's name and their check-in, joined): building 2,000
    ORM objects with their companies cost six times the query (benchmarks/door_offline.py)."""
    rows = db.session.execute(
        select(
            Registration.id,
            Registration.ticket_hash,
            Registration.name,
            Registration.company_id,
            Registration.guest_company_name,
            Registration.role,
            Registration.status,
            Company.name,
            CheckIn.checked_in_at,
            CheckIn.gate,
            CheckIn.checked_out_at,
        )
        .outerjoin(Company, Company.id == Registration.company_id)
        .outerjoin(CheckIn, CheckIn.registration_id == Registration.id)
        .where(Registration.event_id == event.id, Registration.ticket_hash.is_not(None))
        .order_by(Registration.id)
    ).all()
    cancelled_event = event.status == EventStatus.CANCELLED
    labels: dict[tuple, str] = {}  # a few (role, guest) pairs, each translated once
    entries = []
    for rid, ticket_hash, name, company_id, guest_company, role, status, company, checked_in, gate, out in rows:
        guest = company_id is None
        if (role, guest) not in labels:
            labels[(role, guest)] = role_tag_label(role, guest)
        entries.append(
            {
                "h": ticket_hash,
                "id": rid,
                "n": name,
                "c": company if company_id is not None and company is not None else (guest_company or ""),
                "r": role_tag(role, guest),
                "rl": labels[(role, guest)],
                "s": "cancelled" if cancelled_event else _STATUS[status],
                "in": _iso(checked_in),
                "g": gate if checked_in is not None else None,
                "out": _iso(out),
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
