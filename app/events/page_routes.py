"""The home page and an event's page (on the `events` blueprint)."""

from __future__ import annotations

from flask import render_template

from app.events import queries
from app.events.access import visible_event_or_404
from app.events.blueprint import bp
from app.events.detail_page import render_detail, rsvp_panel


@bp.get("/")
def home():
    groups = queries.upcoming_by_cluster()
    return render_template("events/home.html", groups=groups)


@bp.get("/events/<int:event_id>")
def detail(event_id: int):
    event = visible_event_or_404(event_id)
    return render_detail(event, **rsvp_panel(event))
