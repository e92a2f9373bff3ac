"""The council attendance record (입주기업협의회 출석부): one row per member company, for the minutes.

Built on the door check-in and the proxy rules, never beside them: the quorum figures come
from ``app.events.council.quorum`` (the one place the rule lives) and the proxies from
``app.events.proxy``. A fixed number of queries whatever the size of the council.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import select

from app.events.council import quorum, voting_power
from app.events.proxy import proxies_for
from app.extensions import db
from app.i18n import format_kst, format_kst_range, format_kst_time
from app.models import AttendeeRole, CheckIn, Company, Event, EventKind, Registration, RegistrationStatus


class NotCouncilMeeting(ValueError):
    """The event is not a council meeting: it has no attendance record."""


@dataclasses.dataclass
class Person:
    name: str
    checked_in_at: dt.datetime | None = None
    checked_out_at: dt.datetime | None = None

    @property
    def present(self) -> bool:
        return self.checked_in_at is not None


@dataclasses.dataclass
class MemberRow:
    company_id: int
    company: str
    voter: Person | None
    observers: list[Person]
    proxy_to: str | None  # the member company it handed its vote to
    proxies_from: list[str]  # the member companies whose votes it holds
    votes: int  # votes this company's voter brings into the room now (0 when absent or gone)

    @property
    def present(self) -> bool:
        """Its voting representative was checked in (the attendance, whether or not they left since)."""
        return self.voter is not None and self.voter.present

    @property
    def status(self) -> str:
        if self.present:
            if self.voter.checked_out_at is not None:
                return _("출석 (%(time)s 퇴장)", time=format_kst_time(self.voter.checked_out_at))
            return _("출석")
        if self.proxy_to:
            return _("위임")
        return _("결석")


@dataclasses.dataclass
class CouncilRecord:
    event: Event
    rows: list[MemberRow]
    quorum: dict
    generated_at: dt.datetime

    @property
    def present_count(self) -> int:
        return sum(1 for row in self.rows if row.present)

    @property
    def absent_count(self) -> int:
        return len(self.rows) - self.present_count

    @property
    def proxy_count(self) -> int:
        return sum(1 for row in self.rows if row.proxy_to)

    @property
    def when(self) -> str:
        return format_kst_range(self.event.starts_at, self.event.ends_at)

    @property
    def generated_label(self) -> str:
        return format_kst(self.generated_at)

    @property
    def reached_label(self) -> str:
        reached = self.quorum.get("reached_at")
        return format_kst_time(dt.datetime.fromisoformat(reached)) if reached else ""


def council_record(event: Event, now: dt.datetime) -> CouncilRecord:
    """The attendance record of a council meeting at ``now`` (UTC); raises NotCouncilMeeting.

    Queries: members (1), their voters' and observers' registrations with check-ins (1),
    proxies (1), voting power (2), quorum (4).
    """
    if event.kind != EventKind.COUNCIL:
        raise NotCouncilMeeting(event.id)
    members = db.session.execute(
        select(Company.id, Company.name, Company.sort_name).where(
            Company.cluster_id == event.host_cluster_id,
            Company.is_council_member.is_(True),
            Company.is_active.is_(True),
        )
    ).all()
    # Sorted here: code-point order of Hangul is 가나다 order whatever the database collation.
    members = sorted(members, key=lambda m: (m.sort_name or "", m.name, m.id))
    member_ids = {m.id for m in members}

    people = db.session.execute(
        select(
            Registration.company_id, Registration.role, Registration.name, CheckIn.checked_in_at, CheckIn.checked_out_at
        )
        .outerjoin(CheckIn, CheckIn.registration_id == Registration.id)
        .where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.company_id.in_(member_ids or {0}),
            Registration.role.in_((AttendeeRole.VOTER, AttendeeRole.OBSERVER)),
        )
        .order_by(Registration.id)
    ).all()
    voters: dict[int, Person] = {}
    observers: dict[int, list[Person]] = {}
    for company_id, role, name, checked_in_at, checked_out_at in people:
        person = Person(name, checked_in_at, checked_out_at)
        if role == AttendeeRole.VOTER:
            voters.setdefault(company_id, person)  # one per company (register() sees to it)
        else:
            observers.setdefault(company_id, []).append(person)

    given: dict[int, str] = {}
    received: dict[int, list[str]] = {}
    for proxy in proxies_for(event.id):
        if proxy.from_company_id in member_ids and proxy.to_company_id in member_ids:
            given[proxy.from_company_id] = proxy.to_company.name
            received.setdefault(proxy.to_company_id, []).append(proxy.from_company.name)
    power = voting_power(event.id)

    rows = []
    for member in members:
        voter = voters.get(member.id)
        in_room = voter is not None and voter.present and voter.checked_out_at is None
        held = power.get(member.id)
        votes = (1 + sum(1 for g in held.givers if g in member_ids)) if in_room and held else (1 if in_room else 0)
        rows.append(
            MemberRow(
                company_id=member.id,
                company=member.name,
                voter=voter,
                observers=sorted(observers.get(member.id, []), key=lambda p: p.name),
                proxy_to=given.get(member.id),
                proxies_from=received.get(member.id, []),
                votes=votes,
            )
        )
    return CouncilRecord(event=event, rows=rows, quorum=quorum(event), generated_at=now)


def record_filename(event: Event) -> tuple[str, str]:
    from app.exports import clean_filename

    return (
        clean_filename(f"협의회 출석부_{event.title_ko}") or "협의회 출석부"
    ) + ".pdf", f"council-attendance-{event.id}.pdf"
