"""Collects the staff area's view modules onto its blueprint: the overview, event pages,
registrations of an event, and the admin's staff accounts."""

from app.staff import (  # noqa: F401
    accounts,
    audit_routes,
    event_routes,
    overview_routes,
    privacy_routes,
    registration_routes,
)
from app.staff.blueprint import bp

__all__ = ["bp"]
