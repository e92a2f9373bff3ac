"""Sign-in and sign-out: credentials, deactivated accounts, CSRF, safe redirects, rate limit."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Role
from tests.conftest import csrf_token
from tests.factories import PASSWORD, make_user
from tests.helpers import post_form, see_committed, signed_in_as

WRONG_CREDENTIALS = "이메일 또는 비밀번호가 올바르지 않습니다."
CSRF_TITLE = "보안 확인에 실패했습니다"


@pytest.fixture
def member(app):
    user = make_user(email="kim@example.com", name="김민지")
    db.session.commit()
    return user


def test_sign_in_redirects_home_and_shows_logout_button(client, auth, member):
    assert signed_in_as(client) is None

    response = auth.login("kim@example.com", PASSWORD)

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert signed_in_as(client) == "kim@example.com"


def test_sign_in_records_last_login_time(client, auth, member):
    assert member.last_login_at is None
    auth.login("kim@example.com", PASSWORD)
    see_committed()
    assert member.last_login_at is not None


def test_wrong_password_is_refused_in_korean(client, auth, member):
    response = auth.login("kim@example.com", "not-the-password")

    assert response.status_code == 401
    assert WRONG_CREDENTIALS in response.get_data(as_text=True)
    assert signed_in_as(client) is None


def test_unknown_email_gets_the_same_message(client, auth, member):
    response = auth.login("nobody@example.com", PASSWORD)

    assert response.status_code == 401
    assert WRONG_CREDENTIALS in response.get_data(as_text=True)
    assert signed_in_as(client) is None


def test_email_is_case_insensitive_and_trimmed(client, auth, member):
    response = auth.login("  KIM@Example.COM ", PASSWORD)

    assert response.status_code == 302
    assert signed_in_as(client) == "kim@example.com"


def test_deactivated_account_cannot_sign_in(client, auth, member):
    member.is_active_account = False
    db.session.commit()

    response = auth.login("kim@example.com", PASSWORD)

    assert response.status_code == 401
    assert WRONG_CREDENTIALS in response.get_data(as_text=True)
    assert signed_in_as(client) is None


def test_deactivating_a_signed_in_account_ends_its_access(client, auth, app):
    staff = make_user(role=Role.STAFF, email="staff@example.com")
    db.session.commit()
    auth.login("staff@example.com", PASSWORD)
    assert client.get("/staff/").status_code == 200

    staff.is_active_account = False
    db.session.commit()

    assert signed_in_as(client) is None
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


def test_sign_out_with_csrf_token(client, auth, member):
    auth.login("kim@example.com", PASSWORD)
    assert signed_in_as(client) == "kim@example.com"

    response = auth.logout()

    assert response.status_code == 302
    assert signed_in_as(client) is None


def test_logout_by_get_is_not_allowed(client, auth, member):
    auth.login("kim@example.com", PASSWORD)

    response = client.get("/auth/logout")

    assert response.status_code == 405
    assert signed_in_as(client) == "kim@example.com"


def test_logout_without_csrf_token_is_rejected_and_user_stays_signed_in(client, auth, member):
    auth.login("kim@example.com", PASSWORD)

    response = client.post("/auth/logout")

    assert response.status_code == 400
    assert CSRF_TITLE in response.get_data(as_text=True)
    assert signed_in_as(client) == "kim@example.com"


def test_logout_with_a_forged_csrf_token_is_rejected(client, auth, member):
    auth.login("kim@example.com", PASSWORD)

    response = client.post("/auth/logout", data={"csrf_token": "forged"})

    assert response.status_code == 400
    assert signed_in_as(client) == "kim@example.com"


def test_login_without_csrf_token_is_rejected(client, member):
    response = client.post("/auth/login", data={"email": "kim@example.com", "password": PASSWORD})

    assert response.status_code == 400
    assert CSRF_TITLE in response.get_data(as_text=True)
    assert signed_in_as(client) is None


def test_login_with_missing_fields_shows_the_form_with_errors(client, member):
    response = post_form(client, "/auth/login", {"email": "", "password": ""})

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "이메일을 입력해 주세요." in html
    assert "비밀번호를 입력해 주세요." in html
    assert signed_in_as(client) is None


def _login_with_next(client, next_value: str):
    token = csrf_token(client, "/auth/login")
    return client.post(
        "/auth/login",
        query_string={"next": next_value},
        data={"email": "kim@example.com", "password": PASSWORD, "csrf_token": token},
    )


def test_relative_next_is_followed(client, member):
    response = _login_with_next(client, "/events/42?tab=info")

    assert response.status_code == 302
    assert response.headers["Location"] == "/events/42?tab=info"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "https://evil.example",
        "https://evil.example/auth/login",
        "http:evil.example",
        "/\t/evil.example",
    ],
)
def test_next_to_another_site_is_ignored(client, member, target):
    response = _login_with_next(client, target)

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert signed_in_as(client) == "kim@example.com"


def test_login_page_of_a_protected_page_carries_next_back(client, member):
    response = client.get("/staff/")
    assert response.status_code == 302
    login_url = response.headers["Location"]
    assert login_url.startswith("/auth/login?next=")

    token = csrf_token(client, login_url)
    response = client.post(login_url, data={"email": "kim@example.com", "password": PASSWORD, "csrf_token": token})

    assert response.headers["Location"] == "/staff/"


def test_login_attempts_are_rate_limited(app, client, member):
    assert app.config["LOGIN_RATE_LIMIT"] == "10 per minute"
    for _ in range(10):
        response = post_form(client, "/auth/login", {"email": "kim@example.com", "password": "guess-guess-guess"})
        assert response.status_code == 401

    response = post_form(client, "/auth/login", {"email": "kim@example.com", "password": PASSWORD})

    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert "요청이 너무 많습니다" in html
    assert "잠시 후 다시 시도해 주세요" in html
    # Even the right password does not get through while the limit holds.
    assert signed_in_as(client) is None


def test_viewing_the_login_page_does_not_count_against_the_limit(client, member):
    for _ in range(15):
        assert client.get("/auth/login").status_code == 200

    response = post_form(client, "/auth/login", {"email": "kim@example.com", "password": PASSWORD})

    assert response.status_code == 302


def test_prompt_to_sign_in_is_in_korean(client):
    html = client.get("/staff/", follow_redirects=True).get_data(as_text=True)

    assert 'class="flash flash-info"' in html
    assert "Please log in" not in html
