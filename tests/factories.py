"""Test data builders: each returns a flushed model with sensible, unique defaults."""

from __future__ import annotations

import datetime as dt
import itertools

from app.events.tickets import issue_ticket
from app.extensions import db
from app.models import (
    CheckIn,
    Cluster,
    Company,
    Event,
    EventKind,
    EventStatus,
    Registration,
    RegistrationStatus,
    ResearchGroup,
    Role,
    User,
    utcnow,
)
from app.validators import brn_check_digit

PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)


def valid_brn(n: int | None = None) -> str:
    """A 10-digit BRN with a correct check digit, unique per call."""
    n = next(_seq) if n is None else n
    # Serial 0000 is not a valid BRN: the serial runs 0001-9999.
    first = f"{500 + n % 400:03d}81{n % 9999 + 1:04d}"
    return first + str(brn_check_digit(first))


def make_cluster(slug: str | None = None, **kw) -> Cluster:
    n = next(_seq)
    slug = slug or f"c{n}"
    cluster = Cluster(
        slug=slug,
        name_ko=kw.pop("name_ko", f"클러스터{n}"),
        name_en=kw.pop("name_en", f"Cluster {n}"),
        field_ko=kw.pop("field_ko", "미디어"),
        field_en=kw.pop("field_en", "Media"),
        is_active=kw.pop("is_active", True),
        **kw,
    )
    db.session.add(cluster)
    db.session.flush()
    return cluster


def make_company(cluster: Cluster | None = None, **kw) -> Company:
    n = next(_seq)
    company = Company(
        name=kw.pop("name", f"테스트기업{n}"),
        brn=kw.pop("brn", valid_brn(n)),
        cluster=cluster if cluster is not None else make_cluster(),
        industry=kw.pop("industry", "콘텐츠"),
        **kw,
    )
    db.session.add(company)
    db.session.flush()
    return company


def make_user(
    role: Role = Role.MEMBER, company: Company | None = None, clusters=(), password: str = PASSWORD, **kw
) -> User:
    n = next(_seq)
    if role == Role.MEMBER and company is None:
        company = make_company()
    user = User(
        email=kw.pop("email", f"user{n}@example.com"),
        name=kw.pop("name", f"사용자{n}"),
        role=role,
        company=company if role == Role.MEMBER else None,
        **kw,
    )
    user.set_password(password)
    user.clusters = list(clusters)
    db.session.add(user)
    db.session.flush()
    return user


def make_event(cluster: Cluster | None = None, starts_in: dt.timedelta = dt.timedelta(days=7), **kw) -> Event:
    n = next(_seq)
    starts = kw.pop("starts_at", utcnow().replace(microsecond=0) + starts_in)
    kind = kw.pop("kind", EventKind.NETWORKING)
    if kind == EventKind.RESEARCH and "research_group" not in kw:
        host = cluster or make_cluster()
        kw["research_group"] = ResearchGroup(name=f"연구회{n}", cluster=host)
        cluster = host
    event = Event(
        kind=kind,
        host_cluster=cluster if cluster is not None else make_cluster(),
        title_ko=kw.pop("title_ko", f"테스트 행사 {n}"),
        starts_at=starts,
        ends_at=kw.pop("ends_at", starts + dt.timedelta(hours=2)),
        venue_name=kw.pop("venue_name", "DMC 첨단산업센터"),
        venue_address=kw.pop("venue_address", "서울특별시 마포구 매봉산로 37"),
        capacity=kw.pop("capacity", 30),
        status=kw.pop("status", EventStatus.PUBLISHED),
        **kw,
    )
    db.session.add(event)
    db.session.flush()
    return event


def make_registration(event: Event, company: Company | None = None, **kw) -> Registration:
    n = next(_seq)
    registration = Registration(
        event=event,
        company=company,
        name=kw.pop("name", f"참가자{n}"),
        email=kw.pop("email", f"attendee{n}@example.com"),
        status=kw.pop("status", RegistrationStatus.CONFIRMED),
        **kw,
    )
    if registration.ticket_salt is None:
        issue_ticket(registration)
    db.session.add(registration)
    db.session.flush()
    return registration


def make_checkin(registration: Registration, **kw) -> CheckIn:
    checkin = CheckIn(registration=registration, event_id=registration.event_id, **kw)
    db.session.add(checkin)
    db.session.flush()
    return checkin
