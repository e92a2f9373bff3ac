"""Access to an event's staff pages: admins and the staff of its host cluster."""
from __future__ import annotations

from flask import abort
from flask_login import current_user

from app.extensions import db
from app.models import Event


def managed_event(event_id: int) -> Event:
    """The event (404 when unknown) if the signed-in user manages its host cluster (else 403)."""
    event = db.session.get(Event, event_id)
    if event is None:
        abort(404)
    if not current_user.can_manage_cluster(event.host_cluster_id):
        abort(403)
    return event
