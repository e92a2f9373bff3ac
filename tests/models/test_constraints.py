"""Integrity rules enforced by the database itself (migrated schema, SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError, StatementError

from app.extensions import db
from app.models import (
    Company,
    Event,
    EventKind,
    Registration,
    RegistrationStatus,
    Role,
    ScanLog,
    User,
)
from tests.factories import (
    make_checkin,
    make_cluster,
    make_company,
    make_event,
    make_registration,
    make_user,
)

KST = ZoneInfo("Asia/Seoul")


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


# --- users -------------------------------------------------------------------------


def test_user_email_is_stored_lower_case_and_unique_case_insensitively(app):
    first = make_user(email="  Kim@Example.com ")
    assert first.email == "kim@example.com"
    db.session.commit()

    with pytest.raises(IntegrityError):
        make_user(email="kim@example.com")
    db.session.rollback()
    with pytest.raises(IntegrityError):
        make_user(role=Role.STAFF, email="KIM@EXAMPLE.COM")
    db.session.rollback()

    assert _count(User, User.email == "kim@example.com") == 1


def test_member_without_company_is_rejected(app):
    db.session.add(User(email="orphan@example.com", name="소속없음", role=Role.MEMBER, password_hash="x"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_staff_and_admin_need_no_company(app):
    staff = make_user(role=Role.STAFF, clusters=[make_cluster()])
    admin = make_user(role=Role.ADMIN)
    db.session.commit()
    assert staff.company_id is None and admin.company_id is None


# --- companies ---------------------------------------------------------------------


def test_company_brn_is_unique(app):
    make_company(brn="124-81-00998")
    db.session.commit()
    with pytest.raises(IntegrityError):
        # Same number typed without dashes: normalised, so it collides.
        make_company(brn="1248100998")
    db.session.rollback()
    assert _count(Company, Company.brn == "1248100998") == 1


def test_several_companies_may_have_no_brn(app):
    cluster = make_cluster()
    for value in (None, None, ""):
        make_company(cluster=cluster, brn=value)
    db.session.commit()
    assert _count(Company, Company.brn.is_(None)) == 3


# --- registrations -----------------------------------------------------------------


@pytest.mark.parametrize("second_status", [RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED])
def test_one_active_registration_per_event_and_email(app, second_status):
    event = make_event()
    make_registration(event, email="lee@example.com")
    db.session.commit()

    with pytest.raises(IntegrityError):
        make_registration(event, email="Lee@Example.com", status=second_status)
    db.session.rollback()
    assert _count(Registration, Registration.event_id == event.id) == 1


def test_cancelled_registration_frees_the_email_for_a_new_one(app):
    event = make_event()
    first = make_registration(event, email="park@example.com")
    db.session.commit()

    first.status = RegistrationStatus.CANCELLED
    first.cancelled_at = dt.datetime.now(dt.UTC)
    again = make_registration(event, email="park@example.com")
    db.session.commit()

    # Cancel and come back once more: several cancelled rows may share the e-mail.
    again.status = RegistrationStatus.CANCELLED
    db.session.flush()
    make_registration(event, email="park@example.com", status=RegistrationStatus.WAITLISTED)
    db.session.commit()

    rows = db.session.scalars(
        select(Registration.status).where(Registration.event_id == event.id, Registration.email == "park@example.com")
    ).all()
    assert sorted(s.value for s in rows) == ["cancelled", "cancelled", "waitlisted"]


def test_same_email_may_register_for_another_event(app):
    cluster = make_cluster()
    make_registration(make_event(cluster), email="choi@example.com")
    make_registration(make_event(cluster), email="choi@example.com")
    db.session.commit()
    assert _count(Registration, Registration.email == "choi@example.com") == 2


def test_ticket_hash_is_unique(app):
    cluster = make_cluster()
    first = make_registration(make_event(cluster))
    db.session.commit()
    with pytest.raises(IntegrityError):
        make_registration(make_event(cluster), ticket_salt=first.ticket_salt, ticket_hash=first.ticket_hash)
    db.session.rollback()


def test_registration_for_missing_event_is_rejected(app):
    # On SQLite this only holds when PRAGMA foreign_keys is on for app connections.
    db.session.add(Registration(event_id=987654, name="유령", email="ghost@example.com"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_deleting_an_event_cascades_to_its_registrations_and_checkins(app):
    event = make_event()
    make_checkin(make_registration(event))
    db.session.commit()
    event_id = event.id
    db.session.execute(text("DELETE FROM events WHERE id = :id"), {"id": event_id})
    db.session.commit()
    assert db.session.scalar(text("SELECT count(*) FROM registrations WHERE event_id = :id"), {"id": event_id}) == 0
    assert db.session.scalar(text("SELECT count(*) FROM checkins WHERE event_id = :id"), {"id": event_id}) == 0


# --- check-ins ---------------------------------------------------------------------


def test_a_registration_is_checked_in_at_most_once(app):
    registration = make_registration(make_event())
    make_checkin(registration)
    db.session.commit()
    with pytest.raises(IntegrityError):
        make_checkin(registration)
    db.session.rollback()


def test_scan_nonce_is_unique_per_event_but_optional(app):
    event, other = make_event(), make_event()

    def log(event_, nonce):
        db.session.add(ScanLog(event_id=event_.id, mode="in", result="ok", nonce=nonce))
        db.session.flush()

    log(event, "scan-7f3a")
    log(other, "scan-7f3a")  # another event's scanner may pick the same nonce
    # Scans without a nonce (walk-ins registered at the desk) do not collide with each other.
    log(event, None)
    log(event, None)
    db.session.commit()
    with pytest.raises(IntegrityError):
        log(event, "scan-7f3a")
    db.session.rollback()


def test_a_registration_is_checked_in_once(app):
    registration = make_registration(make_event())
    make_checkin(registration)
    db.session.commit()
    with pytest.raises(IntegrityError):
        make_checkin(registration)
    db.session.rollback()


# --- events ------------------------------------------------------------------------


def _start() -> dt.datetime:
    return dt.datetime(2026, 5, 20, 19, 0, tzinfo=KST)


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"ends_at": _start()}, id="ends-at-start"),
        pytest.param({"ends_at": _start() - dt.timedelta(hours=1)}, id="ends-before-start"),
        pytest.param({"capacity": 0}, id="capacity-0"),
        pytest.param({"capacity": -5}, id="capacity-negative"),
        pytest.param({"seats_per_company": 0}, id="seats-per-company-0"),
        pytest.param({"kind": EventKind.RESEARCH, "research_group": None}, id="research-without-group"),
    ],
)
def test_event_checks_reject_bad_rows(app, overrides):
    cluster = make_cluster()
    db.session.commit()
    with pytest.raises(IntegrityError):
        make_event(cluster, starts_at=_start(), **overrides)
    db.session.rollback()
    assert _count(Event) == 0


def test_valid_events_pass_the_checks(app):
    make_event(starts_at=_start(), capacity=1, seats_per_company=1)
    research = make_event(kind=EventKind.RESEARCH, starts_at=_start())
    db.session.commit()
    assert research.research_group_id is not None
    assert _count(Event) == 2


# --- UTCDateTime -------------------------------------------------------------------


def test_aware_kst_datetime_round_trips_as_the_same_instant_in_utc(app):
    starts_kst = dt.datetime(2026, 3, 1, 19, 30, tzinfo=KST)
    event = make_event(starts_at=starts_kst)
    db.session.commit()
    event_id = event.id
    db.session.expunge_all()

    loaded = db.session.get(Event, event_id)
    assert loaded.starts_at == starts_kst
    assert loaded.starts_at.utcoffset() == dt.timedelta(0)
    assert (loaded.starts_at.hour, loaded.starts_at.minute) == (10, 30)
    # What is in the column is naive UTC on both backends.
    raw = db.session.scalar(text("SELECT starts_at FROM events WHERE id = :id"), {"id": event_id})
    assert str(raw).startswith("2026-03-01 10:30:00")


def test_naive_datetime_is_refused(app):
    with pytest.raises((ValueError, StatementError), match="naive datetime"):
        make_event(starts_at=dt.datetime(2026, 3, 1, 19, 30))
    db.session.rollback()
    assert _count(Event) == 0
