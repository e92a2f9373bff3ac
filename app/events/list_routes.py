"""Public event lists: upcoming and past events with filters and pages (on the `events` blueprint).

Bad filter values are never an error page: the list is shown without that filter (status 200)
and a Korean notice says which value was ignored, so a hand-edited or stale link still works.
"""

from __future__ import annotations

import datetime as dt
import re

from flask import render_template, request
from flask_babel import gettext as _

from app.events import queries
from app.events.blueprint import bp
from app.events.registration import RegistrationError, check_eligibility
from app.models import Cluster, Event, EventKind, utcnow
from app.routing import page_arg

PER_PAGE = 20
SEARCH_MAX = 100
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")  # ASCII digits: \d would also take full-width ones
# Months outside these years are refused: their Seoul boundaries would not fit a datetime.
_YEARS = range(1900, 3000)


def parse_list_filters(args, clusters: list[Cluster]) -> tuple[queries.EventListFilters, list[str]]:
    """Filters from the query string and a notice for each value that was ignored.

    `cluster` is an active cluster's slug (or id); `kind` an EventKind value; `month` YYYY-MM."""
    notices: list[str] = []

    cluster = None
    cluster_arg = (args.get("cluster") or "").strip()
    if cluster_arg:
        cluster = next((c for c in clusters if cluster_arg in (c.slug, str(c.id))), None)
        if cluster is None:
            notices.append(_("알 수 없는 클러스터입니다. 클러스터 조건 없이 보여 드립니다."))

    kind = None
    kind_arg = (args.get("kind") or "").strip()
    if kind_arg:
        try:
            kind = EventKind(kind_arg)
        except ValueError:
            notices.append(_("알 수 없는 행사 종류입니다. 종류 조건 없이 보여 드립니다."))

    month = None
    month_arg = (args.get("month") or "").strip()
    if month_arg:
        match = _MONTH.fullmatch(month_arg)
        if match and int(match[1]) in _YEARS and 1 <= int(match[2]) <= 12:
            month = dt.date(int(match[1]), int(match[2]), 1)
        else:
            notices.append(_("월은 2026-12처럼 연-월 형식으로 입력해 주세요. 월 조건 없이 보여 드립니다."))

    q = " ".join((args.get("q") or "").split())[:SEARCH_MAX]
    return queries.EventListFilters(cluster=cluster, kind=kind, month=month, q=q), notices


def _registration_closed(event: Event, now: dt.datetime) -> bool:
    """Whether the sign-up window is over (the rule check_eligibility applies, read not copied)."""
    try:
        check_eligibility(event, guest=True, now=now)
    except RegistrationError as exc:
        return exc.code == "closed"
    return False


def _render_list(past: bool):
    now = utcnow()
    clusters = queries.active_clusters()
    filters, notices = parse_list_filters(request.args, clusters)
    page = page_arg(request.args)
    pagination, rows = queries.public_events(filters, past=past, page=page, per_page=PER_PAGE, now=now)
    if not rows and pagination.pages and page > pagination.pages:
        # A page past the end (an old link, page=99999) shows the last page instead of nothing.
        pagination, rows = queries.public_events(filters, past=past, page=pagination.pages, per_page=PER_PAGE, now=now)
    return render_template(
        "events/list.html",
        past=past,
        endpoint="events.past_events" if past else "events.all_events",
        rows=rows,
        closed_ids={row.event.id for row in rows if _registration_closed(row.event, now)},
        pagination=pagination,
        filters=filters,
        notices=notices,
        clusters=clusters,
        kinds=list(EventKind),
    )


@bp.get("/events")
def all_events():
    return _render_list(past=False)


@bp.get("/events/past")
def past_events():
    return _render_list(past=True)
