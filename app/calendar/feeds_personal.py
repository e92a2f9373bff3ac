"""Personal and company calendar feeds: their secret URL tokens and what each feed contains.

A personal feed holds the events one person is registered for (registrations are by e-mail);
a company feed every event the company's people are registered for, with who attends. Both
keep a cancelled registration or event as STATUS:CANCELLED for a while, so subscribed
calendars remove it instead of keeping a meeting that will not happen. Both also hold the
accepted 1:1 meetings of the owner's company at those events (see "1:1 meetings" below).

Services only: nothing here commits; the view does, once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import re

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.orm import aliased, contains_eager, joinedload

from app.calendar.http import feed_etag
from app.database import begin_write
from app.events.queries import waitlist_positions
from app.extensions import db
from app.i18n import kst_hhmm
from app.ics import IcsEntry, IcsItem, public_url
from app.models import (
    CalendarToken,
    CalendarTokenKind,
    Company,
    Event,
    EventStatus,
    Meeting,
    MeetingStatus,
    Registration,
    RegistrationStatus,
    User,
)
from app.tokens import hash_token, new_token

# Bump when the feed's output changes shape: every stored ETag then changes with it.
FEED_FORMAT = "2"  # 2: 1:1 meetings
# A cancellation stays in the feed this long: long enough for every calendar app's refresh
# (hourly to daily) to see it and remove the event, short enough that the feed stays small.
CANCELLED_DAYS = 30
# Past events stay for 90 days so subscribers still see recent meetings (for expense reports
# and 참가확인서), then leave the feed; calendars usually keep what they already have.
PAST_DAYS = 90
# A token as new_token() makes it: 32 random bytes, URL-safe base64 without padding.
_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{43}")
LAST_USED_EVERY = dt.timedelta(hours=1)

Owner = User | Company


class FeedTokenError(Exception):
    """A token change that cannot be done (e.g. rotating when there is no token)."""


# --- tokens ---------------------------------------------------------------------------


def _kind(owner: Owner) -> CalendarTokenKind:
    return CalendarTokenKind.PERSONAL if isinstance(owner, User) else CalendarTokenKind.COMPANY


def _owner_clause(owner: Owner):
    if isinstance(owner, User):
        return CalendarToken.user_id == owner.id
    return CalendarToken.company_id == owner.id


def active_token(owner: Owner) -> CalendarToken | None:
    """The owner's working token row, or None (the plain token is not kept anywhere)."""
    return db.session.scalars(
        select(CalendarToken).where(_owner_clause(owner), CalendarToken.revoked_at.is_(None))
    ).first()


def _lock_owner(owner: Owner) -> None:
    """Serialise token changes of one owner (SQLite: BEGIN IMMEDIATE; PostgreSQL: row lock),
    so two clicks at once end with one active token instead of a unique-index error."""
    begin_write()
    model = type(owner)
    db.session.execute(select(model.id).where(model.id == owner.id).with_for_update())


def _revoke_active(owner: Owner, now: dt.datetime) -> bool:
    token = active_token(owner)
    if token is None:
        return False
    token.revoked_at = now
    db.session.flush()  # before a new active row meets the partial unique index
    return True


def issue_token(owner: Owner, *, now: dt.datetime) -> tuple[CalendarToken, str]:
    """A new feed token for a user (personal) or a company; any previous one stops working.

    Returns the row and the plain token, which the caller shows once: only its hash is stored.
    """
    _lock_owner(owner)
    _revoke_active(owner, now)
    plain = new_token()
    token = CalendarToken(
        kind=_kind(owner),
        user_id=owner.id if isinstance(owner, User) else None,
        company_id=owner.id if isinstance(owner, Company) else None,
        token_hash=hash_token(plain),
        created_at=now,
    )
    db.session.add(token)
    db.session.flush()
    return token, plain


def rotate(owner: Owner, *, now: dt.datetime) -> tuple[CalendarToken, str]:
    """Replace the owner's token: the old URL is refused from this commit on."""
    if active_token(owner) is None:
        raise FeedTokenError("no active token")
    return issue_token(owner, now=now)


