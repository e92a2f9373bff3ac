"""Removing a member: confirmation with warnings, immediate sign-out, no more sign-in; and a removed
member invited again by another company belongs to that company only."""

from __future__ import annotations

from app.extensions import db
from app.models import Role, utcnow
from tests.directory.members.helpers import fresh_user, invitations_for, members_path, sign_in
from tests.factories import PASSWORD
from tests.helpers import link_in, post_form, signed_in_as, wait_for_mail

NEW_PASSWORD = "lantern-maple-42x"


def remove_path(world, who, company=None):
    return f"{members_path(company or world['dmc_company'])}/{world[who].id}/remove"


def remove(client, world, who):
    return post_form(client, remove_path(world, who), {"confirm": "1"})


def test_removed_member_is_signed_out_at_once_and_cannot_sign_in(app, client, world):
    colleague = app.test_client()
    sign_in(colleague, "colleague@example.com")
    assert colleague.get(members_path(world["dmc_company"])).status_code == 200
    sign_in(client, "member@example.com")

    response = remove(client, world, "colleague")

    assert response.status_code == 302
    assert "이동료 님을 내보냈습니다." in client.get(response.headers["Location"]).get_data(as_text=True)
    # The colleague's open session stops working on their very next request.
    assert signed_in_as(colleague) is None
    assert colleague.get(members_path(world["dmc_company"])).status_code == 302
    # And the password no longer opens the account.
    login = post_form(app.test_client(), "/auth/login", {"email": "colleague@example.com", "password": PASSWORD})
    assert login.status_code == 401
    # The account stays with the company for history.
    user = fresh_user("colleague@example.com")
    assert (user.is_active_account, user.company_id) == (False, world["dmc_company"].id)
    # The remover is still signed in.
    assert signed_in_as(client) == "member@example.com"


def test_removed_member_moves_from_the_list_to_the_removed_section(client, world):
    sign_in(client, "staff@example.com")
    remove(client, world, "colleague")

    html = client.get(members_path(world["dmc_company"])).get_data(as_text=True)

    table = html.split('id="members-heading"')[1].split('id="invitations-heading"')[0]
    assert "colleague@example.com" not in table
    assert "내보낸 회원 (1명)" in html
    assert "colleague@example.com" in html.split("내보낸 회원 (1명)")[1]


def test_removal_ends_outstanding_password_reset_links(app, client, world, mailbox):
    post_form(app.test_client(), "/auth/reset", {"email": "colleague@example.com"})
    path, _token = link_in(wait_for_mail(mailbox)[0], "/auth/reset/")
    sign_in(client, "staff@example.com")

    remove(client, world, "colleague")

    assert app.test_client().get(path).status_code == 404


def test_confirmation_page_explains_and_cancel_goes_back(client, world):
    sign_in(client, "staff@example.com")

    html = client.get(remove_path(world, "colleague")).get_data(as_text=True)

    assert "이동료 (colleague@example.com) 님을 상암미디어랩에서 내보낼까요?" in html
    assert "이 계정은 바로 로그아웃되고 다시 로그인할 수 없습니다." in html
    assert f'href="{members_path(world["dmc_company"])}"' in html
    assert "본인 계정입니다." not in html
    assert "마지막 회원" not in html


def test_member_may_remove_themselves_after_a_clear_warning(app, client, world):
    sign_in(client, "member@example.com")

    page = client.get(remove_path(world, "member")).get_data(as_text=True)
    assert "본인 계정입니다." in page
    assert "자신을 내보내면 바로 로그아웃되고" in page

    response = remove(client, world, "member")

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/").get_data(as_text=True)
    assert "상암미디어랩에서 나왔습니다." in home
    assert signed_in_as(client) is None
    assert not fresh_user("member@example.com").is_active_account
    assert (
        post_form(app.test_client(), "/auth/login", {"email": "member@example.com", "password": PASSWORD}).status_code
        == 401
    )


def test_removing_the_last_member_warns_first(client, world):
    sign_in(client, "staff@example.com")
    remove(client, world, "colleague")

    html = client.get(remove_path(world, "member")).get_data(as_text=True)

    assert "이 기업의 마지막 회원입니다." in html
    assert remove(client, world, "member").status_code == 302
    assert "아직 회원이 없습니다. 초대 메일을 보내 보세요." in client.get(members_path(world["dmc_company"])).get_data(
        as_text=True
    )


def test_removing_an_already_removed_member_is_harmless(client, world):
    sign_in(client, "staff@example.com")
    remove(client, world, "colleague")

    again = post_form(
        client, remove_path(world, "colleague"), {"confirm": "1"}, token_from=members_path(world["dmc_company"])
    )
    confirm = client.get(remove_path(world, "colleague"))

    assert again.status_code == 302
    assert confirm.status_code == 302
    assert "이미 내보낸 회원입니다." in client.get(members_path(world["dmc_company"])).get_data(as_text=True)


