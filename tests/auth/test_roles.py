"""Role checks on the staff pages: who may see them, and staff see only their own clusters."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Role
from tests.factories import PASSWORD, make_cluster, make_company, make_event, make_user

FORBIDDEN_TITLE = "접근 권한이 없습니다"


@pytest.fixture
def clusters(app):
    return make_cluster(slug="dmc", name_ko="상암 DMC"), make_cluster(slug="guro", name_ko="구로 G밸리")


@pytest.fixture
def accounts(clusters):
    dmc, _guro = clusters
    users = {
        "member": make_user(Role.MEMBER, company=make_company(dmc), email="member@example.com"),
        "staff": make_user(Role.STAFF, clusters=[dmc], email="staff@example.com"),
        "admin": make_user(Role.ADMIN, email="admin@example.com"),
    }
    db.session.commit()
    return users


@pytest.mark.parametrize("path", ["/staff/", "/staff/users"])
def test_anonymous_is_sent_to_login(client, accounts, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")


@pytest.mark.parametrize(
    ("role", "path", "status"),
    [
        ("member", "/staff/", 403),
        ("member", "/staff/users", 403),
        ("staff", "/staff/", 200),
        ("staff", "/staff/users", 403),
        ("admin", "/staff/", 200),
        ("admin", "/staff/users", 200),
    ],
)
def test_role_decides_access(client, auth, accounts, role, path, status):
    assert auth.login(f"{role}@example.com", PASSWORD).status_code == 302

    response = client.get(path)

    assert response.status_code == status
    html = response.get_data(as_text=True)
    if status == 403:
        assert FORBIDDEN_TITLE in html
    else:
        assert FORBIDDEN_TITLE not in html


def test_admin_account_list_shows_every_account(client, auth, accounts):
    auth.login("admin@example.com", PASSWORD)

    html = client.get("/staff/users").get_data(as_text=True)

    for email in ("member@example.com", "staff@example.com", "admin@example.com"):
        assert email in html


@pytest.mark.parametrize(("role", "shown"), [("member", False), ("staff", True), ("admin", True)])
def test_menu_links_to_staff_pages_only_for_staff(client, auth, accounts, role, shown):
    auth.login(f"{role}@example.com", PASSWORD)

    html = client.get("/").get_data(as_text=True)

    assert ('href="/staff/"' in html) is shown


def test_staff_see_events_of_their_cluster_only(client, auth, clusters, accounts):
    dmc, guro = clusters
    make_event(dmc, title_ko="상암 네트워킹 나이트")
    make_event(guro, title_ko="구로 입주기업협의회 정기회의")
    db.session.commit()
    auth.login("staff@example.com", PASSWORD)

    html = client.get("/staff/").get_data(as_text=True)

    assert "상암 네트워킹 나이트" in html
    assert "구로 입주기업협의회 정기회의" not in html


def test_admin_sees_events_of_every_cluster(client, auth, clusters, accounts):
    dmc, guro = clusters
    make_event(dmc, title_ko="상암 네트워킹 나이트")
    make_event(guro, title_ko="구로 입주기업협의회 정기회의")
    db.session.commit()
    auth.login("admin@example.com", PASSWORD)

    html = client.get("/staff/").get_data(as_text=True)

    assert "상암 네트워킹 나이트" in html
    assert "구로 입주기업협의회 정기회의" in html
