"""Staff and admin accounts, managed by admins: the list, creation with a set-password mail,
role and cluster scopes, deactivation; staff, members and anonymous visitors are kept out."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import PasswordReset, Role, User
from tests.directory.members.conftest import make_account
from tests.directory.members.helpers import assert_login_redirect, fresh_user, sign_in
from tests.factories import PASSWORD, make_event
from tests.helpers import link_in, no_mail_sent_or_queued, post_form, see_committed, signed_in_as, wait_for_mail

NEW_PASSWORD = "granite-window-77q"


def account_path(user, action: str = "") -> str:
    return f"/staff/accounts/{user.id}" + (f"/{action}" if action else "")


def new_account(client, world, email="new-staff@example.com", role="staff", clusters=("dmc",), **extra):
    data = {"email": email, "name": "윤신입", "role": role, **extra}
    data["clusters"] = [str(world[c].id) for c in clusters]
    return post_form(client, "/staff/accounts/new", data)


def edit_account(client, user, name, role, cluster_ids):
    return post_form(
        client, account_path(user), {"name": name, "role": role, "clusters": [str(i) for i in cluster_ids]}
    )


# --- access ---------------------------------------------------------------------------------


def _requests(world):
    staff = world["staff"]
    return [
        ("get", "/staff/accounts", None),
        ("get", "/staff/accounts/new", None),
        ("post", "/staff/accounts/new", {"email": "x@example.com", "name": "x", "role": "admin"}),
        ("get", account_path(staff), None),
        ("post", account_path(staff), {"name": "해킹", "role": "admin", "clusters": [str(world["dmc"].id)]}),
        ("get", account_path(staff, "deactivate"), None),
        ("post", account_path(staff, "deactivate"), {"confirm": "1"}),
        ("get", account_path(staff, "reactivate"), None),
        ("post", account_path(staff, "reactivate"), {"confirm": "1"}),
        ("post", account_path(staff, "send-link"), {}),
    ]


@pytest.mark.parametrize("who", ["staff", "guro_staff", "member"])
def test_staff_and_members_get_403_on_every_account_page(client, world, mailbox, who):
    sign_in(client, world[who].email)

    for method, path, data in _requests(world):
        if method == "get":
            status = client.get(path).status_code
        else:
            status = post_form(client, path, data, token_from="/").status_code
        assert status == 403, (method, path)

    staff = fresh_user("staff@example.com")
    assert (staff.role, staff.name, staff.is_active_account) == (Role.STAFF, "박담당", True)
    assert fresh_user("x@example.com") is None
    assert no_mail_sent_or_queued(mailbox)


def test_anonymous_is_sent_to_sign_in_on_every_account_page(client, world):
    for method, path, data in _requests(world):
        response = client.get(path) if method == "get" else post_form(client, path, data, token_from="/")
        assert_login_redirect(response)


def test_admin_opens_every_account_page(client, world):
    sign_in(client, "admin@example.com")

    assert client.get("/staff/accounts").status_code == 200
    assert client.get("/staff/accounts/new").status_code == 200
    assert client.get(account_path(world["staff"])).status_code == 200
    assert client.get(account_path(world["staff"], "deactivate")).status_code == 200


def test_posts_without_csrf_are_refused(client, world, mailbox):
    sign_in(client, "admin@example.com")

    for _method, path, data in _requests(world):
        if _method == "post":
            assert client.post(path, data=data).status_code == 400, path

    assert fresh_user("staff@example.com").is_active_account
    assert no_mail_sent_or_queued(mailbox)


# --- the list ---------------------------------------------------------------------------------


def test_list_shows_admins_and_staff_with_their_scopes_but_not_members(client, world):
    sign_in(client, "admin@example.com")

    html = client.get("/staff/accounts").get_data(as_text=True)

    assert "admin@example.com" in html
    assert "staff@example.com" in html and "상암 DMC" in html
    assert "guro-staff@example.com" in html and "구로 G밸리" in html
    assert "member@example.com" not in html
    assert "outsider@example.com" not in html
    assert "3명" in html


def test_list_is_paginated(client, world):
    for n in range(55):
        make_account(Role.STAFF, f"s{n:02d}@example.com", f"직원{n:02d}", clusters=[world["dmc"]])
    db.session.commit()
    sign_in(client, "admin@example.com")

    first = client.get("/staff/accounts").get_data(as_text=True)
    second = client.get("/staff/accounts?page=2").get_data(as_text=True)

    assert "1 / 2 페이지" in first
    assert "2 / 2 페이지" in second
    assert client.get("/staff/accounts?page=abc").status_code == 200
    assert client.get("/staff/accounts?page=999").status_code == 200
    assert client.get("/staff/accounts?page=-5").status_code == 200


# --- creating an account ------------------------------------------------------------------------


def test_new_staff_account_gets_a_set_password_mail_that_works(app, client, world, mailbox):
    event = make_event(world["dmc"], title_ko="DMC 네트워킹 나이트")
    make_event(world["guro"], title_ko="구로 포럼")
    db.session.commit()
    sign_in(client, "admin@example.com")

    response = new_account(client, world, email="New-Staff@Example.com", clusters=("dmc",))

    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/accounts"
    assert "new-staff@example.com 계정을 만들고 비밀번호 설정 링크를 보냈습니다." in client.get(
        "/staff/accounts"
    ).get_data(as_text=True)
    user = fresh_user("new-staff@example.com")
    assert (user.role, user.name, [c.slug for c in user.clusters], user.company_id) == (
        Role.STAFF,
        "윤신입",
        ["dmc"],
        None,
    )
    # Nobody knows the initial password: the account opens only through the mailed link.
    reset = db.session.scalars(select(PasswordReset).where(PasswordReset.user_id == user.id)).one()
    assert dt.timedelta(hours=71) < reset.expires_at - reset.created_at <= dt.timedelta(hours=72, minutes=1)

    mail = wait_for_mail(mailbox)[0]
    assert mail["To"] == "new-staff@example.com"
    assert "비밀번호 설정" in mail["Subject"]
    url, _token = link_in(mail, "/auth/reset/")
    newcomer = app.test_client()
    path = url.removeprefix("http://localhost")
    assert newcomer.get(path).status_code == 200
    assert post_form(newcomer, path, {"password": NEW_PASSWORD, "password2": NEW_PASSWORD}).status_code == 302

    sign_in(newcomer, "new-staff@example.com", NEW_PASSWORD)
    dashboard = newcomer.get("/staff/").get_data(as_text=True)
    assert event.title_ko in dashboard
    assert "구로 포럼" not in dashboard
    # The link works once.
    assert app.test_client().get(path).status_code == 404


def test_new_admin_account_has_no_cluster_scope(client, world):
    sign_in(client, "admin@example.com")

    response = new_account(client, world, email="boss@example.com", role="admin", clusters=("dmc", "guro"))

    assert response.status_code == 302
    user = fresh_user("boss@example.com")
    assert user.role == Role.ADMIN and user.clusters == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"clusters": ()}, "클러스터팀 계정은 담당 클러스터가 하나 이상 있어야 합니다."),
        ({"email": "member@example.com"}, "이미 가입된 이메일 주소입니다."),
        ({"email": "STAFF@example.com"}, "이미 가입된 이메일 주소입니다."),
        ({"email": "not-an-email"}, "이메일 주소 형식이 올바르지 않습니다."),
        ({"email": ""}, "이메일을 입력해 주세요."),
        ({"name": "   "}, "이름을 입력해 주세요."),
        ({"name": "가" * 101}, ""),
        ({"role": "member"}, ""),
        ({"role": "superuser"}, ""),
    ],
)
def test_bad_new_account_input_is_refused_with_400(client, world, mailbox, fields, message):
    sign_in(client, "admin@example.com")
    data = {"email": "new-staff@example.com", "name": "윤신입", "role": "staff", "clusters": ("dmc",)}
    data.update(fields)

    response = new_account(client, world, **data)

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    see_committed()
    assert db.session.scalar(select(User).where(User.name == "윤신입", User.role != Role.MEMBER)) is None
    assert no_mail_sent_or_queued(mailbox)


@pytest.mark.parametrize("cluster_value", ["999999", "abc", "", "99999999999999999999999"])
def test_unknown_cluster_ids_are_refused_with_400(client, world, cluster_value):
    sign_in(client, "admin@example.com")

    response = post_form(
        client,
        "/staff/accounts/new",
        {"email": "new-staff@example.com", "name": "윤신입", "role": "staff", "clusters": [cluster_value]},
    )

    assert response.status_code == 400
    assert fresh_user("new-staff@example.com") is None


# --- editing scopes and roles ---------------------------------------------------------------------


def test_scope_change_takes_effect_on_the_staff_members_open_session(app, client, world):
    make_event(world["dmc"], title_ko="DMC 네트워킹 나이트")
    make_event(world["guro"], title_ko="구로 포럼")
    db.session.commit()
    staff = app.test_client()
    sign_in(staff, "guro-staff@example.com")
    before = staff.get("/staff/").get_data(as_text=True)
    assert "구로 포럼" in before and "DMC 네트워킹 나이트" not in before

    sign_in(client, "admin@example.com")
    response = edit_account(client, world["guro_staff"], "한구로", "staff", [world["dmc"].id])
    assert response.status_code == 302

    after = staff.get("/staff/").get_data(as_text=True)
    assert "DMC 네트워킹 나이트" in after
    assert "구로 포럼" not in after
    assert "상암 DMC" in after and "구로 G밸리" not in after
    # The directory follows the scope as well.
    assert staff.get(f"/directory/companies/{world['dmc_company'].id}/members").status_code == 200
    assert staff.get(f"/directory/companies/{world['guro_company'].id}/members").status_code == 403


def test_edit_form_shows_current_values(client, world):
    sign_in(client, "admin@example.com")

    html = client.get(account_path(world["staff"])).get_data(as_text=True)

    assert 'value="박담당"' in html
    assert "staff@example.com" in html
    checkboxes = dict(re.findall(r'<input ([^>]*type="checkbox"[^>]*)value="(\d+)"', html)[i][::-1] for i in range(2))
    assert " checked " in f" {checkboxes[str(world['dmc'].id)]}"
    assert " checked " not in f" {checkboxes[str(world['guro'].id)]}"


def test_staff_scope_cannot_be_emptied(client, world):
    sign_in(client, "admin@example.com")

    response = edit_account(client, world["staff"], "박담당", "staff", [])

    assert response.status_code == 400
    assert "클러스터팀 계정은 담당 클러스터가 하나 이상 있어야 합니다." in response.get_data(as_text=True)
    assert [c.slug for c in fresh_user("staff@example.com").clusters] == ["dmc"]


def test_staff_can_be_promoted_to_admin_and_back(client, world):
    sign_in(client, "admin@example.com")

    assert edit_account(client, world["staff"], "박담당", "admin", []).status_code == 302
    assert fresh_user("staff@example.com").role == Role.ADMIN
    assert edit_account(client, world["staff"], "박담당", "staff", [world["guro"].id]).status_code == 302
    user = fresh_user("staff@example.com")
    assert user.role == Role.STAFF and [c.slug for c in user.clusters] == ["guro"]


def test_admin_cannot_demote_themselves(client, world):
    sign_in(client, "admin@example.com")

    response = edit_account(client, world["admin"], "정관리", "staff", [world["dmc"].id])

    assert response.status_code == 400
    assert "자신의 관리자 권한은 내려놓을 수 없습니다." in response.get_data(as_text=True)
    assert fresh_user("admin@example.com").role == Role.ADMIN
    # Renaming oneself is fine.
    assert edit_account(client, world["admin"], "정관리자", "admin", []).status_code == 302
    assert fresh_user("admin@example.com").name == "정관리자"


def test_member_accounts_and_unknown_ids_are_not_staff_accounts(client, world):
    sign_in(client, "admin@example.com")

    for path in [
        account_path(world["member"]),
        account_path(world["member"], "deactivate"),
        "/staff/accounts/999999",
        "/staff/accounts/0",
        "/staff/accounts/99999999999999999999999",
        "/staff/accounts/999999/deactivate",
        "/staff/accounts/999999/reactivate",
    ]:
        assert client.get(path).status_code == 404, path
    assert (
        post_form(client, account_path(world["member"]), {"name": "x", "role": "admin"}, token_from="/").status_code
        == 404
    )
    assert post_form(client, "/staff/accounts/999999/send-link", {}, token_from="/").status_code == 404
    assert fresh_user("member@example.com").role == Role.MEMBER


# --- deactivation -------------------------------------------------------------------------------


def test_deactivated_staff_is_signed_out_and_cannot_sign_in_until_reactivated(app, client, world):
    staff = app.test_client()
    sign_in(staff, "staff@example.com")
    sign_in(client, "admin@example.com")

    confirm = client.get(account_path(world["staff"], "deactivate"))
    assert "박담당 (staff@example.com) 님의 계정을 비활성화할까요?" in confirm.get_data(as_text=True)
    assert fresh_user("staff@example.com").is_active_account  # looking is not deactivating

    response = post_form(client, account_path(world["staff"], "deactivate"), {"confirm": "1"})

    assert response.status_code == 302
    assert signed_in_as(staff) is None
    assert staff.get("/staff/").status_code == 302
    assert (
        post_form(app.test_client(), "/auth/login", {"email": "staff@example.com", "password": PASSWORD}).status_code
        == 401
    )
    assert "비활성" in client.get("/staff/accounts").get_data(as_text=True)

    response = post_form(client, account_path(world["staff"], "reactivate"), {"confirm": "1"})

    assert response.status_code == 302
    sign_in(app.test_client(), "staff@example.com")


def test_admin_cannot_deactivate_themselves(client, world):
    sign_in(client, "admin@example.com")

    confirm = client.get(account_path(world["admin"], "deactivate"))
    response = post_form(client, account_path(world["admin"], "deactivate"), {"confirm": "1"}, token_from="/")

    assert confirm.status_code == 302
    assert response.status_code == 302
    assert "자신의 계정은 비활성화할 수 없습니다." in client.get(response.headers["Location"]).get_data(as_text=True)
    assert fresh_user("admin@example.com").is_active_account
    assert signed_in_as(client) == "admin@example.com"


def test_deactivating_twice_and_reactivating_an_active_account_are_harmless(client, world):
    sign_in(client, "admin@example.com")
    post_form(client, account_path(world["staff"], "deactivate"), {"confirm": "1"}, token_from="/")

    again = post_form(client, account_path(world["staff"], "deactivate"), {"confirm": "1"}, token_from="/")
    active = post_form(client, account_path(world["guro_staff"], "reactivate"), {"confirm": "1"}, token_from="/")

    assert again.status_code == 302 and active.status_code == 302
    assert not fresh_user("staff@example.com").is_active_account
    assert fresh_user("guro-staff@example.com").is_active_account


def test_deactivation_voids_an_unused_set_password_link(app, client, world, mailbox):
    sign_in(client, "admin@example.com")
    new_account(client, world)
    url, _token = link_in(wait_for_mail(mailbox)[0], "/auth/reset/")
    user = fresh_user("new-staff@example.com")

    post_form(client, account_path(user, "deactivate"), {"confirm": "1"}, token_from="/")

    assert app.test_client().get(url.removeprefix("http://localhost")).status_code == 404


def test_set_password_link_can_be_sent_again(app, client, world, mailbox):
    sign_in(client, "admin@example.com")

    response = post_form(client, account_path(world["staff"], "send-link"), {}, token_from=account_path(world["staff"]))

    assert response.status_code == 302
    url, _token = link_in(wait_for_mail(mailbox)[0], "/auth/reset/")
    path = url.removeprefix("http://localhost")
    assert post_form(app.test_client(), path, {"password": NEW_PASSWORD, "password2": NEW_PASSWORD}).status_code == 302
    sign_in(app.test_client(), "staff@example.com", NEW_PASSWORD)


def test_no_link_is_sent_to_a_deactivated_account(client, world, mailbox):
    world["staff"].is_active_account = False
    db.session.commit()
    sign_in(client, "admin@example.com")

    response = post_form(client, account_path(world["staff"], "send-link"), {}, token_from="/")

    assert response.status_code == 302
    assert no_mail_sent_or_queued(mailbox)
