"""Who may open and use a company's members pages: admin, the company's cluster staff and its own
members; never staff of another cluster, members of another company or anonymous visitors."""

from __future__ import annotations

import pytest

from tests.directory.members.conftest import ALLOWED, DENIED
from tests.directory.members.helpers import (
    assert_login_redirect,
    fresh_user,
    invitations_for,
    members_path,
    sign_in,
)
from tests.helpers import no_mail_sent_or_queued, post_form, wait_for_mail


def _as(client, world, who):
    if who != "anonymous":
        sign_in(client, world[who].email)


# --- the members page -------------------------------------------------------------------------


@pytest.mark.parametrize("who", ALLOWED)
def test_members_page_is_open_to_admin_own_staff_and_own_members(client, world, who):
    _as(client, world, who)

    response = client.get(members_path(world["dmc_company"]))

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "상암미디어랩" in html
    assert "colleague@example.com" in html
    assert "010-1111-2222" in html
    assert "pending@example.com" in html  # pending invitation
    assert "박담당" in html  # invited by


@pytest.mark.parametrize("who", DENIED)
def test_members_page_is_closed_to_other_clusters_staff_and_other_companies(client, world, who):
    _as(client, world, who)

    response = client.get(members_path(world["dmc_company"]))

    html = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "colleague@example.com" not in html
    assert "010-1111-2222" not in html
    assert "pending@example.com" not in html


def test_members_page_sends_anonymous_visitors_to_sign_in(client, world):
    assert_login_redirect(client.get(members_path(world["dmc_company"])))


def test_member_sees_only_their_own_company(client, world):
    sign_in(client, "outsider@example.com")

    assert client.get(members_path(world["guro_company"])).status_code == 200
    assert client.get(members_path(world["dmc_company"])).status_code == 403


def test_staff_of_one_cluster_sees_its_companies_not_the_other_clusters(client, world):
    sign_in(client, "staff@example.com")

    assert client.get(members_path(world["dmc_company"])).status_code == 200
    assert client.get(members_path(world["guro_company"])).status_code == 403


# --- inviting --------------------------------------------------------------------------------


def invite(client, company, email, token_from="/"):
    return post_form(client, f"{members_path(company)}/invite", {"email": email}, token_from=token_from)


@pytest.mark.parametrize("who", ALLOWED)
def test_allowed_users_can_invite(client, world, mailbox, who):
    _as(client, world, who)

    response = invite(client, world["dmc_company"], "new@example.com")

    assert response.status_code == 302
    assert response.headers["Location"] == members_path(world["dmc_company"])
    assert len(invitations_for("new@example.com")) == 1
    assert len(wait_for_mail(mailbox)) == 1


@pytest.mark.parametrize("who", DENIED)
def test_denied_users_cannot_invite(client, world, mailbox, who):
    _as(client, world, who)

    response = invite(client, world["dmc_company"], "spy@example.com")

    assert response.status_code == 403
    assert invitations_for("spy@example.com") == []
    assert no_mail_sent_or_queued(mailbox)


def test_anonymous_cannot_invite(client, world, mailbox):
    response = invite(client, world["dmc_company"], "spy@example.com")

    assert_login_redirect(response)
    assert invitations_for("spy@example.com") == []
    assert no_mail_sent_or_queued(mailbox)


# --- revoking an invitation --------------------------------------------------------------------


def revoke_path(world, invitation=None, company=None):
    company = company or world["dmc_company"]
    invitation = invitation or world["pending"]
    return f"{members_path(company)}/invitations/{invitation.id}/revoke"


@pytest.mark.parametrize("who", ALLOWED)
def test_allowed_users_can_revoke_after_confirming(client, world, who):
    _as(client, world, who)
    path = revoke_path(world)

    confirm_page = client.get(path)
    assert confirm_page.status_code == 200
    assert "pending@example.com" in confirm_page.get_data(as_text=True)
    assert invitations_for("pending@example.com")[0].revoked_at is None  # looking is not revoking

    response = post_form(client, path, {"confirm": "1"})

    assert response.status_code == 302
    assert invitations_for("pending@example.com")[0].revoked_at is not None


@pytest.mark.parametrize("who", DENIED)
def test_denied_users_cannot_revoke(client, world, who):
    _as(client, world, who)
    path = revoke_path(world)

    assert client.get(path).status_code == 403
    assert post_form(client, path, {"confirm": "1"}, token_from="/").status_code == 403
    assert invitations_for("pending@example.com")[0].revoked_at is None


def test_anonymous_cannot_revoke(client, world):
    path = revoke_path(world)

    assert_login_redirect(client.get(path))
    assert_login_redirect(post_form(client, path, {"confirm": "1"}, token_from="/"))
    assert invitations_for("pending@example.com")[0].revoked_at is None


