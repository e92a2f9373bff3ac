"""Lifecycle mail of a registration: reminders before the event, a thank-you after it, the
one-click "참석이 어려워요" link in the reminders, and no-shows per company for staff.

Run by the mail worker (``flask mail worker``, or once with ``flask mail lifecycle``), never
inside a request. ``send_lifecycle_mail(now)`` queues what is due and leaves the commit to
its caller. Each (registration, kind) goes out once: the ``lifecycle_mails`` row is inserted
first, in a savepoint, under its unique constraint, and the mail is queued in the same
transaction. Two schedulers at once therefore never both send: on PostgreSQL the second
insert waits for the first transaction and then fails on the constraint (the row is skipped);
on SQLite ``begin_write()`` makes the second scheduler wait and then see the first one's rows.

When each kind is due (times in Asia/Seoul):

- ``day_before``: from 09:00 the day before the event's start date until that day's end;
  a scheduler that was down all that day sends nothing late (the morning mail covers it).
- ``morning_of``: from 07:00 on the event day until the start; none for an event that starts
  before 07:00.
- Both only to confirmed registrations of published events; not to someone who registered
  (or was moved up from the waitlist) after the window opened: their confirmation mail has
  just told them everything.
- ``thank_you``: from the event's end for ``THANK_YOU_FOR`` (a week), only to confirmed
  registrations that checked in, with their certificate link; no-shows get none.

Purged registrations (retention) get nothing. Links in the mail are signed and need no
sign-in: the badge, the certificate and the decline link all come from the ticket salt under
their own labels (like ``app.events.tickets.badge_link_token``), so none is stored and each
dies when the ticket is reissued or the person's data purged.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import hmac
import logging

from flask import current_app, has_request_context, url_for
from sqlalchemy import and_, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.database import begin_write
from app.events import notifications
from app.events.registration import RegistrationError, cancel
from app.events.tickets import ticket_key
from app.extensions import db
from app.i18n import SEOUL
from app.mail import recipient_locales
from app.mail.outbox import queue_template
from app.models import (
    CheckIn,
    Company,
    Event,
    EventStatus,
    LifecycleMail,
    Meeting,
    MeetingSlot,
    MeetingStatus,
    Registration,
    RegistrationStatus,
    utcnow,
)
from app.periodic import run_if_due

log = logging.getLogger(__name__)

DAY_BEFORE = "day_before"
MORNING_OF = "morning_of"
THANK_YOU = "thank_you"
KINDS = (DAY_BEFORE, MORNING_OF, THANK_YOU)

DAY_BEFORE_AT = dt.time(9, 0)  # KST, the day before the start date
MORNING_OF_AT = dt.time(7, 0)  # KST, the start date
THANK_YOU_FOR = dt.timedelta(days=7)
# The worker looks for due mail this often (it costs two small queries when nothing is due).
LIFECYCLE_EVERY = dt.timedelta(minutes=5)


# --- windows -----------------------------------------------------------------------------


def _kst_at(day: dt.date, at: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, at, tzinfo=SEOUL).astimezone(dt.UTC)


def window(event: Event, kind: str) -> tuple[dt.datetime, dt.datetime] | None:
    """[opens, closes) of a kind of mail for this event in UTC, or None when it has none."""
    start_day = event.starts_at.astimezone(SEOUL).date()
    if kind == DAY_BEFORE:
        opens = _kst_at(start_day - dt.timedelta(days=1), DAY_BEFORE_AT)
        closes = min(_kst_at(start_day, dt.time(0, 0)), event.starts_at)
    elif kind == MORNING_OF:
        opens, closes = _kst_at(start_day, MORNING_OF_AT), event.starts_at
    elif kind == THANK_YOU:
        opens, closes = event.ends_at, event.ends_at + THANK_YOU_FOR
    else:
        raise ValueError(kind)
    return (opens, closes) if opens < closes else None


def _due_events(now: dt.datetime) -> list[tuple[Event, str, dt.datetime]]:
    """(event, kind, window opening) for every published event with a window open now; one query."""
    events = db.session.scalars(
        select(Event).where(
            Event.status == EventStatus.PUBLISHED,
            # Reminders: the start is at most two days ahead; thank-yous: ended within the week.
            Event.starts_at <= now + dt.timedelta(days=2),
            Event.ends_at > now - THANK_YOU_FOR,
        )
    ).all()
    due = []
    for event in events:
        for kind in KINDS:
            span = window(event, kind)
            if span is not None and span[0] <= now < span[1]:
                due.append((event, kind, span[0]))
    return due


# --- signed links ------------------------------------------------------------------------


def _link_token(registration: Registration, label: bytes) -> str:
    if not registration.ticket_salt:
        raise ValueError(f"registration {registration.id} has no ticket")
    digest = hmac.new(ticket_key(), label + registration.ticket_salt.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")


def _link_matches(registration: Registration | None, token: str | None, label: bytes) -> bool:
    if registration is None or not registration.ticket_salt or not token or len(token) > 64:
        return False
    return hmac.compare_digest(_link_token(registration, label).encode(), token.encode())


_DECLINE = b"attendance decline link:"
_CERTIFICATE = b"certificate link:"


def decline_token(registration: Registration) -> str:
    return _link_token(registration, _DECLINE)


def decline_link_matches(registration: Registration | None, token: str | None) -> bool:
    return _link_matches(registration, token, _DECLINE)


def certificate_token(registration: Registration) -> str:
    return _link_token(registration, _CERTIFICATE)


def certificate_link_matches(registration: Registration | None, token: str | None) -> bool:
    return _link_matches(registration, token, _CERTIFICATE)


def _absolute(endpoint: str, **values) -> str:
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def decline_url(registration: Registration) -> str:
    return _absolute("events.decline", registration_id=registration.id, token=decline_token(registration))


def certificate_url(registration: Registration) -> str:
    return _absolute(
        "reports.linked_certificate", registration_id=registration.id, token=certificate_token(registration)
    )


# --- the meeting schedule in a reminder ------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ScheduleItem:
    starts_at: dt.datetime
    ends_at: dt.datetime
    table: str
    other_company: str


def _schedules(event_ids: list[int]) -> dict[tuple[int, int], list[ScheduleItem]]:
    """(event id, company id) -> the company's accepted meetings in time order; one query."""
    if not event_ids:
        return {}
    rows = db.session.scalars(
        select(Meeting)
        .join(MeetingSlot, MeetingSlot.id == Meeting.slot_id)
        .where(Meeting.event_id.in_(event_ids), Meeting.status == MeetingStatus.ACCEPTED)
        .options(
            joinedload(Meeting.slot),
            joinedload(Meeting.table),
            joinedload(Meeting.requester),
            joinedload(Meeting.invitee),
        )
        .order_by(MeetingSlot.starts_at, Meeting.id)
    ).all()
    out: dict[tuple[int, int], list[ScheduleItem]] = {}
    for m in rows:
        table = m.table.name if m.table else ""
        for own, other in ((m.requester, m.invitee), (m.invitee, m.requester)):
            item = ScheduleItem(m.slot.starts_at, m.slot.ends_at, table, other.name)
            out.setdefault((m.event_id, own.id), []).append(item)
    return out


