"""The check-in blueprint: scanner pages, the JSON check-in API, door devices, walk-ins,
badges and the live dashboard. Each area registers its views on `bp` from its own module."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("checkin", __name__)

# The modules below add their routes to `bp`; they need it defined first.
from app.checkin import api_routes  # noqa: E402,F401
from app.checkin import badge_routes  # noqa: E402,F401
from app.checkin import dashboard_routes  # noqa: E402,F401
from app.checkin import door_routes  # noqa: E402,F401
