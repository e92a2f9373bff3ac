"""Collects the networking area's view modules onto its blueprint."""

from app.networking import (  # noqa: F401
    contact_routes,
    hub_routes,
    meeting_routes,
    meeting_staff_routes,
    people_routes,
    profile_routes,
    staff_routes,
    tag_routes,
)
from app.networking.blueprint import bp

__all__ = ["bp"]
