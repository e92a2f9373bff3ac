"""Invitations: who may invite whom, the mail with its single-use link, and sign-up through it."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.auth import services
from app.extensions import db
from app.models import Invitation, Role, User, utcnow
from app.tokens import hash_token
from tests.factories import PASSWORD, make_cluster, make_company, make_user
from tests.helpers import link_in, no_mail_sent_or_queued, post_form, see_committed, signed_in_as, wait_for_mail

NEW_PASSWORD = "blue-river-stone-42"
INVALID_LINK = "링크를 사용할 수 없습니다"


@pytest.fixture
def world(app):
    dmc = make_cluster(slug="dmc", name_ko="상암 DMC")
    guro = make_cluster(slug="guro", name_ko="구로 G밸리")
    world = {
        "dmc_company": make_company(dmc, name="상암미디어랩"),
        "dmc_other": make_company(dmc, name="누리콘텐츠"),
        "guro_company": make_company(guro, name="구로정밀"),
    }
    world["staff"] = make_user(Role.STAFF, clusters=[dmc], email="staff@example.com", name="박담당")
    world["member"] = make_user(Role.MEMBER, company=world["dmc_company"], email="member@example.com")
    db.session.commit()
    return world


def invite(client, email: str, company_id: int):
    return post_form(client, "/auth/invite", {"email": email, "company_id": str(company_id)})


def invitation_count() -> int:
    see_committed()
    return db.session.scalar(select(func.count()).select_from(Invitation))


def user_by_email(email: str) -> User | None:
    see_committed()
    return db.session.scalar(select(User).where(User.email == email))


def signup(client, path: str, **fields):
    data = {"name": "이신입", "password": NEW_PASSWORD, "password2": NEW_PASSWORD, "mobile": ""}
    data.update(fields)
    return post_form(client, path, data)


@pytest.fixture
def invited(app, client, auth, world, mailbox):
    """Staff invited new@example.com to 상암미디어랩; returns the link path and its token."""
    auth.login("staff@example.com", PASSWORD)
    response = invite(client, "new@example.com", world["dmc_company"].id)
    assert response.status_code == 302
    messages = wait_for_mail(mailbox)
    assert len(messages) == 1
    url, token = link_in(messages[0], "/auth/signup/")
    return url.removeprefix("http://localhost"), token


def test_staff_invitation_mail_reaches_the_invitee(client, auth, world, mailbox):
    auth.login("staff@example.com", PASSWORD)

    response = invite(client, "New@Example.com", world["dmc_company"].id)

    assert response.status_code == 302
    assert "new@example.com 주소로 초대 메일을 보냈습니다." in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    messages = wait_for_mail(mailbox)
    assert len(messages) == 1
    mail = messages[0]
    assert mail["To"] == "new@example.com"
    assert "상암미디어랩" in mail["Subject"]
    url, token = link_in(mail, "/auth/signup/")
    assert url == f"http://localhost/auth/signup/{token}"
    assert "박담당" in mail.get_body(preferencelist=("plain",)).get_content()


def test_invitation_token_is_stored_only_as_a_hash(invited):
    _path, token = invited
    see_committed()
    invitation = db.session.scalars(select(Invitation)).one()

    assert invitation.token_hash != token
    assert invitation.token_hash == hash_token(token)
    assert len(token) >= 22  # at least 128 bits in URL-safe base64


def test_signup_page_names_the_company_and_email(app, invited):
    path, _token = invited
    invitee = app.test_client()

    response = invitee.get(path)

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "상암미디어랩" in html
    assert "new@example.com" in html


def test_signup_creates_a_signed_in_member_of_the_company(app, world, invited):
    path, _token = invited
    invitee = app.test_client()

    response = signup(invitee, path, name="이신입", mobile="01012345678")

    assert response.status_code == 302
    user = user_by_email("new@example.com")
    assert user is not None
    assert user.role == Role.MEMBER
    assert user.company_id == world["dmc_company"].id
    assert user.name == "이신입"
    assert user.mobile == "010-1234-5678"
    assert user.check_password(NEW_PASSWORD)
    assert signed_in_as(invitee) == "new@example.com"
    invitation = db.session.scalars(select(Invitation)).one()
    assert invitation.used_at is not None


def test_new_member_can_sign_in_later_with_the_chosen_password(app, invited):
    path, _token = invited
    signup(app.test_client(), path)

    other_browser = app.test_client()
    response = post_form(other_browser, "/auth/login", {"email": "new@example.com", "password": NEW_PASSWORD})

    assert response.status_code == 302
    assert signed_in_as(other_browser) == "new@example.com"


def test_invitation_link_works_only_once(app, invited):
    path, _token = invited
    assert signup(app.test_client(), path).status_code == 302

    second = app.test_client()
    response = second.get(path)
    assert response.status_code == 404
    assert INVALID_LINK in response.get_data(as_text=True)
    # A stale form posted again does not create a second account either.
    response = post_form(
        second, path, {"name": "x", "password": NEW_PASSWORD, "password2": NEW_PASSWORD}, token_from="/"
    )
    assert response.status_code == 404
    assert db.session.scalar(select(func.count()).select_from(User).where(User.name == "x")) == 0


def test_expired_invitation_is_refused(app, invited):
    path, _token = invited
    see_committed()
    invitation = db.session.scalars(select(Invitation)).one()
    invitation.expires_at = utcnow() - dt.timedelta(minutes=1)
    db.session.commit()

    invitee = app.test_client()
    response = invitee.get(path)

    assert response.status_code == 404
    assert INVALID_LINK in response.get_data(as_text=True)
    assert user_by_email("new@example.com") is None


def test_unknown_token_is_refused(client, world):
    response = client.get("/auth/signup/not-a-real-token")

    assert response.status_code == 404
    assert INVALID_LINK in response.get_data(as_text=True)


def test_staff_cannot_invite_to_a_company_of_another_cluster(client, auth, world, mailbox):
    auth.login("staff@example.com", PASSWORD)

    response = invite(client, "spy@example.com", world["guro_company"].id)

    assert response.status_code in (400, 403)
    assert invitation_count() == 0
    assert no_mail_sent_or_queued(mailbox)


def test_staff_invite_form_offers_only_companies_of_their_clusters(client, auth, world):
    auth.login("staff@example.com", PASSWORD)

    html = client.get("/auth/invite").get_data(as_text=True)

    assert "상암미디어랩" in html
    assert "누리콘텐츠" in html
    assert "구로정밀" not in html


def test_member_can_invite_a_colleague_to_their_own_company(client, auth, world, mailbox):
    auth.login("member@example.com", PASSWORD)

    response = invite(client, "colleague@example.com", world["dmc_company"].id)

    assert response.status_code == 302
    assert invitation_count() == 1
    invitation = db.session.scalars(select(Invitation)).one()
    assert invitation.company_id == world["dmc_company"].id
    assert invitation.email == "colleague@example.com"
    assert len(wait_for_mail(mailbox)) == 1


@pytest.mark.parametrize("company_key", ["dmc_other", "guro_company"])
def test_member_cannot_invite_to_another_company(client, auth, world, mailbox, company_key):
    auth.login("member@example.com", PASSWORD)

    response = invite(client, "colleague@example.com", world[company_key].id)

    assert response.status_code in (400, 403)
    assert invitation_count() == 0
    assert no_mail_sent_or_queued(mailbox)


def test_inviting_an_existing_account_is_refused(client, auth, world, mailbox):
    auth.login("staff@example.com", PASSWORD)

    response = invite(client, "MEMBER@example.com", world["dmc_company"].id)

    assert response.status_code == 400
    assert "이미 가입된 이메일 주소입니다." in response.get_data(as_text=True)
    assert invitation_count() == 0
    assert no_mail_sent_or_queued(mailbox)


def test_malformed_email_is_refused(client, auth, world, mailbox):
    auth.login("staff@example.com", PASSWORD)

    response = invite(client, "not-an-email", world["dmc_company"].id)

    assert response.status_code == 400
    assert "이메일 주소 형식이 올바르지 않습니다." in response.get_data(as_text=True)
    assert invitation_count() == 0


def test_anonymous_cannot_open_the_invite_page(client, world):
    response = client.get("/auth/invite")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


def test_bad_mobile_number_is_refused_and_nothing_is_created(app, invited):
    path, _token = invited
    invitee = app.test_client()

    response = signup(invitee, path, mobile="02-123-4567")

    assert response.status_code == 400
    assert "휴대전화 번호 형식이 올바르지 않습니다" in response.get_data(as_text=True)
    assert user_by_email("new@example.com") is None
    assert db.session.scalars(select(Invitation)).one().used_at is None
    assert signed_in_as(invitee) is None


def test_password_mismatch_is_refused(app, invited):
    path, _token = invited
    invitee = app.test_client()

    response = signup(invitee, path, password=NEW_PASSWORD, password2=NEW_PASSWORD + "x")

    assert response.status_code == 400
    assert "비밀번호가 일치하지 않습니다." in response.get_data(as_text=True)
    assert user_by_email("new@example.com") is None


def test_weak_password_is_refused_and_the_link_stays_usable(app, invited):
    path, _token = invited
    invitee = app.test_client()

    response = signup(invitee, path, password="short1", password2="short1")

    assert response.status_code == 400
    assert "비밀번호는 10자 이상이어야 합니다." in response.get_data(as_text=True)
    assert user_by_email("new@example.com") is None
    # The invitee can correct the password with the same link.
    assert signup(invitee, path).status_code == 302
    assert user_by_email("new@example.com") is not None


def test_opening_an_invitation_while_signed_in_signs_up_the_invitee_not_the_inviter(client, world, invited):
    path, _token = invited
    # The staff member who sent the invitation opens the link in the same browser.
    response = signup(client, path)

    assert response.status_code == 302
    assert signed_in_as(client) == "new@example.com"
    staff = user_by_email("staff@example.com")
    assert staff.role == Role.STAFF


@pytest.mark.parametrize(
    ("inviter_key", "company_key", "allowed"),
    [
        ("staff", "dmc_company", True),
        ("staff", "dmc_other", True),
        ("staff", "guro_company", False),
        ("member", "dmc_company", True),
        ("member", "dmc_other", False),
        ("member", "guro_company", False),
    ],
)
def test_invitation_service_enforces_who_may_invite_where(world, inviter_key, company_key, allowed):
    # The rule holds in the service itself (called here outside any request), not only in
    # the form's company choices.
    if allowed:
        invitation = services.create_invitation(world[inviter_key], world[company_key], "someone@example.com")
        assert invitation.company is world[company_key]
    else:
        with pytest.raises(services.AccountError, match="초대할 권한이 없습니다"):
            services.create_invitation(world[inviter_key], world[company_key], "someone@example.com")
        assert not any(isinstance(o, Invitation) for o in db.session.new)
    db.session.rollback()
