"""The 1:1 meeting tests' world on top of `net`: the event moved to a Seoul evening (18:00-22:00
KST, three days ahead), discoverable profiles, consent, slots from 19:30 and two tables, and
helpers to post the attendee's meeting actions like a browser."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import delete, select

from app.extensions import db
from app.i18n import SEOUL
from app.models import CompanyProfile, Meeting, MeetingSlot, MeetingTable, OutboxMessage, utcnow
from app.networking import meetings
from tests.helpers import csrf_token, post_form
from tests.networking.conftest import NetWorld, consent, hub_path


@dataclasses.dataclass
class MeetWorld:
    net: NetWorld
    day: dt.date  # the event's Seoul date
    slots: list[MeetingSlot]
    tables: list[MeetingTable]

    def __getattr__(self, name):  # mnet.kim, mnet.event ... come from the NetWorld
        return getattr(self.net, name)


def seoul(day: dt.date, clock: str) -> dt.datetime:
    hours, minutes = (int(p) for p in clock.split(":"))
    return dt.datetime(day.year, day.month, day.day, hours, minutes, tzinfo=SEOUL).astimezone(dt.UTC)


def discoverable(*companies, on: bool = True) -> None:
    for company in companies:
        profile = db.session.get(CompanyProfile, company.id)
        if profile is None:
            profile = CompanyProfile(company_id=company.id)
            db.session.add(profile)
        profile.is_discoverable = on
    db.session.commit()


def add_slots(event, day: dt.date, first: str = "19:30", count: int = 3, minutes: int = 20) -> list[MeetingSlot]:
    start = seoul(day, first)
    slots = []
    for n in range(count):
        slot = MeetingSlot(
            event_id=event.id,
            starts_at=start + dt.timedelta(minutes=minutes * n),
            ends_at=start + dt.timedelta(minutes=minutes * (n + 1)),
        )
        db.session.add(slot)
        slots.append(slot)
    db.session.flush()
    return slots


def add_tables(event, count: int = 2, prefix: str = "테이블") -> list[MeetingTable]:
    tables = [MeetingTable(event_id=event.id, name=f"{prefix} {n}", sort_order=n) for n in range(1, count + 1)]
    db.session.add_all(tables)
    db.session.flush()
    return tables


def make_meet_world(net: NetWorld) -> MeetWorld:
    """Each test module's `mnet` fixture: `make_meet_world(net)`."""
    day = (utcnow() + dt.timedelta(days=3)).astimezone(SEOUL).date()
    net.event.starts_at, net.event.ends_at = seoul(day, "18:00"), seoul(day, "22:00")
    world = MeetWorld(net=net, day=day, slots=add_slots(net.event, day), tables=add_tables(net.event))
    discoverable(net.nuri, net.hanbit, net.gurotech)
    consent(net.kim, net.park, net.lee, net.choi)
    return world


# --- acting like a browser ---------------------------------------------------------------------


def request_via_page(client, registration, company_id, slot_id, message: str = "", **extra):
    data = {"company": company_id, "slot": slot_id, "message": message, **extra}
    data = {k: v for k, v in data.items() if v is not None}
    return post_form(client, hub_path(registration, "/meetings/new"), data, token_from="/auth/login")


def act(client, registration, meeting_id, action: str, **kw):
    """POST accept / decline / withdraw / cancel as the hub's buttons do (with the session's CSRF token)."""
    token = csrf_token(client)
    return client.post(hub_path(registration, f"/meetings/{meeting_id}/{action}"), data={"csrf_token": token}, **kw)


def _drop_setup_mail() -> None:
    # Outside a request queued mail is never sent; set-up mail is not what a test looks at.
    db.session.execute(delete(OutboxMessage))
    db.session.commit()


def requested(registration, company, slot, message: str = "") -> Meeting:
    """A request made through the service and committed (test set-up; its mail dropped)."""
    meeting = meetings.request_meeting(registration.id, company.id, slot.id, message, now=utcnow())
    db.session.commit()
    _drop_setup_mail()
    return meeting


def accepted(requester_reg, invitee_reg, slot, message: str = "") -> Meeting:
    meeting = requested(requester_reg, invitee_reg.company, slot, message)
    meetings.accept_meeting(invitee_reg.id, meeting.id, now=utcnow())
    db.session.commit()
    _drop_setup_mail()
    return meeting


def meeting_rows() -> list[Meeting]:
    db.session.rollback()
    return list(db.session.scalars(select(Meeting).order_by(Meeting.id)))


def snapshot() -> list[tuple]:
    """Everything a refused action must leave as it was."""
    from app.models import MeetingSeat, OutboxMessage

    db.session.rollback()
    rows = [(m.id, m.status, m.table_id, m.responded_by_id, m.updated_at) for m in meeting_rows()]
    seats = sorted(db.session.execute(select(MeetingSeat.meeting_id, MeetingSeat.company_id)).all())
    mails = len(db.session.scalars(select(OutboxMessage.id)).all())
    return [tuple(rows), tuple(seats), mails]
