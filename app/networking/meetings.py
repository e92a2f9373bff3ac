"""1:1 meetings between attending companies: requesting, answering, withdrawing and cancelling.

A consenting, confirmed attendee acts for their company (Attendee.company); any consenting
attendee of the invited company may answer. The rules (each refusal a MeetingError with a
Korean message that changes nothing):

- only companies attending the event (a confirmed registration), never oneself, and only a
  company whose networking profile is discoverable and that has a consenting, confirmed
  attendee who can answer;
- a slot of this event that has not started, with a free table, where neither company already
  has an accepted meeting; one open (requested or accepted) meeting per pair of companies;
- the per-company cap (Event.meetings_per_company) counts requested + accepted meetings;
- acceptance assigns the first free table and cancels both companies' other pending requests
  for that slot (their people are told); either side may cancel an accepted meeting until the
  slot starts, the requester may withdraw a pending request.

Every writer is a check-then-write: ``begin_write()`` (SQLite: BEGIN IMMEDIATE), then the event
row locked ``with_for_update()`` (PostgreSQL), so all meeting writes of one event take turns.
Behind that the database keeps the two rules two acceptances could break (MeetingSeat unique
per slot and company; one accepted meeting per slot and table): should a write still meet one,
the IntegrityError becomes the "conflict" MeetingError. Services never commit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable

from flask_babel import gettext as _
from sqlalchemy import and_, delete, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.database import begin_write
from app.extensions import db
from app.mail import queue_template, recipient_locales
from app.models import (
    Company,
    CompanyProfile,
    Event,
    EventStatus,
    Meeting,
    MeetingSeat,
    MeetingSlot,
    MeetingStatus,
    MeetingTable,
    Registration,
    RegistrationStatus,
    utcnow,
)
from app.networking.access import Attendee

MESSAGE_MAX = 300
OPEN = (MeetingStatus.REQUESTED, MeetingStatus.ACCEPTED)
# History shown under the hub's meetings part (declined, withdrawn, cancelled).
HISTORY_ON_HUB = 10

# Test-only hook, called after every check and before the write (the race window). The
# control test sets it to a short sleep; it is None in normal operation.
_after_check: Callable[[], None] | None = None


class MeetingError(ValueError):
    """A refused meeting action: a reason code and a message for the user (Korean by default)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# --- reading ---------------------------------------------------------------------------------


def _meeting_loads():
    return (
        joinedload(Meeting.slot),
        joinedload(Meeting.table),
        joinedload(Meeting.requester),
        joinedload(Meeting.invitee),
        joinedload(Meeting.requested_by),
        joinedload(Meeting.responded_by),
    )


def _involving(company_id: int):
    return or_(Meeting.requester_company_id == company_id, Meeting.invitee_company_id == company_id)


def company_meetings(event_id: int, company_id: int) -> list[Meeting]:
    """Every meeting of the company at the event (any status), with what pages show, one query."""
    return list(
        db.session.scalars(
            select(Meeting)
            .join(MeetingSlot, MeetingSlot.id == Meeting.slot_id)
            .where(Meeting.event_id == event_id, _involving(company_id))
            .options(*_meeting_loads())
            .order_by(MeetingSlot.starts_at, Meeting.id)
        )
    )


def accepted_meetings_of(event_id: int, company_id: int) -> list[Meeting]:
    """The company's accepted meetings at the event in time order (the event page's short list)."""
    return list(
        db.session.scalars(
            select(Meeting)
            .join(MeetingSlot, MeetingSlot.id == Meeting.slot_id)
            .where(Meeting.event_id == event_id, _involving(company_id), Meeting.status == MeetingStatus.ACCEPTED)
            .options(joinedload(Meeting.slot), joinedload(Meeting.table), joinedload(Meeting.requester))
            .options(joinedload(Meeting.invitee))
            .order_by(MeetingSlot.starts_at, Meeting.id)
        )
    )


