"""Account operations: sign-in, invitations, sign-up and password reset. Never commits."""

from __future__ import annotations

import datetime as dt
import hmac

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.mail import queue_template
from app.models import Company, Invitation, PasswordReset, Role, User, utcnow
from app.models.user import normalize_email
from app.tokens import hash_token, new_token


class AccountError(ValueError):
    """A refused account operation, with a message for the user."""


def load_user(session_id: str) -> User | None:
    """The user of a session cookie id "<user id>:<session nonce>", if still valid."""
    user_id, _sep, nonce = (session_id or "").partition(":")
    try:
        user = db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None
    if user is None or not nonce or not hmac.compare_digest(user.session_nonce, nonce):
        return None
    return user


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None."""
    user = find_user_by_email(email)
    if user is None:
        # Spend the same hashing time as a real check so timing does not reveal accounts.
        User(email="x@x", name="x", role=Role.MEMBER, password_hash="").set_password(password)
        return None
    if not user.check_password(password) or not user.is_active:
        return None
    user.last_login_at = utcnow()
    return user


def check_password_strength(password: str, email: str = "") -> None:
    min_len = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < min_len:
        raise AccountError(_("비밀번호는 %(n)d자 이상이어야 합니다.", n=min_len))
    if email and normalize_email(email).split("@")[0] in password.lower() and len(email.split("@")[0]) >= 4:
        raise AccountError(_("비밀번호에 이메일 주소를 넣을 수 없습니다."))
    if len(set(password)) < 4:
        raise AccountError(_("비밀번호가 너무 단순합니다. 여러 종류의 문자를 섞어 주세요."))


def create_user(
    email: str,
    name: str,
    password: str,
    role: Role,
    company: Company | None = None,
    mobile: str | None = None,
    locale: str = "ko",
) -> User:
    if find_user_by_email(email):
        raise AccountError(_("이미 가입된 이메일 주소입니다."))
    if role == Role.MEMBER and company is None:
        raise AccountError(_("기업 회원은 소속 기업이 있어야 합니다."))
    check_password_strength(password, email)
    user = User(email=email, name=name.strip(), role=role, company=company, mobile=mobile, locale=locale)
    user.set_password(password)
    db.session.add(user)
    return user


def can_invite_to(inviter: User, company: Company) -> bool:
    """Staff invite to companies of their clusters; members to their own company."""
    if inviter.role == Role.MEMBER:
        return inviter.company_id == company.id
    return inviter.can_manage_cluster(company.cluster_id)


def _link(endpoint_path: str) -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + endpoint_path


def create_invitation(inviter: User, company: Company, email: str, now: dt.datetime | None = None) -> Invitation:
    """Create a single-use invitation and queue its mail."""
    now = now or utcnow()
    if not can_invite_to(inviter, company):
        raise AccountError(_("이 기업에 회원을 초대할 권한이 없습니다."))
    existing = find_user_by_email(email)
    # A removed (inactive) member may be invited again, by any company: accepting the
    # invitation moves the account there. Active accounts and staff accounts are refused.
    if existing is not None and not _is_removed_member(existing):
        raise AccountError(_("이미 가입된 이메일 주소입니다."))
    token = new_token()
    invitation = Invitation(
        email=email,
        company=company,
        invited_by=inviter,
        token_hash=hash_token(token),
        expires_at=now + dt.timedelta(hours=current_app.config["INVITATION_TTL_HOURS"]),
    )
    db.session.add(invitation)
    link = _link(f"/auth/signup/{token}")
    # The invitee has no account yet, so no language of their own: Korean.
    queue_template(
        invitation.email, "invitation", locale="ko", invitation=invitation, inviter=inviter, company=company, link=link
    )
    return invitation


def find_invitation(token: str, now: dt.datetime | None = None) -> Invitation | None:
    """The usable invitation for this token, or None (unknown, used, revoked or expired)."""
    if not token or len(token) > 128:
        return None
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == hash_token(token)))
    if invitation is None or not invitation.is_usable(now or utcnow()):
        return None
    return invitation


def _is_removed_member(user: User) -> bool:
    return user.role == Role.MEMBER and not user.is_active_account


def accept_invitation(invitation: Invitation, name: str, password: str, mobile: str | None, locale: str) -> User:
    """Sign up through an invitation: a new member, or a removed member who joins again.

    A user belongs to one company at a time, so a removed member's account (kept for
    history) is reactivated and moved to the inviting company, with the new name and password.
    """
    existing = find_user_by_email(invitation.email)
    if existing is None:
        user = create_user(
            invitation.email, name, password, Role.MEMBER, company=invitation.company, mobile=mobile, locale=locale
        )
    elif _is_removed_member(existing):
        check_password_strength(password, existing.email)
        user = existing
        user.name = name.strip()
        user.mobile = mobile
        user.locale = locale
        user.company = invitation.company
        user.set_password(password)
        user.is_active_account = True
        user.deactivated_at = None
        user.end_all_sessions()
    else:
        raise AccountError(_("이미 가입된 이메일 주소입니다."))
    invitation.used_at = utcnow()
    return user


def request_password_reset(email: str, now: dt.datetime | None = None) -> PasswordReset | None:
    """Queue a reset mail if the account exists; the caller shows the same message either way."""
    now = now or utcnow()
    user = find_user_by_email(email)
    if user is None or not user.is_active:
        return None
    reset, link = _new_password_link(user, now + dt.timedelta(minutes=current_app.config["PASSWORD_RESET_TTL_MINUTES"]))
    queue_template(
        user.email, "password_reset", user=user, link=link, minutes=current_app.config["PASSWORD_RESET_TTL_MINUTES"]
    )
    return reset


def _new_password_link(user: User, expires_at: dt.datetime) -> tuple[PasswordReset, str]:
    """A single-use set-password token for the user, and the link that carries it."""
    token = new_token()
    reset = PasswordReset(user=user, token_hash=hash_token(token), expires_at=expires_at)
    db.session.add(reset)
    return reset, _link(f"/auth/reset/{token}")


def account_setup_hours() -> int:
    """How long a new account's set-password link works: longer than a reset, people start on Mondays."""
    return int(current_app.config.get("ACCOUNT_SETUP_TTL_HOURS", 72))


