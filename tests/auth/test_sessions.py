"""Sessions end when the password is reset; signup links don't sign anyone out by being opened;
behind a trusted proxy the login limit counts real client addresses."""

from __future__ import annotations

from app.extensions import db
from app.models import Role
from tests.conftest import make_config
from tests.factories import PASSWORD, make_company, make_user
from tests.helpers import link_in, post_form, signed_in_as, wait_for_mail


def test_password_reset_signs_out_other_sessions(app, client, mailbox):
    make_user(email="park@example.com")
    db.session.commit()
    laptop = app.test_client()
    post_form(laptop, "/auth/login", {"email": "park@example.com", "password": PASSWORD})
    assert signed_in_as(laptop) == "park@example.com"

    post_form(client, "/auth/reset", {"email": "park@example.com"})
    path, _token = link_in(wait_for_mail(mailbox)[0], "/auth/reset/")
    post_form(client, path, {"password": "lantern-maple-42x", "password2": "lantern-maple-42x"})

    # The laptop that knew the old password is signed out.
    assert signed_in_as(laptop) is None
    assert laptop.get("/auth/invite").status_code == 302


def test_other_sessions_survive_when_nothing_changes(app, client):
    make_user(email="park@example.com")
    db.session.commit()
    one, two = app.test_client(), app.test_client()
    post_form(one, "/auth/login", {"email": "park@example.com", "password": PASSWORD})
    post_form(two, "/auth/login", {"email": "park@example.com", "password": PASSWORD})
    assert signed_in_as(one) == signed_in_as(two) == "park@example.com"


def test_opening_a_signup_link_does_not_sign_out_the_current_user(app, client, mailbox):
    company = make_company()
    make_user(Role.STAFF, clusters=[company.cluster], email="staff@example.com")
    db.session.commit()
    post_form(client, "/auth/login", {"email": "staff@example.com", "password": PASSWORD})
    post_form(client, "/auth/invite", {"email": "new@example.com", "company_id": company.id}, token_from="/auth/invite")
    path, _token = link_in(wait_for_mail(mailbox)[0], "/auth/signup/")
    page = client.get(path)
    assert page.status_code == 200
    assert "staff@example.com" in page.get_data(as_text=True)  # the notice about the current account
    assert signed_in_as(client) == "staff@example.com"


def test_login_limit_uses_forwarded_address_behind_a_trusted_proxy(app, migrated):
    from app import create_app
    from app.extensions import limiter

    proxied = create_app(make_config(migrated, PROXY_FIX_X_FOR=1, LOGIN_RATE_LIMIT="2 per minute"))
    limiter.reset()
    client = proxied.test_client()

    def attempt(ip):
        token_page = client.get("/auth/login", headers={"X-Forwarded-For": ip}).get_data(as_text=True)
        token = token_page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        return client.post(
            "/auth/login",
            data={"email": "x@example.com", "password": "wrong-password", "csrf_token": token},
            headers={"X-Forwarded-For": ip},
        ).status_code

    assert [attempt("203.0.113.5") for _ in range(3)] == [401, 401, 429]
    # Another client behind the same proxy is not locked out by the first one.
    assert attempt("198.51.100.7") == 401