def event_slots(event_id: int) -> list[MeetingSlot]:
    return list(
        db.session.scalars(select(MeetingSlot).where(MeetingSlot.event_id == event_id).order_by(MeetingSlot.starts_at))
    )


def _answerers_exist(event_id: int, company_column):
    """A consenting, confirmed attendee of the company: someone who can answer a request."""
    return (
        select(Registration.id)
        .where(
            Registration.event_id == event_id,
            Registration.company_id == company_column,
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.networking_consent_at.is_not(None),
        )
        .exists()
    )


def requestable_companies(event_id: int, own_company_id: int) -> list[Company]:
    """The companies a request may go to: attending, discoverable, with someone to answer,
    not oneself; in 가나다 order (sorted here: code-point order of Hangul is 가나다 order,
    whatever the database's collation), one query."""
    companies = db.session.scalars(
        select(Company)
        .join(CompanyProfile, CompanyProfile.company_id == Company.id)
        .where(
            Company.id != own_company_id,
            CompanyProfile.is_discoverable.is_(True),
            _answerers_exist(event_id, Company.id),
        )
    )
    return sorted(companies, key=lambda c: (c.sort_name, c.id))


@dataclasses.dataclass
class MeetingsPanel:
    """The hub's meetings part for one attendee (see templates/networking/_meetings.html)."""

    attendee: Attendee
    company: Company | None
    now: dt.datetime
    can_request: bool = False
    reason: str | None = None  # why this attendee cannot request (guest, waitlisted)
    slot_count: int = 0
    cap: int | None = None
    open_count: int = 0
    schedule: list[Meeting] = dataclasses.field(default_factory=list)  # accepted, in time order
    incoming: list[Meeting] = dataclasses.field(default_factory=list)  # requested, to us
    outgoing: list[Meeting] = dataclasses.field(default_factory=list)  # requested, by us
    history: list[Meeting] = dataclasses.field(default_factory=list)
    companies: list[Company] = dataclasses.field(default_factory=list)  # whom a request may go to

    def started(self, meeting: Meeting) -> bool:
        return meeting.slot.starts_at <= self.now

    def other(self, meeting: Meeting) -> Company:
        return meeting.other_company(self.company.id)

    @property
    def cap_reached(self) -> bool:
        return self.cap is not None and self.open_count >= self.cap


def meetings_panel(attendee: Attendee, now: dt.datetime | None = None) -> dict:
    """Template context for the hub's meetings part: three queries (the company's meetings with
    their slots, tables, companies and people; the slot count; the companies a request may go to)."""
    now = now or utcnow()
    panel = MeetingsPanel(attendee=attendee, company=attendee.company, now=now)
    event = attendee.event
    panel.cap = event.meetings_per_company
    if panel.company is None:
        panel.reason = _("외부 기업 참가자는 1:1 미팅을 요청하거나 받을 수 없습니다. 명함 교환은 쓸 수 있습니다.")
        return {"meetings_panel": panel}
    panel.slot_count = db.session.scalar(select(func.count()).where(MeetingSlot.event_id == event.id)) or 0
    for meeting in company_meetings(event.id, panel.company.id):
        if meeting.status == MeetingStatus.ACCEPTED:
            panel.schedule.append(meeting)
        elif meeting.status == MeetingStatus.REQUESTED:
            (panel.incoming if meeting.invitee_company_id == panel.company.id else panel.outgoing).append(meeting)
        else:
            panel.history.append(meeting)
        panel.open_count += meeting.status in OPEN
    panel.history = sorted(panel.history, key=lambda m: m.updated_at, reverse=True)[:HISTORY_ON_HUB]
    if attendee.registration.status != RegistrationStatus.CONFIRMED:
        panel.reason = _("참가가 확정되면 미팅을 요청하고 수락할 수 있습니다.")
    elif event.status == EventStatus.CANCELLED:
        panel.reason = _("취소된 행사입니다.")
    elif panel.slot_count:
        panel.can_request = True
        # Companies already in an open meeting with us are not offered again (one per pair).
        met = {panel.other(m).id for m in panel.schedule + panel.incoming + panel.outgoing}
        panel.companies = [c for c in requestable_companies(event.id, panel.company.id) if c.id not in met]
    return {"meetings_panel": panel}


