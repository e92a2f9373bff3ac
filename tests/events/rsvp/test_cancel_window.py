"""When a registration may be cancelled: members until the event starts (also after registration
closes), staff until it ends; a refused cancellation changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from app.events.registration import RegistrationError, cancel
from app.extensions import db
from app.models import Registration, RegistrationStatus, utcnow
from tests.events.rsvp.test_rsvp_routes import login, page, world  # noqa: F401  (world is a fixture)
from tests.factories import make_event, make_registration
from tests.helpers import no_mail_sent_or_queued, post_form, see_committed, wait_for_mail

STARTED = "행사가 이미 시작되어 취소할 수 없습니다"
ENDED = "행사가 이미 끝나 취소할 수 없습니다."
HOUR = dt.timedelta(hours=1)


def status_of(registration_id: int) -> RegistrationStatus:
    see_committed()
    return db.session.get(Registration, registration_id).status


def cancel_url(event, registration) -> str:
    return f"/events/{event.id}/registrations/{registration.id}/cancel"


@pytest.fixture
def closed_event(world):
    """Registration closed an hour ago; the event starts tomorrow. One seat, one waitlisted."""
    event = make_event(world.dmc, capacity=1, starts_in=dt.timedelta(days=1), registration_closes_at=utcnow() - HOUR)
    mine = make_registration(event, world.nuri, name="김누리", email="kim@nuri.example")
    waiting = make_registration(
        event, world.other, name="대기자", email="wait@hanbit.example", status=RegistrationStatus.WAITLISTED
    )
    db.session.commit()
    return event, mine, waiting


@pytest.fixture
def started_event(world):
    """Started ten minutes ago, ends in 110 minutes."""
    event = make_event(world.dmc, capacity=1, starts_in=-dt.timedelta(minutes=10))
    mine = make_registration(event, world.nuri, name="김누리", email="kim@nuri.example")
    waiting = make_registration(event, world.other, email="wait@hanbit.example", status=RegistrationStatus.WAITLISTED)
    db.session.commit()
    return event, mine, waiting


# --- the service ----------------------------------------------------------------------------


def test_member_may_cancel_after_registration_closed_and_the_seat_goes_to_the_waitlist(app, closed_event):
    event, mine, waiting = closed_event
    promoted = cancel(mine.id, now=utcnow())
    db.session.commit()
    assert promoted.id == waiting.id
    assert status_of(mine.id) == RegistrationStatus.CANCELLED
    assert status_of(waiting.id) == RegistrationStatus.CONFIRMED


@pytest.mark.parametrize("after_start", [dt.timedelta(0), dt.timedelta(minutes=1), dt.timedelta(days=3)])
def test_member_may_not_cancel_once_the_event_started(app, started_event, after_start):
    event, mine, waiting = started_event
    with pytest.raises(RegistrationError) as info:
        cancel(mine.id, now=event.starts_at + after_start)
    assert info.value.code == "started" and info.value.message == STARTED
    db.session.rollback()
    assert status_of(mine.id) == RegistrationStatus.CONFIRMED
    assert status_of(waiting.id) == RegistrationStatus.WAITLISTED


def test_member_may_cancel_a_second_before_the_start(app, started_event):
    event, mine, _ = started_event
    cancel(mine.id, now=event.starts_at - dt.timedelta(seconds=1))
    db.session.commit()
    assert status_of(mine.id) == RegistrationStatus.CANCELLED


def test_staff_may_cancel_until_the_event_ends(app, started_event):
    event, mine, waiting = started_event
    with pytest.raises(RegistrationError) as info:
        cancel(mine.id, now=event.ends_at, by_staff=True)
    assert info.value.code == "ended"
    db.session.rollback()
    assert status_of(mine.id) == RegistrationStatus.CONFIRMED
    promoted = cancel(mine.id, now=event.ends_at - dt.timedelta(seconds=1), by_staff=True)
    db.session.commit()
    assert promoted.id == waiting.id and status_of(mine.id) == RegistrationStatus.CANCELLED


def test_cancelling_twice_stays_a_noop_after_the_start(app, started_event):
    event, mine, _ = started_event
    mine.status = RegistrationStatus.CANCELLED
    db.session.commit()
    assert cancel(mine.id, now=event.starts_at + HOUR) is None


# --- the page -------------------------------------------------------------------------------


def test_member_cancels_after_registration_closed(client, world, closed_event, mailbox):
    event, mine, waiting = closed_event
    login(client, world.member.email)
    html = client.get(page(event.id)).get_data(as_text=True)
    assert "참가 신청이 마감되었습니다." in html  # no form, but the table keeps its cancel link
    assert f'href="{cancel_url(event, mine)}"' in html
    assert client.get(cancel_url(event, mine)).status_code == 200
    resp = post_form(client, cancel_url(event, mine), {})
    assert resp.status_code == 302
    assert status_of(mine.id) == RegistrationStatus.CANCELLED
    assert status_of(waiting.id) == RegistrationStatus.CONFIRMED
    assert [m["To"] for m in wait_for_mail(mailbox, 1)] == ["wait@hanbit.example"]


def test_member_cannot_cancel_after_the_start(client, world, started_event, mailbox):
    event, mine, waiting = started_event
    login(client, world.member.email)
    html = client.get(page(event.id)).get_data(as_text=True)
    assert "김누리" in html and f'href="{cancel_url(event, mine)}"' not in html
    # The confirmation page is not offered: back to the event page with the reason.
    resp = client.get(cancel_url(event, mine), follow_redirects=True)
    assert resp.status_code == 200 and STARTED in resp.get_data(as_text=True)
    # A POST (an old tab) is refused and changes nothing.
    resp = post_form(client, cancel_url(event, mine), {}, token_from=page(event.id))
    assert resp.status_code == 400
    assert STARTED in resp.get_data(as_text=True)
    assert status_of(mine.id) == RegistrationStatus.CONFIRMED
    assert status_of(waiting.id) == RegistrationStatus.WAITLISTED
    assert no_mail_sent_or_queued(mailbox)


def test_host_staff_may_cancel_after_the_start(client, world, started_event, mailbox):
    event, mine, waiting = started_event
    login(client, world.dmc_staff.email)
    assert client.get(cancel_url(event, mine)).status_code == 200
    resp = post_form(client, cancel_url(event, mine), {})
    assert resp.status_code == 302
    assert status_of(mine.id) == RegistrationStatus.CANCELLED
    assert status_of(waiting.id) == RegistrationStatus.CONFIRMED


def test_host_staff_cannot_cancel_after_the_end(client, world, mailbox):
    event = make_event(world.dmc, starts_in=-dt.timedelta(hours=3))
    mine = make_registration(event, world.nuri, email="kim@nuri.example")
    db.session.commit()
    login(client, world.dmc_staff.email)
    resp = client.get(cancel_url(event, mine), follow_redirects=True)
    assert ENDED in resp.get_data(as_text=True)
    resp = post_form(client, cancel_url(event, mine), {}, token_from=page(event.id))
    assert resp.status_code == 400 and ENDED in resp.get_data(as_text=True)
    assert status_of(mine.id) == RegistrationStatus.CONFIRMED
    assert no_mail_sent_or_queued(mailbox)


def test_cancel_without_csrf_is_refused_after_registration_closed(client, world, closed_event):
    event, mine, _ = closed_event
    login(client, world.member.email)
    assert client.post(cancel_url(event, mine), data={}).status_code == 400
    assert status_of(mine.id) == RegistrationStatus.CONFIRMED
