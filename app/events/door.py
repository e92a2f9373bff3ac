"""When an event's door is open: check-in from doors-open (before the start) to the end, check-out a while longer.

Event rules, used by the door (check-in, walk-ins) and the pages that say when the door opens.
"""
from __future__ import annotations

import datetime as dt

from flask import current_app

from app.models import Event


def doors_open_at(event: Event) -> dt.datetime:
    """Check-in (and walk-in registration) opens CHECKIN_OPENS_MINUTES_BEFORE the start."""
    return event.starts_at - dt.timedelta(minutes=current_app.config["CHECKIN_OPENS_MINUTES_BEFORE"])


def checkout_closes_at(event: Event) -> dt.datetime:
    # People leaving are recorded a while after the official end (the reception runs late).
    return event.ends_at + dt.timedelta(minutes=current_app.config["CHECKOUT_GRACE_MINUTES"])
