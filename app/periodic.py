"""The worker's periodic steps (app/cli.py, `flask mail worker` / `flask worker`): each runs when its
interval has passed since its last run, in the worker's own loop (no cron, nothing in requests)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from app.models import utcnow


def run_if_due(
    last_run: dt.datetime | None, now: dt.datetime | None, every: dt.timedelta, step: Callable[[dt.datetime], object]
) -> dt.datetime | None:
    """Run ``step(now)`` when ``every`` has passed since ``last_run`` (or it never ran); returns the
    time of this run, or ``last_run`` when it was not due."""
    now = now or utcnow()
    if last_run is not None and now - last_run < every:
        return last_run
    step(now)
    return now
