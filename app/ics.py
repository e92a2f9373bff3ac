"""iCalendar builder: events -> RFC 5545 bytes, shared by downloads, feeds and mail attachments.

A pure function of its inputs: the same events give the same bytes (DTSTAMP is the event's
last change, not the time of the download), so feeds can be cached by ETag. Times are written
with TZID=Asia/Seoul and the matching VTIMEZONE. Descriptions are Korean, as attendees expect.

icalendar costs about 0.7 ms per event, so a 1,000-event feed would take 0.7 s to build. Each
event's serialized VEVENT is therefore kept per process, keyed by everything it is built from
(the event's id and `updated_at`, which every change of its row moves, its status, sequence and
the entry's overrides); after an edit, a feed rebuilds only the edited event.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import functools
import re
import threading
from email.utils import parseaddr

import icalendar
from flask import current_app
from sqlalchemy import inspect as sa_inspect

from app.i18n import SEOUL
from app.models import Event, EventKind, EventStatus
from app.models.event import EVENT_KIND_LABELS

PRODID = "-//Moim//Cluster networking events//KO"
_END = b"END:VCALENDAR\r\n"
# Serialized VEVENTs kept per process (about 1 KB each).
VEVENT_CACHE_ENTRIES = 20_000
# RFC 5545 allows no control character but HTAB in a TEXT value; a line break exists only as the
# escape "\\n", which icalendar writes for "\n" (and for "\r") but not for a calendar-level
# NAME, where a newline raised "Content line can not contain unescaped new line characters".
_CONTROL_RUN = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]+")
_CONTROL_BUT_NEWLINE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]+")
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


@dataclasses.dataclass(frozen=True)
class IcsEntry:
    """One event as one calendar shows it; a personal feed may mark it cancelled or tentative."""

    event: Event
    status: str | None = None  # CONFIRMED / TENTATIVE / CANCELLED; None: from the event
    note: str | None = None  # extra description line (e.g. waitlist position)
    sequence_bump: int = 0  # added to the event's sequence (a cancelled registration)
    # A later change than the event's own (a registration's): DTSTAMP and LAST-MODIFIED.
    last_modified: dt.datetime | None = None


def one_line(text: str | None) -> str:
    """Text for a one-line property (SUMMARY, LOCATION, NAME, CATEGORIES, CN): control characters
    and line breaks become a space. Stored text is cleaned on input (app/forms.py one_line);
    this keeps older rows, or text from elsewhere, from breaking a calendar."""
    if not text:
        return ""
    return _LONE_SURROGATE.sub("\ufffd", _CONTROL_RUN.sub(" ", text)).strip()


def multi_line(text: str | None) -> str:
    """Text for DESCRIPTION: line breaks stay (icalendar escapes them), other control characters go."""
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    return _LONE_SURROGATE.sub("\ufffd", _CONTROL_BUT_NEWLINE.sub(" ", text))


@dataclasses.dataclass(frozen=True)
class IcsItem:
    """A calendar entry that is not an event of its own (a 1:1 meeting at an event): the caller
    gives every property, the builder writes them. `uid` is without the domain ("meeting-12");
    the builder adds @ICAL_UID_DOMAIN. Hashable, so the item itself is its cache key."""

    uid: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    summary: str
    description: str
    location: str
    url: str
    status: str  # CONFIRMED / CANCELLED
    sequence: int
    created: dt.datetime
    last_modified: dt.datetime
    categories: tuple[str, ...]
    organizer_name: str


def public_url(path: str) -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def event_uid(event: Event) -> str:
    """Stable for the life of the event: never depends on title, time or the download."""
    return f"event-{event.id}@{current_app.config['ICAL_UID_DOMAIN']}"


@functools.cache
def kind_label_ko(kind: EventKind) -> str:
    """The Korean name of an event kind (calendar content is Korean whatever the UI language)."""
    from flask_babel import force_locale

    with force_locale("ko"):
        return str(EVENT_KIND_LABELS[kind])


@dataclasses.dataclass(frozen=True)
class _Settings:
    """The settings written into every VEVENT, read once per build."""

    base_url: str
    uid_domain: str
    organizer: str

    @classmethod
    def current(cls) -> _Settings:
        config = current_app.config
        _name, address = parseaddr(config["MAIL_DEFAULT_SENDER"])
        return cls(config["PUBLIC_BASE_URL"].rstrip("/"), config["ICAL_UID_DOMAIN"], address)


def _vevent(entry: IcsEntry, settings: _Settings | None = None) -> icalendar.Event:
    settings = settings or _Settings.current()
    event = entry.event
    cluster_name = one_line(event.host_cluster.name_ko)
    url = f"{settings.base_url}/events/{event.id}"
    vevent = icalendar.Event()
    vevent.add("uid", f"event-{event.id}@{settings.uid_domain}")
    stamp = max(event.updated_at, entry.last_modified) if entry.last_modified else event.updated_at
    vevent.add("dtstamp", stamp)
    vevent.add("created", event.created_at)
    vevent.add("last-modified", stamp)
    vevent.add("sequence", event.sequence + entry.sequence_bump)
    vevent.add("dtstart", event.starts_at.astimezone(SEOUL))
    vevent.add("dtend", event.ends_at.astimezone(SEOUL))
    vevent.add("summary", one_line(event.title_ko))
    location = ", ".join(p for p in (one_line(event.venue_name), one_line(event.venue_address)) if p)
    if location:
        vevent.add("location", location)
    vevent.add("url", url)
    kind = kind_label_ko(event.kind)
    lines = [f"{kind} · {cluster_name}"]
    if entry.note:
        lines.append(one_line(entry.note))
    if event.description_ko:
        lines += ["", multi_line(event.description_ko).strip()]
    lines += ["", f"행사 페이지: {url}"]
    vevent.add("description", "\n".join(lines))
    vevent.add("categories", [kind, cluster_name])
    status = entry.status or ("CANCELLED" if event.status == EventStatus.CANCELLED else "CONFIRMED")
    vevent.add("status", status)
    vevent.add("transp", "TRANSPARENT" if status == "CANCELLED" else "OPAQUE")
    organizer = icalendar.vCalAddress(f"mailto:{settings.organizer}")
    organizer.params["cn"] = icalendar.vText(f"Moim · {cluster_name}")
    vevent.add("organizer", organizer)
    return vevent


def _item_vevent(item: IcsItem, settings: _Settings) -> icalendar.Event:
    vevent = icalendar.Event()
    vevent.add("uid", f"{item.uid}@{settings.uid_domain}")
    vevent.add("dtstamp", item.last_modified)
    vevent.add("created", item.created)
    vevent.add("last-modified", item.last_modified)
    vevent.add("sequence", item.sequence)
    vevent.add("dtstart", item.starts_at.astimezone(SEOUL))
    vevent.add("dtend", item.ends_at.astimezone(SEOUL))
    vevent.add("summary", item.summary)
    if item.location:
        vevent.add("location", item.location)
    vevent.add("url", item.url)
    vevent.add("description", item.description)
    vevent.add("categories", list(item.categories))
    vevent.add("status", item.status)
    vevent.add("transp", "TRANSPARENT" if item.status == "CANCELLED" else "OPAQUE")
    organizer = icalendar.vCalAddress(f"mailto:{settings.organizer}")
    organizer.params["cn"] = icalendar.vText(item.organizer_name)
    vevent.add("organizer", organizer)
    return vevent


class _VeventCache:
    """Serialized VEVENTs by content key; an LRU bounded by entries, thread-safe."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._items: collections.OrderedDict[tuple, bytes] = collections.OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> bytes | None:
        with self._lock:
            chunk = self._items.get(key)
            if chunk is not None:
                self._items.move_to_end(key)
            return chunk

    def put(self, key: tuple, chunk: bytes) -> None:
        with self._lock:
            self._items[key] = chunk
            self._items.move_to_end(key)
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


