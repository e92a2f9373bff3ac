"""Badge PDF routes: staff batches and page, attendee and guest single badges, links on pages and in mail."""

from __future__ import annotations

import hashlib
from urllib.parse import quote

import pytest

from app.events.tickets import badge_link_token, issue_ticket
from app.extensions import db
from app.models import EventStatus, OutboxMessage, Registration, RegistrationStatus, utcnow
from tests.checkin.badge_helpers import CONFIRMED, badge_texts, make_world
from tests.factories import PASSWORD
from tests.helpers import pdf_pages, pdf_text, post_form

GUEST_TOKEN = "guest-manage-token-for-badge-tests-0123456789"


@pytest.fixture
def world(app):
    w = make_world()
    w.regs["오지호"].manage_token_hash = hashlib.sha256(GUEST_TOKEN.encode()).hexdigest()
    db.session.commit()
    return w


def batch_url(world, **args) -> str:
    query = "&".join(f"{k}={v}" for k, v in args.items())
    return f"/staff/events/{world.event.id}/badges.pdf" + (f"?{query}" if query else "")


def print_batch(client, world, **args):
    """What the print form does: POST its options with the page's CSRF token (marks printed)."""
    return post_form(
        client,
        f"/staff/events/{world.event.id}/badges.pdf",
        {k: str(v) for k, v in args.items()},
        token_from=f"/staff/events/{world.event.id}/badges",
    )


def printed_names() -> set[str]:
    db.session.rollback()  # end this test's read snapshot: see what the request committed
    return {r.name for r in db.session.query(Registration).filter(Registration.badge_printed_at.isnot(None))}


def assert_pdf_response(response, korean_name: str):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('inline; filename="')
    assert f"filename*=UTF-8''{quote(korean_name, safe='')}" in disposition
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.get_data().startswith(b"%PDF")


# --- staff batch ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["admin", "host_staff"])
def test_admin_and_host_staff_get_the_batch_and_it_is_marked_printed(client, auth, world, who):
    auth.login(getattr(world, who).email, PASSWORD)
    response = print_batch(client, world, layout="insert", sort="name")
    assert_pdf_response(response, "명찰_DMC 입주기업 네트워킹 나이트.pdf")
    data = response.get_data()
    assert len(pdf_pages(data)) == 2
    assert [next(n for n in CONFIRMED if n in t) for t in badge_texts(data, "insert")] == sorted(CONFIRMED)
    assert printed_names() == set(CONFIRMED)  # not the waitlisted or cancelled ones


def test_a_get_is_a_preview_that_marks_nothing(client, auth, world):
    auth.login(world.host_staff.email, PASSWORD)
    preview = client.get(batch_url(world, layout="a6"))
    assert_pdf_response(preview, "명찰_DMC 입주기업 네트워킹 나이트.pdf")
    assert printed_names() == set()


def test_printing_without_the_csrf_token_is_refused(client, auth, world):
    auth.login(world.host_staff.email, PASSWORD)
    response = client.post(f"/staff/events/{world.event.id}/badges.pdf", data={"layout": "a6"})
    assert response.status_code == 400
    assert printed_names() == set()


def test_unprinted_filter_then_empty_selection_redirects_with_a_flash(client, auth, world):
    auth.login(world.host_staff.email, PASSWORD)
    first = print_batch(client, world, unprinted=1, company_id=world.companies["가람"].id)
    assert first.status_code == 200
    text = pdf_text(first.get_data())
    assert "최지우" in text and "이하은" in text and "박서연" not in text

    again = print_batch(client, world, unprinted=1, company_id=world.companies["가람"].id)
    assert again.status_code == 302
    assert again.headers["Location"].startswith(f"/staff/events/{world.event.id}/badges?")
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "인쇄할 명찰이 없습니다" in page

    rest = print_batch(client, world, unprinted=1)
    assert len(pdf_pages(rest.get_data())) == 2  # the 7 others, A6 4-up


@pytest.mark.parametrize(
    "args",
    [
        {"layout": "a5"},
        {"sort": "age"},
        {"unprinted": "yes please"},
        {"company_id": "x"},
        {"company_id": "-3"},
    ],
)
def test_bad_parameters_are_a_400_with_a_korean_message(client, auth, world, args):
    auth.login(world.admin.email, PASSWORD)
    for path in (batch_url(world, **args), batch_url(world, **args).replace("badges.pdf", "badges")):
        response = client.get(path)
        assert response.status_code == 400
        body = response.get_data(as_text=True)
        assert "잘못된 요청입니다" in body
        assert any(word in body for word in ("layout", "sort", "unprinted", "company_id"))
    db.session.rollback()  # end this test's read snapshot: see what the request committed
    assert db.session.query(Registration).filter(Registration.badge_printed_at.isnot(None)).count() == 0


