"""Company RSVP on the event page: register, consent, limits, waitlist, cancel and promotion, access."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from app.events.consent import CONSENT_VERSION
from app.extensions import db
from app.models import AttendeeRole, EventKind, EventStatus, Registration, RegistrationStatus, Role
from tests.factories import make_cluster, make_company, make_event, make_registration, make_user
from tests.helpers import body_of, login, no_mail_sent_or_queued, post_form, see_committed, wait_for_mail


@pytest.fixture
def world(app):
    dmc = make_cluster("dmc", name_ko="상암 DMC")
    guro = make_cluster("guro", name_ko="구로 G밸리")
    nuri = make_company(dmc, name="누리미디어")
    other = make_company(dmc, name="한빛소프트")
    event = make_event(dmc, title_ko="DMC 송년 네트워킹", capacity=10, seats_per_company=3)
    w = SimpleNamespace(
        dmc=dmc,
        guro=guro,
        nuri=nuri,
        other=other,
        event=event,
        member=make_user(company=nuri, email="kim@nuri.example", name="김누리", mobile="01012345678"),
        other_member=make_user(company=other, email="lee@hanbit.example", name="이한빛"),
        dmc_staff=make_user(Role.STAFF, clusters=[dmc], email="dmc.staff@example.com"),
    )
    db.session.commit()
    return w


def page(event_id) -> str:
    return f"/events/{event_id}"


def rows(*people, consent=True, role=None):
    """Form data for attendee rows [(name, email), ...] plus the consent box."""
    data = {}
    for i, (name, email) in enumerate(people):
        data[f"attendees-{i}-name"] = name
        data[f"attendees-{i}-email"] = email
        data[f"attendees-{i}-mobile"] = ""
        data[f"attendees-{i}-job_title"] = ""
        if role:
            data[f"attendees-{i}-role"] = role[i]
    if consent:
        data["consent"] = "y"
    return data


def register(client, event, data, **kw):
    return post_form(client, f"/events/{event.id}/register", data, token_from=page(event.id), **kw)


def registrations(event_id=None):
    see_committed()
    q = select(Registration).order_by(Registration.id)
    if event_id is not None:
        q = q.where(Registration.event_id == event_id)
    return list(db.session.scalars(q))


def count_registrations() -> int:
    see_committed()
    return db.session.scalar(select(func.count()).select_from(Registration))


def test_member_sees_form_prefilled_and_consent_unchecked(client, world):
    login(client, world.member.email)
    html = client.get(page(world.event.id)).get_data(as_text=True)
    assert 'name="attendees-0-name"' in html and 'value="김누리"' in html
    assert 'value="kim@nuri.example"' in html and 'value="01012345678"' in html
    assert 'name="attendees-2-name"' in html and 'name="attendees-3-name"' not in html  # seats_per_company=3
    consent_input = re.search(r'<input[^>]*name="consent"[^>]*>', html).group(0)
    assert "checked" not in consent_input
    for text in (
        "행사 참가 신청 확인, 출입 관리, 참가확인서 발급, 행사 관련 연락",
        "이름, 이메일, 휴대전화, 직함, 소속 기업",
        "행사 종료 후 1년간 보관 후 파기",
        "동의를 거부할 수 있으나, 거부하면 참가 신청을 할 수 없습니다.",
    ):
        assert text in html
    assert html.index("행사 종료 후 1년간 보관 후 파기") < html.index('name="consent"')
    assert 'name="attendees-0-role"' not in html  # not a council meeting


def test_unlimited_event_shows_five_rows(client, world):
    event = make_event(world.dmc, seats_per_company=None)
    db.session.commit()
    login(client, world.member.email)
    html = client.get(page(event.id)).get_data(as_text=True)
    assert 'name="attendees-4-name"' in html and 'name="attendees-5-name"' not in html


def test_member_registers_self_and_colleague(client, world, mailbox):
    login(client, world.member.email)
    resp = register(
        client, world.event, rows(("김누리", "kim@nuri.example"), ("박동료", "park@nuri.example"), ("", ""))
    )
    assert resp.status_code == 302 and resp.headers["Location"].endswith(page(world.event.id))
    regs = registrations(world.event.id)
    assert [(r.name, r.email, r.status) for r in regs] == [
        ("김누리", "kim@nuri.example", RegistrationStatus.CONFIRMED),
        ("박동료", "park@nuri.example", RegistrationStatus.CONFIRMED),
    ]
    assert all(r.consent_version == CONSENT_VERSION and r.consented_at is not None for r in regs)
    assert all(r.company_id == world.nuri.id and r.registered_by_id == world.member.id for r in regs)
    assert all(r.role == AttendeeRole.ATTENDEE for r in regs)
    mails = wait_for_mail(mailbox, 2)
    assert sorted(m["To"] for m in mails) == ["kim@nuri.example", "park@nuri.example"]
    assert all("참가 신청이 확정되었습니다" in m["Subject"] for m in mails)
    assert "DMC 송년 네트워킹" in body_of(mails[0])
    html = client.get(page(world.event.id)).get_data(as_text=True)
    assert "확정 2명, 대기 0명" in html
    assert "우리 기업 신청 현황" in html and "박동료" in html


def test_without_consent_nothing_is_written(client, world, mailbox):
    login(client, world.member.email)
    resp = register(client, world.event, rows(("김누리", "kim@nuri.example"), consent=False))
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "개인정보 수집·이용에 동의해야 신청할 수 있습니다." in html
    assert 'value="김누리"' in html  # the form comes back as entered
    assert count_registrations() == 0
    assert no_mail_sent_or_queued(mailbox)


def test_over_seats_per_company_is_refused(client, world, mailbox):
    make_registration(world.event, world.nuri, email="first@nuri.example")
    db.session.commit()
    login(client, world.member.email)
    resp = register(
        client,
        world.event,
        rows(("김누리", "kim@nuri.example"), ("박동료", "park@nuri.example"), ("최동료", "choi@nuri.example")),
    )
    assert resp.status_code == 400
    assert "기업당 신청 가능 인원(3명)을 넘습니다. 남은 자리: 2명" in resp.get_data(as_text=True)
    assert count_registrations() == 1
    assert no_mail_sent_or_queued(mailbox)


def test_more_rows_than_offered_are_refused(client, world):
    event = make_event(world.dmc, seats_per_company=None)
    db.session.commit()
    login(client, world.member.email)
    people = [(f"참가자{i}", f"p{i}@nuri.example") for i in range(6)]
    resp = register(client, event, rows(*people))
    assert resp.status_code == 400
    assert "한 번에 최대 5명까지 신청할 수 있습니다." in resp.get_data(as_text=True)
    assert count_registrations() == 0


def test_invalid_email_shows_message(client, world):
    login(client, world.member.email)
    resp = register(client, world.event, rows(("김누리", "not-an-email")))
    assert resp.status_code == 400
    assert "이메일 형식이 올바르지 않습니다" in resp.get_data(as_text=True)
    assert count_registrations() == 0


def test_full_event_waitlists_and_page_says_so(client, world, mailbox):
    event = make_event(world.dmc, capacity=1)
    make_registration(event, world.other, email="seat@hanbit.example")
    db.session.commit()
    login(client, world.member.email)
    resp = register(client, event, rows(("김누리", "kim@nuri.example")), follow_redirects=True)
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "확정 0명, 대기 1명" in html
    assert re.search(r"김누리</td>\s*<td>대기 1번</td>", html)
    assert [r.status for r in registrations(event.id)] == [RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED]
    mails = wait_for_mail(mailbox, 1)
    assert "대기자로 등록되었습니다" in mails[0]["Subject"]


def test_cancel_flow_promotes_first_waitlisted(client, world, mailbox):
    event = make_event(world.dmc, capacity=1)
    mine = make_registration(event, world.nuri, name="김누리", email="kim@nuri.example")
    first = make_registration(
        event, world.other, name="대기일번", email="wait1@hanbit.example", status=RegistrationStatus.WAITLISTED
    )
    make_registration(
        event, world.other, name="대기이번", email="wait2@hanbit.example", status=RegistrationStatus.WAITLISTED
    )
    db.session.commit()
    login(client, world.member.email)
    html = client.get(page(event.id)).get_data(as_text=True)
    url = f"/events/{event.id}/registrations/{mine.id}/cancel"
    assert f'href="{url}"' in html
    confirm = client.get(url)
    assert confirm.status_code == 200 and "김누리님의" in confirm.get_data(as_text=True)
    resp = post_form(client, url, {})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(page(event.id))
    statuses = {r.email: r.status for r in registrations(event.id)}
    assert statuses == {
        "kim@nuri.example": RegistrationStatus.CANCELLED,
        "wait1@hanbit.example": RegistrationStatus.CONFIRMED,
        "wait2@hanbit.example": RegistrationStatus.WAITLISTED,
    }
    assert db.session.get(Registration, first.id).promoted_at is not None
    mails = wait_for_mail(mailbox, 1)
    assert [m["To"] for m in mails] == ["wait1@hanbit.example"]
    assert "자리가 확정되었습니다" in mails[0]["Subject"]
    after = client.get(page(event.id)).get_data(as_text=True)
    assert "참가 신청을 취소했습니다" in after and f'href="{url}"' not in after


def test_member_of_another_company_cannot_cancel(client, world, mailbox):
    mine = make_registration(world.event, world.nuri, email="kim@nuri.example")
    db.session.commit()
    login(client, world.other_member.email)
    url = f"/events/{world.event.id}/registrations/{mine.id}/cancel"
    assert client.get(url).status_code == 403
    assert post_form(client, url, {}, token_from=page(world.event.id)).status_code == 403
    assert registrations()[0].status == RegistrationStatus.CONFIRMED
    assert no_mail_sent_or_queued(mailbox)


def test_host_staff_may_cancel_and_wrong_event_is_404(client, world):
    mine = make_registration(world.event, world.nuri, email="kim@nuri.example")
    elsewhere = make_event(world.dmc)
    db.session.commit()
    login(client, world.dmc_staff.email)
    assert client.get(f"/events/{elsewhere.id}/registrations/{mine.id}/cancel").status_code == 404
    resp = post_form(client, f"/events/{world.event.id}/registrations/{mine.id}/cancel", {})
    assert resp.status_code == 302
    assert registrations()[0].status == RegistrationStatus.CANCELLED


def test_staff_cannot_use_member_form(client, world):
    login(client, world.dmc_staff.email)
    html = client.get(page(world.event.id)).get_data(as_text=True)
    assert 'name="attendees-0-name"' not in html
    resp = register(client, world.event, rows(("스태프", "dmc.staff@example.com")))
    assert resp.status_code == 403
    assert "기업을 대신한 신청 기능은 추후 제공됩니다" in resp.get_data(as_text=True)
    assert count_registrations() == 0


def test_anonymous_sees_login_prompt(client, world):
    html = client.get(page(world.event.id)).get_data(as_text=True)
    assert "로그인하면 신청할 수 있습니다" in html
    assert f'href="/auth/login?next=/events/{world.event.id}"' in html
    assert 'name="attendees-0-name"' not in html
    resp = client.post(f"/events/{world.event.id}/register", data=rows(("익명", "anon@example.com")))
    assert resp.status_code == 400  # no CSRF token
    assert count_registrations() == 0


def test_anonymous_post_with_token_redirects_to_login(client, world):
    resp = register(client, world.event, rows(("익명", "anon@example.com")))
    assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"]
    assert count_registrations() == 0


def test_council_meeting_for_non_council_company_shows_reason(client, world):
    council = make_event(world.dmc, kind=EventKind.COUNCIL)
    db.session.commit()
    login(client, world.member.email)
    html = client.get(page(council.id)).get_data(as_text=True)
    assert "이 클러스터 입주기업협의회 회원사만 신청할 수 있습니다." in html
    assert 'name="attendees-0-name"' not in html


def test_closed_event_shows_reason_to_everyone(client, world):
    closed = make_event(world.dmc, status=EventStatus.CANCELLED)
    db.session.commit()
    assert "취소된 행사입니다." in client.get(page(closed.id)).get_data(as_text=True)
    login(client, world.member.email)
    html = client.get(page(closed.id)).get_data(as_text=True)
    assert "취소된 행사입니다." in html and 'name="attendees-0-name"' not in html


def test_other_cluster_member_sees_reason(client, world):
    outsider = make_user(company=make_company(world.guro), email="out@guro.example")
    db.session.commit()
    login(client, outsider.email)
    html = client.get(page(world.event.id)).get_data(as_text=True)
    assert "이 행사에 신청할 수 있는 클러스터의 기업이 아닙니다." in html


def test_council_member_registers_voter_and_observer(client, world):
    world.nuri.is_council_member = True
    council = make_event(world.dmc, kind=EventKind.COUNCIL)
    db.session.commit()
    login(client, world.member.email)
    html = client.get(page(council.id)).get_data(as_text=True)
    assert 'name="attendees-0-role"' in html and "의결권 대표" in html and "참관인" in html
    resp = register(
        client,
        council,
        rows(("김누리", "kim@nuri.example"), ("박동료", "park@nuri.example"), role=["voter", "observer"]),
    )
    assert resp.status_code == 302
    assert [r.role for r in registrations(council.id)] == [AttendeeRole.VOTER, AttendeeRole.OBSERVER]
    # A second voter for the same company is refused.
    resp = register(client, council, rows(("최동료", "choi@nuri.example"), role=["voter"]))
    assert resp.status_code == 400
    assert "의결권 대표는 기업당 한 명만 신청할 수 있습니다." in resp.get_data(as_text=True)


def test_missing_csrf_is_400(client, world):
    login(client, world.member.email)
    resp = client.post(f"/events/{world.event.id}/register", data=rows(("김누리", "kim@nuri.example")))
    assert resp.status_code == 400
    assert count_registrations() == 0
    mine = make_registration(world.event, world.nuri, email="x@nuri.example")
    db.session.commit()
    resp = client.post(f"/events/{world.event.id}/registrations/{mine.id}/cancel", data={})
    assert resp.status_code == 400
    assert registrations()[0].status == RegistrationStatus.CONFIRMED


def test_the_company_table_shows_each_waitlisted_colleagues_place(client, world):
    """Places count the whole event's waitlist in arrival order, not only the company's rows."""
    world.event.capacity = 1
    make_registration(world.event, world.other, name="자리확정", email="a@hanbit.example")
    make_registration(
        world.event, world.other, name="먼저대기", email="b@hanbit.example", status=RegistrationStatus.WAITLISTED
    )
    mine = make_registration(
        world.event, world.nuri, name="나중대기", email="c@nuri.example", status=RegistrationStatus.WAITLISTED
    )
    db.session.commit()
    login(client, world.member.email)
    html = client.get(page(world.event.id)).get_data(as_text=True)
    row = re.search(r"<tr>\s*<td>나중대기</td>.*?</tr>", html, re.S).group(0)
    assert "대기 2번" in row and mine.name in row
    assert "먼저대기" not in html  # another company's people are not shown
