"""An event's meeting slots and tables as staff define them, and what removing one would undo.

Times are entered in Seoul time and stored as UTC; every slot lies inside the event's time and
no two slots of an event overlap. Removing a slot or a table that holds meetings is done after
a confirmation: its accepted meetings (and, for a slot, its pending requests) are cancelled and
both companies are told by mail; the slot's meeting rows then go with it (ON DELETE CASCADE),
a removed table's cancelled meetings stay without a table. Writers lock the event row like
the meeting services do, so staff and attendees never write an event's meetings at once.
Services never commit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.i18n import SEOUL, format_kst_range, kst_hhmm
from app.models import Event, Meeting, MeetingSlot, MeetingStatus, MeetingTable
from app.networking.meetings import MeetingError, lock_event, notify_cancelled_by_staff, release

MAX_SLOTS = 60
MAX_TABLES = 200
LENGTH_MIN, LENGTH_MAX = 5, 240
TABLE_NAME_MAX = 60


class ScheduleError(ValueError):
    """A refused change to slots or tables; the message is for staff (Korean by default)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def seoul_instant(day: dt.date, clock: dt.time) -> dt.datetime:
    """A Seoul wall-clock time on a Seoul date, as an aware UTC instant (KST has no DST)."""
    return dt.datetime.combine(day, clock.replace(second=0, microsecond=0), tzinfo=SEOUL).astimezone(dt.UTC)


# --- reading ---------------------------------------------------------------------------------


@dataclasses.dataclass
class SlotRow:
    slot: MeetingSlot
    accepted: int = 0
    requested: int = 0


@dataclasses.dataclass
class Schedule:
    """What the staff part of the settings page shows: slots with their counts, the tables."""

    slots: list[SlotRow]
    tables: list[MeetingTable]
    accepted: int
    requested: int

    @property
    def table_count(self) -> int:
        return len(self.tables)


def tables_of(event_id: int) -> list[MeetingTable]:
    return list(
        db.session.scalars(
            select(MeetingTable)
            .where(MeetingTable.event_id == event_id)
            .order_by(MeetingTable.sort_order, MeetingTable.id)
        )
    )


def schedule_of(event: Event) -> Schedule:
    """Slots, tables and meeting counts per slot: three queries."""
    slots = list(
        db.session.scalars(select(MeetingSlot).where(MeetingSlot.event_id == event.id).order_by(MeetingSlot.starts_at))
    )
    counts = {
        slot_id: (accepted or 0, requested or 0)
        for slot_id, accepted, requested in db.session.execute(
            select(
                Meeting.slot_id,
                func.sum(case((Meeting.status == MeetingStatus.ACCEPTED, 1), else_=0)),
                func.sum(case((Meeting.status == MeetingStatus.REQUESTED, 1), else_=0)),
            )
            .where(Meeting.event_id == event.id)
            .group_by(Meeting.slot_id)
        )
    }
    rows = [SlotRow(slot, *counts.get(slot.id, (0, 0))) for slot in slots]
    return Schedule(
        slots=rows,
        tables=tables_of(event.id),
        accepted=sum(r.accepted for r in rows),
        requested=sum(r.requested for r in rows),
    )


def slot_or_none(event: Event, slot_id: int) -> MeetingSlot | None:
    slot = db.session.get(MeetingSlot, slot_id)
    return slot if slot is not None and slot.event_id == event.id else None


def table_or_none(event: Event, table_id: int) -> MeetingTable | None:
    table = db.session.get(MeetingTable, table_id)
    return table if table is not None and table.event_id == event.id else None


def _loaded(query):
    return query.options(
        joinedload(Meeting.slot), joinedload(Meeting.table), joinedload(Meeting.requester), joinedload(Meeting.invitee)
    )


def meetings_in_slot(slot: MeetingSlot) -> list[Meeting]:
    """The slot's accepted meetings and pending requests: what removing it cancels."""
    return list(
        db.session.scalars(
            _loaded(select(Meeting))
            .where(Meeting.slot_id == slot.id, Meeting.status.in_((MeetingStatus.ACCEPTED, MeetingStatus.REQUESTED)))
            .order_by(Meeting.status, Meeting.id)
        )
    )