# --- the request page ------------------------------------------------------------------------


@dataclasses.dataclass
class SlotChoice:
    slot: MeetingSlot
    problem: str | None  # None: free for both companies and a table is free

    @property
    def free(self) -> bool:
        return self.problem is None


@dataclasses.dataclass
class RequestPage:
    company: Company | None  # the company asked for (None: none chosen yet, or no such company)
    profile: CompanyProfile | None
    problem: str | None  # why no request can go to this company now
    slots: list[SlotChoice]
    actor_problem: str | None = None  # why this attendee cannot request at all

    @property
    def free_slots(self) -> list[SlotChoice]:
        return [choice for choice in self.slots if choice.free]


def request_page(attendee: Attendee, company_id: int | None, now: dt.datetime) -> RequestPage:
    """What the request page shows for one company: whether a request may go there at all, and
    each slot with why it is not free (a fixed number of queries)."""
    own = _actor_problem(attendee.registration, confirmed=True)
    if own is not None:
        return RequestPage(None, None, None, [], actor_problem=own.message)
    if company_id is None:
        return RequestPage(None, None, None, [])
    company = db.session.get(Company, company_id)
    try:
        _check_invitee(attendee.event, attendee.company.id, company)
    except MeetingError as exc:
        # Not named on the page: an undiscoverable company appears nowhere.
        return RequestPage(None, None, exc.message, [])
    try:
        _check_pair_and_caps(attendee.event, attendee.company.id, company)
    except MeetingError as exc:
        return RequestPage(company, _profile(company), exc.message, [])
    slots = event_slots(attendee.event.id)
    busy = _busy_companies_by_slot(attendee.event.id)
    tables = _table_count(attendee.event.id)
    used = _accepted_by_slot(attendee.event.id)
    choices = []
    for slot in slots:
        if slot.starts_at <= now:
            problem = _("이미 시작했거나 지난 시간대입니다.")
        elif attendee.company.id in busy.get(slot.id, ()):
            problem = _("귀사는 이 시간대에 이미 확정된 미팅이 있습니다.")
        elif company.id in busy.get(slot.id, ()):
            problem = _("상대 기업은 이 시간대에 이미 확정된 미팅이 있습니다.")
        elif used.get(slot.id, 0) >= tables:
            problem = _("이 시간대에는 빈 테이블이 없습니다.")
        else:
            problem = None
        choices.append(SlotChoice(slot, problem))
    return RequestPage(company, _profile(company), None, choices)


def _profile(company: Company | None) -> CompanyProfile | None:
    return db.session.get(CompanyProfile, company.id) if company is not None else None


def _busy_companies_by_slot(event_id: int) -> dict[int, set[int]]:
    rows = db.session.execute(
        select(MeetingSeat.slot_id, MeetingSeat.company_id)
        .join(MeetingSlot, MeetingSlot.id == MeetingSeat.slot_id)
        .where(MeetingSlot.event_id == event_id)
    )
    busy: dict[int, set[int]] = {}
    for slot_id, company_id in rows:
        busy.setdefault(slot_id, set()).add(company_id)
    return busy


def _accepted_by_slot(event_id: int) -> dict[int, int]:
    return dict(
        db.session.execute(
            select(Meeting.slot_id, func.count())
            .where(Meeting.event_id == event_id, Meeting.status == MeetingStatus.ACCEPTED)
            .group_by(Meeting.slot_id)
        ).all()
    )


def _table_count(event_id: int) -> int:
    return db.session.scalar(select(func.count()).where(MeetingTable.event_id == event_id)) or 0


# --- the checks ------------------------------------------------------------------------------


