"""Inviting colleagues from the company page: the mail through the real SMTP server, sign-up,
single use, replacing and revoking links, and the refusals."""

from __future__ import annotations

import datetime as dt

from app.extensions import db
from app.models import Role, utcnow
from tests.directory.members.conftest import PENDING_TOKEN
from tests.directory.members.helpers import fresh_user, invitations_for, members_path, sign_in
from tests.helpers import link_in, no_mail_sent_or_queued, post_form, see_committed, signed_in_as, wait_for_mail

NEW_PASSWORD = "blue-river-stone-42"
INVALID_LINK = "링크를 사용할 수 없습니다"


def pending_section(html: str) -> str:
    return html.split('id="invitations-heading"')[1].split('id="invite-heading"')[0]


def invite(client, company, email):
    return post_form(client, f"{members_path(company)}/invite", {"email": email}, token_from=members_path(company))


def signup(client, path, **fields):
    data = {"name": "이신입", "password": NEW_PASSWORD, "password2": NEW_PASSWORD, "mobile": ""}
    data.update(fields)
    return post_form(client, path, data)


def signup_link(mailbox, count=1) -> str:
    messages = wait_for_mail(mailbox, count)
    assert len(messages) == count
    url, _token = link_in(messages[-1], "/auth/signup/")
    return url.removeprefix("http://localhost")


def test_member_invites_a_colleague_who_signs_up_and_joins_the_company(app, client, world, mailbox):
    sign_in(client, "member@example.com")

    response = invite(client, world["dmc_company"], " New@Example.com ")

    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "new@example.com 주소로 초대 메일을 보냈습니다." in page
    assert "new@example.com" in page  # listed as pending, with who invited
    assert "김회원" in page
    mail = wait_for_mail(mailbox)[0]
    assert mail["To"] == "new@example.com"
    assert "상암미디어랩" in mail["Subject"]

    invitee = app.test_client()
    path = signup_link(mailbox)
    assert invitee.get(path).status_code == 200
    assert signup(invitee, path, name="이신입", mobile="010-2222-3333").status_code == 302

    assert signed_in_as(invitee) == "new@example.com"
    user = fresh_user("new@example.com")
    assert (user.role, user.company_id, user.is_active_account) == (Role.MEMBER, world["dmc_company"].id, True)
    # The new colleague is on the members page and no longer pending.
    html = client.get(members_path(world["dmc_company"])).get_data(as_text=True)
    assert "이신입" in html
    assert "010-2222-3333" in html
    assert "new@example.com" not in pending_section(html)
    # And they may manage their company's members themselves.
    assert invitee.get(members_path(world["dmc_company"])).status_code == 200
    assert invitee.get(members_path(world["guro_company"])).status_code == 403


def test_invitation_link_is_single_use(app, client, world, mailbox):
    sign_in(client, "staff@example.com")
    invite(client, world["dmc_company"], "new@example.com")
    path = signup_link(mailbox)
    assert signup(app.test_client(), path).status_code == 302

    again = app.test_client()
    response = again.get(path)
    assert response.status_code == 404
    assert INVALID_LINK in response.get_data(as_text=True)


def test_expired_invitation_is_not_listed_and_does_not_work(app, client, world):
    world["pending"].expires_at = utcnow() - dt.timedelta(minutes=1)
    db.session.commit()
    sign_in(client, "staff@example.com")

    html = client.get(members_path(world["dmc_company"])).get_data(as_text=True)

    assert "pending@example.com" not in html
    assert "대기 중인 초대가 없습니다." in html
    assert app.test_client().get(f"/auth/signup/{PENDING_TOKEN}").status_code == 404


def test_revoked_invitation_link_shows_the_invalid_link_page(app, client, world, mailbox):
    sign_in(client, "staff@example.com")
    invite(client, world["dmc_company"], "new@example.com")
    path = signup_link(mailbox)
    invitation = invitations_for("new@example.com")[0]
    revoke = f"{members_path(world['dmc_company'])}/invitations/{invitation.id}/revoke"

    response = post_form(client, revoke, {"confirm": "1"})

    assert response.status_code == 302
    assert "초대를 취소했습니다" in client.get(response.headers["Location"]).get_data(as_text=True)
    invitee = app.test_client()
    page = invitee.get(path)
    assert page.status_code == 404
    assert INVALID_LINK in page.get_data(as_text=True)
    # A sign-up form opened before the revocation is refused too.
    assert signup(invitee, path).status_code == 404
    assert fresh_user("new@example.com") is None


def test_members_page_links_to_the_revoke_confirmation(client, world):
    sign_in(client, "member@example.com")

    html = client.get(members_path(world["dmc_company"])).get_data(as_text=True)

    assert f"{members_path(world['dmc_company'])}/invitations/{world['pending'].id}/revoke" in html


