"""Staff actions: move up from the waitlist, cancel on someone's behalf (with mails), CSRF."""

from __future__ import annotations

import datetime as dt
import time

from sqlalchemy import func, select

from app.events.registration import RegistrationError
from app.extensions import db
from app.models import EventStatus, OutboxMessage, utcnow
from app.staff.registration_services import cancel_on_behalf
from tests.helpers import body_of, login, no_mail_sent_or_queued, post_form, see_committed, wait_for_mail
from tests.staff.registrations.helpers import CANCELLED, CONFIRMED, WAITLISTED, page_url, reload


def promote_url(w, registration, query=""):
    return f"/staff/events/{w.event.id}/registrations/{registration.id}/promote" + query


def cancel_url(w, registration, query=""):
    return f"/staff/events/{w.event.id}/registrations/{registration.id}/cancel" + query


def promote(client, w, registration, query=""):
    return post_form(client, promote_url(w, registration, query), {}, token_from=page_url(w.event.id))


def cancel(client, w, registration, query=""):
    return post_form(client, cancel_url(w, registration, query), {}, token_from=cancel_url(w, registration))


def free_a_seat(w):
    w.event.capacity = 4
    db.session.commit()


def outbox_size() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(OutboxMessage))


# --- promote ----------------------------------------------------------------------------


def test_promote_confirms_and_mails_the_person(client, world, mailbox):
    free_a_seat(world)
    login(client, world.dmc_staff.email)
    resp = promote(client, world, world.jung)  # staff may pick anyone on the waitlist, not only the first
    assert resp.status_code == 302 and resp.headers["Location"].endswith(page_url(world.event.id))
    jung = reload(world.jung)
    assert jung.status == CONFIRMED and jung.promoted_at is not None
    assert reload(world.han).status == WAITLISTED
    mails = wait_for_mail(mailbox, 1)
    assert [m["To"] for m in mails] == ["jung@guest.example"]
    assert "자리가 확정되었습니다" in mails[0]["Subject"]
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "정게스트님을 대기에서 확정으로 옮기고 안내 메일을 보냈습니다." in html
    assert "대기 2번" in html and "대기 3번" not in html  # the waitlist closed up


def test_promote_is_refused_when_no_seat_is_free(client, world, mailbox):
    login(client, world.dmc_staff.email)
    before = outbox_size()
    resp = promote(client, world, world.han)
    assert resp.status_code == 302
    assert reload(world.han).status == WAITLISTED and reload(world.han).promoted_at is None
    assert "남은 자리가 없습니다." in client.get(resp.headers["Location"]).get_data(as_text=True)
    assert outbox_size() == before
    assert no_mail_sent_or_queued(mailbox)


def test_promote_is_refused_for_someone_not_waitlisted(client, world, mailbox):
    free_a_seat(world)
    login(client, world.dmc_staff.email)
    for registration, status in ((world.kim, CONFIRMED), (world.gone, CANCELLED)):
        resp = promote(client, world, registration)
        assert resp.status_code == 302
        assert "대기 중인 신청만 확정할 수 있습니다." in client.get(resp.headers["Location"]).get_data(as_text=True)
        assert reload(registration).status == status
    assert no_mail_sent_or_queued(mailbox)


def test_promote_is_refused_on_a_cancelled_event(client, world, mailbox):
    free_a_seat(world)
    world.event.status = EventStatus.CANCELLED
    db.session.commit()
    login(client, world.dmc_staff.email)
    resp = promote(client, world, world.han)
    assert "취소된 행사의 신청은 변경할 수 없습니다." in client.get(resp.headers["Location"]).get_data(as_text=True)
    assert reload(world.han).status == WAITLISTED
    assert no_mail_sent_or_queued(mailbox)
    html = client.get(page_url(world.event.id)).get_data(as_text=True)
    assert "대기에서 확정" not in html and "대리 취소" not in html


def test_promote_without_csrf_is_refused(client, world, mailbox):
    free_a_seat(world)
    login(client, world.dmc_staff.email)
    resp = client.post(promote_url(world, world.han))
    assert resp.status_code == 400
    resp = client.post(promote_url(world, world.han), data={"csrf_token": "forged"})
    assert resp.status_code == 400
    assert reload(world.han).status == WAITLISTED
    assert no_mail_sent_or_queued(mailbox)


def test_promote_returns_to_the_same_filtered_page(client, world):
    free_a_seat(world)
    login(client, world.dmc_staff.email)
    resp = promote(client, world, world.han, "?status=waitlisted&company=한빛&page=1")
    location = resp.headers["Location"]
    assert "status=waitlisted" in location and "company=" in location
    # Only known filters travel back: no open redirect, no injected parameters.
    resp = promote(client, world, world.choi, "?next=https://evil.example&status=bogus")
    assert resp.headers["Location"].endswith(page_url(world.event.id))


# --- cancel on behalf ---------------------------------------------------------------------


def test_cancel_asks_for_confirmation_first(client, world, mailbox):
    login(client, world.dmc_staff.email)
    resp = client.get(cancel_url(world, world.kim))
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "김누리" in html and "(주)누리미디어" in html and "DMC 송년 네트워킹" in html
    assert 'name="csrf_token"' in html and "대기 1번 신청자가 자동으로 확정" in html
    assert reload(world.kim).status == CONFIRMED
    assert no_mail_sent_or_queued(mailbox)


