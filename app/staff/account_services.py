"""Staff and admin accounts, managed by admins: creation, role and cluster scopes, deactivation. Never commits."""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth.services import AccountError, find_user_by_email, send_account_setup, void_password_links
from app.extensions import db
from app.models import Cluster, Role, User, utcnow

STAFF_ROLES = (Role.STAFF, Role.ADMIN)


def staff_accounts_query():
    """Admins and cluster staff with their scopes, admins first, then by name."""
    return (
        select(User)
        .options(selectinload(User.clusters))
        .where(User.role.in_(STAFF_ROLES))
        .order_by(User.role, User.name, User.id)
    )


def all_clusters() -> list[Cluster]:
    return list(db.session.scalars(select(Cluster).order_by(Cluster.id)))


def _clusters_for(role: Role, clusters: Sequence[Cluster]) -> list[Cluster]:
    if role not in STAFF_ROLES:
        raise AccountError(_("운영 계정의 역할은 클러스터팀 또는 관리자여야 합니다."))
    if role == Role.STAFF and not clusters:
        raise AccountError(_("클러스터팀 계정은 담당 클러스터가 하나 이상 있어야 합니다."))
    # Admins see every cluster: a stored scope would only mislead.
    return [] if role == Role.ADMIN else list(clusters)


def create_staff_account(email: str, name: str, role: Role, clusters: Sequence[Cluster]) -> User:
    """A new staff or admin account; it chooses its password through the mailed link."""
    if find_user_by_email(email) is not None:
        raise AccountError(_("이미 가입된 이메일 주소입니다."))
    scope = _clusters_for(role, clusters)
    user = User(email=email, name=name.strip(), role=role, company=None)
    # Nobody knows this password: the account is usable only after the mailed link sets one.
    user.set_password(secrets.token_urlsafe(32))
    user.clusters = scope
    db.session.add(user)
    db.session.flush()
    send_account_setup(user)
    return user


def update_staff_account(actor: User, user: User, name: str, role: Role, clusters: Sequence[Cluster]) -> None:
    if user.id == actor.id and role != Role.ADMIN:
        # Otherwise the last admin could lock everyone out of account management.
        raise AccountError(_("자신의 관리자 권한은 내려놓을 수 없습니다. 다른 관리자에게 요청해 주세요."))
    scope = _clusters_for(role, clusters)
    user.name = name.strip()
    user.role = role
    user.clusters = scope


def deactivate_account(actor: User, user: User) -> None:
    if user.id == actor.id:
        raise AccountError(_("자신의 계정은 비활성화할 수 없습니다."))
    user.is_active_account = False
    user.deactivated_at = utcnow()
    user.end_all_sessions()
    void_password_links(user)


def reactivate_account(user: User) -> None:
    user.is_active_account = True
    user.deactivated_at = None


def resend_setup_link(user: User) -> None:
    if not user.is_active_account:
        raise AccountError(_("비활성화된 계정에는 링크를 보낼 수 없습니다. 먼저 다시 활성화해 주세요."))
    send_account_setup(user)


def load_staff_account(user_id: int) -> User | None:
    """An admin or staff account by id; None for unknown ids and company members."""
    user = db.session.scalar(select(User).options(selectinload(User.clusters)).where(User.id == user_id))
    if user is None or user.role not in STAFF_ROLES:
        return None
    return user