# --- removing a member --------------------------------------------------------------------------


def remove_path(world, who="colleague", company=None):
    company = company or world["dmc_company"]
    return f"{members_path(company)}/{world[who].id}/remove"


@pytest.mark.parametrize("who", ALLOWED)
def test_allowed_users_can_remove_a_member_after_confirming(client, world, who):
    _as(client, world, who)
    path = remove_path(world)

    confirm_page = client.get(path)
    assert confirm_page.status_code == 200
    assert "이동료" in confirm_page.get_data(as_text=True)
    assert fresh_user("colleague@example.com").is_active_account  # looking is not removing

    response = post_form(client, path, {"confirm": "1"})

    assert response.status_code == 302
    assert not fresh_user("colleague@example.com").is_active_account


@pytest.mark.parametrize("who", DENIED)
def test_denied_users_cannot_remove_a_member(client, world, who):
    _as(client, world, who)
    path = remove_path(world)

    assert client.get(path).status_code == 403
    assert post_form(client, path, {"confirm": "1"}, token_from="/").status_code == 403
    assert fresh_user("colleague@example.com").is_active_account


def test_anonymous_cannot_remove_a_member(client, world):
    path = remove_path(world)

    assert_login_redirect(client.get(path))
    assert_login_redirect(post_form(client, path, {"confirm": "1"}, token_from="/"))
    assert fresh_user("colleague@example.com").is_active_account


# --- CSRF ------------------------------------------------------------------------------------


def test_posts_without_csrf_token_are_refused(client, world, mailbox):
    sign_in(client, "admin@example.com")

    assert (
        client.post(f"{members_path(world['dmc_company'])}/invite", data={"email": "x@example.com"}).status_code == 400
    )
    assert client.post(revoke_path(world), data={"confirm": "1"}).status_code == 400
    assert client.post(remove_path(world), data={"confirm": "1"}).status_code == 400
    # A wrong token is refused as well.
    assert client.post(remove_path(world), data={"confirm": "1", "csrf_token": "forged"}).status_code == 400

    assert invitations_for("x@example.com") == []
    assert invitations_for("pending@example.com")[0].revoked_at is None
    assert fresh_user("colleague@example.com").is_active_account
    assert no_mail_sent_or_queued(mailbox)


# --- bad ids: 404, never 500; no probing across companies ---------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/directory/companies/999999/members",
        "/directory/companies/0/members",
        "/directory/companies/99999999999999999999999/members",
        "/directory/companies/-1/members",
        "/directory/companies/abc/members",
        "/directory/companies/999999/members/1/remove",
        "/directory/companies/999999/members/invitations/1/revoke",
    ],
)
def test_unknown_company_is_404(client, world, path):
    sign_in(client, "admin@example.com")

    assert client.get(path).status_code == 404


def test_unknown_or_foreign_invitation_and_member_ids_are_404(client, world):
    sign_in(client, "admin@example.com")
    dmc = members_path(world["dmc_company"])

    assert client.get(f"{dmc}/invitations/999999/revoke").status_code == 404
    assert client.get(f"{dmc}/invitations/99999999999999999999/revoke").status_code == 404
    assert client.get(f"{dmc}/999999/remove").status_code == 404
    assert client.get(f"{dmc}/99999999999999999999/remove").status_code == 404
    # A member of another company, through this company's address.
    assert client.get(f"{dmc}/{world['outsider'].id}/remove").status_code == 404
    # Staff and admin accounts are not company members.
    assert client.get(f"{dmc}/{world['staff'].id}/remove").status_code == 404
    # The invitation belongs to 상암미디어랩, not to 구로정밀.
    assert client.get(revoke_path(world, company=world["guro_company"])).status_code == 404
    assert (
        post_form(client, f"{dmc}/{world['outsider'].id}/remove", {"confirm": "1"}, token_from="/").status_code == 404
    )
    assert fresh_user("outsider@example.com").is_active_account


def test_staff_cannot_probe_another_clusters_members_through_ids(client, world):
    """Access is checked on the company before the member is looked up: 403, whatever the id."""
    sign_in(client, "guro-staff@example.com")
    dmc = members_path(world["dmc_company"])

    assert client.get(f"{dmc}/{world['colleague'].id}/remove").status_code == 403
    assert client.get(f"{dmc}/999999/remove").status_code == 403


def test_wrong_method_is_405_not_500(client, world):
    sign_in(client, "admin@example.com")

    assert client.get(f"{members_path(world['dmc_company'])}/invite").status_code == 405