def test_revoking_twice_or_a_used_invitation_changes_nothing(app, client, world, mailbox):
    sign_in(client, "staff@example.com")
    invite(client, world["dmc_company"], "new@example.com")
    signup(app.test_client(), signup_link(mailbox))
    used = invitations_for("new@example.com")[0]
    base = members_path(world["dmc_company"])

    response = post_form(client, f"{base}/invitations/{used.id}/revoke", {"confirm": "1"}, token_from=base)

    assert response.status_code == 302
    assert "이미 가입에 사용된 초대는 취소할 수 없습니다." in client.get(base).get_data(as_text=True)
    used = invitations_for("new@example.com")[0]
    assert used.revoked_at is None and used.used_at is not None

    pending = f"{base}/invitations/{world['pending'].id}/revoke"
    post_form(client, pending, {"confirm": "1"})
    first = invitations_for("pending@example.com")[0].revoked_at
    response = post_form(client, pending, {"confirm": "1"}, token_from=base)
    assert response.status_code == 302
    assert invitations_for("pending@example.com")[0].revoked_at == first


def test_inviting_the_same_email_again_replaces_the_earlier_link(app, client, world, mailbox):
    sign_in(client, "staff@example.com")
    invite(client, world["dmc_company"], "new@example.com")
    first = signup_link(mailbox, 1)
    invite(client, world["dmc_company"], "new@example.com")
    second = signup_link(mailbox, 2)

    assert first != second
    assert app.test_client().get(first).status_code == 404
    assert app.test_client().get(second).status_code == 200
    html = client.get(members_path(world["dmc_company"])).get_data(as_text=True)
    assert pending_section(html).count("new@example.com") == 1  # one pending row


def test_inviting_an_active_account_is_refused(client, world, mailbox):
    sign_in(client, "member@example.com")

    for email in ("colleague@example.com", "OUTSIDER@example.com", "staff@example.com", "admin@example.com"):
        response = invite(client, world["dmc_company"], email)
        assert response.status_code == 400
        assert "이미 가입된 이메일 주소입니다." in response.get_data(as_text=True)

    assert invitations_for("outsider@example.com") == []
    assert no_mail_sent_or_queued(mailbox)


def test_malformed_or_empty_email_is_refused_with_a_message(client, world, mailbox):
    sign_in(client, "staff@example.com")

    for bad, message in [
        ("not-an-email", "이메일 주소 형식이 올바르지 않습니다."),
        ("", "이메일을 입력해 주세요."),
        ("   ", "이메일을 입력해 주세요."),
        ("a@" + "b" * 300 + ".com", ""),
        ("<script>@x.com", "이메일 주소 형식이 올바르지 않습니다."),
    ]:
        response = invite(client, world["dmc_company"], bad)
        html = response.get_data(as_text=True)
        assert response.status_code == 400, bad
        assert message in html
        assert "<script>@" not in html  # echoed back escaped, if at all

    assert no_mail_sent_or_queued(mailbox)


def test_missing_email_field_is_400_not_500(client, world):
    sign_in(client, "staff@example.com")

    response = post_form(client, f"{members_path(world['dmc_company'])}/invite", {}, token_from="/")

    assert response.status_code == 400


def test_inactive_company_cannot_invite(client, world, mailbox):
    world["dmc_company"].is_active = False
    db.session.commit()
    sign_in(client, "staff@example.com")

    page = client.get(members_path(world["dmc_company"]))
    assert page.status_code == 200
    assert "비활성화된 기업에는 회원을 초대할 수 없습니다." in page.get_data(as_text=True)

    response = invite(client, world["dmc_company"], "new@example.com")

    assert response.status_code == 400
    assert invitations_for("new@example.com") == []
    assert no_mail_sent_or_queued(mailbox)


def test_empty_company_shows_the_korean_empty_state(client, world):
    from tests.factories import make_company

    empty = make_company(world["dmc"], name="빈회사")
    db.session.commit()
    sign_in(client, "staff@example.com")

    html = client.get(members_path(empty)).get_data(as_text=True)

    assert "아직 회원이 없습니다. 초대 메일을 보내 보세요." in html
    assert "대기 중인 초대가 없습니다." in html


def test_members_page_query_count_does_not_grow_with_members(app, client, world):
    """No N+1: the page needs the same number of queries for 2 members as for 40."""
    from app.models import Invitation
    from app.tokens import hash_token
    from tests.directory.members.conftest import make_account
    from tests.query_counter import count_queries

    sign_in(client, "staff@example.com")

    def queries_for_page():
        with count_queries(db.engine) as statements:
            assert client.get(members_path(world["dmc_company"])).status_code == 200
        return len(statements)

    few = queries_for_page()
    for n in range(40):
        make_account(Role.MEMBER, f"m{n}@example.com", f"회원{n}", company=world["dmc_company"])
        inviter = make_account(Role.MEMBER, f"i{n}@example.com", f"초대자{n}", company=world["dmc_company"])
        db.session.add(
            Invitation(
                email=f"p{n}@example.com",
                company=world["dmc_company"],
                invited_by=inviter,
                token_hash=hash_token(f"token-{n}"),
                expires_at=utcnow() + dt.timedelta(days=1),
            )
        )
    db.session.commit()
    see_committed()

    assert queries_for_page() == few
