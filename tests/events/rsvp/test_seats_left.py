"""The member's RSVP form offers only the company's seats left; the first row is the member unless registered."""

from __future__ import annotations

import re

from app.events.registration import company_seats_left
from app.extensions import db
from app.models import RegistrationStatus
from tests.events.rsvp.test_rsvp_routes import (  # noqa: F401  (world is a fixture)
    count_registrations,
    login,
    page,
    register,
    registrations,
    rows,
    world,
)
from tests.factories import make_event, make_registration
from tests.helpers import no_mail_sent_or_queued

USED_UP = "우리 기업의 신청 가능 인원(3명)을 모두 사용했습니다"


def form_part(html: str) -> str:
    """The RSVP form only (the company's table above it also shows names)."""
    match = re.search(r'<form method="post" action="/events/\d+/register".*?</form>', html, re.S)
    return match.group(0) if match else ""


def test_seats_left_counts_confirmed_and_waitlisted_of_this_company_only(app, world):
    make_registration(world.event, world.nuri, email="a@nuri.example")
    make_registration(world.event, world.nuri, email="b@nuri.example", status=RegistrationStatus.WAITLISTED)
    make_registration(world.event, world.nuri, email="c@nuri.example", status=RegistrationStatus.CANCELLED)
    make_registration(world.event, world.other, email="d@hanbit.example")
    db.session.commit()
    assert company_seats_left(world.event, world.nuri.id) == 1
    assert company_seats_left(world.event, world.other.id) == 2
    unlimited = make_event(world.dmc, seats_per_company=None)
    assert company_seats_left(unlimited, world.nuri.id) is None


def test_form_offers_only_the_seats_left(client, world):
    make_registration(world.event, world.nuri, name="먼저신청", email="a@nuri.example")
    make_registration(world.event, world.nuri, email="b@nuri.example", status=RegistrationStatus.WAITLISTED)
    make_registration(world.event, world.nuri, email="c@nuri.example", status=RegistrationStatus.CANCELLED)
    db.session.commit()
    login(client, world.member.email)
    html = client.get(page(world.event.id)).get_data(as_text=True)
    form = form_part(html)
    assert 'name="attendees-0-name"' in form and 'name="attendees-1-name"' not in form
    assert "최대 1명까지 입력할 수 있습니다" in html
    assert USED_UP not in html


def test_no_seats_left_shows_message_instead_of_form_and_keeps_the_table(client, world):
    for i, status in enumerate(
        [RegistrationStatus.CONFIRMED, RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED]
    ):
        make_registration(world.event, world.nuri, name=f"동료{i}", email=f"p{i}@nuri.example", status=status)
    db.session.commit()
    login(client, world.member.email)
    html = client.get(page(world.event.id)).get_data(as_text=True)
    assert USED_UP in html
    assert 'name="attendees-0-name"' not in html and form_part(html) == ""
    assert "우리 기업 신청 현황" in html and all(f"동료{i}" in html for i in range(3))


def test_other_companies_registrations_do_not_use_our_seats(client, world):
    for i in range(3):
        make_registration(world.event, world.other, email=f"p{i}@hanbit.example")
    db.session.commit()
    login(client, world.member.email)
    form = form_part(client.get(page(world.event.id)).get_data(as_text=True))
    assert 'name="attendees-2-name"' in form and 'name="attendees-3-name"' not in form


def test_post_within_the_seats_left_is_accepted(client, world, mailbox):
    make_registration(world.event, world.nuri, email="first@nuri.example")
    db.session.commit()
    login(client, world.member.email)
    resp = register(client, world.event, rows(("김누리", "kim@nuri.example"), ("박동료", "park@nuri.example")))
    assert resp.status_code == 302
    assert count_registrations() == 3
    html = client.get(page(world.event.id)).get_data(as_text=True)
    assert USED_UP in html


def test_post_with_more_rows_than_seats_left_is_refused(client, world, mailbox):
    make_registration(world.event, world.nuri, email="first@nuri.example")
    make_registration(world.event, world.nuri, email="second@nuri.example", status=RegistrationStatus.WAITLISTED)
    db.session.commit()
    login(client, world.member.email)
    resp = register(client, world.event, rows(("김누리", "kim@nuri.example"), ("박동료", "park@nuri.example")))
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "기업당 신청 가능 인원(3명)을 넘습니다. 남은 자리: 1명" in html
    assert 'value="박동료"' in html  # the form comes back as entered
    assert count_registrations() == 2
    assert no_mail_sent_or_queued(mailbox)


def test_post_when_no_seats_are_left_is_refused_with_the_reason(client, world, mailbox):
    for i in range(3):
        make_registration(world.event, world.nuri, email=f"p{i}@nuri.example")
    db.session.commit()
    login(client, world.member.email)
    resp = register(client, world.event, rows(("김누리", "kim@nuri.example")))
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "기업당 신청 가능 인원(3명)을 넘습니다. 남은 자리: 0명" in html
    assert USED_UP in html
    assert count_registrations() == 3
    assert no_mail_sent_or_queued(mailbox)


def test_unlimited_event_offers_five_rows_whatever_is_registered(client, world):
    event = make_event(world.dmc, seats_per_company=None)
    for i in range(6):
        make_registration(event, world.nuri, email=f"p{i}@nuri.example")
    db.session.commit()
    login(client, world.member.email)
    form = form_part(client.get(page(event.id)).get_data(as_text=True))
    assert 'name="attendees-4-name"' in form and 'name="attendees-5-name"' not in form


# --- the prefilled first row -----------------------------------------------------------


def test_member_not_registered_is_prefilled(client, world):
    login(client, world.member.email)
    form = form_part(client.get(page(world.event.id)).get_data(as_text=True))
    assert 'value="김누리"' in form and 'value="kim@nuri.example"' in form


def test_member_already_registered_gets_blank_rows(client, world):
    make_registration(
        world.event, world.nuri, name="김누리", email="KIM@nuri.example", status=RegistrationStatus.WAITLISTED
    )
    db.session.commit()
    login(client, world.member.email)
    html = client.get(page(world.event.id)).get_data(as_text=True)
    form = form_part(html)
    assert 'name="attendees-0-name"' in form and 'name="attendees-1-name"' in form
    assert "kim@nuri.example" not in form and "김누리" not in form
    assert "김누리" in html  # still listed in the company's table


def test_member_registered_by_someone_else_is_not_prefilled(client, world):
    # An active registration anywhere in the event counts (here: entered by another company).
    make_registration(world.event, world.other, name="김누리", email="kim@nuri.example")
    db.session.commit()
    login(client, world.member.email)
    form = form_part(client.get(page(world.event.id)).get_data(as_text=True))
    assert form and "kim@nuri.example" not in form


def test_member_whose_registration_was_cancelled_is_prefilled_again(client, world):
    make_registration(
        world.event, world.nuri, name="김누리", email="kim@nuri.example", status=RegistrationStatus.CANCELLED
    )
    db.session.commit()
    login(client, world.member.email)
    form = form_part(client.get(page(world.event.id)).get_data(as_text=True))
    assert 'value="kim@nuri.example"' in form


def test_registered_member_posting_blank_rows_is_refused(client, world, mailbox):
    make_registration(world.event, world.nuri, name="김누리", email="kim@nuri.example")
    db.session.commit()
    login(client, world.member.email)
    resp = register(client, world.event, rows(("", "")))
    assert resp.status_code == 400
    assert "참가자를 한 명 이상 입력해 주세요." in resp.get_data(as_text=True)
    assert [r.email for r in registrations()] == ["kim@nuri.example"]
