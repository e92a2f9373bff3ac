"""Directory list queries: one filtered company query, shared by the list page and exports."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import Select, and_, false, func, or_, select, true
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import CheckIn, Cluster, Company, Event, Registration, ResearchGroup, Role, User, research_group_members


@dataclass
class CompanyFilters:
    q: str = ""
    cluster: str = ""  # cluster slug
    industry: str = ""
    council: str = ""  # "", "yes", "no"
    group: int | None = None  # research group id
    status: str = "active"  # "active", "inactive", "all"

    def as_args(self) -> dict:
        args = {
            "q": self.q,
            "cluster": self.cluster,
            "industry": self.industry,
            "council": self.council,
            "group": self.group or "",
            "status": self.status,
        }
        return {k: v for k, v in args.items() if v not in ("", None) and not (k == "status" and v == "active")}


def parse_filters(args) -> CompanyFilters:
    """Filters from query-string arguments; anything malformed is ignored, never an error."""
    try:
        group = int(args.get("group") or 0) or None
    except ValueError:
        group = None
    council = args.get("council", "")
    status = args.get("status", "active")
    return CompanyFilters(
        q=(args.get("q") or "").strip()[:100],
        cluster=(args.get("cluster") or "").strip()[:32],
        industry=(args.get("industry") or "").strip()[:120],
        council=council if council in ("yes", "no") else "",
        group=group,
        status=status if status in ("active", "inactive", "all") else "active",
    )


def private_scope(user: User):
    """SQL condition: companies whose private data this user may see."""
    if user.role == Role.ADMIN:
        return true()
    if user.role == Role.STAFF:
        ids = user.managed_cluster_ids() or []
        return Company.cluster_id.in_(ids) if ids else false()
    return Company.id == user.company_id


def company_query(user: User, filters: CompanyFilters) -> Select:
    """The filtered companies in 가나다 order. Private fields (BRN, industry, council,
    research groups) are only searched and filtered within the user's private scope, so a
    filter can never reveal another cluster's private data."""
    scope = private_scope(user)
    query = select(Company)
    if filters.status == "active":
        query = query.where(Company.is_active.is_(True))
    elif filters.status == "inactive":
        query = query.where(Company.is_active.is_(False))
    if filters.cluster:
        query = query.join(Cluster, Company.cluster_id == Cluster.id).where(Cluster.slug == filters.cluster)
    if filters.q:
        like = f"%{filters.q.lower()}%"
        conditions = [func.lower(Company.name).like(like), func.lower(Company.name_en).like(like)]
        digits = re.sub(r"[\s-]", "", filters.q)
        if digits.isdigit() and len(digits) >= 3:
            conditions.append(and_(scope, Company.brn.like(f"%{digits}%")))
        query = query.where(or_(*conditions))
    if filters.industry:
        query = query.where(scope, Company.industry == filters.industry)
    if filters.council == "yes":
        query = query.where(scope, Company.is_council_member.is_(True))
    elif filters.council == "no":
        query = query.where(scope, Company.is_council_member.is_(False))
    if filters.group:
        members = select(research_group_members.c.company_id).where(
            research_group_members.c.research_group_id == filters.group
        )
        query = query.where(scope, Company.id.in_(members))
    return query.options(selectinload(Company.cluster)).order_by(Company.sort_name, Company.id)


@dataclass
class CompanyRow:
    company: Company
    private: bool
    member_count: int = 0
    group_names: list[str] = field(default_factory=list)


def _private_ids(user: User, companies: list[Company]) -> set[int]:
    if user.role == Role.ADMIN:
        return {c.id for c in companies}
    if user.role == Role.STAFF:
        managed = set(user.managed_cluster_ids() or [])
        return {c.id for c in companies if c.cluster_id in managed}
    return {c.id for c in companies if c.id == user.company_id}


def company_rows(user: User, companies: list[Company]) -> list[CompanyRow]:
    """Rows with the private extras (member counts, research groups) in two more queries."""
    private_ids = _private_ids(user, companies)
    counts: dict[int, int] = {}
    groups: dict[int, list[str]] = {}
    if private_ids:
        counts = dict(
            db.session.execute(
                select(User.company_id, func.count())
                .where(User.company_id.in_(private_ids), User.role == Role.MEMBER, User.is_active_account.is_(True))
                .group_by(User.company_id)
            ).all()
        )
        for company_id, name in db.session.execute(
            select(research_group_members.c.company_id, ResearchGroup.name)
            .join(ResearchGroup, ResearchGroup.id == research_group_members.c.research_group_id)
            .where(research_group_members.c.company_id.in_(private_ids))
            .order_by(ResearchGroup.name)
        ):
            groups.setdefault(company_id, []).append(name)
    return [CompanyRow(c, c.id in private_ids, counts.get(c.id, 0), groups.get(c.id, [])) for c in companies]


def filter_options(user: User) -> dict:
    """Choices for the filter form: clusters, industries and research groups (private scope)."""
    clusters = db.session.scalars(select(Cluster).order_by(Cluster.id)).all()
    industries = db.session.scalars(
        select(Company.industry)
        .where(private_scope(user), Company.industry != "")
        .distinct()
        .order_by(Company.industry)
    ).all()
    group_query = select(ResearchGroup).options(selectinload(ResearchGroup.cluster)).order_by(ResearchGroup.name)
    if user.role == Role.STAFF:
        group_query = group_query.where(ResearchGroup.cluster_id.in_(user.managed_cluster_ids() or []))
    groups = db.session.scalars(group_query).all()
    return {"clusters": clusters, "industries": industries, "groups": groups}


@dataclass
class AttendanceRow:
    registration: Registration
    event: Event
    checked_in_at: object | None


def attendance_history(company_id: int, limit: int = 100) -> list[AttendanceRow]:
    """The company's registrations, newest event first, with check-in times (one query)."""
    rows = db.session.execute(
        select(Registration, Event, CheckIn.checked_in_at)
        .join(Event, Event.id == Registration.event_id)
        .outerjoin(CheckIn, CheckIn.registration_id == Registration.id)
        .where(Registration.company_id == company_id)
        .options(selectinload(Event.host_cluster))
        .order_by(Event.starts_at.desc(), Registration.name)
        .limit(limit)
    ).all()
    return [AttendanceRow(r, e, t) for r, e, t in rows]
