"""Event queries shared by pages and commands; each runs a bounded number of statements."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import CheckIn, Cluster, Event, EventStatus, Registration, RegistrationStatus, utcnow


@dataclass
class EventRow:
    event: Event
    confirmed: int
    waitlisted: int
    checked_in: int = 0

    @property
    def seats_left(self) -> int:
        return max(self.event.capacity - self.confirmed, 0)


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


def staff_events(cluster_ids: list[int] | None, upcoming: bool, now: dt.datetime | None = None, page: int = 1, per_page: int = 20):
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
