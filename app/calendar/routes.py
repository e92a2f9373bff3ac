"""Collects the calendar area's view modules onto its blueprint: public downloads and feeds,
personal and company feeds."""

from app.calendar import personal_routes, public_routes  # noqa: F401
from app.calendar.blueprint import bp

__all__ = ["bp"]
