"""Guest (outside company) registration on a guest-open event, the private manage link, resend, limits."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from app.events.consent import CONSENT_VERSION
from app.extensions import db, limiter
from app.models import EventKind, EventStatus, Registration, RegistrationStatus, ResearchGroup, utcnow
from tests.conftest import csrf_token, make_config
from tests.factories import PASSWORD, make_cluster, make_company, make_event, make_registration, make_user, valid_brn
from tests.helpers import body_of, link_in, no_mail_sent_or_queued, post_form, see_committed, wait_for_mail

MANAGE = "/registrations/manage/"


@pytest.fixture
def world(app):
    dmc = make_cluster("dmc", name_ko="상암 DMC")
    event = make_event(dmc, title_ko="DMC 송년 네트워킹", capacity=10, open_to_guests=True)
    w = SimpleNamespace(dmc=dmc, event=event, brn=valid_brn())
    db.session.commit()
    return w


def guest_data(firm_brn, **overrides):
    data = {
        "company_name": "(주)바깥세상",
        "brn": f"{firm_brn[:3]}-{firm_brn[3:5]}-{firm_brn[5:]}",
        "name": "홍길동",
        "email": "hong@outside.example",
        "mobile": "010 1234 5678",
        "job_title": "책임연구원",
        "consent": "y",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def register(client, event_id, data, **kw):
    return post_form(client, f"/events/{event_id}/guest", data, **kw)


def registrations(event_id):
    see_committed()
    return list(
        db.session.scalars(select(Registration).where(Registration.event_id == event_id).order_by(Registration.id))
    )


def count_registrations() -> int:
    see_committed()
    return db.session.scalar(select(func.count()).select_from(Registration))


def registered_link(client, mailbox, event_id, data, n_mail=1):
    """Register a guest and return (manage path, token) from the registration mail."""
    resp = register(client, event_id, data)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    url, token = link_in(wait_for_mail(mailbox, n_mail)[n_mail - 1], MANAGE)
    see_committed()  # the test may write next: not from a snapshot older than the request's commit
    return url.removeprefix("http://localhost"), token


# --- the form ---------------------------------------------------------------------------


def test_event_page_embeds_guest_form_beside_login_link(client, world):
    html = client.get(f"/events/{world.event.id}").get_data(as_text=True)
    assert "로그인하면 신청할 수 있습니다" in html
    assert f'action="/events/{world.event.id}/guest"' in html
    for name in ("company_name", "brn", "name", "email", "mobile", "job_title", "consent"):
        assert f'name="{name}"' in html
    assert "행사 종료 후 1년간 보관 후 파기" in html
    assert html.index("행사 종료 후 1년간 보관 후 파기") < html.index('name="consent"')
    assert "checked" not in re.search(r'<input[^>]*name="consent"[^>]*>', html).group(0)
    assert f'action="/events/{world.event.id}/guest/resend"' in html


def test_guest_page_shows_form(client, world):
    resp = client.get(f"/events/{world.event.id}/guest")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert 'name="brn"' in html and "개인정보 수집·이용 동의 (필수)" in html


def test_no_guest_form_where_guests_may_not_register(client, world):
    event = make_event(world.dmc, open_to_guests=False)
    db.session.commit()
    html = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "로그인하면 신청할 수 있습니다" in html and 'name="brn"' not in html
    html = client.get(f"/events/{event.id}/guest").get_data(as_text=True)
    assert "외부 기업은 이 행사에 신청할 수 없습니다." in html and 'name="brn"' not in html


def test_signed_in_member_gets_no_guest_form_on_event_page(client, world):
    member = make_user(company=make_company(world.dmc), email="kim@nuri.example")
    db.session.commit()
    post_form(client, "/auth/login", {"email": member.email, "password": PASSWORD})
    html = client.get(f"/events/{world.event.id}").get_data(as_text=True)
    assert 'name="attendees-0-name"' in html and 'name="brn"' not in html


def test_draft_event_guest_page_is_404(client, world):
    event = make_event(world.dmc, status=EventStatus.DRAFT, open_to_guests=True)
    db.session.commit()
    assert client.get(f"/events/{event.id}/guest").status_code == 404
    token = csrf_token(client, "/")
    resp = client.post(f"/events/{event.id}/guest", data=dict(guest_data(world.brn), csrf_token=token))
    assert resp.status_code == 404 and count_registrations() == 0


# --- registering ----------------------------------------------------------------------


def test_guest_registers_confirmed_and_mail_carries_working_manage_link(client, world, mailbox):
    resp = register(client, world.event.id, guest_data(world.brn), token_from=f"/events/{world.event.id}")
    assert resp.status_code == 302
    assert resp.headers["Location"] == f"/events/{world.event.id}/guest/done"

    (reg,) = registrations(world.event.id)
    assert reg.status == RegistrationStatus.CONFIRMED
    assert (reg.company_id, reg.guest_company_name, reg.guest_brn) == (None, "(주)바깥세상", world.brn)
    assert (reg.name, reg.email, reg.mobile, reg.job_title) == (
        "홍길동",
        "hong@outside.example",
        "010-1234-5678",
        "책임연구원",
    )
    assert reg.consent_version == CONSENT_VERSION and reg.consented_at is not None
    assert reg.registered_by_id is None

    (mail,) = wait_for_mail(mailbox)
    assert mail["To"] == "hong@outside.example" and "참가 신청이 확정되었습니다" in mail["Subject"]
    url, token = link_in(mail, MANAGE)
    assert len(token) >= 43  # 256 bits, url-safe base64
    assert reg.manage_token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in (reg.manage_token_hash or "")

    done = client.get(resp.headers["Location"])
    html = done.get_data(as_text=True)
    assert done.status_code == 200
    assert "참가 신청이 확정되었습니다" in html and "관리 링크를 입력하신 이메일로 보냈습니다" in html
    assert token not in html

    page = client.get(url.removeprefix("http://localhost"))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for text in (
        "DMC 송년 네트워킹",
        "참가 확정",
        "홍길동",
        "hong@outside.example",
        "010-1234-5678",
        "(주)바깥세상",
        "책임연구원",
    ):
        assert text in html
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"


def test_guest_is_waitlisted_with_position_when_full(client, world, mailbox):
    event = make_event(world.dmc, capacity=1, open_to_guests=True, kind=EventKind.FORUM)
    make_registration(event, make_company(world.dmc))
    make_registration(event, make_company(world.dmc), status=RegistrationStatus.WAITLISTED)
    db.session.commit()
    path, _token = registered_link(client, mailbox, event.id, guest_data(world.brn))
    reg = registrations(event.id)[-1]
    assert reg.status == RegistrationStatus.WAITLISTED
    assert "대기자로 등록되었습니다" in mailbox[0]["Subject"]
    html = client.get(f"/events/{event.id}/guest/done").get_data(as_text=True)
    assert "대기 순번: 2번" in html
    assert "대기 순번 2번" in client.get(path).get_data(as_text=True)


@pytest.mark.parametrize(
    "setup, message",
    [
        (dict(open_to_guests=False), "외부 기업은 이 행사에 신청할 수 없습니다."),
        (dict(kind=EventKind.COUNCIL), "외부 기업은 이 행사에 신청할 수 없습니다."),
        (dict(kind=EventKind.RESEARCH), "외부 기업은 이 행사에 신청할 수 없습니다."),
        (dict(registration_closes_at=utcnow() - dt.timedelta(hours=1)), "참가 신청이 마감되었습니다."),
        (dict(status=EventStatus.CANCELLED), "취소된 행사입니다."),
    ],
    ids=["not-open-to-guests", "council", "research", "closed", "cancelled"],
)
def test_guest_refused_where_guests_may_not_register(client, world, mailbox, setup, message):
    setup = dict(setup)
    kw = {"open_to_guests": setup.pop("open_to_guests", True)}
    if setup.get("kind") == EventKind.RESEARCH:
        kw["research_group"] = ResearchGroup(name="빅데이터연구회", cluster=world.dmc)
    event = make_event(world.dmc, **kw, **setup)
    db.session.commit()
    resp = register(client, event.id, guest_data(world.brn))
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert message in html
    assert 'name="company_name"' in html and 'value="(주)바깥세상"' in html  # the form as entered
    assert count_registrations() == 0
    assert no_mail_sent_or_queued(mailbox)


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("brn", "BAD", "사업자등록번호의 검증번호가 맞지 않습니다. 번호를 다시 확인해 주세요."),
        ("brn", "12345", "사업자등록번호는 10자리 숫자여야 합니다 (예: 123-45-67890)."),
        ("consent", None, "개인정보 수집·이용에 동의해야 신청할 수 있습니다."),
        ("email", "hong@", "이메일 형식이 올바르지 않습니다 (예: name@example.com)."),
        ("mobile", "010-1234-567", "휴대전화 번호 형식이 올바르지 않습니다 (예: 010-1234-5678)."),
        ("mobile", "", "휴대전화 번호를 입력해 주세요 (외부 기업 참가자는 필수)."),
        ("company_name", "  ", "소속 기업명을 입력해 주세요."),
        ("name", "", "참가자 이름을 입력해 주세요."),
    ],
    ids=["brn-check-digit", "brn-short", "no-consent", "email", "mobile", "no-mobile", "no-company", "no-name"],
)
def test_bad_input_is_400_with_reason_and_nothing_written(client, world, mailbox, field, value, message):
    if value == "BAD":  # a 10-digit number whose check digit is off by one
        value = world.brn[:9] + str((int(world.brn[9]) + 1) % 10)
    resp = register(client, world.event.id, guest_data(world.brn, **{field: value}))
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert message in html
    assert 'value="홍길동"' in html or field == "name"  # the form comes back as entered
    assert count_registrations() == 0
    assert no_mail_sent_or_queued(mailbox)


def test_too_long_input_is_400_not_500(client, world):
    resp = register(client, world.event.id, guest_data(world.brn, company_name="가" * 300))
    assert resp.status_code == 400 and "입력 내용을 확인해 주세요." in resp.get_data(as_text=True)
    assert count_registrations() == 0


def test_same_email_twice_is_refused(client, world, mailbox):
    assert register(client, world.event.id, guest_data(world.brn)).status_code == 302
    resp = register(client, world.event.id, guest_data(valid_brn(), email=" HONG@outside.example "))
    assert resp.status_code == 400
    assert "이미 신청한 이메일입니다: hong@outside.example" in resp.get_data(as_text=True)
    assert len(registrations(world.event.id)) == 1


def test_seats_per_company_count_by_guest_brn(client, world, mailbox):
    event = make_event(world.dmc, open_to_guests=True, seats_per_company=1)
    db.session.commit()
    assert register(client, event.id, guest_data(world.brn)).status_code == 302
    # The same firm with its number written without dashes: still the same company.
    resp = register(client, event.id, guest_data(world.brn, brn=world.brn, email="lee@outside.example"))
    assert resp.status_code == 400
    assert "기업당 신청 가능 인원(1명)을 넘습니다. 남은 자리: 0명" in resp.get_data(as_text=True)
    assert register(client, event.id, guest_data(valid_brn(), email="lee@outside.example")).status_code == 302
    assert [r.email for r in registrations(event.id)] == ["hong@outside.example", "lee@outside.example"]


def test_missing_csrf_is_refused(client, world, mailbox):
    resp = client.post(f"/events/{world.event.id}/guest", data=guest_data(world.brn))
    assert resp.status_code == 400
    assert count_registrations() == 0
    assert no_mail_sent_or_queued(mailbox)


def test_done_page_without_a_registration_in_the_session_is_generic(client, world):
    html = client.get(f"/events/{world.event.id}/guest/done").get_data(as_text=True)
    assert "참가 신청이 접수되었습니다." in html and "확정되었습니다" not in html


# --- the manage page ----------------------------------------------------------------------


def test_guest_changes_details(client, world, mailbox):
    path, _token = registered_link(client, mailbox, world.event.id, guest_data(world.brn))
    resp = post_form(
        client, path, {"name": "홍길순", "email": "hong@outside.example", "mobile": "01098765432", "job_title": ""}
    )
    assert resp.status_code == 302 and resp.headers["Location"] == path
    (reg,) = registrations(world.event.id)
    assert (reg.name, reg.mobile, reg.job_title) == ("홍길순", "010-9876-5432", None)
    assert "신청 정보를 변경했습니다." in client.get(path).get_data(as_text=True)


def test_changing_email_keeps_one_active_registration_per_email(client, world, mailbox):
    make_registration(world.event, make_company(world.dmc), email="taken@example.com")
    db.session.commit()
    path, token = registered_link(client, mailbox, world.event.id, guest_data(world.brn))
    resp = post_form(client, path, {"name": "홍길동", "email": "Taken@example.com", "mobile": "010-1234-5678"})
    assert resp.status_code == 400
    assert "이 행사에 이미 신청된 이메일입니다: taken@example.com" in resp.get_data(as_text=True)
    assert registrations(world.event.id)[-1].email == "hong@outside.example"

    mailbox.clear()
    resp = post_form(client, path, {"name": "홍길동", "email": "new@outside.example", "mobile": "010-1234-5678"})
    assert resp.status_code == 302
    assert registrations(world.event.id)[-1].email == "new@outside.example"
    mails = {m["To"]: m for m in wait_for_mail(mailbox, 2)}
    assert set(mails) == {"new@outside.example", "hong@outside.example"}
    assert link_in(mails["new@outside.example"], MANAGE)[1] == token
    assert MANAGE not in body_of(mails["hong@outside.example"])


def test_bad_details_are_400_and_unchanged(client, world, mailbox):
    path, _token = registered_link(client, mailbox, world.event.id, guest_data(world.brn))
    resp = post_form(client, path, {"name": "홍길동", "email": "hong@outside.example", "mobile": "02-123-4567"})
    assert resp.status_code == 400
    assert "휴대전화 번호 형식이 올바르지 않습니다" in resp.get_data(as_text=True)
    assert registrations(world.event.id)[0].mobile == "010-1234-5678"
    resp = client.post(path, data={"name": "누군가", "email": "x@example.com", "mobile": "010-1111-2222"})
    assert resp.status_code == 400  # no CSRF token
    assert registrations(world.event.id)[0].name == "홍길동"


def test_change_after_deadline_is_refused(client, world, mailbox):
    path, _token = registered_link(client, mailbox, world.event.id, guest_data(world.brn))
    world.event.registration_closes_at = utcnow() - dt.timedelta(minutes=1)
    db.session.commit()
    html = client.get(path).get_data(as_text=True)
    assert "신청 마감 이후에는 신청 정보를 변경할 수 없습니다." in html and 'name="mobile"' not in html
    assert "참가 신청 취소" in html  # cancelling still works until the start
    resp = post_form(client, path, {"name": "홍길순", "email": "hong@outside.example", "mobile": "010-1234-5678"})
    assert resp.status_code == 400
    assert "신청 마감 이후에는 신청 정보를 변경할 수 없습니다." in resp.get_data(as_text=True)
    assert registrations(world.event.id)[0].name == "홍길동"


def test_cancel_with_confirmation_promotes_next_waitlisted(client, world, mailbox):
    event = make_event(world.dmc, capacity=1, open_to_guests=True)
    db.session.commit()
    path, token = registered_link(client, mailbox, event.id, guest_data(world.brn))
    waiting = make_registration(
        event, make_company(world.dmc), email="next@example.com", status=RegistrationStatus.WAITLISTED
    )
    db.session.commit()
    mailbox.clear()

    confirm = client.get(f"{path}/cancel")
    assert confirm.status_code == 200
    assert "참가 신청을 취소할까요?" in confirm.get_data(as_text=True)
    assert confirm.headers["Referrer-Policy"] == "no-referrer" and confirm.headers["Cache-Control"] == "no-store"
    assert registrations(event.id)[0].status == RegistrationStatus.CONFIRMED  # GET changes nothing
    assert client.post(f"{path}/cancel").status_code == 400  # no CSRF token
    assert registrations(event.id)[0].status == RegistrationStatus.CONFIRMED

    resp = post_form(client, f"{path}/cancel", {})
    assert resp.status_code == 302 and resp.headers["Location"] == path
    mine, promoted = registrations(event.id)
    assert mine.status == RegistrationStatus.CANCELLED and mine.cancelled_at is not None
    assert promoted.id == waiting.id and promoted.status == RegistrationStatus.CONFIRMED
    (mail,) = wait_for_mail(mailbox)
    assert mail["To"] == "next@example.com" and "자리가 확정되었습니다" in mail["Subject"]

    html = client.get(path).get_data(as_text=True)
    assert "이 참가 신청은 취소되었습니다." in html
    assert 'name="mobile"' not in html and f"{token}/cancel" not in html
    assert client.get(f"{path}/cancel").status_code == 302  # already cancelled: back to the page
    resp = post_form(
        client,
        path,
        {"name": "홍길순", "email": "hong@outside.example", "mobile": "010-1234-5678"},
        token_from=f"/events/{event.id}",
    )
    assert resp.status_code == 400 and "이미 취소된 신청입니다." in resp.get_data(as_text=True)


def test_cancel_after_start_is_refused(client, world, mailbox):
    path, _token = registered_link(client, mailbox, world.event.id, guest_data(world.brn))
    world.event.starts_at = utcnow() - dt.timedelta(minutes=5)
    db.session.commit()
    assert "참가 신청 취소" not in client.get(path).get_data(as_text=True)
    resp = post_form(client, f"{path}/cancel", {}, token_from=path)
    assert resp.status_code == 400
    assert "행사가 시작된 뒤에는 신청을 취소할 수 없습니다." in resp.get_data(as_text=True)
    assert registrations(world.event.id)[0].status == RegistrationStatus.CONFIRMED


@pytest.mark.parametrize("token", ["x", "A" * 43, "not-a-token-" * 3, "a" * 600, "%00", "..%2F..%2Fetc"])
def test_unknown_or_garbage_token_is_404(client, world, token):
    for path in (f"{MANAGE}{token}", f"{MANAGE}{token}/cancel"):
        resp = client.get(path)
        assert resp.status_code == 404
        assert "페이지를 찾을 수 없습니다" in resp.get_data(as_text=True)
        if "%2F" not in token:  # a slash in the token does not even reach the route
            assert resp.headers["Referrer-Policy"] == "no-referrer"


def test_company_registration_is_not_reachable_by_a_manage_hash(client, world):
    # A member's registration never has a manage link; even a planted hash does not open it.
    token = "T" * 43
    make_registration(
        world.event, make_company(world.dmc), manage_token_hash=hashlib.sha256(token.encode()).hexdigest()
    )
    db.session.commit()
    assert client.get(f"{MANAGE}{token}").status_code == 404


# --- resending the link ---------------------------------------------------------------------


def resend(client, event_id, email):
    """Post the resend form as the event page's browser does (its fields carry the "resend-" prefix)."""
    token = csrf_token(client, f"/events/{event_id}/guest/resend")
    return client.post(f"/events/{event_id}/guest/resend", data={"resend-email": email, "resend-csrf_token": token})