def test_unknown_company_gives_the_empty_selection_redirect(client, auth, world):
    auth.login(world.admin.email, PASSWORD)
    response = client.get(batch_url(world, company_id=999999))
    assert response.status_code == 302


def test_batch_access_is_denied_to_other_staff_members_and_anonymous(client, auth, world):
    anonymous = client.get(batch_url(world))
    assert anonymous.status_code == 302 and "/auth/login" in anonymous.headers["Location"]
    for user in (world.other_staff, world.member):
        auth.login(user.email, PASSWORD)
        assert client.get(batch_url(world)).status_code == 403
        assert client.get(f"/staff/events/{world.event.id}/badges").status_code == 403
        auth.logout()
    auth.login(world.admin.email, PASSWORD)
    assert client.get("/staff/events/999999/badges.pdf").status_code == 404
    assert client.get("/staff/events/999999/badges").status_code == 404


def test_staff_page_shows_the_form_and_the_count(client, auth, world):
    auth.login(world.host_staff.email, PASSWORD)
    page = client.get(f"/staff/events/{world.event.id}/badges?layout=insert&company_id={world.companies['다온'].id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "명찰 인쇄" in html
    assert 'name="layout"' in html and 'name="sort"' in html and 'name="unprinted"' in html
    assert 'name="company_id"' in html and "가람테크" in html
    assert "인쇄할 명찰: 2장 (A4 1쪽)" in html
    assert f'action="/staff/events/{world.event.id}/badges.pdf"' in html
    everyone = client.get(f"/staff/events/{world.event.id}/badges").get_data(as_text=True)
    assert "인쇄할 명찰: 9장 (A4 3쪽)" in everyone
    registrations_page = client.get(f"/staff/events/{world.event.id}/registrations").get_data(as_text=True)
    assert f"/staff/events/{world.event.id}/badges" in registrations_page


# --- single badges -------------------------------------------------------------------------


def badge_url(reg) -> str:
    return f"/registrations/{reg.id}/badge.pdf"


def test_member_gets_the_badges_of_their_company(client, auth, world):
    auth.login(world.member.email, PASSWORD)
    for name in ("박서연", "강민준"):
        response = client.get(badge_url(world.regs[name]))
        assert_pdf_response(response, f"명찰_{name}_DMC 입주기업 네트워킹 나이트.pdf")
        data = response.get_data()
        assert len(pdf_pages(data)) == 1
        assert name in pdf_text(data)
    db.session.rollback()  # end this test's read snapshot: see what the request committed
    assert world.regs["박서연"].badge_printed_at is None  # attendees printing at home are not a staff batch


def test_the_person_who_registered_may_get_the_badge(client, auth, world, app):
    # 박서연 (member of 다온) registered a colleague who has since moved to another company row.
    reg = world.regs["강민준"]
    reg.company_id = world.companies["마루"].id
    db.session.commit()
    auth.login(world.member.email, PASSWORD)
    assert client.get(badge_url(reg)).status_code == 200


@pytest.mark.parametrize("who", ["admin", "host_staff"])
def test_admin_and_host_staff_get_any_single_badge(client, auth, world, who):
    auth.login(getattr(world, who).email, PASSWORD)
    assert client.get(badge_url(world.regs["오지호"])).status_code == 200
    assert client.get(badge_url(world.regs["최지우"])).status_code == 200


def test_single_badge_denied_to_others(client, auth, world):
    anonymous = client.get(badge_url(world.regs["박서연"]))
    assert anonymous.status_code == 302 and "/auth/login" in anonymous.headers["Location"]
    for user in (world.other_member, world.other_staff):
        auth.login(user.email, PASSWORD)
        assert client.get(badge_url(world.regs["박서연"])).status_code == 403
        assert client.get(badge_url(world.regs["오지호"])).status_code == 403
        auth.logout()
    auth.login(world.member.email, PASSWORD)
    assert client.get(badge_url(world.regs["최지우"])).status_code == 403  # another company's attendee


def test_no_badge_for_waitlisted_cancelled_or_unknown(client, auth, world):
    auth.login(world.member.email, PASSWORD)
    assert client.get(badge_url(world.regs["서대기"])).status_code == 404
    assert client.get(badge_url(world.regs["임취소"])).status_code == 404
    assert client.get("/registrations/999999/badge.pdf").status_code == 404
    db.session.rollback()  # a fresh transaction: the sign-in request has written since this one began
    world.event.status = EventStatus.CANCELLED
    db.session.commit()
    assert client.get(badge_url(world.regs["박서연"])).status_code == 404


def test_guest_gets_the_badge_through_the_manage_link(client, world):
    response = client.get(f"/registrations/manage/{GUEST_TOKEN}/badge.pdf")
    assert_pdf_response(response, "명찰_오지호_DMC 입주기업 네트워킹 나이트.pdf")
    assert response.headers["Referrer-Policy"] == "no-referrer"
    text = pdf_text(response.get_data())
    assert "오지호" in text and "(주)바른솔루션" in text and "게스트" in text
    assert client.get("/registrations/manage/not-the-right-token-000000000000/badge.pdf").status_code == 404
    assert client.get("/registrations/manage/x/badge.pdf").status_code == 404


def test_guest_link_gives_no_badge_once_cancelled(client, world):
    world.regs["오지호"].status = RegistrationStatus.CANCELLED
    world.regs["오지호"].cancelled_at = utcnow()
    db.session.commit()
    assert client.get(f"/registrations/manage/{GUEST_TOKEN}/badge.pdf").status_code == 404


# --- links ---------------------------------------------------------------------------------


def test_event_page_links_the_members_confirmed_badges(client, auth, world):
    auth.login(world.member.email, PASSWORD)
    html = client.get(f"/events/{world.event.id}").get_data(as_text=True)
    assert badge_url(world.regs["박서연"]) in html
    assert badge_url(world.regs["강민준"]) in html
    assert badge_url(world.regs["서대기"]) not in html  # waitlisted: no badge
    assert "명찰 PDF" in html


def test_guest_manage_page_links_the_badge(client, world):
    html = client.get(f"/registrations/manage/{GUEST_TOKEN}").get_data(as_text=True)
    assert f"/registrations/manage/{GUEST_TOKEN}/badge.pdf" in html
    assert "명찰 PDF" in html


def _last_mail_to(email: str) -> OutboxMessage:
    return db.session.query(OutboxMessage).filter_by(recipient=email).order_by(OutboxMessage.id.desc()).first()


def _signed(reg) -> str:
    return f"/badges/{reg.id}/{badge_link_token(reg)}.pdf"


def test_confirmation_and_promotion_mails_carry_a_signed_badge_link(app, world):
    from app.events import notifications

    member_reg, guest_reg = world.regs["박서연"], world.regs["오지호"]
    manage = f"http://localhost/registrations/manage/{GUEST_TOKEN}"
    with app.test_request_context(base_url="http://localhost"):
        notifications.registered(world.event, member_reg)
        notifications.registered(world.event, guest_reg, manage_url=manage)
        notifications.promoted(world.event, world.regs["강민준"])
    db.session.flush()
    member_mail = _last_mail_to(member_reg.email)
    assert f"http://localhost{_signed(member_reg)}" in member_mail.body_text
    assert f'href="http://localhost{_signed(member_reg)}"' in member_mail.body_html
    assert "명찰 PDF" in member_mail.body_text
    promoted_mail = _last_mail_to(world.regs["강민준"].email)
    assert _signed(world.regs["강민준"]) in promoted_mail.body_text
    assert _signed(guest_reg) in _last_mail_to(guest_reg.email).body_text


def test_signed_link_opens_without_sign_in_and_dies_with_a_reissued_ticket(app, client, world):
    reg = world.regs["박서연"]
    link = _signed(reg)
    response = client.get(link)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert client.get(f"/badges/{reg.id}/{'A' * 22}.pdf").status_code == 404
    assert client.get(f"/badges/{world.regs['강민준'].id}/{badge_link_token(reg)}.pdf").status_code == 404
    issue_ticket(db.session.get(Registration, reg.id))
    db.session.commit()
    assert client.get(link).status_code == 404


def test_signed_link_of_a_waitlisted_registration_gives_no_badge(client, world):
    assert client.get(_signed(world.regs["서대기"])).status_code == 404


def test_mail_outside_a_request_uses_the_public_address(app, world):
    from app.events import notifications

    notifications.registered(world.event, world.regs["박서연"])
    db.session.flush()
    mail = _last_mail_to(world.regs["박서연"].email)
    assert app.config["PUBLIC_BASE_URL"].rstrip("/") + _signed(world.regs["박서연"]) in mail.body_text


def test_waitlist_mail_has_no_badge_link(app, world):
    from app.events import notifications

    with app.test_request_context():
        notifications.registered(world.event, world.regs["서대기"])
    db.session.flush()
    assert "badge" not in _last_mail_to(world.regs["서대기"].email).body_text


def test_recount_button_returns_to_the_page_with_the_options_and_marks_nothing(client, auth, world):
    auth.login(world.host_staff.email, PASSWORD)
    company = world.companies["가람"].id
    response = post_form(
        client,
        f"/staff/events/{world.event.id}/badges.pdf",
        {"layout": "insert", "company_id": str(company), "action": "count"},
        token_from=f"/staff/events/{world.event.id}/badges",
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(f"/staff/events/{world.event.id}/badges?") and "csrf" not in location
    assert "layout=insert" in location and f"company_id={company}" in location
    assert "인쇄할 명찰: 2장 (A4 1쪽)" in client.get(location).get_data(as_text=True)
    assert printed_names() == set()