# --- the scheduler ---------------------------------------------------------------------------


def _candidates(event: Event, kind: str, opened: dt.datetime) -> list[Registration]:
    already = exists().where(LifecycleMail.registration_id == Registration.id, LifecycleMail.kind == kind)
    query = select(Registration).where(
        Registration.event_id == event.id,
        Registration.status == RegistrationStatus.CONFIRMED,
        Registration.purged_at.is_(None),
        ~already,
    )
    if kind == THANK_YOU:
        query = query.where(exists().where(CheckIn.registration_id == Registration.id))
    else:
        # Registered or moved up after the window opened: the confirmation said it all.
        query = query.where(
            Registration.created_at < opened,
            (Registration.promoted_at.is_(None)) | (Registration.promoted_at < opened),
        )
    return list(db.session.scalars(query.options(joinedload(Registration.company)).order_by(Registration.id)))


def _claim(registration: Registration, kind: str, now: dt.datetime) -> bool:
    """Insert the once-only row; False when another scheduler already has it."""
    try:
        with db.session.begin_nested():
            db.session.add(LifecycleMail(registration_id=registration.id, kind=kind, sent_at=now))
    except IntegrityError:
        return False
    return True


def send_lifecycle_mail(now: dt.datetime | None = None) -> dict[str, int]:
    """Queue every reminder and thank-you due at ``now``; returns how many of each kind.

    The caller commits (the log rows and the mail together). Queries: one for the events,
    then per due event and kind one for the registrations and one for their languages, one
    for the meetings of events with networking; plus one insert and one outbox row per mail.
    """
    now = now or utcnow()
    begin_write()
    counts = dict.fromkeys(KINDS, 0)
    due = _due_events(now)
    if not due:
        return counts
    schedules = _schedules(sorted({e.id for e, kind, _ in due if e.networking_enabled and kind != THANK_YOU}))
    for event, kind, opened in due:
        registrations = _candidates(event, kind, opened)
        if not registrations:
            continue
        locales = recipient_locales(sorted({r.email for r in registrations}))
        ics = notifications._ics(event) if kind != THANK_YOU else None
        for registration in registrations:
            if not registration.ticket_salt or not _claim(registration, kind, now):
                continue
            if kind == THANK_YOU:
                queue_template(
                    registration.email,
                    "lifecycle_thank_you",
                    locale=locales[registration.email],
                    event=event,
                    registration=registration,
                    certificate_url=certificate_url(registration),
                    event_url=notifications._event_url(event),
                )
            else:
                meetings = []
                if event.networking_enabled and registration.company_id is not None:
                    meetings = schedules.get((event.id, registration.company_id), [])
                queue_template(
                    registration.email,
                    "lifecycle_reminder",
                    locale=locales[registration.email],
                    attachments=[ics],
                    event=event,
                    registration=registration,
                    kind=kind,
                    meetings=meetings,
                    decline_url=decline_url(registration),
                    event_url=notifications._event_url(event),
                )
            counts[kind] += 1
    db.session.flush()
    return counts