vevent_cache = _VeventCache(VEVENT_CACHE_ENTRIES)


def _cache_key(entry: IcsEntry, settings: _Settings) -> tuple | None:
    """What the VEVENT is built from, or None when it cannot be trusted as a key.

    `updated_at` moves on every change of the event's row (flushed); an event that is not yet
    in the database or has unflushed changes is built without the cache.
    """
    event = entry.event
    state = sa_inspect(event)
    if state.key is None or state.modified or event.updated_at is None:
        return None
    return (
        settings,
        event.id,
        event.updated_at,
        event.created_at,
        event.status,
        event.sequence,
        event.host_cluster.name_ko,
        entry.status,
        entry.note,
        entry.sequence_bump,
        entry.last_modified,
    )


def _vevent_bytes(entry: IcsEntry | IcsItem, settings: _Settings) -> bytes:
    key = (settings, entry) if isinstance(entry, IcsItem) else _cache_key(entry, settings)
    chunk = vevent_cache.get(key) if key is not None else None
    if chunk is None:
        built = _item_vevent(entry, settings) if isinstance(entry, IcsItem) else _vevent(entry, settings)
        chunk = built.to_ical()
        if key is not None:
            vevent_cache.put(key, chunk)
    return chunk


def build_calendar(entries: list[IcsEntry | IcsItem], *, name: str, method: str = "PUBLISH") -> bytes:
    """A VCALENDAR with one VEVENT per entry, calendar-level name and refresh hints.

    The Asia/Seoul VTIMEZONE comes first (some clients want a TZID defined before its use) and
    is always there, so even a calendar without events has the component RFC 5545 requires.
    """
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    name = one_line(name)
    cal.add("name", name)
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Asia/Seoul")
    cal.add("refresh-interval", icalendar.vDuration(dt.timedelta(hours=1)), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    head = cal.to_ical()
    assert head.endswith(_END)
    settings = _Settings.current()
    parts = [head[: -len(_END)], _seoul_vtimezone_bytes()]
    parts += [_vevent_bytes(entry, settings) for entry in entries]
    parts.append(_END)
    return b"".join(parts)


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


@functools.cache
def _seoul_vtimezone_bytes() -> bytes:
    return _seoul_vtimezone().to_ical()


def event_ics(event: Event) -> bytes:
    """The one-event calendar of the event page's "add to calendar" and of mail attachments."""
    return build_calendar([IcsEntry(event)], name=event.title_ko)