def _actor_problem(registration: Registration, *, confirmed: bool) -> MeetingError | None:
    """Why this person cannot act for a company in meetings now, or None."""
    if registration.networking_consent_at is None:
        return MeetingError("not_consented", _("네트워킹 참여에 동의해야 1:1 미팅을 쓸 수 있습니다."))
    if registration.company_id is None:
        return MeetingError(
            "guest", _("외부 기업 참가자는 1:1 미팅을 요청하거나 받을 수 없습니다. 명함 교환은 쓸 수 있습니다.")
        )
    if registration.status == RegistrationStatus.CANCELLED:
        return MeetingError("not_registered", _("참가 신청이 취소되어 미팅을 관리할 수 없습니다."))
    if confirmed and registration.status != RegistrationStatus.CONFIRMED:
        return MeetingError("not_confirmed", _("참가가 확정되면 미팅을 요청하고 수락할 수 있습니다."))
    if registration.event.status == EventStatus.CANCELLED:
        return MeetingError("event_cancelled", _("취소된 행사입니다."))
    return None


def _check_invitee(event: Event, own_company_id: int, company: Company | None) -> None:
    if company is None:
        raise MeetingError("no_company", _("미팅을 요청할 기업을 목록에서 골라 주세요."))
    if company.id == own_company_id:
        raise MeetingError("oneself", _("자기 기업에는 미팅을 요청할 수 없습니다."))
    attending = db.session.scalar(
        select(
            exists().where(
                Registration.event_id == event.id,
                Registration.company_id == company.id,
                Registration.status == RegistrationStatus.CONFIRMED,
            )
        )
    )
    if not attending:
        raise MeetingError("not_attending", _("이 행사에 참가하는 기업이 아니라 미팅을 요청할 수 없습니다."))
    profile = db.session.get(CompanyProfile, company.id)
    if profile is None or not profile.is_discoverable:
        raise MeetingError(
            "not_discoverable", _("이 기업은 네트워킹 프로필을 공개하지 않아 미팅을 요청할 수 없습니다.")
        )
    if not db.session.scalar(select(_answerers_exist(event.id, company.id))):
        raise MeetingError(
            "no_answerer",
            _(
                "%(company)s에는 아직 네트워킹에 참여한 참석자가 없어 요청에 답할 사람이 없습니다.",
                company=company.name,
            ),
        )


def _open_counts(event_id: int, company_ids: Iterable[int]) -> dict[int, int]:
    """Requested + accepted meetings per company at the event (what the cap counts)."""
    ids = list(company_ids)
    counts = dict.fromkeys(ids, 0)
    rows = db.session.execute(
        select(Meeting.requester_company_id, Meeting.invitee_company_id).where(
            Meeting.event_id == event_id,
            Meeting.status.in_(OPEN),
            or_(Meeting.requester_company_id.in_(ids), Meeting.invitee_company_id.in_(ids)),
        )
    )
    for requester_id, invitee_id in rows:
        for company_id in (requester_id, invitee_id):
            if company_id in counts:
                counts[company_id] += 1
    return counts


def _check_pair_and_caps(event: Event, own_company_id: int, company: Company) -> None:
    pair_open = db.session.scalar(
        select(
            exists().where(
                Meeting.event_id == event.id,
                Meeting.status.in_(OPEN),
                or_(
                    and_(Meeting.requester_company_id == own_company_id, Meeting.invitee_company_id == company.id),
                    and_(Meeting.requester_company_id == company.id, Meeting.invitee_company_id == own_company_id),
                ),
            )
        )
    )
    if pair_open:
        raise MeetingError(
            "pair_open", _("%(company)s와(과)는 이미 요청 중이거나 확정된 미팅이 있습니다.", company=company.name)
        )
    cap = event.meetings_per_company
    if cap is None:
        return
    counts = _open_counts(event.id, (own_company_id, company.id))
    if counts[own_company_id] >= cap:
        raise MeetingError(
            "own_cap", _("귀사는 이 행사에서 미팅을 %(n)d건까지 잡을 수 있습니다 (요청 중인 미팅 포함).", n=cap)
        )
    if counts[company.id] >= cap:
        raise MeetingError(
            "other_cap",
            _("%(company)s은(는) 이 행사의 미팅 수 상한(%(n)d건)에 도달했습니다.", company=company.name, n=cap),
        )


