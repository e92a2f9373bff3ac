"""iCalendar builder: events -> RFC 5545 bytes, shared by downloads, feeds and mail attachments.

A pure function of its inputs: the same events give the same bytes (DTSTAMP is the event's
last change, not the time of the download), so feeds can be cached by ETag. Times are written
with TZID=Asia/Seoul and the matching VTIMEZONE. Descriptions are Korean, as attendees expect.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from email.utils import parseaddr

import icalendar
from flask import current_app

from app.i18n import SEOUL
from app.models import Event, EventStatus
from app.models.event import EVENT_KIND_LABELS

PRODID = "-//Moim//Cluster networking events//KO"


@dataclasses.dataclass(frozen=True)
class IcsEntry:
    """One event as one calendar shows it; a personal feed may mark it cancelled or tentative."""

    event: Event
    status: str | None = None  # CONFIRMED / TENTATIVE / CANCELLED; None: from the event
    note: str | None = None  # extra description line (e.g. waitlist position)
    sequence_bump: int = 0  # added to the event's sequence (a cancelled registration)


def public_url(path: str) -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def event_uid(event: Event) -> str:
    """Stable for the life of the event: never depends on title, time or the download."""
    return f"event-{event.id}@{current_app.config['ICAL_UID_DOMAIN']}"


def _kind_label(event: Event) -> str:
    from flask_babel import force_locale

    with force_locale("ko"):
        return str(EVENT_KIND_LABELS[event.kind])


def _vevent(entry: IcsEntry) -> icalendar.Event:
    event = entry.event
    url = public_url(f"/events/{event.id}")
    vevent = icalendar.Event()
    vevent.add("uid", event_uid(event))
    vevent.add("dtstamp", event.updated_at)
    vevent.add("created", event.created_at)
    vevent.add("last-modified", event.updated_at)
    vevent.add("sequence", event.sequence + entry.sequence_bump)
    vevent.add("dtstart", event.starts_at.astimezone(SEOUL))
    vevent.add("dtend", event.ends_at.astimezone(SEOUL))
    summary = event.title_ko
    vevent.add("summary", summary)
    location = ", ".join(p for p in (event.venue_name, event.venue_address) if p)
    if location:
        vevent.add("location", location)
    vevent.add("url", url)
    kind = _kind_label(event)
    lines = [f"{kind} · {event.host_cluster.name_ko}"]
    if entry.note:
        lines.append(entry.note)
    if event.description_ko:
        lines += ["", event.description_ko.strip()]
    lines += ["", f"행사 페이지: {url}"]
    vevent.add("description", "\n".join(lines))
    vevent.add("categories", [kind, event.host_cluster.name_ko])
    status = entry.status or ("CANCELLED" if event.status == EventStatus.CANCELLED else "CONFIRMED")
    vevent.add("status", status)
    vevent.add("transp", "TRANSPARENT" if status == "CANCELLED" else "OPAQUE")
    name, address = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])
    organizer = icalendar.vCalAddress(f"mailto:{address}")
    organizer.params["cn"] = icalendar.vText(f"Moim · {event.host_cluster.name_ko}")
    vevent.add("organizer", organizer)
    return vevent


def build_calendar(entries: list[IcsEntry], *, name: str, method: str = "PUBLISH") -> bytes:
    """A VCALENDAR with one VEVENT per entry, calendar-level name and refresh hints."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    cal.add("name", name)
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Asia/Seoul")
    cal.add("refresh-interval", icalendar.vDuration(dt.timedelta(hours=1)),
            parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    for entry in entries:
        cal.add_component(_vevent(entry))
    if entries:
        cal.add_component(_seoul_vtimezone())
    return cal.to_ical()


@functools.cache
def _seoul_vtimezone() -> icalendar.Timezone:
    """Asia/Seoul's VTIMEZONE, built once per process (about 17 ms each time otherwise).

    Every DTSTART/DTEND is written in Seoul time, so this is the one timezone any file needs.
    """
    probe = icalendar.Calendar()
    sample = icalendar.Event()
    sample.add("dtstart", dt.datetime(2026, 1, 1, tzinfo=SEOUL))
    probe.add_component(sample)
    probe.add_missing_timezones()
    [timezone] = probe.walk("VTIMEZONE")
    return timezone


def event_ics(event: Event) -> bytes:
    """The one-event calendar of the event page's "add to calendar" and of mail attachments."""
    return build_calendar([IcsEntry(event)], name=event.title_ko)
