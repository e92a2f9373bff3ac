"""Collects the networking area's view modules onto its blueprint."""

from app.networking import hub_routes, people_routes, profile_routes, staff_routes, tag_routes  # noqa: F401
from app.networking.blueprint import bp

__all__ = ["bp"]
