"""Turns the demo tables into what to create: registrations and proxies from a fixed RNG, dates relative to now.

Pure: nothing here reads or writes the database. Choices are drawn from
``random.Random(SEED)`` in a fixed order that does not depend on the database or on ``now``,
so two runs describe the same data. Dates are computed from ``now`` on the Seoul calendar.

Idempotency keys (the natural keys ``load.py`` looks objects up by): cluster by slug, company
by BRN, research group by name, user by e-mail, event by ``event_key`` (host cluster slug and
Korean title), registration by event and e-mail, check-in by registration, council proxy by
event and giving company (its active proxy).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from app.models import AttendeeRole, EventKind, EventStatus, RegistrationStatus
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
    CouncilAttendance,
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
    checkin_after_s: int | None  # seconds after the start (negative: before it); None: not checked in
    role: AttendeeRole = AttendeeRole.ATTENDEE


@dataclass(frozen=True)
class PlannedProxy:
    """A council member company hands its vote at one meeting to another member company."""

    giver: str  # company domain
    receiver: str  # company domain
    created_by: str | None  # the giving company's member account (e-mail), if it has one
    created_frac: float  # position in the registration window, 0..1


@dataclass(frozen=True)
class DemoPlan:
    registrations: dict[EventKey, list[PlannedRegistration]]
    proxies: dict[EventKey, list[PlannedProxy]]


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


def plan_demo(rng: random.Random | None = None) -> DemoPlan:
    """Registrations and proxies per event key; depends only on the seed data and the RNG, never on the DB."""
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
    proxies: dict[EventKey, list[PlannedProxy]] = {}
    for ev in EVENTS:
        if ev.council is not None:
            plans[event_key(ev)], proxies[event_key(ev)] = _plan_council(ev, ev.council, rng, staff_pool)
            continue
        a = ev.attendance
        if a is None:
            continue
        if a.pool == "cluster":
            chosen = rng.sample(by_cluster[ev.host], min(a.companies, len(by_cluster[ev.host])))
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
            i
            for i, (d, _, p, s) in enumerate(entries)
            if d and s == RegistrationStatus.CONFIRMED and p.email not in member_emails
        ]
        cancelled = set(rng.sample(cancellable, min(a.cancelled, len(cancellable))))

        fracs = sorted(rng.random() for _ in entries)
        planned = []
        for i, ((domain, guest_name, person, status), frac) in enumerate(zip(entries, fracs, strict=True)):
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
    return DemoPlan(plans, proxies)


# --------------------------------------------------------------------------- council meetings


def check_council(ev: EventSeed, council: CouncilAttendance) -> None:
    """Raise ValueError unless the meeting's data follows the council rules the services enforce.

    The rules of app/events/registration.py and app/events/proxy.py: only member companies of
    the host cluster's council take part; one voting representative per company; a company that
    gave its vote has no voter; no chains (a giver receives nothing, a receiver gives nothing);
    observers only where the meeting allows them; seats per company and capacity hold. And for
    the story: every proxy goes to a company that sends its voter.
    """

    def fail(why: str) -> None:
        raise ValueError(f"{ev.title_ko}: {why}")

    if ev.kind != EventKind.COUNCIL:
        fail("council attendance on an event that is not a council meeting")
    named = set(council.voters) | set(council.observers) | {d for pair in council.proxies for d in pair}
    for domain in sorted(named):
        company = COMPANY_BY_DOMAIN.get(domain)
        if company is None or company.cluster != ev.host or not company.is_council_member:
            fail(f"{domain} is not a council member company of {ev.host}")
    if len(set(council.voters)) != len(council.voters):
        fail("a company registers more than one voting representative")
    givers = [giver for giver, _ in council.proxies]
    receivers = {receiver for _, receiver in council.proxies}
    if len(set(givers)) != len(givers):
        fail("a company gives its vote twice")
    for giver, receiver in council.proxies:
        if giver == receiver:
            fail(f"{giver} gives its vote to itself")
        if giver in council.voters:
            fail(f"{giver} gave its vote and still registers a voter")
        if giver in receivers or receiver in givers:
            fail(f"proxy chain through {giver} -> {receiver}")
        if receiver not in council.voters:
            fail(f"{receiver} holds a vote but sends no voter")
    if council.observers and not ev.allows_observers:
        fail("observers at a meeting that does not allow them")
    if not set(council.absent) <= set(council.voters):
        fail("an absent company that registered no voter")
    if council.absent and not ev.is_past:
        fail("absent voters at an upcoming meeting")
    seats = [council.voters.count(d) + council.observers.count(d) for d in named]
    if ev.seats_per_company is not None and max(seats, default=0) > ev.seats_per_company:
        fail("more people than seats per company")
    if sum(seats) > ev.capacity:
        fail("more people than the capacity")


def _plan_council(
    ev: EventSeed, council: CouncilAttendance, rng: random.Random, staff_pool: dict[str, list[Person]]
) -> tuple[list[PlannedRegistration], list[PlannedProxy]]:
    """A council meeting's voters and observers, in company order, and its proxies.

    At a past meeting voters who came check in between 20 minutes before and 5 minutes after
    the start (the scanner admits from 60 minutes before); most observers come too.
    """
    check_council(ev, council)
    entries: list[tuple[str, Person, AttendeeRole]] = []
    for domain in dict.fromkeys(council.voters + council.observers):
        people = iter(staff_pool[domain])
        if domain in council.voters:
            entries.append((domain, next(people), AttendeeRole.VOTER))
        if domain in council.observers:
            entries.append((domain, next(people), AttendeeRole.OBSERVER))
    fracs = sorted(rng.random() for _ in entries)
    planned = []
    for (domain, person, role), frac in zip(entries, fracs, strict=True):
        checkin = None
        if ev.is_past and role == AttendeeRole.VOTER and domain not in council.absent:
            checkin = rng.randint(-20 * 60, 5 * 60)
        elif ev.is_past and role == AttendeeRole.OBSERVER and rng.random() < 0.8:
            checkin = rng.randint(-15 * 60, 10 * 60)
        member = MEMBER_OF.get(domain)
        planned.append(
            PlannedRegistration(
                email=person.email,
                name=person.name,
                mobile=person.mobile,
                company=domain,
                guest_company_name=None,
                registered_by=member.email if member else None,
                status=RegistrationStatus.CONFIRMED,
                created_frac=frac,
                checkin_after_s=checkin,
                role=role,
            )
        )
    proxies = []
    for giver, receiver in council.proxies:
        member = MEMBER_OF.get(giver)
        # Handed over late in the window, once the company knows it cannot come.
        proxies.append(PlannedProxy(giver, receiver, member.email if member else None, rng.uniform(0.5, 1.0)))
    return planned, proxies


# --------------------------------------------------------------------------- dates


def kst(day: dt.date, hour: int) -> dt.datetime:
    """Whole hour on a Seoul calendar day, as an aware UTC datetime."""
    return dt.datetime.combine(day, dt.time(hour), tzinfo=KST).astimezone(dt.UTC)


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