def test_cancel_on_behalf_promotes_the_next_and_mails_both(client, world, mailbox):
    login(client, world.dmc_staff.email)
    resp = cancel(client, world, world.kim, "?cluster=dmc")
    assert resp.status_code == 302 and "cluster=dmc" in resp.headers["Location"]
    kim = reload(world.kim)
    assert kim.status == CANCELLED and kim.cancelled_at is not None
    # The earliest arrival on the waitlist (한첫대기), not the lowest id (최대기), gets the seat.
    assert reload(world.han).status == CONFIRMED
    assert reload(world.choi).status == WAITLISTED and reload(world.jung).status == WAITLISTED
    mails = {m["To"]: m for m in wait_for_mail(mailbox, 2)}
    assert set(mails) == {"kim@nuri.example", "han@hanbit.example"}
    cancelled_mail = mails["kim@nuri.example"]
    assert "참가 신청이 취소되었습니다" in cancelled_mail["Subject"]
    body = body_of(cancelled_mail)
    assert "김누리님" in body and "운영진에 의해 취소되었습니다" in body and "상암 DMC 클러스터팀" in body
    assert "2030년 12월 3일 (화) 오후 7:00" in body
    assert "자리가 확정되었습니다" in mails["han@hanbit.example"]["Subject"]
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "김누리님의 참가 신청을 취소했습니다. 대기자 한첫대기님이 확정되었습니다." in html


def test_cancelling_a_waitlisted_person_promotes_nobody(client, world, mailbox):
    login(client, world.admin.email)
    resp = cancel(client, world, world.jung)
    assert reload(world.jung).status == CANCELLED
    assert [reload(r).status for r in (world.han, world.choi)] == [WAITLISTED, WAITLISTED]
    wait_for_mail(mailbox, 1)
    time.sleep(0.3)  # a promotion mail, if one were wrongly sent, would arrive meanwhile
    assert [m["To"] for m in mailbox] == ["jung@guest.example"]
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "정게스트님의 참가 신청을 취소하고 안내 메일을 보냈습니다." in html


def test_cancel_when_the_waitlist_is_empty(client, world, mailbox):
    for r in (world.han, world.jung, world.choi):
        r.status = CANCELLED
    db.session.commit()
    login(client, world.dmc_staff.email)
    resp = cancel(client, world, world.lee)
    assert reload(world.lee).status == CANCELLED
    assert [m["To"] for m in wait_for_mail(mailbox, 1)] == ["lee@gurotech.example"]
    assert "이구로님의 참가 신청을 취소하고" in client.get(resp.headers["Location"]).get_data(as_text=True)


def test_cancelling_an_already_cancelled_registration_changes_nothing(client, world, mailbox):
    login(client, world.dmc_staff.email)
    cancelled_at = reload(world.gone).cancelled_at
    resp = client.get(cancel_url(world, world.gone))
    assert resp.status_code == 302
    assert "이미 취소된 신청입니다." in client.get(resp.headers["Location"]).get_data(as_text=True)
    resp = post_form(client, cancel_url(world, world.gone), {}, token_from=page_url(world.event.id))
    assert resp.status_code == 302
    assert reload(world.gone).cancelled_at == cancelled_at
    assert no_mail_sent_or_queued(mailbox)


def test_cancel_service_refuses_a_second_cancellation(app, world):
    """Two staff confirm at once: the second finds it cancelled behind the lock and mails nobody."""
    cancel_on_behalf(world.event, world.park.id, now=utcnow())
    db.session.commit()
    before = outbox_size()
    try:
        cancel_on_behalf(world.event, world.park.id, now=utcnow())
    except RegistrationError as exc:
        assert exc.code == "already_cancelled" and exc.message == "이미 취소된 신청입니다."
    else:
        raise AssertionError("a second cancellation went through")
    db.session.rollback()
    assert outbox_size() == before


def test_cancel_without_csrf_is_refused(client, world, mailbox):
    login(client, world.dmc_staff.email)
    assert client.post(cancel_url(world, world.kim)).status_code == 400
    assert client.post(cancel_url(world, world.kim), data={"csrf_token": "x"}).status_code == 400
    assert reload(world.kim).status == CONFIRMED
    assert reload(world.han).status == WAITLISTED
    assert no_mail_sent_or_queued(mailbox)


def test_staff_may_cancel_after_the_start_but_not_after_the_end(client, world, mailbox):
    now = utcnow()
    world.event.starts_at = now - dt.timedelta(minutes=30)  # under way: members can no longer cancel
    world.event.ends_at = now + dt.timedelta(hours=1)
    db.session.commit()
    login(client, world.dmc_staff.email)
    cancel(client, world, world.park)
    assert reload(world.park).status == CANCELLED
    assert reload(world.han).status == CONFIRMED
    wait_for_mail(mailbox, 2)
    mailbox.clear()
    see_committed()
    world.event.ends_at = now - dt.timedelta(minutes=1)
    world.event.starts_at = now - dt.timedelta(hours=2)
    db.session.commit()
    resp = cancel(client, world, world.lee)
    assert "행사가 이미 끝나 취소할 수 없습니다." in client.get(resp.headers["Location"]).get_data(as_text=True)
    assert reload(world.lee).status == CONFIRMED
    assert no_mail_sent_or_queued(mailbox)
