"""Event queries shared by pages and commands; each runs a bounded number of statements."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.i18n import SEOUL
from app.models import CheckIn, Cluster, Event, EventKind, EventStatus, Registration, RegistrationStatus, utcnow


@dataclass
class EventRow:
    event: Event
    confirmed: int
    waitlisted: int
    checked_in: int = 0

    @property
    def seats_left(self) -> int:
        return max(self.event.capacity - self.confirmed, 0)


def waitlist_positions(event_ids, registration_ids=None) -> dict[int, int]:
    """Registration id -> 1-based place in its event's waitlist (1 = next to get a seat).

    Arrival order (created_at, id), the order cancel() promotes in, counted over each whole
    waitlist. ``event_ids`` and ``registration_ids`` are id lists or id subqueries; without
    ``registration_ids`` every waitlisted registration of those events is ranked. One query.
    """
    ranked = (
        select(
            Registration.id.label("id"),
            func.row_number()
            .over(partition_by=Registration.event_id, order_by=(Registration.created_at, Registration.id))
            .label("position"),
        )
        .where(Registration.status == RegistrationStatus.WAITLISTED, Registration.event_id.in_(event_ids))
        .subquery()
    )
    query = select(ranked.c.id, ranked.c.position)
    if registration_ids is not None:
        query = query.where(ranked.c.id.in_(registration_ids))
    return dict(db.session.execute(query).all())


def registration_counts(event_ids: list[int]) -> dict[int, dict[RegistrationStatus, int]]:
    """Per event: number of registrations by status, in one query."""
    counts: dict[int, dict[RegistrationStatus, int]] = {eid: {} for eid in event_ids}
    if not event_ids:
        return counts
    rows = db.session.execute(
        select(Registration.event_id, Registration.status, func.count())
        .where(Registration.event_id.in_(event_ids))
        .group_by(Registration.event_id, Registration.status)
    )
    for event_id, status, n in rows:
        counts[event_id][status] = n
    return counts


def checkin_counts(event_ids: list[int]) -> dict[int, int]:
    if not event_ids:
        return {}
    rows = db.session.execute(
        select(CheckIn.event_id, func.count()).where(CheckIn.event_id.in_(event_ids)).group_by(CheckIn.event_id)
    )
    return dict(rows.all())


def _rows(events: list[Event], with_checkins: bool = False) -> list[EventRow]:
    ids = [e.id for e in events]
    counts = registration_counts(ids)
    checked = checkin_counts(ids) if with_checkins else {}
    return [
        EventRow(
            event=e,
            confirmed=counts[e.id].get(RegistrationStatus.CONFIRMED, 0),
            waitlisted=counts[e.id].get(RegistrationStatus.WAITLISTED, 0),
            checked_in=checked.get(e.id, 0),
        )
        for e in events
    ]


def upcoming_by_cluster(now: dt.datetime | None = None, limit: int = 200) -> list[tuple[Cluster, list[EventRow]]]:
    """Published events that have not ended, grouped by host cluster (clusters in seed order)."""
    now = now or utcnow()
    events = db.session.scalars(
        select(Event)
        .where(Event.status == EventStatus.PUBLISHED, Event.ends_at >= now)
        .options(selectinload(Event.host_cluster), selectinload(Event.participating_clusters))
        .order_by(Event.starts_at, Event.id)
        .limit(limit)
    ).all()
    groups: dict[int, tuple[Cluster, list[EventRow]]] = {}
    for row in _rows(list(events)):
        cluster = row.event.host_cluster
        groups.setdefault(cluster.id, (cluster, []))[1].append(row)
    return sorted(groups.values(), key=lambda g: g[0].id)


def event_row(event: Event) -> EventRow:
    return _rows([event], with_checkins=True)[0]


def staff_events(
    cluster_ids: list[int] | None, upcoming: bool, now: dt.datetime | None = None, page: int = 1, per_page: int = 20
):
    """Events of the given clusters (None: all) for the staff overview, paginated."""
    now = now or utcnow()
    query = select(Event).options(selectinload(Event.host_cluster))
    if cluster_ids is not None:
        query = query.where(Event.host_cluster_id.in_(cluster_ids))
    if upcoming:
        query = query.where(Event.ends_at >= now).order_by(Event.starts_at, Event.id)
    else:
        query = query.where(Event.ends_at < now).order_by(Event.starts_at.desc(), Event.id.desc())
    pagination = db.paginate(query, page=page, per_page=per_page, error_out=False)
    return pagination, _rows(list(pagination.items), with_checkins=True)


def all_events_for_listing() -> list[EventRow]:
    """Every event with counts, by start time (for `flask events list`)."""
    events = db.session.scalars(
        select(Event).options(selectinload(Event.host_cluster)).order_by(Event.starts_at, Event.id)
    ).all()
    return _rows(list(events))


@dataclass(frozen=True)
class EventListFilters:
    """Filters of the public event lists, already checked (see list_routes.parse_list_filters)."""

    cluster: Cluster | None = None
    kind: EventKind | None = None
    month: dt.date | None = None  # the first day of a month in Seoul
    q: str = ""

    def as_args(self) -> dict[str, str]:
        """Query-string arguments that reproduce these filters (for pager and tab links)."""
        args = {
            "cluster": self.cluster.slug if self.cluster else "",
            "kind": self.kind.value if self.kind else "",
            "month": self.month.strftime("%Y-%m") if self.month else "",
            "q": self.q,
        }
        return {k: v for k, v in args.items() if v}


def active_clusters() -> list[Cluster]:
    """Clusters that run events now (the public lists' cluster choices), in seed order."""
    return list(db.session.scalars(select(Cluster).where(Cluster.is_active.is_(True)).order_by(Cluster.id)))


def kst_month_range(first_day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The instants where a Seoul calendar month starts and where the next one starts."""
    start = dt.datetime(first_day.year, first_day.month, 1, tzinfo=SEOUL)
    year, month = (first_day.year + 1, 1) if first_day.month == 12 else (first_day.year, first_day.month + 1)
    return start, dt.datetime(year, month, 1, tzinfo=SEOUL)


def public_events(
    filters: EventListFilters, *, past: bool, page: int = 1, per_page: int = 20, now: dt.datetime | None = None
):
    """The public event lists, paginated, with counts (four statements whatever the page holds).

    Upcoming: events that have not ended, by start time; cancelled ones stay listed (marked) so
    that people who planned to come see it. Past: events that ended and were held, newest first.
    Drafts never appear. The search matches titles (Korean and English), venue name and address
    and the host cluster's names, case-insensitively, with LIKE wildcards taken literally.
    """
    now = now or utcnow()
    query = select(Event).options(selectinload(Event.host_cluster))
    if past:
        query = query.where(Event.status == EventStatus.PUBLISHED, Event.ends_at < now)
        query = query.order_by(Event.starts_at.desc(), Event.id.desc())
    else:
        query = query.where(Event.status.in_((EventStatus.PUBLISHED, EventStatus.CANCELLED)), Event.ends_at >= now)
        query = query.order_by(Event.starts_at, Event.id)
    if filters.cluster is not None:
        query = query.where(Event.host_cluster_id == filters.cluster.id)
    if filters.kind is not None:
        query = query.where(Event.kind == filters.kind)
    if filters.month is not None:
        start, end = kst_month_range(filters.month)
        query = query.where(Event.starts_at >= start, Event.starts_at < end)
    if filters.q:
        needle = filters.q.lower()
        hosts = select(Cluster.id).where(
            or_(
                func.lower(Cluster.name_ko).contains(needle, autoescape=True),
                func.lower(Cluster.name_en).contains(needle, autoescape=True),
            )
        )
        query = query.where(
            or_(
                *(
                    func.lower(column).contains(needle, autoescape=True)
                    for column in (Event.title_ko, Event.title_en, Event.venue_name, Event.venue_address)
                ),
                Event.host_cluster_id.in_(hosts),
            )
        )
    pagination = db.paginate(query, page=page, per_page=per_page, error_out=False)
    return pagination, _rows(list(pagination.items))
