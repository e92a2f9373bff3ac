"""Council meeting rules (입주기업협의회): the votes each company holds and the quorum.

The one place these rules live: the door dashboard, the council attendance record and the
proxy pages read them from here.
"""

from __future__ import annotations

import dataclasses

from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.i18n import kst_hhmm
from app.models import AttendeeRole, CheckIn, Company, CouncilProxy, Event, Registration, RegistrationStatus

# Registrations that hold or wait for a seat (a waitlisted voter still holds the company's vote).
_ACTIVE = (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)


def quorum_votes_needed(member_count: int) -> int:
    """Votes present that a council meeting needs: 재적 과반수 출석, more than half of the members.

    The one place the rule lives: a council with another rule (say two thirds) changes this.
    A council without members can never reach it.
    """
    return member_count // 2 + 1


@dataclasses.dataclass
class VotingPower:
    company_id: int
    own: int  # 1 when the company has an active voting representative
    received: int  # active proxies received
    # The companies whose active proxies it holds (the door quorum counts each giver once).
    givers: tuple[int, ...] = ()

    @property
    def total(self) -> int:
        return self.own + self.received


def voting_power(event_id: int) -> dict[int, VotingPower]:
    """Votes per company at this meeting (two queries): own vote + proxies received.

    Only companies holding at least one vote appear. A company that gave its vote has no
    voting representative (both give_proxy and register refuse it), so it holds none.
    """
    own_ids = db.session.scalars(
        select(Registration.company_id)
        .distinct()
        .where(
            Registration.event_id == event_id,
            Registration.company_id.is_not(None),
            Registration.role == AttendeeRole.VOTER,
            Registration.status.in_(_ACTIVE),
        )
    ).all()
    givers: dict[int, list[int]] = {}
    for from_id, to_id in db.session.execute(
        select(CouncilProxy.from_company_id, CouncilProxy.to_company_id)
        .where(CouncilProxy.event_id == event_id, CouncilProxy.revoked_at.is_(None))
        .order_by(CouncilProxy.id)
    ):
        givers.setdefault(to_id, []).append(from_id)
    power: dict[int, VotingPower] = {}
    for company_id in set(own_ids) | set(givers):
        held = tuple(givers.get(company_id, ()))
        power[company_id] = VotingPower(company_id, 1 if company_id in own_ids else 0, len(held), held)
    return power


def quorum(event: Event) -> dict:
    """The quorum of a council meeting (four queries).

    Denominator: the active council member companies of the host cluster. A member company's
    vote is present when its voting representative (role voter, confirmed) is checked in and
    has not checked out; that company then also brings the votes it holds by proxy
    (``voting_power``), each giver counted once and only while it is a member. A company that
    gave its vote never counts on its own: it has no voter, and its observers do not vote.

    Check-outs: ``present_votes`` and ``met`` are the room now, so a voter who leaves takes
    their vote and the proxies they hold out, and the meeting can fall below quorum again.
    ``reached_at`` is when the meeting first had its quorum (성원 시각, as the minutes record
    it): the check-in time of the voter whose arrival took the running count of votes, taken
    in check-in order as if nobody had left, past the threshold. It stays once reached. (A
    CheckIn keeps only the latest check-out, so the exact in-and-out history is not rebuilt
    here; the ScanLog has it if the minutes ever need it.)
    """
    members = set(
        db.session.scalars(
            select(Company.id).where(
                Company.cluster_id == event.host_cluster_id,
                Company.is_council_member.is_(True),
                Company.is_active.is_(True),
            )
        )
    )
    power = voting_power(event.id)
    voter_checkins = db.session.execute(
        select(Registration.company_id, CheckIn.checked_in_at, CheckIn.checked_out_at)
        .join(CheckIn, CheckIn.registration_id == Registration.id)
        .where(
            Registration.event_id == event.id,
            Registration.role == AttendeeRole.VOTER,
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.company_id.is_not(None),
        )
        .order_by(CheckIn.checked_in_at, Registration.id)
    ).all()
    needed = quorum_votes_needed(len(members))

    def represent(holder: int, counted: set[int]) -> None:
        """Add the member companies a holder's voter represents: itself and its proxy givers."""
        if holder in members:
            counted.add(holder)
            held = power.get(holder)
            counted.update(g for g in (held.givers if held else ()) if g in members)

    present: set[int] = set()
    in_person: set[int] = set()
    for company_id, _in, checked_out_at in voter_checkins:
        if checked_out_at is None:
            represent(company_id, present)
            if company_id in members:
                in_person.add(company_id)

    reached_at = None
    ever: set[int] = set()
    for company_id, checked_in_at, _out in voter_checkins:
        represent(company_id, ever)
        if len(ever) >= needed:
            reached_at = checked_in_at
            break

    met = bool(members) and len(present) >= needed
    if not members:
        label = _("이 클러스터 입주기업협의회에 회원사가 없습니다.")
    elif met:
        label = _("정족수 충족 (%(time)s)", time=kst_hhmm(reached_at)) if reached_at else _("정족수 충족")
    else:
        label = _("정족수 미달: %(present)d / 필요 %(needed)d", present=len(present), needed=needed)
    return {
        "members": len(members),
        "needed": needed,
        "present_votes": len(present),
        "in_person": len(in_person),
        "by_proxy": len(present) - len(in_person),
        "met": met,
        "reached_at": reached_at.isoformat() if reached_at else None,
        "reached_at_label": kst_hhmm(reached_at) if reached_at else "",
        "label": label,
        # Quorum was reached earlier but voters have since left.
        "lost": not met and reached_at is not None,
        "lost_label": (
            _("%(time)s에 정족수가 충족되었지만 지금은 미달입니다.", time=kst_hhmm(reached_at))
            if not met and reached_at is not None
            else ""
        ),
    }
