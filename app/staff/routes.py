"""Collects the staff area's view modules onto its blueprint: the overview, event pages,
registrations of an event, and the admin's staff accounts."""

from app.staff import accounts, event_routes, overview_routes, privacy_routes, registration_routes  # noqa: F401
from app.staff.blueprint import bp

__all__ = ["bp"]
