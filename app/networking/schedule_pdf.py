"""The printed 1:1 meeting schedule of an event: one page per company (가나다), for the door.

Each page: the company, its confirmed attendees, and its accepted meetings in time order with
the table, the other company and the people who arranged it on both sides. Two queries,
whatever the number of companies and meetings; one WeasyPrint document (app/pdf.py, with the
vendored Korean font). Services only: no request, no commit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from flask import render_template
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.exports import clean_filename
from app.extensions import db
from app.i18n import SEOUL, format_kst_range, to_kst
from app.models import Company, Event, Meeting, MeetingSlot, MeetingStatus, Registration, RegistrationStatus
from app.pdf import render_pdf


@dataclasses.dataclass
class ScheduleLine:
    meeting: Meeting
    other: Company
    our_person: Registration | None
    their_person: Registration | None


@dataclasses.dataclass
class CompanySchedule:
    company: Company
    attendees: list[Registration]
    lines: list[ScheduleLine]


def company_schedules(event: Event) -> list[CompanySchedule]:
    """Every company with an accepted meeting, in 가나다 order, its meetings in time order."""
    accepted = list(
        db.session.scalars(
            select(Meeting)
            .join(MeetingSlot, MeetingSlot.id == Meeting.slot_id)
            .where(Meeting.event_id == event.id, Meeting.status == MeetingStatus.ACCEPTED)
            .options(
                joinedload(Meeting.slot),
                joinedload(Meeting.table),
                joinedload(Meeting.requester).joinedload(Company.cluster),
                joinedload(Meeting.invitee).joinedload(Company.cluster),
                joinedload(Meeting.requested_by),
                joinedload(Meeting.responded_by),
            )
            .order_by(MeetingSlot.starts_at, Meeting.id)
        )
    )
    by_company: dict[int, CompanySchedule] = {}
    for meeting in accepted:
        sides = (
            (meeting.requester, meeting.invitee, meeting.requested_by, meeting.responded_by),
            (meeting.invitee, meeting.requester, meeting.responded_by, meeting.requested_by),
        )
        for company, other, ours, theirs in sides:
            schedule = by_company.setdefault(company.id, CompanySchedule(company, [], []))
            schedule.lines.append(ScheduleLine(meeting, other, ours, theirs))
    if by_company:
        for registration in db.session.scalars(
            select(Registration)
            .where(
                Registration.event_id == event.id,
                Registration.company_id.in_(by_company),
                Registration.status == RegistrationStatus.CONFIRMED,
            )
            .order_by(Registration.id)
        ):
            by_company[registration.company_id].attendees.append(registration)
        for schedule in by_company.values():
            # Code-point order of Hangul is 가나다 order, whatever the database's collation.
            schedule.attendees.sort(key=lambda r: (r.name, r.id))
    return sorted(by_company.values(), key=lambda s: (s.company.sort_name, s.company.id))


def schedule_html(event: Event, schedules: list[CompanySchedule], now: dt.datetime) -> str:
    return render_template(
        "pdf/meeting_schedule.html",
        event=event,
        event_when=format_kst_range(event.starts_at, event.ends_at),
        schedules=schedules,
        generated=_("생성: %(when)s (KST)", when=to_kst(now).strftime("%Y-%m-%d %H:%M")),
    )


def schedule_pdf(event: Event, now: dt.datetime) -> bytes:
    return render_pdf(schedule_html(event, company_schedules(event), now))


def schedule_filename(event: Event) -> tuple[str, str]:
    """(Korean file name, ASCII fallback), e.g. 2026-12-03_DMC 네트워킹 나이트_1:1 미팅 일정표.pdf."""
    day = event.starts_at.astimezone(SEOUL).date().isoformat()
    title = clean_filename(event.title_ko, max_length=80)
    return f"{day}_{title}_미팅 일정표.pdf", f"moim-event-{event.id}-{day}-meetings.pdf"
