"""Tenant councils (입주기업협의회) and research groups (연구회): queries and changes, without commits."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.database import begin_write
from app.extensions import db
from app.models import Cluster, Company, ResearchGroup, research_group_members

# A select box stays usable up to this many companies; beyond it staff narrow by name.
CANDIDATE_LIMIT = 50
GROUPS_PER_PAGE = 50


class GroupError(ValueError):
    """A change refused for a reason the user can fix; the message is shown as is (Korean)."""


def _scoped(query, column, cluster_ids: list[int] | None):
    """Limit to the given clusters; None means every cluster (admin)."""
    return query if cluster_ids is None else query.where(column.in_(cluster_ids))


# --- Clusters -------------------------------------------------------------------------------


@dataclass
class ClusterRow:
    cluster: Cluster
    council_count: int
    group_count: int


def cluster_overview(clusters: list[Cluster]) -> list[ClusterRow]:
    """These clusters with their council member and research group counts (2 queries)."""
    ids = [c.id for c in clusters]
    if not ids:
        return []
    council = dict(
        db.session.execute(
            select(Company.cluster_id, func.count())
            .where(Company.cluster_id.in_(ids), Company.is_council_member.is_(True))
            .group_by(Company.cluster_id)
        ).all()
    )
    groups = dict(
        db.session.execute(
            select(ResearchGroup.cluster_id, func.count())
            .where(ResearchGroup.cluster_id.in_(ids))
            .group_by(ResearchGroup.cluster_id)
        ).all()
    )
    return [ClusterRow(c, council.get(c.id, 0), groups.get(c.id, 0)) for c in clusters]


# --- Council --------------------------------------------------------------------------------


def council_members(cluster: Cluster) -> list[Company]:
    """The cluster's council member companies in 가나다 order (deactivated ones included)."""
    return list(
        db.session.scalars(
            select(Company)
            .where(Company.cluster_id == cluster.id, Company.is_council_member.is_(True))
            .order_by(Company.sort_name, Company.id)
        )
    )


def council_candidates(cluster: Cluster) -> list[Company]:
    """Active companies of the cluster that are not on its council, in 가나다 order."""
    return list(
        db.session.scalars(
            select(Company)
            .where(
                Company.cluster_id == cluster.id,
                Company.is_active.is_(True),
                Company.is_council_member.is_not(True),
            )
            .order_by(Company.sort_name, Company.id)
        )
    )


def _check_joined_on(joined_on: dt.date | None, today: dt.date) -> dt.date:
    if joined_on is None:
        raise GroupError(_("가입일을 입력해 주세요."))
    if joined_on > today:
        raise GroupError(_("가입일은 오늘(%(today)s) 이후일 수 없습니다.", today=today.isoformat()))
    return joined_on


def add_council_member(cluster: Cluster, company: Company, joined_on: dt.date | None, today: dt.date) -> None:
    if company.cluster_id != cluster.id:
        raise GroupError(
            _("%(company)s은(는) 이 클러스터의 입주기업이 아니어서 협의회에 추가할 수 없습니다.", company=company.name)
        )
    if not company.is_active:
        raise GroupError(_("비활성 기업은 협의회에 추가할 수 없습니다."))
    if company.is_council_member:
        raise GroupError(_("%(company)s은(는) 이미 협의회 회원사입니다.", company=company.name))
    company.council_joined_on = _check_joined_on(joined_on, today)
    company.is_council_member = True


def remove_council_member(company: Company) -> None:
    company.is_council_member = False
    company.council_joined_on = None


def set_council_joined_on(company: Company, joined_on: dt.date | None, today: dt.date) -> None:
    if not company.is_council_member:
        raise GroupError(_("협의회 회원사가 아닙니다."))
    company.council_joined_on = _check_joined_on(joined_on, today)


# --- Research groups ------------------------------------------------------------------------


@dataclass
class GroupRow:
    group: ResearchGroup
    member_count: int


def list_groups(cluster_ids: list[int] | None, page: int = 1):
    """A page of research groups of the given clusters with member counts, and its rows."""
    query = (
        _scoped(select(ResearchGroup), ResearchGroup.cluster_id, cluster_ids)
        .options(selectinload(ResearchGroup.cluster))
        .order_by(ResearchGroup.name, ResearchGroup.id)
    )
    pagination = db.paginate(query, page=page, per_page=GROUPS_PER_PAGE, error_out=False)
    groups = list(pagination.items)
    counts: dict[int, int] = {}
    if groups:
        counts = dict(
            db.session.execute(
                select(research_group_members.c.research_group_id, func.count())
                .where(research_group_members.c.research_group_id.in_([g.id for g in groups]))
                .group_by(research_group_members.c.research_group_id)
            ).all()
        )
    return pagination, [GroupRow(g, counts.get(g.id, 0)) for g in groups]


