"""Who may see and change what in the directory.

- Admins: everything.
- Cluster staff: everything about companies of their own clusters; of other clusters only
  the public facts (company name and cluster).
- Company members: their own company (details, colleagues); of others, nothing private.
"""

from __future__ import annotations

from flask import abort

from app.models import Company, Role, User


def can_manage_cluster(user: User, cluster_id: int | None) -> bool:
    return bool(user.is_authenticated) and user.can_manage_cluster(cluster_id)


def can_see_private(user: User, company: Company) -> bool:
    """Contacts, members, BRN, history: the company's own staff and its own members."""
    if not user.is_authenticated:
        return False
    if user.role == Role.MEMBER:
        return user.company_id == company.id
    return user.can_manage_cluster(company.cluster_id)


def can_manage_company(user: User, company: Company) -> bool:
    """Edit details, deactivate, council membership: staff of the company's cluster."""
    return bool(user.is_authenticated) and user.is_staff and user.can_manage_cluster(company.cluster_id)


def can_manage_members(user: User, company: Company) -> bool:
    """Invite and remove members: the company's staff, or a member of that company."""
    if not user.is_authenticated:
        return False
    if user.role == Role.MEMBER:
        return user.company_id == company.id
    return user.can_manage_cluster(company.cluster_id)


def require(allowed: bool) -> None:
    if not allowed:
        abort(403)