def meetings_at_table(table: MeetingTable) -> list[Meeting]:
    """The table's accepted meetings: what removing it cancels."""
    return list(
        db.session.scalars(
            _loaded(select(Meeting))
            .join(MeetingSlot, MeetingSlot.id == Meeting.slot_id)
            .where(Meeting.table_id == table.id, Meeting.status == MeetingStatus.ACCEPTED)
            .order_by(MeetingSlot.starts_at, Meeting.id)
        )
    )


# --- slots -----------------------------------------------------------------------------------


def _check_inside_event(event: Event, starts: dt.datetime, ends: dt.datetime) -> None:
    if ends <= starts:
        raise ScheduleError(_("끝 시각이 시작 시각보다 늦어야 합니다."))
    if starts < event.starts_at or ends > event.ends_at:
        raise ScheduleError(
            _(
                "미팅 시간대는 행사 시간(%(range)s) 안에서 정해 주세요.",
                range=format_kst_range(event.starts_at, event.ends_at),
            )
        )


def _check_no_overlap(event: Event, windows: list[tuple[dt.datetime, dt.datetime]]) -> None:
    existing = db.session.execute(
        select(MeetingSlot.starts_at, MeetingSlot.ends_at).where(MeetingSlot.event_id == event.id)
    ).all()
    for starts, ends in windows:
        for other_starts, other_ends in existing:
            if starts < other_ends and other_starts < ends:
                raise ScheduleError(
                    _(
                        "이미 있는 시간대(%(start)s~%(end)s)와 겹칩니다.",
                        start=kst_hhmm(other_starts),
                        end=kst_hhmm(other_ends),
                    )
                )
    if len(existing) + len(windows) > MAX_SLOTS:
        raise ScheduleError(_("미팅 시간대는 한 행사에 %(n)d개까지 만들 수 있습니다.", n=MAX_SLOTS))


