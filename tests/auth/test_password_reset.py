"""Password reset: the mail, the single-use hashed link, and the new password."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import PasswordReset, utcnow
from tests.factories import PASSWORD, make_user
from tests.helpers import link_in, no_mail_sent_or_queued, post_form, see_committed, signed_in_as, wait_for_mail

NEW_PASSWORD = "maple-syrup-lantern-7"
SAME_ANSWER = "가입된 이메일이라면 비밀번호 재설정 링크를 보냈습니다. 메일함을 확인해 주세요."
INVALID_LINK = "링크를 사용할 수 없습니다"


@pytest.fixture
def member(app):
    user = make_user(email="lee@example.com", name="이수진")
    db.session.commit()
    return user


def request_reset(client, email: str):
    return post_form(client, "/auth/reset", {"email": email}, follow_redirects=True)


def set_password(client, path: str, password: str, password2: str | None = None):
    return post_form(client, path, {"password": password, "password2": password if password2 is None else password2})


def can_sign_in(app, email: str, password: str) -> bool:
    browser = app.test_client()
    post_form(browser, "/auth/login", {"email": email, "password": password})
    return signed_in_as(browser) == email


@pytest.fixture
def reset_link(client, member, mailbox):
    """The path of the reset link mailed to lee@example.com, and its token."""
    request_reset(client, "lee@example.com")
    messages = wait_for_mail(mailbox)
    assert len(messages) == 1
    url, token = link_in(messages[0], "/auth/reset/")
    return url.removeprefix("http://localhost"), token


def test_reset_request_mails_a_link(client, member, mailbox):
    response = request_reset(client, "Lee@Example.com")

    assert response.status_code == 200
    assert SAME_ANSWER in response.get_data(as_text=True)
    messages = wait_for_mail(mailbox)
    assert len(messages) == 1
    assert messages[0]["To"] == "lee@example.com"
    assert "비밀번호 재설정" in messages[0]["Subject"]
    url, token = link_in(messages[0], "/auth/reset/")
    assert url == f"http://localhost/auth/reset/{token}"


def test_unknown_email_gets_the_same_answer_and_no_mail(client, member, mailbox):
    response = request_reset(client, "stranger@example.com")

    assert response.status_code == 200
    assert SAME_ANSWER in response.get_data(as_text=True)
    assert no_mail_sent_or_queued(mailbox)
    see_committed()
    assert db.session.scalars(select(PasswordReset)).all() == []


def test_deactivated_account_gets_no_reset_mail(client, member, mailbox):
    member.is_active_account = False
    db.session.commit()

    response = request_reset(client, "lee@example.com")

    assert SAME_ANSWER in response.get_data(as_text=True)
    assert no_mail_sent_or_queued(mailbox)


def test_token_is_stored_only_as_a_hash(reset_link):
    _path, token = reset_link
    see_committed()
    reset = db.session.scalars(select(PasswordReset)).one()

    assert reset.token_hash != token
    assert token not in reset.token_hash
    assert len(token) >= 22  # at least 128 bits in URL-safe base64


def test_reset_link_shows_the_form(client, reset_link):
    path, _token = reset_link

    response = client.get(path)

    assert response.status_code == 200
    assert 'name="password2"' in response.get_data(as_text=True)


def test_new_password_replaces_the_old_one(app, client, reset_link):
    path, _token = reset_link

    response = set_password(client, path, NEW_PASSWORD)

    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"
    assert can_sign_in(app, "lee@example.com", NEW_PASSWORD)
    assert not can_sign_in(app, "lee@example.com", PASSWORD)


def test_reset_link_works_only_once(app, client, reset_link):
    path, _token = reset_link
    assert set_password(client, path, NEW_PASSWORD).status_code == 302

    response = client.get(path)
    assert response.status_code == 404
    assert INVALID_LINK in response.get_data(as_text=True)
    # Posting the form again (e.g. from a second tab) does not change the password.
    response = post_form(
        client, path, {"password": "another-password-99", "password2": "another-password-99"}, token_from="/"
    )
    assert response.status_code == 404
    assert can_sign_in(app, "lee@example.com", NEW_PASSWORD)


def test_using_one_link_cancels_the_other_outstanding_links(app, client, member, mailbox):
    request_reset(client, "lee@example.com")
    request_reset(client, "lee@example.com")
    messages = wait_for_mail(mailbox, count=2)
    assert len(messages) == 2
    first = link_in(messages[0], "/auth/reset/")[0].removeprefix("http://localhost")
    second = link_in(messages[1], "/auth/reset/")[0].removeprefix("http://localhost")

    assert set_password(client, second, NEW_PASSWORD).status_code == 302

    assert client.get(first).status_code == 404


def test_expired_link_is_refused(app, client, reset_link):
    path, _token = reset_link
    see_committed()
    reset = db.session.scalars(select(PasswordReset)).one()
    reset.expires_at = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()

    response = client.get(path)

    assert response.status_code == 404
    assert INVALID_LINK in response.get_data(as_text=True)


def test_link_expires_after_the_configured_time(app, client, reset_link):
    see_committed()
    reset = db.session.scalars(select(PasswordReset)).one()
    ttl = dt.timedelta(minutes=app.config["PASSWORD_RESET_TTL_MINUTES"])
    assert abs(reset.expires_at - (reset.created_at + ttl)) < dt.timedelta(seconds=5)


def test_unknown_token_is_refused(client, member):
    response = client.get("/auth/reset/made-up-token")

    assert response.status_code == 404
    assert INVALID_LINK in response.get_data(as_text=True)


def test_too_short_password_is_refused_and_the_old_one_still_works(app, client, reset_link):
    path, _token = reset_link

    response = set_password(client, path, "short")

    assert response.status_code == 400
    assert "비밀번호는 10자 이상이어야 합니다." in response.get_data(as_text=True)
    assert can_sign_in(app, "lee@example.com", PASSWORD)
    # The link is still usable after the refused attempt.
    assert client.get(path).status_code == 200


def test_password_mismatch_is_refused(app, client, reset_link):
    path, _token = reset_link

    response = set_password(client, path, NEW_PASSWORD, NEW_PASSWORD + "!")

    assert response.status_code == 400
    assert "비밀번호가 일치하지 않습니다." in response.get_data(as_text=True)
    assert can_sign_in(app, "lee@example.com", PASSWORD)


def test_reset_requests_are_rate_limited(client, member, mailbox):
    for _ in range(10):
        assert request_reset(client, "stranger@example.com").status_code == 200

    response = post_form(client, "/auth/reset", {"email": "lee@example.com"})

    assert response.status_code == 429
    assert "요청이 너무 많습니다" in response.get_data(as_text=True)
    assert no_mail_sent_or_queued(mailbox)