def test_resend_issues_new_link_and_old_one_stops_working(client, world, mailbox):
    old_path, old_token = registered_link(client, mailbox, world.event.id, guest_data(world.brn))
    resp = resend(client, world.event.id, "HONG@outside.example")
    assert resp.status_code == 302
    neutral = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "새 관리 링크를 보냈습니다" in neutral
    mail = wait_for_mail(mailbox, 2)[1]
    assert mail["To"] == "hong@outside.example" and "신청 관리 링크" in mail["Subject"]
    new_url, new_token = link_in(mail, MANAGE)
    assert new_token != old_token
    assert client.get(old_path).status_code == 404
    assert client.get(new_url.removeprefix("http://localhost")).status_code == 200


def test_resend_answers_the_same_for_unknown_addresses(client, world, mailbox):
    member_reg = make_registration(world.event, make_company(world.dmc), email="member@example.com")
    db.session.commit()
    answers = []
    for email in ("nobody@example.com", member_reg.email):
        resp = resend(client, world.event.id, email)
        assert resp.status_code == 302
        answers.append(client.get(resp.headers["Location"]).get_data(as_text=True).count("새 관리 링크를 보냈습니다"))
    assert answers == [1, 1]
    assert no_mail_sent_or_queued(mailbox)


def test_resend_for_cancelled_registration_sends_nothing(client, world, mailbox):
    path, _token = registered_link(client, mailbox, world.event.id, guest_data(world.brn))
    post_form(client, f"{path}/cancel", {})
    mailbox.clear()
    assert resend(client, world.event.id, "hong@outside.example").status_code == 302
    assert no_mail_sent_or_queued(mailbox)