def group_members(group: ResearchGroup) -> list[Company]:
    """Member companies in 가나다 order, with their clusters loaded (members may span clusters)."""
    return list(
        db.session.scalars(
            select(Company)
            .join(research_group_members, research_group_members.c.company_id == Company.id)
            .where(research_group_members.c.research_group_id == group.id)
            .options(selectinload(Company.cluster))
            .order_by(Company.sort_name, Company.id)
        )
    )


def member_candidates(group: ResearchGroup, search: str = "", limit: int | None = None) -> tuple[list[Company], bool]:
    """Active companies of any cluster not yet in the group, in 가나다 order, optionally
    narrowed by a part of the name; at most `limit`, and whether more matched."""
    limit = CANDIDATE_LIMIT if limit is None else limit
    already = select(research_group_members.c.company_id).where(research_group_members.c.research_group_id == group.id)
    query = (
        select(Company)
        .where(Company.is_active.is_(True), Company.id.not_in(already))
        .options(selectinload(Company.cluster))
        .order_by(Company.sort_name, Company.id)
        .limit(limit + 1)
    )
    search = (search or "").strip()
    if search:
        query = query.where(Company.name.icontains(search, autoescape=True))
    companies = list(db.session.scalars(query))
    return companies[:limit], len(companies) > limit


def _clean_name(name: str | None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise GroupError(_("연구회 이름을 입력해 주세요."))
    if len(name) > 200:
        raise GroupError(_("연구회 이름은 200자 이하로 입력해 주세요."))
    return name


def _lock_cluster_names(cluster_id: int) -> None:
    """Serialise name checks within a cluster: two staff creating the same name at once
    must not both pass. SQLite: BEGIN IMMEDIATE; PostgreSQL: lock the cluster row."""
    begin_write()
    db.session.execute(select(Cluster.id).where(Cluster.id == cluster_id).with_for_update())


def _check_unique_name(cluster: Cluster, name: str, exclude_id: int | None = None) -> None:
    query = select(ResearchGroup.name).where(
        ResearchGroup.cluster_id == cluster.id, func.lower(ResearchGroup.name) == name.lower()
    )
    if exclude_id is not None:
        query = query.where(ResearchGroup.id != exclude_id)
    existing = db.session.scalar(query.limit(1))
    if existing is not None:
        # Name the group that exists (its spelling may differ in Latin case from what was typed).
        raise GroupError(
            _("%(cluster)s에 이미 같은 이름의 연구회(%(name)s)가 있습니다.", cluster=cluster.name, name=existing)
        )


def create_group(cluster: Cluster, name: str | None, description: str | None) -> ResearchGroup:
    name = _clean_name(name)
    _lock_cluster_names(cluster.id)
    _check_unique_name(cluster, name)
    group = ResearchGroup(name=name, cluster_id=cluster.id, description=(description or "").strip() or None)
    db.session.add(group)
    db.session.flush()
    return group


def update_group(group: ResearchGroup, cluster: Cluster, name: str | None, description: str | None) -> None:
    name = _clean_name(name)
    _lock_cluster_names(cluster.id)
    _check_unique_name(cluster, name, exclude_id=group.id)
    group.name = name
    group.cluster_id = cluster.id
    group.description = (description or "").strip() or None


def is_group_member(group: ResearchGroup, company: Company) -> bool:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(research_group_members)
            .where(
                research_group_members.c.research_group_id == group.id,
                research_group_members.c.company_id == company.id,
            )
        )
        > 0
    )


def add_group_member(group: ResearchGroup, company: Company) -> None:
    # Check-then-insert: without the lock two clicks at once would both insert (a 500).
    begin_write()
    db.session.execute(select(ResearchGroup.id).where(ResearchGroup.id == group.id).with_for_update())
    if not company.is_active:
        raise GroupError(_("비활성 기업은 연구회에 추가할 수 없습니다."))
    if is_group_member(group, company):
        raise GroupError(_("%(company)s은(는) 이미 이 연구회의 회원사입니다.", company=company.name))
    db.session.execute(research_group_members.insert().values(research_group_id=group.id, company_id=company.id))


def remove_group_member(group: ResearchGroup, company: Company) -> None:
    db.session.execute(
        research_group_members.delete().where(
            research_group_members.c.research_group_id == group.id,
            research_group_members.c.company_id == company.id,
        )
    )
