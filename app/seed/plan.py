"""Turns the demo tables into what to create: registrations drawn from a fixed RNG, dates relative to now.

Pure: nothing here reads or writes the database. Choices are drawn from
``random.Random(SEED)`` in a fixed order that does not depend on the database or on ``now``,
so two runs describe the same data. Dates are computed from ``now`` on the Seoul calendar.

Idempotency keys (the natural keys ``load.py`` looks objects up by): cluster by slug, company
by BRN, research group by name, user by e-mail, event by ``event_key`` (host cluster slug and
Korean title), registration by event and e-mail, check-in by registration.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from app.models import EventStatus, RegistrationStatus
from app.seed.data import (
    COMPANIES,
    COMPANY_BY_DOMAIN,
    EVENTS,
    GIVEN_NAMES,
    GUEST_COMPANIES,
    MAIL_DOMAIN,
    MEMBER_OF,
    RESEARCH_GROUP,
    SEED,
    SURNAMES,
    TUE,
    USERS,
    EventSeed,
)

KST = ZoneInfo("Asia/Seoul")

EventKey = tuple[str, str]  # (host cluster slug, title_ko)


def event_key(ev: EventSeed) -> EventKey:
    return (ev.host, ev.title_ko)


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    mobile: str | None


@dataclass(frozen=True)
class PlannedRegistration:
    email: str
    name: str
    mobile: str | None
    company: str | None  # company domain; None for a guest
    guest_company_name: str | None
    registered_by: str | None  # user e-mail
    status: RegistrationStatus
    created_frac: float  # position in the registration window, 0..1
    checkin_after_s: int | None  # seconds after the start; None: not checked in


# --------------------------------------------------------------------------- registrations


def _mobile(rng: random.Random) -> str:
    return f"010-{rng.randint(2000, 9999)}-{rng.randint(0, 9999):04d}"


def _colleagues(rng: random.Random, domain: str, n: int) -> list[Person]:
    people: list[Person] = []
    seen: set[str] = set()
    while len(people) < n:
        surname, surname_en = rng.choice(SURNAMES)
        given, given_en = rng.choice(GIVEN_NAMES)
        email = f"{given_en}.{surname_en}@{domain}.{MAIL_DOMAIN}"
        mobile = _mobile(rng) if rng.random() < 0.8 else None
        if email in seen:
            continue
        seen.add(email)
        people.append(Person(surname + given, email, mobile))
    return people


def plan_registrations(rng: random.Random | None = None) -> dict[EventKey, list[PlannedRegistration]]:
    """Registrations per event key; depends only on the seed data and the RNG, never on the DB."""
    rng = rng or random.Random(SEED)
    staff_pool: dict[str, list[Person]] = {}
    for c in COMPANIES:
        people = _colleagues(rng, c.domain, 3)
        member = MEMBER_OF.get(c.domain)
        if member:
            people.insert(0, Person(member.name, member.email, member.mobile))
        staff_pool[c.domain] = people
    guest_pool = {domain: _colleagues(rng, domain, 2) for _, domain in GUEST_COMPANIES}

    by_cluster: dict[str, list[str]] = {}
    for c in COMPANIES:
        by_cluster.setdefault(c.cluster, []).append(c.domain)

    member_emails = {u.email for u in USERS}
    plans: dict[EventKey, list[PlannedRegistration]] = {}
    for ev in EVENTS:
        a = ev.attendance
        if a is None:
            continue
        if a.pool == "cluster":
            chosen = rng.sample(by_cluster[ev.host], min(a.companies, len(by_cluster[ev.host])))
        elif a.pool == "council":
            council = [d for d in by_cluster[ev.host] if COMPANY_BY_DOMAIN[d].is_council_member]
            chosen = rng.sample(council, min(a.companies, len(council)))
        elif a.pool == "group":
            chosen = rng.sample(list(RESEARCH_GROUP.members), min(a.companies, len(RESEARCH_GROUP.members)))
        elif a.pool == "forum":
            chosen = [d for slug in ev.participating for d in rng.sample(by_cluster[slug], a.companies)]
        else:  # pragma: no cover - data error
            raise ValueError(a.pool)

        seats = ev.seats_per_company or 3
        entries: list[tuple[str | None, str | None, Person, RegistrationStatus]] = []
        confirmed = 0
        leftover: list[str] = []
        for domain in chosen:
            if a.fill and confirmed >= ev.capacity:
                leftover.append(domain)
                continue
            n = seats if a.fill else rng.randint(1, seats)
            n = min(n, ev.capacity - confirmed)
            for person in staff_pool[domain][:n]:
                entries.append((domain, None, person, RegistrationStatus.CONFIRMED))
                confirmed += 1
        for domain in leftover[: a.waitlist]:
            entries.append((domain, None, staff_pool[domain][0], RegistrationStatus.WAITLISTED))
        for guest_name, domain in GUEST_COMPANIES[: a.guests]:
            person = guest_pool[domain][0]
            entries.append((None, guest_name, person, RegistrationStatus.CONFIRMED))

        # Cancel registrations of colleagues (never a member's own, never a guest's).
        cancellable = [
            i for i, (d, _, p, s) in enumerate(entries)
            if d and s == RegistrationStatus.CONFIRMED and p.email not in member_emails
        ]
        cancelled = set(rng.sample(cancellable, min(a.cancelled, len(cancellable))))

        fracs = sorted(rng.random() for _ in entries)
        planned = []
        for i, ((domain, guest_name, person, status), frac) in enumerate(zip(entries, fracs)):
            if i in cancelled:
                status = RegistrationStatus.CANCELLED
            checkin = rng.randint(0, 30 * 60 - 1) if rng.random() < 0.8 else None
            member = MEMBER_OF.get(domain) if domain else None
            planned.append(
                PlannedRegistration(
                    email=person.email,
                    name=person.name,
                    mobile=person.mobile,
                    company=domain,
                    guest_company_name=guest_name,
                    registered_by=member.email if member else None,
                    status=status,
                    created_frac=frac,
                    checkin_after_s=checkin if ev.is_past and status == RegistrationStatus.CONFIRMED else None,
                )
            )
        plans[event_key(ev)] = planned
    return plans


# --------------------------------------------------------------------------- dates


def kst(day: dt.date, hour: int) -> dt.datetime:
    """Whole hour on a Seoul calendar day, as an aware UTC datetime."""
    return dt.datetime.combine(day, dt.time(hour), tzinfo=KST).astimezone(dt.timezone.utc)


def _second_tuesday(year: int, month: int) -> dt.date:
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(TUE - first.weekday()) % 7 + 7)


def event_day(ev: EventSeed, today: dt.date) -> dt.date:
    if ev.council_month is not None:
        months = today.year * 12 + (today.month - 1) + ev.council_month
        return _second_tuesday(months // 12, months % 12 + 1)
    day = today + dt.timedelta(days=ev.day_offset or 0)
    if ev.weekday is not None:
        day += dt.timedelta(days=(ev.weekday - day.weekday()) % 7)
    return day


@dataclass(frozen=True)
class EventTimes:
    starts_at: dt.datetime
    ends_at: dt.datetime
    registration_opens_at: dt.datetime
    registration_closes_at: dt.datetime
    created_at: dt.datetime
    updated_at: dt.datetime


def event_times(ev: EventSeed, now: dt.datetime, has_registrations: bool) -> EventTimes:
    """When a new demo event takes place, takes registrations, was created and last changed."""
    today = now.astimezone(KST).date()
    day = event_day(ev, today)
    starts_at = kst(day, ev.hour)
    opens_at = kst(day - dt.timedelta(days=30), 10)
    if has_registrations:
        # Registrations already taken must lie inside the window: open it at least two days ago.
        opens_at = min(opens_at, kst(today - dt.timedelta(days=2), 10))
    created_at = opens_at - dt.timedelta(days=3)
    cancelled = ev.status == EventStatus.CANCELLED
    return EventTimes(
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=ev.hours),
        registration_opens_at=opens_at,
        registration_closes_at=kst(day - dt.timedelta(days=1), 18),
        created_at=created_at,
        updated_at=min(now - dt.timedelta(days=1), starts_at) if cancelled else created_at,
    )


def registration_window(
    opens_at: dt.datetime | None, closes_at: dt.datetime | None, starts_at: dt.datetime, now: dt.datetime
) -> tuple[dt.datetime, dt.datetime]:
    """The part of an event's registration window that lies before now: (start, end)."""
    start = opens_at or (starts_at - dt.timedelta(days=21))
    end = min(closes_at or starts_at, now)
    return start, max(end, start)


def in_window(window: tuple[dt.datetime, dt.datetime], frac: float) -> dt.datetime:
    start, end = window
    return start + (end - start) * frac
