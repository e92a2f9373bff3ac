"""Public event pages: the home page and an event's page."""
from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, abort, render_template
from flask_login import current_user

from app.events import queries
from app.extensions import db
from app.models import Event, EventStatus

bp = Blueprint("events", __name__)


@bp.get("/")
def home():
    groups = queries.upcoming_by_cluster()
    return render_template("events/home.html", groups=groups)


def _visible(event: Event) -> bool:
    if event.status != EventStatus.DRAFT:
        return True
    return current_user.is_authenticated and current_user.can_manage_cluster(event.host_cluster_id)


@bp.get("/events/<int:event_id>")
def detail(event_id: int):
    event = db.session.get(Event, event_id)
    if event is None or not _visible(event):
        abort(404)
    return render_detail(event, **rsvp_routes.rsvp_panel(event))


def render_detail(event: Event, status: int = 200, **extra):
    """The event page; `extra` is the RSVP part (see rsvp_routes.rsvp_panel)."""
    if "proxy_state" not in extra:  # the council proxy part (see proxy_routes.proxy_panel)
        extra.update(proxy_routes.proxy_panel(event))
    row = queries.event_row(event)
    map_url = "https://map.naver.com/p/search/" + quote(event.venue_address or event.venue_name) if (event.venue_address or event.venue_name) else None
    return render_template("events/detail.html", row=row, event=event, map_url=map_url, **extra), status


from app.events import rsvp_routes  # noqa: E402  (RSVP routes register themselves on `bp`; needs bp above)
from app.events import list_routes  # noqa: E402,F401  (the public event lists, also on `bp`)
from app.events import proxy_routes  # noqa: E402  (council proxy routes, same pattern)
from app.events import guest_routes  # noqa: E402  (guest registration and manage link routes, same pattern)
