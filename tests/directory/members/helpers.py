"""Helpers for the members tests: signing in through the login form, reading the database after requests."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Invitation, User
from tests.factories import PASSWORD
from tests.helpers import post_form, see_committed


def sign_in(client, email: str, password: str = PASSWORD) -> None:
    response = post_form(client, "/auth/login", {"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)


def fresh_user(email: str) -> User | None:
    see_committed()
    return db.session.scalar(select(User).where(User.email == email))


def invitations_for(email: str) -> list[Invitation]:
    see_committed()
    return list(db.session.scalars(select(Invitation).where(Invitation.email == email).order_by(Invitation.id)))


def members_path(company) -> str:
    return f"/directory/companies/{company.id}/members"


def assert_login_redirect(response) -> None:
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")
