"""Queries of the public calendar feeds (all events, one cluster's events), and their fingerprint.

What a public feed holds:
- published events, and cancelled ones for 30 days after the cancellation (their `updated_at`:
  a cancelled event can no longer be edited), so subscribed calendars see STATUS:CANCELLED and
  remove them; drafts never;
- events that ended within the last 90 days and every future one;
- a cluster's feed: the events a company of that cluster may attend by its cluster, as
  registration decides it (app/events/registration.py): events the cluster hosts, networking
  nights open to all clusters, and forums the cluster participates in. Council and
  research-group meetings are the host cluster's only. Inactive clusters have no feed.

Only event facts are read (title, time, place, description, kind, host cluster): no
registration, attendee or count of people, so no personal data can reach a public feed.

The fingerprint runs on every poll of every subscriber. Its aggregate reads every event of the
feed (about 0.5-1 ms for 1,000 events, more than the rest of a 304), so each process keeps the
last fingerprint of each feed and reuses it while the database provably has not changed:
PostgreSQL's current snapshot (`pg_current_snapshot()`: equal snapshots see equal data) or
SQLite's `PRAGMA data_version` (changes when another connection commits) plus a count of this
process's own commits; and while no event of the feed has reached the end of its window. Both
checks are one constant-time statement, so a poll costs the same for 10 or 10,000 events.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import functools
import itertools
import threading
import uuid

from sqlalchemy import and_, bindparam, case, exists, func, or_, select
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Cluster, Event, EventKind, EventStatus, event_clusters, utcnow

PAST_DAYS = 90  # ended events stay this long (people look back at what they attended)
CANCELLED_DAYS = 30  # cancelled events stay this long, so subscribers' calendars remove them
# Part of every public feed's ETag: change it when the rules above change.
RULES_VERSION = "public-feeds-1"

_events = Event.__table__
_clusters = Cluster.__table__


@dataclasses.dataclass(frozen=True)
class Fingerprint:
    """What a feed's ETag and Last-Modified come from; changes whenever the content does.

    Any edit of an event row moves `latest_change` (`updated_at` is set on every update); an
    event leaving the window (90 days after its end, 30 days after its cancellation) lowers
    `count`; `id_sum` catches one event leaving a cluster's feed while another joins it (a
    forum's participating clusters change without touching the event row).
    """

    count: int
    latest_change: dt.datetime | None
    id_sum: int
    cluster_id: int | None = None  # a cluster feed's cluster
    cluster_name: str | None = None
    # The first instant after which an event of the feed leaves its window (the content changes
    # without any write); None: nothing will leave.
    changes_after: dt.datetime | None = None

    def describes(self, events: list[Event]) -> bool:
        """Whether `events` (loaded for this feed) are the state this fingerprint was taken of."""
        return (
            len(events) == self.count
            and sum(e.id for e in events) == self.id_sum
            and max((e.updated_at for e in events), default=None) == self.latest_change
        )

    def basis(self) -> str:
        latest = self.latest_change.isoformat() if self.latest_change else "-"
        return f"{self.count}:{latest}:{self.id_sum}:{self.cluster_id}:{self.cluster_name}"


def _conditions(cluster_id, kind: bool) -> list:
    """The feed's filter on `events`, with bound parameters `past_cutoff`, `cancelled_cutoff`
    and, when asked, `kind`; `cluster_id` is a column or a bound parameter (or None: all)."""
    conditions = [
        or_(_events.c.status == EventStatus.PUBLISHED, _events.c.status == EventStatus.CANCELLED),
        _events.c.ends_at >= bindparam("past_cutoff", type_=_events.c.ends_at.type),
        or_(
            _events.c.status != EventStatus.CANCELLED,
            _events.c.updated_at >= bindparam("cancelled_cutoff", type_=_events.c.updated_at.type),
        ),
    ]
    if kind:
        conditions.append(_events.c.kind == bindparam("kind", type_=_events.c.kind.type))
    if cluster_id is not None:
        conditions.append(
            or_(
                _events.c.host_cluster_id == cluster_id,
                and_(_events.c.kind == EventKind.NETWORKING, _events.c.open_to_all_clusters.is_(True)),
                and_(
                    _events.c.kind == EventKind.FORUM,
                    exists().where(
                        event_clusters.c.event_id == _events.c.id, event_clusters.c.cluster_id == cluster_id
                    ),
                ),
            )
        )
    return conditions


_AGGREGATES = (
    func.count(_events.c.id),
    func.max(_events.c.updated_at),
    func.coalesce(func.sum(_events.c.id), 0),
    func.min(_events.c.ends_at),
    func.min(case((_events.c.status == EventStatus.CANCELLED, _events.c.updated_at), else_=None)),
)


@functools.cache
def _fingerprint_statement(cluster: bool, kind: bool):
    if not cluster:
        return select(*_AGGREGATES).where(*_conditions(None, kind))
    # One statement finds the (active) cluster by slug and aggregates its events: no row, no feed.
    return (
        select(_clusters.c.id, _clusters.c.name_ko, *_AGGREGATES)
        .select_from(_clusters.outerjoin(_events, and_(*_conditions(_clusters.c.id, kind))))
        .where(_clusters.c.slug == bindparam("slug"), _clusters.c.is_active.is_(True))
        .group_by(_clusters.c.id, _clusters.c.name_ko)
    )


def _params(now: dt.datetime, kind: EventKind | None, **extra) -> dict:
    params = {
        "past_cutoff": now - dt.timedelta(days=PAST_DAYS),
        "cancelled_cutoff": now - dt.timedelta(days=CANCELLED_DAYS),
        **extra,
    }
    if kind is not None:
        params["kind"] = kind
    return params


def _fingerprint(count, latest, id_sum, first_end, first_cancellation, **cluster) -> Fingerprint:
    leaves = [
        t
        for t in (
            first_end and first_end + dt.timedelta(days=PAST_DAYS),
            first_cancellation and first_cancellation + dt.timedelta(days=CANCELLED_DAYS),
        )
        if t
    ]
    return Fingerprint(
        count=count, latest_change=latest, id_sum=int(id_sum), changes_after=min(leaves, default=None), **cluster
    )


def _query_fingerprint(
    connection: Connection, cluster_slug: str | None, kind: EventKind | None, now: dt.datetime
) -> Fingerprint | None:
    statement = _fingerprint_statement(cluster_slug is not None, kind is not None)
    if cluster_slug is None:
        return _fingerprint(*connection.execute(statement, _params(now, kind)).one())
    row = connection.execute(statement, _params(now, kind, slug=cluster_slug)).one_or_none()
    if row is None:
        return None
    cluster_id, cluster_name, *aggregates = row
    return _fingerprint(*aggregates, cluster_id=cluster_id, cluster_name=cluster_name)


# --- reusing fingerprints while the database has not changed ------------------------------

_commit_numbers = itertools.count(1)
_commits_seen = 0  # commits through this process's engines (SQLite's data_version misses them)
_memo: collections.OrderedDict[tuple, tuple[str, dt.datetime, Fingerprint]] = collections.OrderedDict()
_memo_lock = threading.Lock()
MEMO_ENTRIES = 256
# Recompute at least this often, whatever the checks say (belt and braces).
MEMO_MAX_AGE = dt.timedelta(minutes=10)


def _count_commit(_conn) -> None:
    global _commits_seen
    _commits_seen = next(_commit_numbers)


def _watch_commits(engine: Engine) -> None:
    if not getattr(engine, "_moim_feed_commit_watch", False):
        sa_event.listen(engine, "commit", _count_commit)
        engine._moim_feed_commit_watch = True  # type: ignore[attr-defined]


def database_state(connection: Connection) -> tuple[str, str] | None:
    """(scope, token): two tokens of one scope are equal only if no data was committed between
    the two calls; None: unknown (the fingerprint is then always queried).

    PostgreSQL: the current snapshot (xmin:xmax:in-progress list): equal snapshots see equal
    data, and any write anywhere on the server changes it; one scope. SQLite: `data_version`,
    which changes when another connection commits, is per connection (the scope); this process's
    own commits are counted apart, because they do not change it for the connection that made them.
    """
    dialect = connection.dialect.name
    if dialect == "postgresql":
        return "", connection.exec_driver_sql("SELECT pg_current_snapshot()::text").scalar()
    if dialect == "sqlite":
        _watch_commits(connection.engine)
        scope = connection.connection.info.setdefault("moim_feed_connection", uuid.uuid4().hex)
        version = connection.exec_driver_sql("PRAGMA data_version").scalar()
        return scope, f"{version}:{_commits_seen}"
    return None


def public_fingerprint(
    cluster_slug: str | None = None, kind: EventKind | None = None, now: dt.datetime | None = None
) -> Fingerprint | None:
    """The feed's fingerprint: one aggregate over the same filter as `public_events`, or the
    last one of this process when `database_state` shows no commit since and no event of the
    feed has left its window (see the module's docstring).

    With `cluster_slug`: None when no active cluster has that slug (the feed is a 404).
    """
    now = now or utcnow()
    if db.engine.dialect.name == "postgresql":
        # Outside the request's transaction: a poll costs no BEGIN and ROLLBACK round trips.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            return _memoized_fingerprint(connection, cluster_slug, kind, now)
    return _memoized_fingerprint(db.session.connection(), cluster_slug, kind, now)


def _memoized_fingerprint(
    connection: Connection, cluster_slug: str | None, kind: EventKind | None, now: dt.datetime
) -> Fingerprint | None:
    state = database_state(connection)
    if state is None:
        return _query_fingerprint(connection, cluster_slug, kind, now)
    scope, token = state
    key = (connection.engine.url.render_as_string(), scope, cluster_slug, kind)
    with _memo_lock:
        memo = _memo.get(key)
    if memo is not None:
        memo_token, computed_at, fingerprint = memo
        fresh = computed_at <= now < computed_at + MEMO_MAX_AGE and (
            fingerprint.changes_after is None or now <= fingerprint.changes_after
        )
        if memo_token == token and fresh:
            return fingerprint
    fingerprint = _query_fingerprint(connection, cluster_slug, kind, now)
    if fingerprint is not None:
        with _memo_lock:
            _memo[key] = (token, now, fingerprint)
            _memo.move_to_end(key)
            while len(_memo) > MEMO_ENTRIES:
                _memo.popitem(last=False)
    return fingerprint


def forget_fingerprints() -> None:
    with _memo_lock:
        _memo.clear()


def public_events(
    cluster_id: int | None = None, kind: EventKind | None = None, now: dt.datetime | None = None
) -> list[Event]:
    """The events of a public feed by start time, host clusters loaded (two statements)."""
    now = now or utcnow()
    cluster = bindparam("cluster_id") if cluster_id is not None else None
    params = _params(now, kind, **({"cluster_id": cluster_id} if cluster_id is not None else {}))
    return list(
        db.session.scalars(
            select(Event)
            .where(*_conditions(cluster, kind is not None))
            .options(selectinload(Event.host_cluster))
            .order_by(Event.starts_at, Event.id),
            params,
        )
    )
