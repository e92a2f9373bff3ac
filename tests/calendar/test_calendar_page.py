"""The "내 캘린더" page (/calendar/me): make, show once, rotate and revoke feed URLs."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import quote

import pytest

from app.extensions import db
from app.models import CalendarToken, CalendarTokenKind, Role
from tests.calendar.personal_helpers import get_feed, new_feed_token
from tests.factories import PASSWORD, make_cluster, make_company, make_event, make_registration, make_user
from tests.helpers import post_form, see_committed

_URL_RE = re.compile(r'value="http://localhost/calendar/feed/([A-Za-z0-9_-]{43})\.ics"')


def _member(email="kim@example.com", company=None):
    return make_user(Role.MEMBER, company=company, email=email, name="김민지")


def _tokens(**where) -> list[CalendarToken]:
    see_committed()
    return list(db.session.scalars(db.select(CalendarToken).filter_by(**where).order_by(CalendarToken.id)))


def _shown_token(response) -> str:
    match = _URL_RE.search(response.get_data(as_text=True))
    assert match, "the new feed URL is not on the page"
    return match.group(1)


def test_anonymous_visitors_are_sent_to_sign_in(app, client):
    company = make_company()
    db.session.commit()
    for path in (
        "/calendar/me",
        "/calendar/me/personal/rotate",
        "/calendar/me/personal/revoke",
        f"/calendar/me/companies/{company.id}/rotate",
    ):
        response = client.get(path)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    response = client.post("/calendar/me/personal/new", data={})
    assert response.status_code in (302, 400)  # CSRF refuses first, or the login redirect
    assert _tokens() == []


def test_member_makes_a_personal_feed_and_sees_it_once(app, client, auth):
    kim = _member()
    make_registration(make_event(title_ko="신청한 행사"), kim.company, email=kim.email)
    db.session.commit()
    auth.login(kim.email, PASSWORD)
    page = client.get("/calendar/me").get_data(as_text=True)
    assert "아직 구독 주소가 없습니다" in page and "내 캘린더" in page

    response = post_form(client, "/calendar/me/personal/new", {}, token_from="/calendar/me")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    plain = _shown_token(response)
    html = response.get_data(as_text=True)
    webcal = f"webcal://localhost/calendar/feed/{plain}.ics"
    assert f'href="{webcal}"' in html
    assert f"https://calendar.google.com/calendar/r?cid={quote(webcal, safe='')}" in html
    assert "<svg" in html and 'aria-label="캘린더 구독 QR 코드"' in html
    assert "설정 > 캘린더 > 계정 > 계정 추가 > 기타 > 구독 캘린더 추가" in html
    assert "캘린더 추가 > 인터넷에서 구독" in html

    [row] = _tokens()
    assert row.kind == CalendarTokenKind.PERSONAL and row.user_id == kim.id
    assert row.token_hash == hashlib.sha256(plain.encode()).hexdigest()
    assert get_feed(client, plain).status_code == 200

    # Stored hashed: the page cannot show the URL again, and says what to do instead.
    again = client.get("/calendar/me").get_data(as_text=True)
    assert plain not in again and "주소를 잊었다면 새 주소를 만드세요" in again
    assert "/calendar/me/personal/rotate" in again and "/calendar/me/personal/revoke" in again


def test_creating_twice_keeps_the_first_url(app, client, auth):
    kim = _member()
    db.session.commit()
    auth.login(kim.email, PASSWORD)
    first = _shown_token(post_form(client, "/calendar/me/personal/new", {}, token_from="/calendar/me"))
    second = post_form(client, "/calendar/me/personal/new", {}, token_from="/calendar/me")
    assert second.status_code == 302
    assert len(_tokens()) == 1 and get_feed(client, first).status_code == 200


def test_rotate_asks_first_then_the_old_url_stops_at_once(app, client, auth):
    kim = _member()
    make_registration(make_event(), kim.company, email=kim.email)
    db.session.commit()
    old = new_feed_token(kim)
    auth.login(kim.email, PASSWORD)
    confirm = client.get("/calendar/me/personal/rotate")
    assert confirm.status_code == 200 and "즉시 더 이상 쓸 수 없습니다" in confirm.get_data(as_text=True)
    assert get_feed(client, old).status_code == 200  # looking at the question changes nothing

    response = post_form(client, "/calendar/me/personal/rotate", {})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    new = _shown_token(response)
    assert new != old
    assert get_feed(client, old).status_code == 404
    assert get_feed(client, new).status_code == 200
    assert [t.revoked_at is None for t in _tokens(user_id=kim.id)] == [False, True]


def test_revoke_asks_first_then_the_feed_is_gone(app, client, auth):
    kim = _member()
    db.session.commit()
    plain = new_feed_token(kim)
    auth.login(kim.email, PASSWORD)
    confirm = client.get("/calendar/me/personal/revoke")
    assert confirm.status_code == 200 and "구독 주소 삭제" in confirm.get_data(as_text=True)
    assert get_feed(client, plain).status_code == 200
    response = post_form(client, "/calendar/me/personal/revoke", {})
    assert response.status_code == 302 and response.headers["Location"].endswith("/calendar/me")
    assert get_feed(client, plain).status_code == 404
    page = client.get("/calendar/me").get_data(as_text=True)
    assert "구독 주소를 삭제했습니다" in page and "아직 구독 주소가 없습니다" in page


def test_post_without_csrf_changes_nothing(app, client, auth):
    kim = _member()
    db.session.commit()
    plain = new_feed_token(kim)
    auth.login(kim.email, PASSWORD)
    for path in (
        "/calendar/me/personal/rotate",
        "/calendar/me/personal/revoke",
        f"/calendar/me/companies/{kim.company_id}/new",
    ):
        response = client.post(path, data={})
        assert response.status_code == 400
        assert "보안 확인에 실패했습니다" in response.get_data(as_text=True)
    assert len(_tokens()) == 1 and get_feed(client, plain).status_code == 200


def test_company_feed_is_managed_by_any_member_of_the_company(app, client, auth):
    company = make_company(name="(주)누리미디어랩")
    kim = _member(company=company)
    lee = make_user(Role.MEMBER, company=company, email="lee@example.com")
    make_registration(make_event(title_ko="회사 행사"), company, name="이도윤", email=lee.email)
    db.session.commit()
    auth.login(kim.email, PASSWORD)
    page = client.get("/calendar/me").get_data(as_text=True)
    assert "(주)누리미디어랩 캘린더" in page
    made = post_form(client, f"/calendar/me/companies/{company.id}/new", {}, token_from="/calendar/me")
    plain = _shown_token(made)
    [row] = _tokens(company_id=company.id)
    assert row.kind == CalendarTokenKind.COMPANY and row.user_id is None
    assert "이도윤(확정)" in get_feed(client, plain).data.decode().replace("\r\n ", "")
    auth.logout()

    # A colleague rotates it: the URL Kim shared stops working.
    auth.login(lee.email, PASSWORD)
    rotated = post_form(client, f"/calendar/me/companies/{company.id}/rotate", {})
    assert rotated.status_code == 200
    assert get_feed(client, plain).status_code == 404
    assert get_feed(client, _shown_token(rotated)).status_code == 200


def test_other_companies_and_staff_cannot_manage_a_company_feed(app, client, auth):
    cluster = make_cluster()
    company = make_company(cluster)
    make_user(Role.MEMBER, company=company, email="kim@example.com")
    outsider = make_user(Role.MEMBER, company=make_company(), email="out@example.com")
    make_user(Role.STAFF, clusters=[cluster], email="staff@example.com")
    make_user(Role.ADMIN, email="admin@example.com")
    db.session.commit()
    plain = new_feed_token(company)

    for email in (outsider.email, "staff@example.com", "admin@example.com"):
        auth.login(email, PASSWORD)
        page = client.get("/calendar/me")
        assert page.status_code == 200 and company.name not in page.get_data(as_text=True)
        for action in ("rotate", "revoke"):
            assert client.get(f"/calendar/me/companies/{company.id}/{action}").status_code == 403
            assert (
                post_form(
                    client, f"/calendar/me/companies/{company.id}/{action}", {}, token_from="/calendar/me"
                ).status_code
                == 403
            )
        assert (
            post_form(client, f"/calendar/me/companies/{company.id}/new", {}, token_from="/calendar/me").status_code
            == 403
        )
        assert client.get("/calendar/me/companies/999999/rotate").status_code == 404
        auth.logout()
    assert len(_tokens(company_id=company.id)) == 1 and get_feed(client, plain).status_code == 200


@pytest.mark.parametrize("role", [Role.STAFF, Role.ADMIN])
def test_staff_have_a_personal_feed_only(app, client, auth, role):
    user = make_user(role, clusters=[make_cluster()] if role == Role.STAFF else (), email="staff@example.com")
    make_registration(make_event(title_ko="스태프도 가는 행사"), None, email=user.email)
    db.session.commit()
    auth.login(user.email, PASSWORD)
    page = client.get("/calendar/me").get_data(as_text=True)
    assert "개인 캘린더" in page and "/calendar/me/companies/" not in page
    plain = _shown_token(post_form(client, "/calendar/me/personal/new", {}, token_from="/calendar/me"))
    assert "스태프도 가는 행사" in get_feed(client, plain).data.decode()


def test_nav_links_to_my_calendar_when_signed_in(app, client, auth):
    kim = _member()
    db.session.commit()
    assert 'href="/calendar/me"' not in client.get("/").get_data(as_text=True)
    auth.login(kim.email, PASSWORD)
    assert 'href="/calendar/me"' in client.get("/").get_data(as_text=True)