def send_account_setup(user: User, now: dt.datetime | None = None) -> PasswordReset:
    """Queue the mail with which a new staff account chooses its password (through the reset page)."""
    now = now or utcnow()
    hours = account_setup_hours()
    reset, link = _new_password_link(user, now + dt.timedelta(hours=hours))
    queue_template(user.email, "account_setup", user=user, link=link, hours=hours)
    return reset


def void_password_links(user: User, now: dt.datetime | None = None) -> None:
    """Outstanding reset and set-password links of the account stop working."""
    now = now or utcnow()
    for reset in db.session.scalars(
        select(PasswordReset).where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
    ):
        reset.used_at = now


def find_password_reset(token: str, now: dt.datetime | None = None) -> PasswordReset | None:
    if not token or len(token) > 128:
        return None
    reset = db.session.scalar(select(PasswordReset).where(PasswordReset.token_hash == hash_token(token)))
    if reset is None or not reset.is_usable(now or utcnow()):
        return None
    return reset


def reset_password(reset: PasswordReset, password: str) -> User:
    check_password_strength(password, reset.user.email)
    reset.user.set_password(password)
    # Whoever had the old password may have a session open: end them all.
    reset.user.end_all_sessions()
    now = utcnow()
    reset.used_at = now
    # Any other outstanding links for this account stop working too.
    for other in db.session.scalars(
        select(PasswordReset).where(PasswordReset.user_id == reset.user_id, PasswordReset.used_at.is_(None))
    ):
        other.used_at = now
    return reset.user
