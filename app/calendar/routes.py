"""Calendar downloads: one event's .ics ("add to calendar" on the event page and in mail)."""
from __future__ import annotations

from flask import Blueprint, abort, make_response, request

from app.calendar.ics import event_ics
from app.extensions import db
from app.models import Event

bp = Blueprint("calendar", __name__)

CONTENT_TYPE = "text/calendar; charset=utf-8"


def calendar_response(body: bytes, filename: str, *, private: bool = False):
    response = make_response(body)
    response.headers["Content-Type"] = CONTENT_TYPE
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = ("private" if private else "public") + ", max-age=300"
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/events/<int:event_id>/calendar.ics")
def event_calendar(event_id: int):
    from app.events.routes import _visible

    event = db.session.get(Event, event_id)
    if event is None or not _visible(event):
        abort(404)
    return calendar_response(event_ics(event), f"moim-event-{event.id}.ics")