def lifecycle_if_due(last_run: dt.datetime | None, now: dt.datetime | None = None) -> dt.datetime | None:
    """The worker's step: run and commit every ``LIFECYCLE_EVERY``; returns the time of the last run."""

    def step(at: dt.datetime) -> None:
        counts = send_lifecycle_mail(at)
        db.session.commit()
        if any(counts.values()):
            log.info("lifecycle mail queued: %s", counts)

    return run_if_due(last_run, now, LIFECYCLE_EVERY, step)


# --- "참석이 어려워요" -------------------------------------------------------------------------


class DeclineProblem(ValueError):
    """Why a decline link cannot be used: a code the page picks its wording from."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def check_declinable(registration: Registration, now: dt.datetime) -> None:
    """Raise DeclineProblem: cancelled (already), event_cancelled, started (too late)."""
    if registration.status == RegistrationStatus.CANCELLED:
        raise DeclineProblem("already_cancelled")
    if registration.event.status == EventStatus.CANCELLED:
        raise DeclineProblem("event_cancelled")
    if now >= registration.event.starts_at:
        raise DeclineProblem("started")


def decline(registration_id: int, *, now: dt.datetime) -> Registration | None:
    """Release the seat through the cancel service (the first waitlisted person moves up and
    gets their usual mail); returns who moved up. A second decline is a no-op (None)."""
    registration = db.session.get(Registration, registration_id)
    if registration is None:
        raise DeclineProblem("invalid")
    if registration.status == RegistrationStatus.CANCELLED:
        return None
    check_declinable(registration, now)
    try:
        return cancel(registration_id, now=now)
    except RegistrationError as exc:
        raise DeclineProblem("started" if exc.code == "started" else "invalid") from None


# --- no-shows per company ----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class NoShowRow:
    company: Company
    confirmed: int  # confirmed registrations at events that have ended
    no_shows: int  # of which without a check-in

    @property
    def percent(self) -> str:
        return f"{round(100 * self.no_shows / self.confirmed)}%" if self.confirmed else "-"


def no_show_counts(now: dt.datetime, *, company_ids: list[int] | None = None, cluster_ids: list[int] | None = None):
    """Per company: confirmed registrations of published events that have ended, and those
    without a check-in. Cancelled registrations (a "참석이 어려워요" included) are not counted:
    they gave their seat back. One grouped query; None for ids means every company."""
    checked = exists().where(CheckIn.registration_id == Registration.id)
    query = (
        select(
            Registration.company_id,
            func.count(Registration.id),
            func.count(Registration.id).filter(~checked),
        )
        .join(Event, and_(Event.id == Registration.event_id))
        .where(
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.company_id.is_not(None),
            Event.status == EventStatus.PUBLISHED,
            Event.ends_at <= now,
        )
        .group_by(Registration.company_id)
    )
    if company_ids is not None:
        query = query.where(Registration.company_id.in_(company_ids))
    if cluster_ids is not None:
        query = query.join(Company, Company.id == Registration.company_id).where(Company.cluster_id.in_(cluster_ids))
    return {cid: (confirmed, missing) for cid, confirmed, missing in db.session.execute(query)}


def no_show_report(now: dt.datetime, cluster_ids: list[int] | None) -> list[NoShowRow]:
    """Companies (of these clusters; None: all) with at least one no-show, most first; two queries."""
    counts = {cid: c for cid, c in no_show_counts(now, cluster_ids=cluster_ids).items() if c[1]}
    if not counts:
        return []
    companies = db.session.scalars(
        select(Company).where(Company.id.in_(list(counts))).options(joinedload(Company.cluster))
    ).all()
    rows = [NoShowRow(c, *counts[c.id]) for c in companies]
    return sorted(rows, key=lambda r: (-r.no_shows, -r.no_shows / r.confirmed, r.company.sort_name, r.company.id))