def generate_slots(
    event_id: int, day: dt.date, start: dt.time, end: dt.time, length_minutes: int
) -> tuple[list[MeetingSlot], int]:
    """Slots of `length_minutes` one after another from start to end (Seoul time) on `day`.

    Returns the new slots and the minutes left over at the end (too short for one more slot).
    """
    if not LENGTH_MIN <= length_minutes <= LENGTH_MAX:
        raise ScheduleError(_("미팅 길이는 %(a)d분에서 %(b)d분 사이로 정해 주세요.", a=LENGTH_MIN, b=LENGTH_MAX))
    event = lock_event(event_id, True)
    starts, ends = seoul_instant(day, start), seoul_instant(day, end)
    _check_inside_event(event, starts, ends)
    length = dt.timedelta(minutes=length_minutes)
    windows = []
    cursor = starts
    while cursor + length <= ends:
        windows.append((cursor, cursor + length))
        cursor += length
    if not windows:
        raise ScheduleError(_("미팅 길이가 시작부터 끝까지의 시간보다 깁니다."))
    _check_no_overlap(event, windows)
    slots = [MeetingSlot(event_id=event.id, starts_at=a, ends_at=b) for a, b in windows]
    db.session.add_all(slots)
    db.session.flush()
    return slots, int((ends - cursor).total_seconds() // 60)


def add_slot(event_id: int, day: dt.date, start: dt.time, end: dt.time) -> MeetingSlot:
    event = lock_event(event_id, True)
    starts, ends = seoul_instant(day, start), seoul_instant(day, end)
    _check_inside_event(event, starts, ends)
    _check_no_overlap(event, [(starts, ends)])
    slot = MeetingSlot(event_id=event.id, starts_at=starts, ends_at=ends)
    db.session.add(slot)
    db.session.flush()
    return slot


def remove_slot(event_id: int, slot_id: int, *, now: dt.datetime) -> list[Meeting]:
    """Cancel the slot's accepted meetings and pending requests, tell both companies of each,
    then delete the slot (its meeting rows with it). Returns the cancelled meetings."""
    event = lock_event(event_id, True)
    slot = slot_or_none(event, slot_id)
    if slot is None:
        raise MeetingError("unknown_slot", _("이 행사의 미팅 시간대가 아닙니다."))
    cancelled = meetings_in_slot(slot)
    for meeting in cancelled:
        release(meeting, now)
    db.session.flush()
    for meeting in cancelled:
        notify_cancelled_by_staff(meeting, "slot")
    db.session.delete(slot)
    db.session.flush()
    return cancelled


# --- tables ----------------------------------------------------------------------------------


def _clean_table_name(name: str | None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ScheduleError(_("테이블 이름을 입력해 주세요."))
    if len(name) > TABLE_NAME_MAX:
        raise ScheduleError(_("테이블 이름은 %(n)d자 이내로 입력해 주세요.", n=TABLE_NAME_MAX))
    return name


def _existing_tables(event_id: int) -> tuple[set[str], int, int]:
    """Names in use, how many tables, the highest sort order."""
    rows = db.session.execute(
        select(MeetingTable.name, MeetingTable.sort_order).where(MeetingTable.event_id == event_id)
    ).all()
    return {name for name, _order in rows}, len(rows), max((order for _name, order in rows), default=0)


def generate_tables(event_id: int, prefix: str | None, count: int) -> list[MeetingTable]:
    """Tables "<prefix> 1" .. "<prefix> <count>"; names that exist already are skipped, so running
    it again with a larger count adds the missing numbers."""
    prefix = _clean_table_name(prefix)
    if not 1 <= count <= MAX_TABLES:
        raise ScheduleError(_("테이블 수는 1에서 %(n)d 사이로 입력해 주세요.", n=MAX_TABLES))
    if len(f"{prefix} {count}") > TABLE_NAME_MAX:
        raise ScheduleError(_("테이블 이름은 %(n)d자 이내로 입력해 주세요.", n=TABLE_NAME_MAX))
    event = lock_event(event_id, True)
    names, existing, last_order = _existing_tables(event.id)
    wanted = [(n, f"{prefix} {n}") for n in range(1, count + 1) if f"{prefix} {n}" not in names]
    if existing + len(wanted) > MAX_TABLES:
        raise ScheduleError(_("테이블은 한 행사에 %(n)d개까지 만들 수 있습니다.", n=MAX_TABLES))
    tables = [
        MeetingTable(event_id=event.id, name=name, sort_order=last_order + i) for i, (_n, name) in enumerate(wanted, 1)
    ]
    db.session.add_all(tables)
    db.session.flush()
    return tables


def add_table(event_id: int, name: str | None) -> MeetingTable:
    name = _clean_table_name(name)
    event = lock_event(event_id, True)
    names, existing, last_order = _existing_tables(event.id)
    if name in names:
        raise ScheduleError(_("'%(name)s' 테이블이 이미 있습니다.", name=name))
    if existing >= MAX_TABLES:
        raise ScheduleError(_("테이블은 한 행사에 %(n)d개까지 만들 수 있습니다.", n=MAX_TABLES))
    table = MeetingTable(event_id=event.id, name=name, sort_order=last_order + 1)
    db.session.add(table)
    db.session.flush()
    return table


def remove_table(event_id: int, table_id: int, *, now: dt.datetime) -> list[Meeting]:
    """Cancel the table's accepted meetings, tell both companies of each, delete the table."""
    event = lock_event(event_id, True)
    table = table_or_none(event, table_id)
    if table is None:
        raise MeetingError("unknown_table", _("이 행사의 테이블이 아닙니다."))
    cancelled = meetings_at_table(table)
    for meeting in cancelled:
        release(meeting, now)
    db.session.flush()
    for meeting in cancelled:
        notify_cancelled_by_staff(meeting, "table")
    db.session.delete(table)
    db.session.flush()
    return cancelled
