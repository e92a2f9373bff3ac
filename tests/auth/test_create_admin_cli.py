"""`flask create-admin`: the first admin account, and promoting an existing account."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import Role, User
from tests.factories import PASSWORD, make_user
from tests.helpers import post_form, see_committed, signed_in_as

ADMIN_PASSWORD = "seoul-cluster-2026!"


def find(email: str) -> User | None:
    see_committed()
    return db.session.scalar(select(User).where(User.email == email))


def test_creates_an_admin_who_can_sign_in(app, client, runner):
    result = runner.invoke(args=["create-admin", "Boss@Example.com", "--name", "대표", "--password", ADMIN_PASSWORD])

    assert result.exit_code == 0, result.output
    assert "boss@example.com" in result.output
    admin = find("boss@example.com")
    assert admin is not None
    assert admin.role == Role.ADMIN
    assert admin.name == "대표"
    assert admin.company_id is None

    post_form(client, "/auth/login", {"email": "boss@example.com", "password": ADMIN_PASSWORD})
    assert signed_in_as(client) == "boss@example.com"
    assert client.get("/staff/users").status_code == 200


def test_weak_password_fails_and_creates_nobody(app, runner):
    result = runner.invoke(args=["create-admin", "boss@example.com", "--name", "대표", "--password", "short"])

    assert result.exit_code != 0
    see_committed()
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_weak_password_is_explained_in_korean(app, runner):
    result = runner.invoke(args=["create-admin", "boss@example.com", "--name", "대표", "--password", "short"])

    assert result.exit_code == 1
    assert "비밀번호는 10자 이상이어야 합니다." in result.output


def test_existing_member_is_promoted_to_admin(app, client, runner):
    member = make_user(email="kim@example.com", name="김민지")
    db.session.commit()
    member_id = member.id

    result = runner.invoke(args=["create-admin", "kim@example.com", "--password", ADMIN_PASSWORD])

    assert result.exit_code == 0, result.output
    promoted = find("kim@example.com")
    assert promoted.id == member_id
    assert promoted.role == Role.ADMIN
    assert promoted.company_id is None
    assert promoted.name == "김민지"
    assert db.session.scalar(select(func.count()).select_from(User)) == 1
    # The password given on the command line is now the one that works.
    post_form(client, "/auth/login", {"email": "kim@example.com", "password": PASSWORD})
    assert signed_in_as(client) is None
    post_form(client, "/auth/login", {"email": "kim@example.com", "password": ADMIN_PASSWORD})
    assert signed_in_as(client) == "kim@example.com"
    assert client.get("/staff/users").status_code == 200


def test_promotion_with_a_weak_password_changes_nothing(app, runner):
    make_user(email="kim@example.com")
    db.session.commit()

    result = runner.invoke(args=["create-admin", "kim@example.com", "--password", "short"])

    assert result.exit_code != 0
    member = find("kim@example.com")
    assert member.role == Role.MEMBER
    assert member.check_password(PASSWORD)