def _slot_of(event: Event, slot_id: int | None) -> MeetingSlot:
    if slot_id is None:
        raise MeetingError("no_slot", _("미팅 시간대를 골라 주세요."))
    slot = db.session.get(MeetingSlot, slot_id)
    if slot is None or slot.event_id != event.id:
        raise MeetingError("unknown_slot", _("이 행사의 미팅 시간대가 아닙니다. 목록에서 다시 골라 주세요."))
    return slot


def _check_slot_open(slot: MeetingSlot, now: dt.datetime) -> None:
    if slot.starts_at <= now:
        raise MeetingError("slot_started", _("이미 시작했거나 지난 시간대입니다."))


def _check_seats(slot: MeetingSlot, own_company_id: int, other: Company) -> None:
    busy = set(
        db.session.scalars(
            select(MeetingSeat.company_id).where(
                MeetingSeat.slot_id == slot.id, MeetingSeat.company_id.in_((own_company_id, other.id))
            )
        )
    )
    if own_company_id in busy:
        raise MeetingError("own_busy", _("귀사는 이 시간대에 이미 확정된 미팅이 있습니다."))
    if other.id in busy:
        raise MeetingError(
            "other_busy", _("%(company)s은(는) 이 시간대에 이미 확정된 미팅이 있습니다.", company=other.name)
        )


def _free_table(slot: MeetingSlot) -> MeetingTable | None:
    """The first table (in the staff's order) without an accepted meeting in the slot."""
    taken = select(Meeting.table_id).where(
        Meeting.slot_id == slot.id, Meeting.status == MeetingStatus.ACCEPTED, Meeting.table_id.is_not(None)
    )
    return db.session.scalars(
        select(MeetingTable)
        .where(MeetingTable.event_id == slot.event_id, MeetingTable.id.not_in(taken))
        .order_by(MeetingTable.sort_order, MeetingTable.id)
        .limit(1)
    ).first()


def _check_table(slot: MeetingSlot) -> MeetingTable:
    table = _free_table(slot)
    if table is None:
        raise MeetingError("no_table", _("이 시간대에는 빈 테이블이 없습니다. 다른 시간대를 골라 주세요."))
    return table


def clean_message(message: str | None) -> str:
    message = (message or "").replace("\r\n", "\n").strip()
    if len(message) > MESSAGE_MAX:
        raise MeetingError(
            "message_too_long",
            _("메시지는 %(n)d자 이내로 입력해 주세요. (지금 %(now)d자)", n=MESSAGE_MAX, now=len(message)),
        )
    return message


# --- writing ---------------------------------------------------------------------------------


def lock_event(event_id: int, lock: bool) -> Event:
    """Start the check-then-write: writer transaction, then the event row locked."""
    if lock:
        begin_write()
    query = select(Event).where(Event.id == event_id).execution_options(populate_existing=True)
    event = db.session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    if event is None:
        raise MeetingError("not_found", _("행사를 찾을 수 없습니다."))
    return event


