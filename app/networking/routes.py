"""Collects the networking area's view modules onto its blueprint."""

from app.networking import hub_routes, staff_routes  # noqa: F401
from app.networking.blueprint import bp

__all__ = ["bp"]
