"""Queries of the staff registrations page and its CSV: filters, rows with waitlist places, counts.

Each function runs a fixed number of statements, whatever the number of registrations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import contains_eager

from app.events import queries
from app.events.queries import registration_counts
from app.extensions import db
from app.models import Cluster, Company, Event, Registration, RegistrationStatus, company_sort_name

# Status filter values: the default shows the people who hold or wait for a seat.
ACTIVE = "active"
STATUS_FILTERS = {
    ACTIVE: (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED),
    "confirmed": (RegistrationStatus.CONFIRMED,),
    "waitlisted": (RegistrationStatus.WAITLISTED,),
    "cancelled": (RegistrationStatus.CANCELLED,),
    "all": tuple(RegistrationStatus),
}
STATUS_FILTER_LABELS = {
    ACTIVE: _l("확정+대기"),
    "confirmed": _l("확정"),
    "waitlisted": _l("대기"),
    "cancelled": _l("취소"),
    "all": _l("전체"),
}
# The cluster filter's value for outside companies (guests have no cluster). Not a valid slug
# of a seeded cluster, so it never shadows one.
GUESTS = "_guests"


@dataclass
class RegistrationFilters:
    status: str = ACTIVE
    company: str = ""  # part of a company's (or guest firm's) name
    cluster: str = ""  # cluster slug, or GUESTS

    def as_args(self) -> dict:
        """Query-string arguments that reproduce these filters (defaults left out)."""
        args = {
            "status": self.status if self.status != ACTIVE else "",
            "company": self.company,
            "cluster": self.cluster,
        }
        return {k: v for k, v in args.items() if v}


# Control characters never belong in a search, and PostgreSQL refuses NUL in text parameters.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _text_arg(args, name: str, max_length: int) -> str:
    return _CONTROL.sub("", args.get(name) or "").strip()[:max_length]


def parse_filters(args) -> RegistrationFilters:
    """Filters from the query string; anything malformed falls back to the default, never an error."""
    status = args.get("status", ACTIVE)
    return RegistrationFilters(
        status=status if status in STATUS_FILTERS else ACTIVE,
        company=_text_arg(args, "company", 100),
        cluster=_text_arg(args, "cluster", 32),
    )


@dataclass
class EventSummary:
    event: Event
    confirmed: int
    waitlisted: int
    cancelled: int

    @property
    def seats_left(self) -> int:
        return max(self.event.capacity - self.confirmed, 0)


def event_summary(event: Event) -> EventSummary:
    counts = registration_counts([event.id])[event.id]
    return EventSummary(
        event=event,
        confirmed=counts.get(RegistrationStatus.CONFIRMED, 0),
        waitlisted=counts.get(RegistrationStatus.WAITLISTED, 0),
        cancelled=counts.get(RegistrationStatus.CANCELLED, 0),
    )


def _filtered(query: Select, event_id: int, filters: RegistrationFilters) -> Select:
    """Join a query on registrations to their company and cluster, and apply the filters."""
    query = (
        query.select_from(Registration)
        .outerjoin(Company, Registration.company_id == Company.id)
        .outerjoin(Cluster, Company.cluster_id == Cluster.id)
        .where(Registration.event_id == event_id, Registration.status.in_(STATUS_FILTERS[filters.status]))
    )
    if filters.company:
        needle = filters.company.lower()
        query = query.where(
            or_(
                func.lower(Company.name).contains(needle, autoescape=True),
                func.lower(Company.name_en).contains(needle, autoescape=True),
                func.lower(Registration.guest_company_name).contains(needle, autoescape=True),
            )
        )
    if filters.cluster == GUESTS:
        query = query.where(Registration.company_id.is_(None))
    elif filters.cluster:
        query = query.where(Cluster.slug == filters.cluster)
    return query


_STATUS_ORDER = case(
    (Registration.status == RegistrationStatus.CONFIRMED, 0),
    (Registration.status == RegistrationStatus.WAITLISTED, 1),
    else_=2,
)


def registration_query(event_id: int, filters: RegistrationFilters) -> Select:
    """The event's filtered registrations with company and cluster loaded: confirmed, then
    waitlisted, then cancelled, each in arrival order (the waitlist's order)."""
    query = _filtered(select(Registration), event_id, filters)
    return query.options(contains_eager(Registration.company).contains_eager(Company.cluster)).order_by(
        _STATUS_ORDER, Registration.created_at, Registration.id
    )


def waitlist_positions(event_id: int, registration_ids: list[int] | None = None) -> dict[int, int]:
    """Place in the event's waitlist by registration id, counted over the whole waitlist, not
    the filtered set (see queries.waitlist_positions)."""
    if registration_ids is not None and not registration_ids:
        return {}
    return queries.waitlist_positions([event_id], registration_ids)


@dataclass
class RegistrationRow:
    registration: Registration
    waitlist_position: int | None = None

    @property
    def is_guest(self) -> bool:
        return self.registration.company_id is None

    @property
    def cluster_name(self) -> str:
        company = self.registration.company
        return company.cluster.name if company is not None and company.cluster is not None else ""


def registration_rows(event_id: int, registrations: list[Registration]) -> list[RegistrationRow]:
    positions = waitlist_positions(event_id, [r.id for r in registrations if r.status == RegistrationStatus.WAITLISTED])
    return [RegistrationRow(r, positions.get(r.id)) for r in registrations]


def export_rows(event_id: int, filters: RegistrationFilters, limit: int) -> list[RegistrationRow]:
    registrations = list(db.session.scalars(registration_query(event_id, filters).limit(limit)))
    return registration_rows(event_id, registrations)


# --- counts by cluster and by company ----------------------------------------------------


@dataclass
class GroupCount:
    """Registrations of one cluster or one company, by status."""

    label: str
    detail: str = ""  # a company's cluster, or "" for a cluster
    is_guest: bool = False
    sort_key: tuple = ()
    by_status: dict[RegistrationStatus, int] = field(default_factory=dict)

    @property
    def confirmed(self) -> int:
        return self.by_status.get(RegistrationStatus.CONFIRMED, 0)

    @property
    def waitlisted(self) -> int:
        return self.by_status.get(RegistrationStatus.WAITLISTED, 0)

    @property
    def cancelled(self) -> int:
        return self.by_status.get(RegistrationStatus.CANCELLED, 0)

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


def all_clusters() -> list[Cluster]:
    return list(db.session.scalars(select(Cluster).order_by(Cluster.id)))


def counts_by_cluster(event_id: int, filters: RegistrationFilters, clusters: list[Cluster]) -> list[GroupCount]:
    """The filtered registrations counted by the company's cluster (guests in their own line). One query."""
    names = {c.id: c.name for c in clusters}
    order = {c.id: i for i, c in enumerate(clusters)}
    is_guest = Registration.company_id.is_(None)
    query = _filtered(select(Company.cluster_id, is_guest, Registration.status, func.count()), event_id, filters)
    groups: dict[tuple, GroupCount] = {}
    for cluster_id, guest, status, n in db.session.execute(
        query.group_by(Company.cluster_id, is_guest, Registration.status)
    ):
        guest = bool(guest)
        key = ("guest",) if guest else ("cluster", cluster_id)
        if key not in groups:
            if guest:
                label, sort_key = _("외부 기업 (게스트)"), (2, 0)
            elif cluster_id is None:
                label, sort_key = _("클러스터 없음"), (1, 0)
            else:
                label, sort_key = names.get(cluster_id, ""), (0, order.get(cluster_id, 0))
            groups[key] = GroupCount(label=label, is_guest=guest, sort_key=sort_key)
        groups[key].by_status[status] = n
    return sorted(groups.values(), key=lambda g: g.sort_key)


def counts_by_company(event_id: int, filters: RegistrationFilters, clusters: list[Cluster]) -> list[GroupCount]:
    """The filtered registrations counted by company (a guest firm by its BRN and name), 가나다 order. One query."""
    names = {c.id: c.name for c in clusters}
    query = _filtered(
        select(
            Registration.company_id,
            Registration.guest_brn,
            Registration.guest_company_name,
            func.min(Company.name),
            func.min(Company.sort_name),
            func.min(Company.cluster_id),
            Registration.status,
            func.count(),
        ),
        event_id,
        filters,
    ).group_by(Registration.company_id, Registration.guest_brn, Registration.guest_company_name, Registration.status)
    groups: dict[tuple, GroupCount] = {}
    for company_id, brn, guest_name, name, sort_name, cluster_id, status, n in db.session.execute(query):
        key = ("company", company_id) if company_id is not None else ("guest", brn, guest_name)
        if key not in groups:
            if company_id is not None:
                groups[key] = GroupCount(label=name, detail=names.get(cluster_id, ""), sort_key=(sort_name or "", name))
            else:
                guest_name = guest_name or ""
                groups[key] = GroupCount(
                    label=guest_name, is_guest=True, sort_key=(company_sort_name(guest_name), guest_name)
                )
        groups[key].by_status[status] = n
    return sorted(groups.values(), key=lambda g: g.sort_key)
