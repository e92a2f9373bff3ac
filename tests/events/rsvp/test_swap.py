"""Swapping an attendee (교체): a company member puts a colleague in one of the company's places.

The place is kept (status and waitlist position), the council role stays, the ticket code is
new (the old badge stops working), consent is recorded again; both people are mailed."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from app.events.consent import CONSENT_VERSION
from app.events.registration import AttendeeData, RegistrationError, cancel, replace_attendee
from app.extensions import db
from app.models import AttendeeRole, EventKind, EventStatus, OutboxMessage, Registration, RegistrationStatus, utcnow
from tests.events.rsvp.test_rsvp_routes import login, page, world  # noqa: F401  (world is a fixture)
from tests.factories import make_checkin, make_event, make_registration, make_user
from tests.helpers import body_of, no_mail_sent_or_queued, post_form, see_committed, wait_for_mail

HOUR = dt.timedelta(hours=1)
COLLEAGUE = AttendeeData(name="박동료", email="Park@nuri.example", mobile="010-2222-3333", job_title="CTO")


def fresh(registration_id: int) -> Registration:
    see_committed()
    return db.session.get(Registration, registration_id)


def snapshot(registration_id: int) -> tuple:
    r = fresh(registration_id)
    return (
        r.name,
        r.email,
        r.mobile,
        r.job_title,
        r.role,
        r.status,
        r.ticket_hash,
        r.consent_version,
        r.consented_at,
        r.created_at,
    )


def outbox() -> list[tuple[str, str]]:
    see_committed()
    return [(m.recipient, m.subject) for m in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def replace_url(event, registration) -> str:
    return f"/events/{event.id}/registrations/{registration.id}/replace"


def swap_form(name="박동료", email="park@nuri.example", mobile="010-2222-3333", job_title="CTO", consent=True):
    data = {"name": name, "email": email, "mobile": mobile, "job_title": job_title}
    if consent:
        data["consent"] = "y"
    return data


@pytest.fixture
def queue(world):
    """One seat: another company holds it; our company and another wait, ours first."""
    event = make_event(world.dmc, capacity=1, seats_per_company=3, title_ko="DMC 송년 네트워킹")
    seat = make_registration(
        event, world.other, name="이한빛", email="lee@hanbit.example", created_at=utcnow() - 3 * HOUR
    )
    ours = make_registration(
        event,
        world.nuri,
        name="김누리",
        email="kim@nuri.example",
        mobile="01012345678",
        status=RegistrationStatus.WAITLISTED,
        consent_version="2025-old",
        consented_at=utcnow() - 2 * HOUR,
        created_at=utcnow() - 2 * HOUR,
    )
    theirs = make_registration(
        event,
        world.other,
        name="대기이번",
        email="wait2@hanbit.example",
        status=RegistrationStatus.WAITLISTED,
        created_at=utcnow() - HOUR,
    )
    db.session.commit()
    return event, seat, ours, theirs


def swap(registration, company, attendee=COLLEAGUE, consent_version=CONSENT_VERSION, now=None):
    result = replace_attendee(
        registration.id, attendee, company=company, consent_version=consent_version, now=now or utcnow()
    )
    db.session.commit()
    return result


# --- the service ----------------------------------------------------------------------------


def test_swap_keeps_the_waitlist_place_and_gives_a_new_code(app, world, queue):
    event, seat, ours, theirs = queue
    old_code, created = ours.ticket_hash, ours.created_at
    now = utcnow().replace(microsecond=0)
    swap(ours, world.nuri, now=now)
    r = fresh(ours.id)
    assert (r.name, r.email, r.mobile, r.job_title) == ("박동료", "park@nuri.example", "010-2222-3333", "CTO")
    assert r.status == RegistrationStatus.WAITLISTED and r.created_at == created
    assert r.company_id == world.nuri.id and r.role == AttendeeRole.ATTENDEE
    assert r.consent_version == CONSENT_VERSION and r.consented_at == now
    assert r.ticket_hash != old_code and len(r.ticket_hash) == 64
    # The old badge code no longer finds anything.
    assert db.session.scalar(select(Registration).where(Registration.ticket_hash == old_code)) is None
    # The place in the queue is kept: the freed seat goes to the replacement, not to the later waiter.
    promoted = cancel(seat.id, now=utcnow())
    db.session.commit()
    assert promoted.id == ours.id and fresh(ours.id).status == RegistrationStatus.CONFIRMED
    assert fresh(theirs.id).status == RegistrationStatus.WAITLISTED


def test_swap_queues_mail_for_both_people(app, world, queue):
    event, seat, ours, theirs = queue
    swap(ours, world.nuri)
    mails = outbox()
    assert [m[0] for m in mails] == ["park@nuri.example", "kim@nuri.example"]
    assert "대기자로 등록되었습니다" in mails[0][1]
    assert "참가자가 변경되었습니다" in mails[1][1]


def test_confirmed_place_stays_confirmed(app, world, queue):
    event, seat, ours, theirs = queue
    mine = make_registration(make_event(world.dmc), world.nuri, email="kim@nuri.example")
    db.session.commit()
    swap(mine, world.nuri)
    assert fresh(mine.id).status == RegistrationStatus.CONFIRMED
    assert "참가 신청이 확정되었습니다" in outbox()[0][1]


def test_council_role_stays_with_the_place(app, world):
    world.nuri.is_council_member = True
    council = make_event(world.dmc, kind=EventKind.COUNCIL)
    voter = make_registration(council, world.nuri, email="kim@nuri.example", role=AttendeeRole.VOTER)
    db.session.commit()
    swap(voter, world.nuri, attendee=AttendeeData(name="박동료", email="park@nuri.example", role=AttendeeRole.OBSERVER))
    assert fresh(voter.id).role == AttendeeRole.VOTER


def test_email_of_a_cancelled_registration_may_be_used(app, world, queue):
    event, seat, ours, theirs = queue
    make_registration(event, world.nuri, email="park@nuri.example", status=RegistrationStatus.CANCELLED)
    db.session.commit()
    swap(ours, world.nuri)
    assert fresh(ours.id).email == "park@nuri.example"


REFUSALS = [
    ("invalid_email", dict(attendee=AttendeeData(name="박동료", email="park-at-nuri"))),
    ("invalid_mobile", dict(attendee=AttendeeData(name="박동료", email="park@nuri.example", mobile="02-123"))),
    ("name_required", dict(attendee=AttendeeData(name="  ", email="park@nuri.example"))),
    ("already_registered", dict(attendee=AttendeeData(name="이한빛", email="LEE@hanbit.example"))),
    ("same_attendee", dict(attendee=AttendeeData(name="김누리2", email="kim@nuri.example"))),
    ("consent_required", dict(consent_version=None)),
    ("consent_required", dict(consent_version="  ")),
]


@pytest.mark.parametrize("code,kw", REFUSALS, ids=[f"{c}-{i}" for i, (c, _) in enumerate(REFUSALS)])
def test_refused_swap_changes_nothing(app, world, queue, code, kw):
    event, seat, ours, theirs = queue
    before = snapshot(ours.id)
    with pytest.raises(RegistrationError) as info:
        swap(ours, world.nuri, **kw)
    assert info.value.code == code and info.value.message
    db.session.rollback()
    assert snapshot(ours.id) == before
    assert outbox() == []


def test_swap_of_another_companys_registration_is_refused(app, world, queue):
    event, seat, ours, theirs = queue
    before = snapshot(theirs.id)
    with pytest.raises(RegistrationError) as info:
        swap(theirs, world.nuri)
    assert info.value.code == "not_company"
    db.session.rollback()
    assert snapshot(theirs.id) == before


@pytest.mark.parametrize(
    "setup,code",
    [
        ("closes_passed", "replace_closed"),
        ("started_without_close", "replace_closed"),
        ("cancelled_registration", "not_active"),
        ("cancelled_event", "cancelled"),
        ("checked_in", "checked_in"),
    ],
)
def test_swap_refused_outside_its_window(app, world, setup, code):
    kw = {}
    if setup == "closes_passed":
        kw = dict(registration_closes_at=utcnow() - HOUR)
    elif setup == "started_without_close":
        kw = dict(starts_in=-dt.timedelta(minutes=5))
    elif setup == "cancelled_event":
        kw = dict(status=EventStatus.CANCELLED)
    event = make_event(world.dmc, **kw)
    reg = make_registration(
        event,
        world.nuri,
        email="kim@nuri.example",
        status=RegistrationStatus.CANCELLED if setup == "cancelled_registration" else RegistrationStatus.CONFIRMED,
    )
    if setup == "checked_in":
        make_checkin(reg)
    db.session.commit()
    before = snapshot(reg.id)
    with pytest.raises(RegistrationError) as info:
        swap(reg, world.nuri)
    assert info.value.code == code
    db.session.rollback()
    assert snapshot(reg.id) == before
    assert outbox() == []


def test_swap_allowed_until_the_deadline(app, world):
    closes = utcnow().replace(microsecond=0) + HOUR
    event = make_event(world.dmc, registration_closes_at=closes)
    reg = make_registration(event, world.nuri, email="kim@nuri.example")
    db.session.commit()
    with pytest.raises(RegistrationError):
        swap(reg, world.nuri, now=closes)
    db.session.rollback()
    swap(reg, world.nuri, now=closes - dt.timedelta(seconds=1))
    assert fresh(reg.id).email == "park@nuri.example"


# --- the page -------------------------------------------------------------------------------


def test_member_swaps_an_attendee_on_the_page(client, world, queue, mailbox):
    event, seat, ours, theirs = queue
    old_code = ours.ticket_hash
    login(client, world.member.email)
    html = client.get(page(event.id)).get_data(as_text=True)
    assert f'href="{replace_url(event, ours)}"' in html
    form_page = client.get(replace_url(event, ours))
    assert form_page.status_code == 200
    form_html = form_page.get_data(as_text=True)
    assert "김누리" in form_html and "행사 종료 후 1년간 보관 후 파기" in form_html
    consent_input = re.search(r'<input[^>]*name="consent"[^>]*>', form_html).group(0)
    assert "checked" not in consent_input  # consent is given again, never pre-ticked
    resp = post_form(client, replace_url(event, ours), swap_form())
    assert resp.status_code == 302 and resp.headers["Location"].endswith(page(event.id))
    r = fresh(ours.id)
    assert (r.name, r.email, r.status) == ("박동료", "park@nuri.example", RegistrationStatus.WAITLISTED)
    assert r.ticket_hash != old_code and r.consent_version == CONSENT_VERSION
    mails = {m["To"]: m for m in wait_for_mail(mailbox, 2)}
    assert set(mails) == {"park@nuri.example", "kim@nuri.example"}
    assert "대기자로 등록되었습니다" in mails["park@nuri.example"]["Subject"]
    assert "참가자가 변경되었습니다" in mails["kim@nuri.example"]["Subject"]
    assert "DMC 송년 네트워킹" in body_of(mails["kim@nuri.example"])
    after = client.get(page(event.id)).get_data(as_text=True)
    assert "김누리님 대신 박동료님으로 참가자를 교체했습니다" in after


@pytest.mark.parametrize(
    "data,message",
    [
        (swap_form(email="not-an-email"), "이메일 형식이 올바르지 않습니다"),
        (swap_form(mobile="123"), "휴대전화 번호 형식이 올바르지 않습니다"),
        (swap_form(email="lee@hanbit.example"), "이미 신청한 이메일입니다: lee@hanbit.example"),
        (swap_form(consent=False), "개인정보 수집·이용에 동의해야 신청할 수 있습니다."),
        (swap_form(name=""), "참가자 이름을 입력해 주세요."),
        (swap_form(name="가" * 101), "입력 내용을 확인해 주세요."),
    ],
)
def test_bad_input_on_the_page_is_400_and_changes_nothing(client, world, queue, mailbox, data, message):
    event, seat, ours, theirs = queue
    before = snapshot(ours.id)
    login(client, world.member.email)
    resp = post_form(client, replace_url(event, ours), data)
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert message in html
    assert 'name="name"' in html  # the form comes back
    assert snapshot(ours.id) == before
    assert no_mail_sent_or_queued(mailbox)


def test_swap_after_the_deadline_is_refused_on_the_page(client, world, mailbox):
    event = make_event(world.dmc, registration_closes_at=utcnow() - HOUR)
    reg = make_registration(event, world.nuri, name="김누리", email="kim@nuri.example")
    db.session.commit()
    before = snapshot(reg.id)
    login(client, world.member.email)
    html = client.get(page(event.id)).get_data(as_text=True)
    assert "김누리" in html and f'href="{replace_url(event, reg)}"' not in html
    resp = client.get(replace_url(event, reg), follow_redirects=True)
    assert "참가 신청이 마감되어 참가자를 교체할 수 없습니다." in resp.get_data(as_text=True)
    resp = post_form(client, replace_url(event, reg), swap_form(), token_from=page(event.id))
    assert resp.status_code == 400
    assert "참가 신청이 마감되어 참가자를 교체할 수 없습니다." in resp.get_data(as_text=True)
    assert snapshot(reg.id) == before
    assert no_mail_sent_or_queued(mailbox)


def test_swap_without_csrf_is_refused(client, world, queue, mailbox):
    event, seat, ours, theirs = queue
    before = snapshot(ours.id)
    login(client, world.member.email)
    resp = client.post(replace_url(event, ours), data=swap_form())
    assert resp.status_code == 400
    assert snapshot(ours.id) == before
    assert no_mail_sent_or_queued(mailbox)


def test_member_of_another_company_gets_403(client, world, queue, mailbox):
    event, seat, ours, theirs = queue
    before = snapshot(ours.id)
    login(client, world.other_member.email)
    assert client.get(replace_url(event, ours)).status_code == 403
    assert post_form(client, replace_url(event, ours), swap_form(), token_from=page(event.id)).status_code == 403
    assert snapshot(ours.id) == before
    assert no_mail_sent_or_queued(mailbox)


def test_staff_use_their_own_page(client, world, queue):
    event, seat, ours, theirs = queue
    login(client, world.dmc_staff.email)
    assert client.get(replace_url(event, ours)).status_code == 403
    html = client.get(page(event.id)).get_data(as_text=True)
    assert replace_url(event, ours) not in html


def test_anonymous_is_sent_to_login(client, world, queue):
    event, seat, ours, theirs = queue
    resp = client.get(replace_url(event, ours))
    assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"]


def test_mismatched_event_or_unknown_registration_is_404(client, world, queue):
    event, seat, ours, theirs = queue
    elsewhere = make_event(world.dmc)
    db.session.commit()
    login(client, world.member.email)
    assert client.get(replace_url(elsewhere, ours)).status_code == 404
    assert client.get(f"/events/{event.id}/registrations/999999/replace").status_code == 404


def test_colleague_of_the_same_company_may_swap(client, world, queue):
    event, seat, ours, theirs = queue
    colleague = make_user(company=world.nuri, email="choi@nuri.example", name="최동료")
    db.session.commit()
    login(client, colleague.email)
    resp = post_form(client, replace_url(event, ours), swap_form())
    assert resp.status_code == 302
    assert fresh(ours.id).email == "park@nuri.example"


def test_cancelled_registration_cannot_be_swapped_on_the_page(client, world, queue, mailbox):
    event, seat, ours, theirs = queue
    ours.status = RegistrationStatus.CANCELLED
    db.session.commit()
    login(client, world.member.email)
    resp = client.get(replace_url(event, ours), follow_redirects=True)
    assert "취소된 신청은 교체할 수 없습니다." in resp.get_data(as_text=True)
    resp = post_form(client, replace_url(event, ours), swap_form(), token_from=page(event.id))
    assert resp.status_code == 400
    assert fresh(ours.id).email == "kim@nuri.example"
    assert no_mail_sent_or_queued(mailbox)
