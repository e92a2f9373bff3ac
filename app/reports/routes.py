"""The reports blueprint; each kind of report registers its views on `bp` from its own module."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reports", __name__)

# The modules below add their routes to `bp`; they need it defined first.
from app.reports import activity_routes  # noqa: E402,F401
from app.reports import attendance_routes  # noqa: E402,F401
from app.reports import certificate_routes  # noqa: E402,F401
