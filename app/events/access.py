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


def may_see_attendee_documents(user, registration) -> bool:
    """Who may download one attendee's badge or certificate while signed in: the host
    cluster's staff and admins, the person who registered them, and members of their company."""
    if user.can_manage_cluster(registration.event.host_cluster_id):
        return True
    if registration.registered_by_id is not None and registration.registered_by_id == user.id:
        return True
    return registration.company_id is not None and registration.company_id == user.company_id