def test_removed_member_can_be_invited_again_by_another_company_and_belongs_there_only(app, client, world, mailbox):
    old_session = app.test_client()
    sign_in(old_session, "colleague@example.com")
    sign_in(client, "member@example.com")
    remove(client, world, "colleague")

    guro_staff = app.test_client()
    sign_in(guro_staff, "guro-staff@example.com")
    response = post_form(
        guro_staff,
        f"{members_path(world['guro_company'])}/invite",
        {"email": "colleague@example.com"},
        token_from=members_path(world["guro_company"]),
    )
    assert response.status_code == 302
    url, _token = link_in(wait_for_mail(mailbox)[0], "/auth/signup/")
    path = url.removeprefix("http://localhost")

    invitee = app.test_client()
    assert invitee.get(path).status_code == 200
    response = post_form(
        invitee,
        path,
        {"name": "이동료(구로)", "password": NEW_PASSWORD, "password2": NEW_PASSWORD, "mobile": "01055556666"},
    )

    assert response.status_code == 302
    assert signed_in_as(invitee) == "colleague@example.com"
    user = fresh_user("colleague@example.com")
    assert user.id == world["colleague"].id  # the same account, moved
    assert (user.role, user.company_id, user.is_active_account) == (Role.MEMBER, world["guro_company"].id, True)
    assert user.name == "이동료(구로)"
    assert user.mobile == "010-5555-6666"
    assert user.check_password(NEW_PASSWORD) and not user.check_password(PASSWORD)
    assert invitations_for("colleague@example.com")[-1].used_at is not None
    # Only the new company: its page lists them; the old one neither lists nor lets them in.
    assert invitee.get(members_path(world["guro_company"])).status_code == 200
    assert invitee.get(members_path(world["dmc_company"])).status_code == 403
    dmc_html = client.get(members_path(world["dmc_company"])).get_data(as_text=True)
    assert "colleague@example.com" not in dmc_html
    guro_html = guro_staff.get(members_path(world["guro_company"])).get_data(as_text=True)
    assert "colleague@example.com" in guro_html
    # The session from before the removal stays ended.
    assert signed_in_as(old_session) is None
    # The old password is gone, the new one works.
    assert (
        post_form(
            app.test_client(), "/auth/login", {"email": "colleague@example.com", "password": PASSWORD}
        ).status_code
        == 401
    )
    assert (
        post_form(
            app.test_client(), "/auth/login", {"email": "colleague@example.com", "password": NEW_PASSWORD}
        ).status_code
        == 302
    )


def test_removed_member_can_rejoin_the_same_company(app, client, world, mailbox):
    sign_in(client, "staff@example.com")
    remove(client, world, "colleague")

    post_form(
        client, f"{members_path(world['dmc_company'])}/invite", {"email": "colleague@example.com"}, token_from="/"
    )
    url, _token = link_in(wait_for_mail(mailbox)[0], "/auth/signup/")
    post_form(
        app.test_client(),
        url.removeprefix("http://localhost"),
        {"name": "이동료", "password": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    user = fresh_user("colleague@example.com")
    assert user.is_active_account and user.company_id == world["dmc_company"].id
    html = client.get(members_path(world["dmc_company"])).get_data(as_text=True)
    assert "내보낸 회원" not in html


def test_rejoining_with_a_weak_password_is_refused_and_changes_nothing(app, client, world, mailbox):
    sign_in(client, "staff@example.com")
    remove(client, world, "colleague")
    post_form(
        client, f"{members_path(world['dmc_company'])}/invite", {"email": "colleague@example.com"}, token_from="/"
    )
    url, _token = link_in(wait_for_mail(mailbox)[0], "/auth/signup/")

    response = post_form(
        app.test_client(),
        url.removeprefix("http://localhost"),
        {"name": "x", "password": "short", "password2": "short"},
    )

    assert response.status_code == 400
    user = fresh_user("colleague@example.com")
    assert not user.is_active_account and user.name == "이동료"
    assert invitations_for("colleague@example.com")[-1].used_at is None


def test_invitation_accepted_after_the_account_became_active_elsewhere_is_refused(app, client, world, mailbox):
    """Two companies invite the same removed member; once one invitation is used, the other fails."""
    sign_in(client, "admin@example.com")
    remove(client, world, "colleague")
    for company in (world["dmc_company"], world["guro_company"]):
        post_form(client, f"{members_path(company)}/invite", {"email": "colleague@example.com"}, token_from="/")
    messages = wait_for_mail(mailbox, 2)
    dmc_path = link_in(messages[0], "/auth/signup/")[0].removeprefix("http://localhost")
    guro_path = link_in(messages[1], "/auth/signup/")[0].removeprefix("http://localhost")
    data = {"name": "이동료", "password": NEW_PASSWORD, "password2": NEW_PASSWORD}
    assert post_form(app.test_client(), guro_path, data).status_code == 302

    response = post_form(app.test_client(), dmc_path, data)

    assert response.status_code == 400
    assert "이미 가입된 이메일 주소입니다." in response.get_data(as_text=True)
    assert fresh_user("colleague@example.com").company_id == world["guro_company"].id


def test_deactivated_staff_email_cannot_be_invited_as_a_member(client, world, mailbox):
    world["guro_staff"].is_active_account = False
    db.session.commit()
    sign_in(client, "member@example.com")

    response = post_form(
        client, f"{members_path(world['dmc_company'])}/invite", {"email": "guro-staff@example.com"}, token_from="/"
    )

    assert response.status_code == 400
    assert "이미 가입된 이메일 주소입니다." in response.get_data(as_text=True)
    assert invitations_for("guro-staff@example.com") == []


def test_joined_date_of_a_rejoined_member_is_the_day_they_joined_this_company(app, client, world, mailbox):
    import datetime as dt

    from app.i18n import format_kst_date

    world["colleague"].created_at = utcnow() - dt.timedelta(days=400)
    db.session.commit()
    sign_in(client, "admin@example.com")
    remove(client, world, "colleague")
    post_form(
        client, f"{members_path(world['guro_company'])}/invite", {"email": "colleague@example.com"}, token_from="/"
    )
    url, _token = link_in(wait_for_mail(mailbox)[0], "/auth/signup/")
    post_form(
        app.test_client(),
        url.removeprefix("http://localhost"),
        {"name": "이동료", "password": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    html = client.get(members_path(world["guro_company"])).get_data(as_text=True)

    with app.test_request_context():
        today = format_kst_date(utcnow(), "ko")
        long_ago = format_kst_date(utcnow() - dt.timedelta(days=400), "ko")
    assert today in html
    assert long_ago not in html
