"""An event's clock: before, under way or over; the door open from doors-open to the end, check-out a while longer.

Event rules, used by the door (check-in, walk-ins), the dashboard and the reports, which must not
call people no-shows (or still present) before (or after) the event.
"""

from __future__ import annotations

import datetime as dt
import enum

from flask import current_app
from flask_babel import lazy_gettext as _l

from app.models import Event


def doors_open_at(event: Event) -> dt.datetime:
    """Check-in (and walk-in registration) opens CHECKIN_OPENS_MINUTES_BEFORE the start."""
    return event.starts_at - dt.timedelta(minutes=current_app.config["CHECKIN_OPENS_MINUTES_BEFORE"])


def checkout_closes_at(event: Event) -> dt.datetime:
    # People leaving are recorded a while after the official end (the reception runs late).
    return event.ends_at + dt.timedelta(minutes=current_app.config["CHECKOUT_GRACE_MINUTES"])


class EventPhase(str, enum.Enum):
    UPCOMING = "upcoming"  # before the start
    RUNNING = "running"  # between the start and the end
    ENDED = "ended"

    @property
    def label(self) -> str:
        return str(_PHASE_LABELS[self])


_PHASE_LABELS = {EventPhase.UPCOMING: _l("진행 전"), EventPhase.RUNNING: _l("진행 중"), EventPhase.ENDED: _l("종료")}


def event_phase(event: Event, now: dt.datetime) -> EventPhase:
    if now < event.starts_at:
        return EventPhase.UPCOMING
    return EventPhase.RUNNING if now < event.ends_at else EventPhase.ENDED
