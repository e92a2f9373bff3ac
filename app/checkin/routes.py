"""Collects the check-in area's view modules onto its blueprint: scanner pages, the JSON
check-in API, door devices, walk-ins, badges and the live dashboard."""

from app.checkin import (  # noqa: F401
    api_routes,
    badge_routes,
    dashboard_routes,
    door_routes,
    pwa_routes,
    roster_routes,
    upload_routes,
)
from app.checkin.blueprint import bp

__all__ = ["bp"]