def test_resend_bad_email_is_400(client, world, mailbox):
    resp = resend(client, world.event.id, "not-an-email")
    assert resp.status_code == 400
    assert "이메일 형식이 올바르지 않습니다" in resp.get_data(as_text=True)
    resp = client.post(f"/events/{world.event.id}/guest/resend", data={"resend-email": "hong@outside.example"})
    assert resp.status_code == 400  # no CSRF token
    assert no_mail_sent_or_queued(mailbox)


def test_resend_form_stays_on_event_page_after_registration_closes(client, world):
    world.event.registration_closes_at = utcnow() - dt.timedelta(minutes=1)
    db.session.commit()
    html = client.get(f"/events/{world.event.id}").get_data(as_text=True)
    assert "참가 신청이 마감되었습니다." in html
    assert 'name="brn"' not in html and f'action="/events/{world.event.id}/guest/resend"' in html


# --- rate limits ------------------------------------------------------------------------------


def test_guest_posts_are_rate_limited_per_address(app, client, world):
    app.config["GUEST_RSVP_RATE_LIMIT"] = "2 per minute"
    statuses = [
        register(
            client, world.event.id, guest_data(world.brn, email=f"g{i}@outside.example", brn=valid_brn())
        ).status_code
        for i in range(3)
    ]
    assert statuses == [302, 302, 429]
    statuses = [resend(client, world.event.id, "g0@outside.example").status_code for _ in range(3)]
    assert statuses == [302, 302, 429]


def test_rate_limit_is_off_when_ratelimit_enabled_is_false(app, migrated, smtp_server, world):
    from app import create_app

    unlimited = create_app(
        make_config(
            migrated, MAIL_PORT=smtp_server[0].port, RATELIMIT_ENABLED=False, GUEST_RSVP_RATE_LIMIT="2 per minute"
        )
    )
    try:
        client = unlimited.test_client()
        token = csrf_token(client, f"/events/{world.event.id}/guest")
        statuses = {
            client.post(
                f"/events/{world.event.id}/guest",
                data=dict(guest_data(valid_brn(), email=f"u{i}@outside.example"), csrf_token=token),
            ).status_code
            for i in range(6)
        }
        assert statuses == {302}
    finally:
        # Flask-Limiter keeps `enabled` on the shared extension object: later apps must start limited again.
        limiter.enabled = True
    assert len(registrations(world.event.id)) == 6
