"""A company's members: who belongs to it, pending invitations, inviting and removing. Never commits."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.auth.services import AccountError, create_invitation, void_password_links
from app.extensions import db
from app.models import Company, Invitation, Role, User, utcnow
from app.models.user import normalize_email


@dataclass(frozen=True)
class MemberRow:
    user: User
    # When the person joined this company: the invitation they accepted, else the account's creation.
    joined_at: dt.datetime


@dataclass(frozen=True)
class MembersPage:
    members: list[MemberRow]
    removed: list[User]
    invitations: list[Invitation]


def members_page(company: Company, now: dt.datetime | None = None) -> MembersPage:
    """Everything the members page shows, in four queries whatever the company's size."""
    now = now or utcnow()
    users = db.session.scalars(
        select(User).where(User.company_id == company.id, User.role == Role.MEMBER).order_by(User.name, User.email)
    ).all()
    # An account re-invited by another company keeps its creation date, so the date it
    # joined this company is the latest invitation it accepted here.
    joined = dict(
        db.session.execute(
            select(Invitation.email, func.max(Invitation.used_at))
            .where(Invitation.company_id == company.id, Invitation.used_at.is_not(None))
            .group_by(Invitation.email)
        ).all()
    )
    active = [MemberRow(u, joined.get(u.email) or u.created_at) for u in users if u.is_active_account]
    removed = [u for u in users if not u.is_active_account]
    invitations = db.session.scalars(
        select(Invitation)
        .options(selectinload(Invitation.invited_by))
        .where(
            Invitation.company_id == company.id,
            Invitation.used_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > now,
        )
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())
    ).all()
    return MembersPage(members=active, removed=removed, invitations=list(invitations))


def pending_invitations_for(company: Company, email: str, now: dt.datetime) -> list[Invitation]:
    return list(
        db.session.scalars(
            select(Invitation).where(
                Invitation.company_id == company.id,
                Invitation.email == normalize_email(email),
                Invitation.used_at.is_(None),
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > now,
            )
        )
    )


def invite_member(inviter: User, company: Company, email: str, now: dt.datetime | None = None) -> Invitation:
    """Invite someone to the company by mail; a repeated invitation replaces the earlier link."""
    now = now or utcnow()
    if not company.is_active:
        raise AccountError(_("비활성화된 기업에는 회원을 초대할 수 없습니다."))
    earlier = pending_invitations_for(company, email, now)
    invitation = create_invitation(inviter, company, email, now=now)
    # Only the newest link works: an older mail forwarded somewhere is no longer a way in.
    for old in earlier:
        old.revoked_at = now
    return invitation


def revoke_invitation(invitation: Invitation, now: dt.datetime | None = None) -> bool:
    """Make the link unusable; False when it was already used (then nothing changes)."""
    if invitation.used_at is not None:
        return False
    if invitation.revoked_at is None:
        invitation.revoked_at = now or utcnow()
    return True


def active_member_count(company: Company) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.company_id == company.id, User.role == Role.MEMBER, User.is_active_account.is_(True))
        )
        or 0
    )


def remove_member(member: User, now: dt.datetime | None = None) -> None:
    """Take the member out of the company: no more sign-in, every open session ends at once.

    The account keeps its company for history; it may be invited again later (by any company).
    """
    if member.role != Role.MEMBER:
        raise AccountError(_("기업 회원만 내보낼 수 있습니다."))
    member.is_active_account = False
    member.deactivated_at = now or utcnow()
    member.end_all_sessions()
    void_password_links(member, now)
