"""1:1 meetings between attending companies (filled in by the meetings work)."""

from __future__ import annotations

from app.networking.access import Attendee


def meetings_panel(attendee: Attendee) -> dict:
    """Template context for the hub's meetings part."""
    return {}
