"""A directory company and the same business registering as a guest (by its BRN) share one
seats-per-company limit, whichever way they come in first."""

from __future__ import annotations

import pytest

from app.events.registration import AttendeeData, RegistrationError, company_seats_left, register
from app.extensions import db
from app.models import EventKind, EventStatus, RegistrationStatus, utcnow
from tests.factories import make_cluster, make_company, make_event


def _guest(event, brn, *emails):
    return register(
        event.id,
        [AttendeeData(f"게스트{i}", e, mobile="010-1234-5678") for i, e in enumerate(emails)],
        guest_company_name="누리미디어",
        guest_brn=brn,
        consent_version="v1",
        now=utcnow(),
    )


def _member(event, company, *emails):
    return register(
        event.id,
        [AttendeeData(f"직원{i}", e) for i, e in enumerate(emails)],
        company=company,
        consent_version="v1",
        now=utcnow(),
    )


@pytest.fixture
def setting(app):
    host = make_cluster()
    company = make_company(host)
    event = make_event(
        host,
        kind=EventKind.NETWORKING,
        status=EventStatus.PUBLISHED,
        open_to_guests=True,
        capacity=50,
        seats_per_company=2,
    )
    db.session.commit()
    return event, company


def test_guest_registrations_under_the_company_brn_use_the_company_seats(setting):
    event, company = setting
    _guest(event, company.brn, "a@guest.example")
    db.session.commit()
    assert company_seats_left(event, company.id) == 1
    with pytest.raises(RegistrationError) as info:
        _member(event, company, "b@nuri.example", "c@nuri.example")
    assert info.value.code == "company_limit"
    db.session.rollback()
    _member(event, company, "b@nuri.example")
    db.session.commit()
    assert company_seats_left(event, company.id) == 0


def test_company_registrations_count_against_a_guest_with_its_brn(setting):
    event, company = setting
    _member(event, company, "b@nuri.example", "c@nuri.example")
    db.session.commit()
    with pytest.raises(RegistrationError) as info:
        _guest(event, company.brn, "a@guest.example")
    assert info.value.code == "company_limit"


def test_other_guests_are_not_affected(setting):
    event, company = setting
    _member(event, company, "b@nuri.example", "c@nuri.example")
    db.session.commit()
    other = make_company(make_cluster()).brn  # a different business
    db.session.commit()
    registrations = _guest(event, other, "x@other.example", "y@other.example")
    db.session.commit()
    # The other firm has its own two seats, all confirmed; the company still has none left.
    assert [r.status for r in registrations] == [RegistrationStatus.CONFIRMED] * 2
    assert {r.guest_brn for r in registrations} == {other}
    assert company_seats_left(event, company.id) == 0
    with pytest.raises(RegistrationError) as info:
        _guest(event, other, "z@other.example")
    assert info.value.code == "company_limit"