def revoke(owner: Owner, *, now: dt.datetime) -> bool:
    """Stop the owner's feed URL. False when there was none (revoking twice is a no-op)."""
    _lock_owner(owner)
    return _revoke_active(owner, now)


def lookup(token: str) -> CalendarToken | None:
    """The active token row for a plain token from a URL, with its owner loaded; else None.

    Found by its SHA-256 hash, so the time taken says nothing about how much of a guess was
    right; malformed strings never reach the database. A deactivated account or company
    makes its token stop working too.
    """
    if not isinstance(token, str) or not _TOKEN_RE.fullmatch(token):
        return None
    digest = hash_token(token)
    row = db.session.scalars(
        select(CalendarToken)
        .where(CalendarToken.token_hash == digest, CalendarToken.revoked_at.is_(None))
        .options(joinedload(CalendarToken.user), joinedload(CalendarToken.company))
    ).first()
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return None
    if row.kind == CalendarTokenKind.PERSONAL:
        return row if row.user is not None and row.user.is_active else None
    return row if row.company is not None and row.company.is_active else None


# --- what a feed holds -------------------------------------------------------------------


def _cutoffs(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    return now - dt.timedelta(days=PAST_DAYS), now - dt.timedelta(days=CANCELLED_DAYS)


def _feed_rows(criterion, now: dt.datetime) -> list[Registration]:
    """The owner's registrations of non-draft events that ended within PAST_DAYS, with their
    events and host clusters, in one query (the .ics builder reads nothing else)."""
    past_cutoff, _ = _cutoffs(now)
    return list(
        db.session.scalars(
            select(Registration)
            .join(Registration.event)
            .where(criterion, Event.status != EventStatus.DRAFT, Event.ends_at >= past_cutoff)
            .options(contains_eager(Registration.event).joinedload(Event.host_cluster))
            .order_by(Event.starts_at, Event.id, Registration.created_at, Registration.id)
        ).unique()
    )


def _waitlist_positions(criterion) -> dict[int, int]:
    """Registration id -> 1-based waitlist place, for the owner's waitlisted registrations,
    all events in one query."""
    # correlate(None): these subqueries read registrations on their own, not the outer row.
    mine = (
        select(Registration.event_id, Registration.id)
        .where(criterion, Registration.status == RegistrationStatus.WAITLISTED)
        .correlate(None)
        .subquery()
    )
    return waitlist_positions(select(mine.c.event_id), select(mine.c.id))


def _by_event(rows: list[Registration]) -> list[tuple[Event, list[Registration]]]:
    grouped: dict[int, tuple[Event, list[Registration]]] = {}
    for registration in rows:
        grouped.setdefault(registration.event_id, (registration.event, []))[1].append(registration)
    return list(grouped.values())


def _sequence_bump(registrations: list[Registration]) -> int:
    """Grows with every registration and every cancellation of this owner for the event, so
    each state a calendar sees (registered, cancelled, registered again, ...) has a higher
    SEQUENCE than the one before: 0, then 1 after a cancellation, 2 after registering again."""
    cancelled = sum(r.status == RegistrationStatus.CANCELLED for r in registrations)
    return len(registrations) - 1 + cancelled


def _cancelled_since(event: Event, active: list[Registration], registrations: list[Registration]) -> dt.datetime:
    """When this entry became cancelled: the event's cancellation while the owner was still
    registered, else the owner's last cancellation."""
    if event.status == EventStatus.CANCELLED and active:
        return event.updated_at
    return max(r.cancelled_at or r.updated_at for r in registrations)


def _last_change(registrations: list[Registration]) -> dt.datetime:
    return max(r.updated_at for r in registrations)


def personal_entries(user: User, now: dt.datetime) -> list[IcsEntry]:
    """The events `user` is registered for (by their e-mail), one entry per event.

    Confirmed -> CONFIRMED; waitlisted -> TENTATIVE with "대기 순번 N번"; a cancelled
    registration or event -> CANCELLED for CANCELLED_DAYS after the cancellation, then gone.
    Two queries, whatever the number of events.
    """
    criterion = Registration.email == user.email
    return _personal_event_entries(_feed_rows(criterion, now), criterion, now)


def _personal_event_entries(rows: list[Registration], criterion, now: dt.datetime) -> list[IcsEntry]:
    positions = _waitlist_positions(criterion) if any(r.status == RegistrationStatus.WAITLISTED for r in rows) else {}
    _, cancelled_cutoff = _cutoffs(now)
    entries = []
    for event, registrations in _by_event(rows):
        active = [r for r in registrations if r.status != RegistrationStatus.CANCELLED]
        bump = _sequence_bump(registrations)
        changed = _last_change(registrations)
        if event.status == EventStatus.CANCELLED or not active:
            if _cancelled_since(event, active, registrations) < cancelled_cutoff:
                continue
            note = "행사가 취소되었습니다." if event.status == EventStatus.CANCELLED else "참가 신청이 취소되었습니다."
            entries.append(IcsEntry(event, status="CANCELLED", note=note, sequence_bump=bump, last_modified=changed))
            continue
        registration = active[0]  # one active registration per event and address (unique index)
        if registration.status == RegistrationStatus.WAITLISTED:
            position = positions.get(registration.id)
            note = f"대기 순번 {position}번" if position else "대기 중"
            entries.append(IcsEntry(event, status="TENTATIVE", note=note, sequence_bump=bump, last_modified=changed))
        else:
            entries.append(IcsEntry(event, status="CONFIRMED", sequence_bump=bump, last_modified=changed))
    return entries


def _attendee_label(registration: Registration, positions: dict[int, int]) -> str:
    if registration.status == RegistrationStatus.CONFIRMED:
        return f"{registration.name}(확정)"
    position = positions.get(registration.id)
    return f"{registration.name}(대기 {position})" if position else f"{registration.name}(대기)"


def company_entries(company: Company, now: dt.datetime) -> list[IcsEntry]:
    """Every event the company's people are registered for, one entry per event, with who
    attends ("참석자: 김민지(확정), 이도윤(대기 2)"). CONFIRMED if anyone has a seat, TENTATIVE
    if all are waitlisted, CANCELLED for CANCELLED_DAYS when all cancelled or the event was.
    Two queries, whatever the number of events."""
    criterion = Registration.company_id == company.id
    return _company_event_entries(_feed_rows(criterion, now), criterion, now)


def _company_event_entries(rows: list[Registration], criterion, now: dt.datetime) -> list[IcsEntry]:
    positions = _waitlist_positions(criterion) if any(r.status == RegistrationStatus.WAITLISTED for r in rows) else {}
    _, cancelled_cutoff = _cutoffs(now)
    entries = []
    for event, registrations in _by_event(rows):
        active = [r for r in registrations if r.status != RegistrationStatus.CANCELLED]
        bump = _sequence_bump(registrations)
        changed = _last_change(registrations)
        attendees = ", ".join(_attendee_label(r, positions) for r in active)
        if event.status == EventStatus.CANCELLED or not active:
            if _cancelled_since(event, active, registrations) < cancelled_cutoff:
                continue
            note = (
                "행사가 취소되었습니다." + (f" 신청자: {attendees}" if attendees else "")
                if event.status == EventStatus.CANCELLED
                else "참가 신청이 모두 취소되었습니다."
            )
            entries.append(IcsEntry(event, status="CANCELLED", note=note, sequence_bump=bump, last_modified=changed))
            continue
        confirmed = any(r.status == RegistrationStatus.CONFIRMED for r in active)
        entries.append(
            IcsEntry(
                event,
                status="CONFIRMED" if confirmed else "TENTATIVE",
                note=f"참석자: {attendees}",
                sequence_bump=bump,
                last_modified=changed,
            )
        )
    return entries


def feed_entries(token: CalendarToken, now: dt.datetime) -> list[IcsEntry | IcsItem]:
    """The events of the feed, then its 1:1 meetings (one query more than the events alone)."""
    if token.kind == CalendarTokenKind.PERSONAL:
        criterion = Registration.email == token.user.email
        rows = _feed_rows(criterion, now)
        return _personal_event_entries(rows, criterion, now) + personal_meeting_entries(token.user, now, rows)
    criterion = Registration.company_id == token.company_id
    rows = _feed_rows(criterion, now)
    return _company_event_entries(rows, criterion, now) + company_meeting_entries(token.company, now)


# --- 1:1 meetings ---------------------------------------------------------------------------
#
# A personal feed belongs to an account, and a meeting to two companies, whoever of their people
# arranged it: the personal feed holds every accepted meeting of the company the person is
# registered for at that event (their registration's company, so a colleague going to the same
# event sees the company's meetings too), and the company feed every accepted meeting of the
# company. A meeting that was accepted and then cancelled (by either side, or by staff removing
# its table), at an event that was cancelled, or at an event the person is no longer registered
# for, stays as STATUS:CANCELLED with a higher SEQUENCE for CANCELLED_DAYS. A meeting that was
# only ever requested never appears. UID: meeting-<id>@ICAL_UID_DOMAIN.

MEETING_CATEGORY = "1:1 미팅"


def _meeting_scope(now: dt.datetime) -> list:
    """Meetings a feed may show (before the owner's condition): accepted, or accepted and then
    cancelled within CANCELLED_DAYS, at non-draft events that ended within PAST_DAYS."""
    past_cutoff, cancelled_cutoff = _cutoffs(now)
    return [
        Event.status != EventStatus.DRAFT,
        Event.ends_at >= past_cutoff,
        or_(
            Meeting.status == MeetingStatus.ACCEPTED,
            and_(
                Meeting.status == MeetingStatus.CANCELLED,
                Meeting.responded_at.is_not(None),
                Meeting.cancelled_at >= cancelled_cutoff,
            ),
        ),
    ]


def _personal_meeting_clause(email: str):
    """The person has a registration (any status) at the meeting's event for one of its companies."""
    mine = aliased(Registration)
    return (
        select(mine.id)
        .where(
            mine.event_id == Meeting.event_id,
            mine.email == email,
            or_(mine.company_id == Meeting.requester_company_id, mine.company_id == Meeting.invitee_company_id),
        )
        .exists()
    )


def _company_meeting_clause(company_id: int):
    return or_(Meeting.requester_company_id == company_id, Meeting.invitee_company_id == company_id)


def _feed_meetings(owner_clause, now: dt.datetime) -> list[Meeting]:
    """The meetings with everything the VEVENT needs, in one query."""
    return list(
        db.session.scalars(
            select(Meeting)
            .join(Event, Event.id == Meeting.event_id)
            .where(owner_clause, *_meeting_scope(now))
            .options(
                contains_eager(Meeting.event).joinedload(Event.host_cluster),
                joinedload(Meeting.slot),
                joinedload(Meeting.table),
                joinedload(Meeting.requester),
                joinedload(Meeting.invitee),
            )
            .order_by(Meeting.id)
        ).unique()
    )


def _meeting_item(
    meeting: Meeting, own_company_id: int, *, status: str, note: str | None, sequence: int, changed: dt.datetime
) -> IcsItem:
    event, slot = meeting.event, meeting.slot
    other = meeting.other_company(own_company_id)
    table = meeting.table.name if meeting.table is not None else None
    url = public_url(f"/events/{event.id}")
    cluster_name = event.host_cluster.name_ko
    summary = f"1:1 미팅: {other.name}" + (f" · {table}" if table and status != "CANCELLED" else "")
    lines = [f"{event.title_ko} · {MEETING_CATEGORY}", f"상대 기업: {other.name}"]
    if table:
        lines.append(f"테이블: {table}")
    lines.append(f"시간: {kst_hhmm(slot.starts_at)}~{kst_hhmm(slot.ends_at)}")
    if note:
        lines.append(note)
    lines += ["", f"행사 페이지: {url}"]
    return IcsItem(
        uid=f"meeting-{meeting.id}",
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        summary=summary,
        description="\n".join(lines),
        location=", ".join(p for p in (table if status != "CANCELLED" else None, event.venue_name) if p),
        url=url,
        status=status,
        sequence=sequence,
        created=meeting.responded_at or meeting.created_at,
        last_modified=changed,
        categories=(MEETING_CATEGORY, cluster_name),
        organizer_name=f"Moim · {cluster_name}",
    )


def _meeting_cancellation(meeting: Meeting) -> tuple[str, dt.datetime] | None:
    """Why and since when a meeting is off by itself (the meeting or its event cancelled)."""
    if meeting.status == MeetingStatus.CANCELLED:
        return "미팅이 취소되었습니다.", meeting.cancelled_at or meeting.updated_at
    if meeting.event.status == EventStatus.CANCELLED:
        return "행사가 취소되었습니다.", meeting.event.updated_at
    return None


def personal_meeting_entries(user: User, now: dt.datetime, rows: list[Registration] | None = None) -> list[IcsItem]:
    """The accepted meetings of the companies `user` is registered for (see above). `rows`: the
    feed's registrations when already loaded (they decide "no longer registered" and SEQUENCE)."""
    if rows is None:
        rows = _feed_rows(Registration.email == user.email, now)
    by_event: dict[int, list[Registration]] = {}
    for registration in rows:
        by_event.setdefault(registration.event_id, []).append(registration)
    _, cancelled_cutoff = _cutoffs(now)
    items = []
    for meeting in _feed_meetings(_personal_meeting_clause(user.email), now):
        registrations = by_event.get(meeting.event_id, [])
        ours = [r for r in registrations if r.company_id in (meeting.requester_company_id, meeting.invitee_company_id)]
        if not ours:
            continue
        active = [r for r in ours if r.status != RegistrationStatus.CANCELLED]
        off = _meeting_cancellation(meeting)
        if off is None and not active:
            off = "참가 신청이 취소되었습니다.", max(r.cancelled_at or r.updated_at for r in ours)
        if off is not None and off[1] < cancelled_cutoff:
            continue
        sequence = _sequence_bump(registrations) + (1 if _meeting_cancellation(meeting) else 0)
        changed = max(meeting.updated_at, meeting.event.updated_at, _last_change(registrations))
        items.append(
            _meeting_item(
                meeting,
                ours[0].company_id,
                status="CANCELLED" if off else "CONFIRMED",
                note=off[0] if off else None,
                sequence=sequence,
                changed=changed,
            )
        )
    return items


def company_meeting_entries(company: Company, now: dt.datetime) -> list[IcsItem]:
    """Every accepted meeting of the company (see above)."""
    _, cancelled_cutoff = _cutoffs(now)
    items = []
    for meeting in _feed_meetings(_company_meeting_clause(company.id), now):
        off = _meeting_cancellation(meeting)
        if off is not None and off[1] < cancelled_cutoff:
            continue
        items.append(
            _meeting_item(
                meeting,
                company.id,
                status="CANCELLED" if off else "CONFIRMED",
                note=off[0] if off else None,
                sequence=1 if off else 0,
                changed=max(meeting.updated_at, meeting.event.updated_at),
            )
        )
    return items


def feed_name(token: CalendarToken) -> str:
    """The calendar's name in the subscriber's app (X-WR-CALNAME), Korean like the feed."""
    if token.kind == CalendarTokenKind.PERSONAL:
        return "Moim · 내 행사"
    return f"Moim · {token.company.name} 참가 행사"


# --- conditional requests ----------------------------------------------------------------


def feed_fingerprint(token: CalendarToken, now: dt.datetime) -> str:
    """A hash that changes whenever the feed's content may have changed, from one aggregate
    query and without building the calendar, so a 304 costs two small queries.

    It covers the owner's registrations and their events (count, latest updated_at), the
    registrations of events where the owner waits (a place ahead moving changes the position)
    and, for each time window, how many rows are still inside it: a window only ever closes,
    so an entry aging out of the feed lowers one of those counts.
    """
    if token.kind == CalendarTokenKind.PERSONAL:
        criterion = Registration.email == token.user.email
        owner_key = f"user:{token.user_id}:{token.user.email}"
    else:
        criterion = Registration.company_id == token.company_id
        owner_key = f"company:{token.company_id}:{token.company.name}"
    past_cutoff, cancelled_cutoff = _cutoffs(now)
    # correlate(None): these subqueries read registrations on their own, not the outer row.
    waited_events = (
        select(Registration.event_id)
        .where(criterion, Registration.status == RegistrationStatus.WAITLISTED)
        .correlate(None)
    )
    other = aliased(Registration)
    others_count = (
        select(func.count(other.id)).where(other.event_id.in_(waited_events)).correlate(None).scalar_subquery()
    )
    others_changed = (
        select(func.max(other.updated_at)).where(other.event_id.in_(waited_events)).correlate(None).scalar_subquery()
    )
    meetings = _meeting_fingerprint(
        _personal_meeting_clause(token.user.email)
        if token.kind == CalendarTokenKind.PERSONAL
        else _company_meeting_clause(token.company_id),
        now,
    )
    row = db.session.execute(
        select(
            func.count(Registration.id),
            func.max(Registration.updated_at),
            func.max(Event.updated_at),
            func.coalesce(
                func.sum(
                    case(
                        (
                            (Registration.status == RegistrationStatus.CANCELLED)
                            & (func.coalesce(Registration.cancelled_at, Registration.updated_at) >= cancelled_cutoff),
                            1,
                        ),
                        else_=0,
                    )
                ),
                0,
            ),
            func.coalesce(
                func.sum(
                    case(((Event.status == EventStatus.CANCELLED) & (Event.updated_at >= cancelled_cutoff), 1), else_=0)
                ),
                0,
            ),
            others_count,
            others_changed,
            *meetings,
        )
        .select_from(Registration)
        .join(Event, Event.id == Registration.event_id)
        .where(criterion, Event.status != EventStatus.DRAFT, Event.ends_at >= past_cutoff)
    ).one()
    # feed_etag() adds the builder's version and the settings written into the file.
    basis = "|".join(str(part) for part in (FEED_FORMAT, owner_key, *row))
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()


def _meeting_fingerprint(owner_clause, now: dt.datetime) -> list:
    """Scalar subqueries over the feed's meetings, for the fingerprint's one query: how many are
    in the feed's windows (a cancellation aging out lowers it), their latest change, and the
    latest change of their companies (a renamed company renames the entry)."""
    requester, invitee = aliased(Company), aliased(Company)

    def over_meetings(column):
        return (
            select(column)
            .select_from(Meeting)
            .join(Event, Event.id == Meeting.event_id)
            .join(requester, requester.id == Meeting.requester_company_id)
            .join(invitee, invitee.id == Meeting.invitee_company_id)
            .where(owner_clause, *_meeting_scope(now))
            .correlate(None)
            .scalar_subquery()
        )

    return [
        over_meetings(func.count(Meeting.id)),
        over_meetings(func.max(Meeting.updated_at)),
        over_meetings(func.max(requester.updated_at)),
        over_meetings(func.max(invitee.updated_at)),
    ]


@dataclasses.dataclass(frozen=True)
class FeedState:
    """What the feed route needs for a conditional answer, and what to remember of this poll."""

    etag_basis: str  # the fingerprint: feed_response() derives the ETag from it
    last_modified: dt.datetime
    updates: dict  # columns of the token row to write; empty on an ordinary unchanged poll


def feed_state(token: CalendarToken, now: dt.datetime) -> FeedState:
    """The feed's fingerprint and Last-Modified date, without building the calendar.

    Last-Modified is when this token's feed was first served with its current content (kept
    on the token row): unlike the newest updated_at it also moves when an entry leaves the
    feed. Whole seconds (HTTP dates), always later than the previous one, so two changes
    within a second still differ. last_used_at is written at most once an hour.
    """
    basis = feed_fingerprint(token, now)
    etag = feed_etag(basis)
    updates: dict = {}
    last_modified = token.feed_changed_at
    if token.feed_etag != etag or last_modified is None:
        changed = now.replace(microsecond=0)
        if last_modified is not None and changed <= last_modified:
            changed = last_modified + dt.timedelta(seconds=1)
        updates.update(feed_etag=etag, feed_changed_at=changed)
        last_modified = changed
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        updates["last_used_at"] = now
    return FeedState(etag_basis=basis, last_modified=last_modified, updates=updates)


def save_feed_state(token_id: int, updates: dict) -> None:
    """Write what feed_state() asked for, as a writer transaction (SQLite: BEGIN IMMEDIATE,
    so a poll never fails on a read snapshot that went stale meanwhile)."""
    begin_write()
    db.session.execute(
        update(CalendarToken)
        .where(CalendarToken.id == token_id)
        .values(**updates)
        .execution_options(synchronize_session=False)
    )
