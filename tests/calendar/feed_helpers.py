"""Helpers of the calendar feed tests: two independent parsers, cache reset."""

from __future__ import annotations

import icalendar
import vobject

from app import ics
from app.calendar import http, public


def parse_both(body: bytes):
    """The calendar as icalendar and as vobject (validating); fails on any parse error."""
    cal = icalendar.Calendar.from_ical(body)
    errors = [(c.name, e) for c in cal.walk() for e in c.errors]
    assert not errors, errors
    vcal = vobject.readOne(body.decode("utf-8"), validate=True)
    for line in body.split(b"\r\n"):
        assert len(line) <= 75, line  # RFC 5545 3.1: lines folded at 75 octets
    assert body.endswith(b"END:VCALENDAR\r\n") and b"\n" not in body.replace(b"\r\n", b"")
    return cal, vcal


def vevents(body: bytes) -> dict[str, icalendar.Event]:
    """VEVENTs by SUMMARY, after checking the body with both parsers (same UIDs in both)."""
    cal, vcal = parse_both(body)
    events = cal.walk("VEVENT")
    v_uids = sorted(v.uid.value for v in vcal.contents.get("vevent", []))
    assert v_uids == sorted(str(e["UID"]) for e in events)
    return {str(e["SUMMARY"]): e for e in events}


def forget_built_calendars() -> None:
    """Empty the per-process caches, so the next download really queries and builds."""
    http.body_cache.clear()
    ics.vevent_cache.clear()
    public.forget_fingerprints()
