"""Contacts exchanged at an event by scanning badges (filled in by the contact-exchange work)."""

from __future__ import annotations

from app.networking.access import Attendee


def contacts_panel(attendee: Attendee) -> dict:
    """Template context for the hub's contacts part."""
    return {}
