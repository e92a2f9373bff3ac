"""Walk-ins: a person registered at the door and checked in at once, in one transaction."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.checkin import answers, service
from app.events.registration import AttendeeData, RegistrationError, check_eligibility, register
from app.extensions import db
from app.models import AttendeeRole, Company, Event, EventKind, Registration, User

# Refusals of check_eligibility that hold for everyone at this moment (not about one company).
_EVENT_WIDE = {"cancelled", "not_published", "ended", "doors_not_open"}


def door_closed_reason(event: Event, now: dt.datetime) -> str | None:
    """Why nobody can be registered at the door now (before doors open, after the end, a cancelled
    or unpublished event), or None while walk-ins are taken."""
    try:
        check_eligibility(event, guest=True, now=now, at_the_door=True)
    except RegistrationError as exc:
        if exc.code in _EVENT_WIDE:
            return exc.message
    return None


def eligible_companies(event: Event, now: dt.datetime) -> list[Company]:
    """Directory companies that may attend this event (the same rule as online registration), 가나다 order."""
    companies = db.session.scalars(select(Company).where(Company.is_active.is_(True)).order_by(Company.sort_name))
    allowed = []
    for company in companies:
        try:
            check_eligibility(event, company=company, now=now, at_the_door=True)
        except RegistrationError:
            continue
        allowed.append(company)
    return allowed


def role_choices(event: Event) -> list[tuple[str, str]]:
    """Roles staff may give a walk-in: council roles at a council meeting, else attendee; speaker and staff always."""
    roles = [AttendeeRole.VOTER, AttendeeRole.OBSERVER] if event.kind == EventKind.COUNCIL else [AttendeeRole.ATTENDEE]
    roles += [AttendeeRole.SPEAKER, AttendeeRole.STAFF]
    return [(r.value, r.label) for r in roles]


def register_and_admit(
    event: Event,
    attendee: AttendeeData,
    *,
    company: Company | None,
    guest_company_name: str | None,
    guest_brn: str | None,
    consent_version: str | None,
    staff: User,
    gate: str | None,
    now: dt.datetime,
) -> Registration:
    """Register a walk-in (a free seat needed, no waitlist at the door) and check them in.

    Raises RegistrationError when either step refuses; the caller rolls back, so a refused
    check-in (doors not open yet) leaves no registration behind. Never commits.
    """
    (registration,) = register(
        event.id,
        [attendee],
        company=company,
        guest_company_name=guest_company_name if company is None else None,
        guest_brn=guest_brn if company is None else None,
        registered_by=staff,
        consent_version=consent_version,
        now=now,
        walk_in=True,
    )
    answer = service.scan(
        event,
        registration_id=registration.id,
        nonce=None,
        mode="in",
        gate=gate,
        method="walkin",
        user_id=staff.id,
        now=now,
    )
    if answer.result != answers.OK:
        raise RegistrationError(answer.result, answer.message)
    return registration