def _actor(registration_id: int, event: Event, *, confirmed: bool) -> Registration:
    registration = db.session.execute(
        select(Registration).where(Registration.id == registration_id).execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if registration is None or registration.event_id != event.id:
        raise MeetingError("not_found", _("참가 신청을 찾을 수 없습니다."))
    problem = _actor_problem(registration, confirmed=confirmed)
    if problem is not None:
        raise problem
    return registration


def _meeting_for(event: Event, meeting_id: int, company_id: int) -> Meeting:
    """A meeting of this event that involves the actor's company (re-read after the lock)."""
    meeting = db.session.execute(
        select(Meeting)
        .where(Meeting.id == meeting_id)
        .options(*_meeting_loads())
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if (
        meeting is None
        or meeting.event_id != event.id
        or company_id
        not in (
            meeting.requester_company_id,
            meeting.invitee_company_id,
        )
    ):
        raise MeetingError("not_found", _("미팅을 찾을 수 없습니다."))
    return meeting


def _flush_or_conflict() -> None:
    try:
        db.session.flush()
    except IntegrityError:
        # Only reachable when a check was bypassed (the control test's unlocked path) or a
        # rule was broken by a writer that does not lock: the database refused a double booking.
        raise MeetingError(
            "conflict", _("방금 다른 미팅이 같은 시간대나 테이블을 먼저 잡았습니다. 목록을 다시 확인해 주세요.")
        ) from None


def request_meeting(
    registration_id: int,
    invitee_company_id: int | None,
    slot_id: int | None,
    message: str | None,
    *,
    now: dt.datetime,
    _lock: bool = True,
) -> Meeting:
    """A request from the attendee's company to another for one slot; mailed to both sides."""
    registration = db.session.get(Registration, registration_id)
    if registration is None:
        raise MeetingError("not_found", _("참가 신청을 찾을 수 없습니다."))
    message = clean_message(message)
    event = lock_event(registration.event_id, _lock)
    actor = _actor(registration_id, event, confirmed=True)
    invitee = db.session.get(Company, invitee_company_id) if invitee_company_id is not None else None
    _check_invitee(event, actor.company_id, invitee)
    slot = _slot_of(event, slot_id)
    _check_slot_open(slot, now)
    _check_pair_and_caps(event, actor.company_id, invitee)
    _check_seats(slot, actor.company_id, invitee)
    _check_table(slot)
    if _after_check is not None:
        _after_check()
    meeting = Meeting(
        event=event,
        slot=slot,
        requester=actor.company,
        invitee=invitee,
        status=MeetingStatus.REQUESTED,
        message=message,
        requested_by=actor,
        created_at=now,
        updated_at=now,
    )
    db.session.add(meeting)
    _flush_or_conflict()
    _notify(meeting, "meeting_requested")
    return meeting


@dataclasses.dataclass
class Accepted:
    meeting: Meeting
    superseded: list[Meeting]  # the two companies' other pending requests for the slot, now cancelled


def accept_meeting(registration_id: int, meeting_id: int, *, now: dt.datetime, _lock: bool = True) -> Accepted:
    """The invited company says yes: the first free table is given, both companies hold the slot
    (MeetingSeat), and their other pending requests for that slot are cancelled and told."""
    registration = db.session.get(Registration, registration_id)
    if registration is None:
        raise MeetingError("not_found", _("참가 신청을 찾을 수 없습니다."))
    event = lock_event(registration.event_id, _lock)
    actor = _actor(registration_id, event, confirmed=True)
    meeting = _meeting_for(event, meeting_id, actor.company_id)
    if meeting.status != MeetingStatus.REQUESTED:
        raise MeetingError("not_pending", _("이미 답했거나 취소된 요청입니다."))
    if meeting.invitee_company_id != actor.company_id:
        raise MeetingError("not_invitee", _("요청을 받은 기업의 참석자만 수락할 수 있습니다."))
    slot = meeting.slot
    _check_slot_open(slot, now)
    _check_seats(slot, actor.company_id, meeting.requester)
    cap = event.meetings_per_company
    if cap is not None:
        accepted = _accepted_counts(event.id, (meeting.requester_company_id, meeting.invitee_company_id))
        if accepted[actor.company_id] >= cap:
            raise MeetingError("own_cap", _("귀사는 이 행사에서 미팅을 %(n)d건까지 잡을 수 있습니다.", n=cap))
        if accepted[meeting.requester_company_id] >= cap:
            raise MeetingError(
                "other_cap",
                _(
                    "%(company)s은(는) 이 행사의 미팅 수 상한(%(n)d건)에 도달했습니다.",
                    company=meeting.requester.name,
                    n=cap,
                ),
            )
    table = _check_table(slot)
    if _after_check is not None:
        _after_check()
    meeting.status = MeetingStatus.ACCEPTED
    meeting.table = table
    meeting.responded_by = actor
    meeting.responded_at = now
    meeting.updated_at = now
    for company_id in (meeting.requester_company_id, meeting.invitee_company_id):
        db.session.add(MeetingSeat(meeting_id=meeting.id, company_id=company_id, slot_id=slot.id))
    _flush_or_conflict()
    superseded = list(
        db.session.scalars(
            select(Meeting)
            .where(
                Meeting.slot_id == slot.id,
                Meeting.id != meeting.id,
                Meeting.status == MeetingStatus.REQUESTED,
                or_(
                    Meeting.requester_company_id.in_((meeting.requester_company_id, meeting.invitee_company_id)),
                    Meeting.invitee_company_id.in_((meeting.requester_company_id, meeting.invitee_company_id)),
                ),
            )
            .options(*_meeting_loads())
            .order_by(Meeting.id)
        )
    )
    for other in superseded:
        other.status = MeetingStatus.CANCELLED
        other.cancelled_at = now
        other.updated_at = now
    db.session.flush()
    _notify(meeting, "meeting_accepted")
    for other in superseded:
        _notify(other, "meeting_cancelled", reason="superseded")
    return Accepted(meeting, superseded)


def _accepted_counts(event_id: int, company_ids: tuple[int, int]) -> dict[int, int]:
    counts = dict.fromkeys(company_ids, 0)
    rows = db.session.execute(
        select(MeetingSeat.company_id, func.count())
        .join(MeetingSlot, MeetingSlot.id == MeetingSeat.slot_id)
        .where(MeetingSlot.event_id == event_id, MeetingSeat.company_id.in_(company_ids))
        .group_by(MeetingSeat.company_id)
    )
    counts.update(dict(rows.all()))
    return counts


def decline_meeting(registration_id: int, meeting_id: int, *, now: dt.datetime) -> Meeting:
    registration = db.session.get(Registration, registration_id)
    if registration is None:
        raise MeetingError("not_found", _("참가 신청을 찾을 수 없습니다."))
    event = lock_event(registration.event_id, True)
    actor = _actor(registration_id, event, confirmed=False)
    meeting = _meeting_for(event, meeting_id, actor.company_id)
    if meeting.status != MeetingStatus.REQUESTED:
        raise MeetingError("not_pending", _("이미 답했거나 취소된 요청입니다."))
    if meeting.invitee_company_id != actor.company_id:
        raise MeetingError("not_invitee", _("요청을 받은 기업의 참석자만 거절할 수 있습니다."))
    meeting.status = MeetingStatus.DECLINED
    meeting.responded_by = actor
    meeting.responded_at = now
    meeting.updated_at = now
    db.session.flush()
    _notify(meeting, "meeting_declined")
    return meeting


def withdraw_meeting(registration_id: int, meeting_id: int, *, now: dt.datetime) -> Meeting:
    """The requesting company takes back a request not yet answered."""
    registration = db.session.get(Registration, registration_id)
    if registration is None:
        raise MeetingError("not_found", _("참가 신청을 찾을 수 없습니다."))
    event = lock_event(registration.event_id, True)
    actor = _actor(registration_id, event, confirmed=False)
    meeting = _meeting_for(event, meeting_id, actor.company_id)
    if meeting.status != MeetingStatus.REQUESTED:
        raise MeetingError("not_pending", _("이미 답했거나 취소된 요청입니다."))
    if meeting.requester_company_id != actor.company_id:
        raise MeetingError("not_requester", _("요청한 기업의 참석자만 요청을 철회할 수 있습니다."))
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancelled_at = now
    meeting.updated_at = now
    db.session.flush()
    _notify(meeting, "meeting_cancelled", reason="withdrawn", by_company=actor.company)
    return meeting


def cancel_meeting(registration_id: int, meeting_id: int, *, now: dt.datetime) -> Meeting:
    """Either side cancels an accepted meeting before its slot starts: the table and both
    companies' places in the slot are free again."""
    registration = db.session.get(Registration, registration_id)
    if registration is None:
        raise MeetingError("not_found", _("참가 신청을 찾을 수 없습니다."))
    event = lock_event(registration.event_id, True)
    actor = _actor(registration_id, event, confirmed=False)
    meeting = _meeting_for(event, meeting_id, actor.company_id)
    if meeting.status != MeetingStatus.ACCEPTED:
        raise MeetingError("not_accepted", _("확정된 미팅만 취소할 수 있습니다."))
    if meeting.slot.starts_at <= now:
        raise MeetingError("slot_started", _("이미 시작한 미팅은 취소할 수 없습니다."))
    release(meeting, now)
    db.session.flush()
    _notify(meeting, "meeting_cancelled", reason="cancelled", by_company=actor.company)
    return meeting


def release(meeting: Meeting, now: dt.datetime) -> None:
    """Cancel a meeting (accepted or requested) and free its places in the slot; no mail.

    The table stays on the row as history: the unique index only holds accepted meetings.
    """
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancelled_at = now
    meeting.updated_at = now
    db.session.execute(delete(MeetingSeat).where(MeetingSeat.meeting_id == meeting.id))


# --- mail ------------------------------------------------------------------------------------


def answerers(event_id: int, company_id: int) -> list[Registration]:
    """The company's consenting, confirmed attendees at the event, who may answer for it."""
    return list(
        db.session.scalars(
            select(Registration)
            .where(
                Registration.event_id == event_id,
                Registration.company_id == company_id,
                Registration.status == RegistrationStatus.CONFIRMED,
                Registration.networking_consent_at.is_not(None),
            )
            .order_by(Registration.created_at, Registration.id)
        )
    )


def _side(meeting: Meeting, acting: Registration | None, company_id: int) -> list[Registration]:
    """Who hears about a meeting on one side: the attendee who acted for the company, or, when
    nobody has yet (or that person left), the company's attendees who may answer."""
    if (
        acting is not None
        and acting.status != RegistrationStatus.CANCELLED
        and acting.networking_consent_at is not None
        and acting.company_id == company_id
    ):
        return [acting]
    return answerers(meeting.event_id, company_id)


def people_to_tell(meeting: Meeting) -> list[tuple[Registration, bool]]:
    """(registration, is_requester_side) for both sides, each address once."""
    seen: set[str] = set()
    people = []
    sides = (
        (meeting.requested_by, meeting.requester_company_id, True),
        (meeting.responded_by, meeting.invitee_company_id, False),
    )
    for acting, company_id, requester_side in sides:
        for registration in _side(meeting, acting, company_id):
            if registration.email not in seen:
                seen.add(registration.email)
                people.append((registration, requester_side))
    return people


def _notify(meeting: Meeting, template: str, **context) -> int:
    """Queue one mail per person of both sides, each in their language; returns how many."""
    people = people_to_tell(meeting)
    locales = recipient_locales([r.email for r, _side in people])
    for registration, requester_side in people:
        own = meeting.requester if requester_side else meeting.invitee
        other = meeting.invitee if requester_side else meeting.requester
        queue_template(
            registration.email,
            template,
            locale=locales[registration.email],
            event=meeting.event,
            meeting=meeting,
            registration=registration,
            own_company=own,
            other_company=other,
            requester_side=requester_side,
            **context,
        )
    return len(people)


def notify_cancelled_by_staff(meeting: Meeting, what: str) -> int:
    """Tell both sides that staff removed the slot or table of their meeting (`what`: "slot"/"table")."""
    return _notify(meeting, "meeting_cancelled", reason=f"staff_{what}")
