"""Calendar downloads: one event's .ics ("add to calendar") and the public feeds (all, per cluster).

Every response goes through `feed_response` (app/calendar/http.py): ETag from a cheap
fingerprint, 304 without building, no cookies. These paths are a public contract: calendar
clients keep subscribed URLs for years.
"""

from __future__ import annotations

import re

from flask import Response, abort, request
from flask_babel import gettext as _

from app.calendar import public
from app.calendar.blueprint import bp
from app.calendar.http import Uncacheable, detach_session, feed_response
from app.events.access import visible_event_or_404
from app.ics import IcsEntry, build_calendar, event_ics, kind_label_ko
from app.models import EventKind, EventStatus, utcnow

ALL_FEED_NAME = "Moim 전체 행사"


@bp.get("/events/<int:event_id>/calendar.ics")
def event_calendar(event_id: int):
    event = visible_event_or_404(event_id)
    basis = (
        f"event:{event.id}:{event.updated_at.isoformat()}:{event.status.value}:{event.sequence}:"
        f"{event.host_cluster.name_ko}"
    )
    return feed_response(
        lambda: event_ics(event),
        etag_basis=basis,
        last_modified=event.updated_at,
        # A draft is seen only by its staff: keep it out of shared caches.
        private=event.status == EventStatus.DRAFT,
        filename=f"moim-event-{event.id}.ics",
        cache=False,
    )


def _kind_arg() -> tuple[EventKind | None, Response | None]:
    """`?kind=` of a feed. An unknown value is a 400: a calendar client shows no notice, so a
    mistyped subscription URL must fail when it is added, not silently list every event."""
    value = (request.args.get("kind") or "").strip().lower()
    if not value:
        return None, None
    try:
        return EventKind(value), None
    except ValueError:
        detach_session()
        message = _(
            "알 수 없는 행사 종류입니다. kind에는 %(kinds)s 중 하나를 쓸 수 있습니다.",
            kinds=", ".join(k.value for k in EventKind),
        )
        return None, Response(message + "\n", status=400, content_type="text/plain; charset=utf-8")


def _public_feed(fingerprint: public.Fingerprint, kind: EventKind | None, now):
    if fingerprint.cluster_id is None:
        name, feed_key, file_stem = ALL_FEED_NAME, "all", "moim-all"
    else:
        name = f"Moim · {fingerprint.cluster_name}"
        feed_key = f"cluster:{fingerprint.cluster_id}"
        file_stem = "moim-" + (re.sub(r"[^A-Za-z0-9_-]", "", request.view_args["slug"]) or str(fingerprint.cluster_id))
    if kind is not None:
        name += f" · {kind_label_ko(kind)}"
        file_stem += f"-{kind.value}"

    def build() -> bytes:
        events = public.public_events(fingerprint.cluster_id, kind, now=now)
        body = build_calendar([IcsEntry(event) for event in events], name=name)
        # A commit between the fingerprint and this query: serve it, but never keep it under
        # an ETag that describes other data.
        return body if fingerprint.describes(events) else Uncacheable(body)

    return feed_response(
        build,
        etag_basis=f"{public.RULES_VERSION}|{feed_key}|{kind.value if kind else '*'}|{fingerprint.basis()}",
        last_modified=fingerprint.latest_change,
        private=False,
        filename=f"{file_stem}.ics",
    )


@bp.get("/calendar/all.ics")
def all_feed():
    kind, error = _kind_arg()
    if error is not None:
        return error
    now = utcnow()
    return _public_feed(public.public_fingerprint(kind=kind, now=now), kind, now)


@bp.get("/calendar/clusters/<slug>.ics")
def cluster_feed(slug: str):
    """Unknown and inactive clusters are a 404 (inactive ones are not offered in the public lists).

    The cluster is found by the fingerprint statement itself, so a 304 needs nothing else."""
    kind, error = _kind_arg()
    if error is not None:
        return error
    now = utcnow()
    # A slug is at most 32 characters; a NUL (%00 in the path) would make PostgreSQL fail.
    valid = len(slug) <= 32 and "\x00" not in slug
    fingerprint = public.public_fingerprint(cluster_slug=slug, kind=kind, now=now) if valid else None
    if fingerprint is None:
        abort(404)
    return _public_feed(fingerprint, kind, now)


@bp.app_template_global()
def webcal_url(url: str) -> str:
    """A feed URL as webcal://, which Apple Calendar and Outlook open as a subscription."""
    return re.sub(r"^https?://", "webcal://", url)
