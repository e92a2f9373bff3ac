"""Who may see and change events and registrations: the loaders every view uses (404, then 403).

One home for these rules, so the event page, the staff pages, the door and the documents
(badges, certificates) answer the same way: a loader returns the object or aborts with 404 when
it does not exist (or the user may not know it exists) and 403 when it exists but is not theirs.
"""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from app.extensions import db
from app.models import Cluster, Event, EventStatus, Registration, RegistrationStatus, Role, User


def is_visible(event: Event, user=None) -> bool:
    """Published and cancelled events are public; a draft only to the staff of its host cluster."""
    if event.status != EventStatus.DRAFT:
        return True
    user = current_user if user is None else user
    return user.is_authenticated and user.can_manage_cluster(event.host_cluster_id)


def visible_event_or_404(event_id: int) -> Event:
    """The event for a public page; a draft the user may not see is a 404, as if it did not exist."""
    event = db.session.get(Event, event_id)
    if event is None or not is_visible(event):
        abort(404)
    return event


def managed_event(event_id: int) -> Event:
    """The event (404 when unknown) if the signed-in user manages its host cluster (else 403)."""
    event = db.session.get(Event, event_id)
    if event is None:
        abort(404)
    if not current_user.can_manage_cluster(event.host_cluster_id):
        abort(403)
    return event


def event_registration_or_404(event: Event | int, registration_id: int) -> Registration:
    """A registration of this event; one of another event is a 404 (ids in URLs are not trusted)."""
    event_id = event if isinstance(event, int) else event.id
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event_id:
        abort(404)
    return registration


def may_see_attendee_documents(user, registration: Registration) -> bool:
    """Who may download one attendee's badge or certificate while signed in: the host
    cluster's staff and admins, the person who registered them, and members of their company."""
    if user.can_manage_cluster(registration.event.host_cluster_id):
        return True
    if registration.registered_by_id is not None and registration.registered_by_id == user.id:
        return True
    return registration.company_id is not None and registration.company_id == user.company_id


def attendee_registration(registration_id: int) -> Registration:
    """A registration whose documents (badge, certificate) the signed-in user may download."""
    registration = db.session.get(Registration, registration_id)
    if registration is None:
        abort(404)
    if not may_see_attendee_documents(current_user, registration):
        abort(403)
    return registration


def may_cancel(user, registration: Registration, event: Event) -> bool:
    """A company's members cancel their company's registrations; staff those of their clusters."""
    if user.role == Role.MEMBER:
        return registration.company_id is not None and user.company_id == registration.company_id
    return user.can_manage_cluster(event.host_cluster_id)


def has_badge(registration: Registration) -> bool:
    """Only a confirmed seat at an event that takes place has a badge (and a badge link)."""
    return registration.status == RegistrationStatus.CONFIRMED and registration.event.status != EventStatus.CANCELLED


def managed_clusters(user: User) -> list[Cluster]:
    """The clusters the user manages (every cluster for an admin, none for a member): launched
    ones first, each group in seed order, so 준비 중 clusters come last."""
    ids = user.managed_cluster_ids()
    query = select(Cluster).order_by(Cluster.is_active.desc(), Cluster.id)
    if ids is not None:
        if not ids:
            return []
        query = query.where(Cluster.id.in_(ids))
    return list(db.session.scalars(query))
