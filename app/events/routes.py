"""Collects the public event area's view modules onto its blueprint: the home page and event
page, the lists, company RSVP, council proxies and guest registration."""

from app.events import (  # noqa: F401
    guest_routes,
    lifecycle_routes,
    list_routes,
    page_routes,
    proxy_routes,
    rsvp_routes,
)
from app.events.blueprint import bp

__all__ = ["bp"]
