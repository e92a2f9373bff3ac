"""Who is coming and match suggestions for one attendee (filled in by the profiles/matching work)."""

from __future__ import annotations

from app.networking.access import Attendee


def people_panel(attendee: Attendee) -> dict:
    """Template context for the hub's "who is coming" and suggestions part."""
    return {}
