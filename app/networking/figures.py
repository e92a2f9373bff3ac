"""Networking figures for staff: per event, and summed over a cluster's events in a period.

Words:
- attending companies: directory companies with a confirmed registration at the event;
- profiles filled: of those, companies with a discoverable networking profile;
- taking part: attendees (registrations) who gave the networking consent;
- meetings requested: every meeting ever asked for (whatever became of it); accepted: those
  accepted and not cancelled; held: accepted meetings where both companies had someone checked in;
- contacts exchanged: pairs of attendees (one exchange writes a row for each side);
- cross-cluster share: of accepted meetings and contact pairs, the share between companies of
  different clusters (guests have no cluster and do not count on either side of the share).

Every function runs a fixed number of queries, whatever the number of events or rows.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import case, func, select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import (
    CheckIn,
    Company,
    CompanyProfile,
    Contact,
    Meeting,
    MeetingStatus,
    Registration,
    RegistrationStatus,
)


@dataclasses.dataclass
class NetworkingFigures:
    attending_companies: int = 0
    profiles_filled: int = 0
    taking_part: int = 0
    meetings_requested: int = 0
    meetings_accepted: int = 0
    meetings_held: int = 0
    contacts: int = 0
    cross_cluster_links: int = 0
    links: int = 0  # accepted meetings + contact pairs between two directory companies

    @property
    def cross_cluster_share(self) -> float | None:
        return self.cross_cluster_links / self.links if self.links else None

    @property
    def profile_share(self) -> float | None:
        return self.profiles_filled / self.attending_companies if self.attending_companies else None

    @property
    def is_empty(self) -> bool:
        return not (self.taking_part or self.meetings_requested or self.contacts)


def event_figures(event_id: int) -> NetworkingFigures:
    return figures_for([event_id])


def figures_for(event_ids: list[int]) -> NetworkingFigures:
    """The figures summed over these events (six queries)."""
    figures = NetworkingFigures()
    if not event_ids:
        return figures
    attending = (
        select(Registration.event_id, Registration.company_id)
        .where(
            Registration.event_id.in_(event_ids),
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.company_id.is_not(None),
        )
        .distinct()
        .subquery()
    )
    figures.attending_companies = db.session.scalar(select(func.count()).select_from(attending)) or 0
    figures.profiles_filled = (
        db.session.scalar(
            select(func.count())
            .select_from(attending)
            .join(CompanyProfile, CompanyProfile.company_id == attending.c.company_id)
            .where(CompanyProfile.is_discoverable.is_(True))
        )
        or 0
    )
    figures.taking_part = (
        db.session.scalar(
            select(func.count()).where(
                Registration.event_id.in_(event_ids),
                Registration.status == RegistrationStatus.CONFIRMED,
                Registration.networking_consent_at.is_not(None),
            )
        )
        or 0
    )
    figures.meetings_requested = (
        db.session.scalar(select(func.count()).select_from(Meeting).where(Meeting.event_id.in_(event_ids))) or 0
    )

    # Accepted meetings with the two companies' clusters and whether each side had someone in.
    requester, invitee = aliased(Company), aliased(Company)

    def side_checked_in(company_column):
        return (
            select(CheckIn.id)
            .join(Registration, Registration.id == CheckIn.registration_id)
            .where(Registration.event_id == Meeting.event_id, Registration.company_id == company_column)
            .exists()
        )

    accepted = db.session.execute(
        select(
            requester.cluster_id,
            invitee.cluster_id,
            side_checked_in(Meeting.requester_company_id),
            side_checked_in(Meeting.invitee_company_id),
        )
        .select_from(Meeting)
        .join(requester, requester.id == Meeting.requester_company_id)
        .join(invitee, invitee.id == Meeting.invitee_company_id)
        .where(Meeting.event_id.in_(event_ids), Meeting.status == MeetingStatus.ACCEPTED)
    ).all()
    figures.meetings_accepted = len(accepted)
    figures.meetings_held = sum(1 for _a, _b, in_a, in_b in accepted if in_a and in_b)
    for cluster_a, cluster_b, _in_a, _in_b in accepted:
        figures.links += 1
        figures.cross_cluster_links += int(cluster_a != cluster_b)

    # Contact pairs: each exchange writes a row per side; a pair counts once (also when one side's
    # row is gone, e.g. after an erasure).
    low = case(
        (Contact.owner_registration_id < Contact.other_registration_id, Contact.owner_registration_id),
        else_=Contact.other_registration_id,
    )
    high = case(
        (Contact.owner_registration_id < Contact.other_registration_id, Contact.other_registration_id),
        else_=Contact.owner_registration_id,
    )
    pair = select(low.label("a"), high.label("b")).where(Contact.event_id.in_(event_ids)).distinct().subquery()
    reg_a, reg_b = aliased(Registration), aliased(Registration)
    company_a, company_b = aliased(Company), aliased(Company)
    pairs = db.session.execute(
        select(company_a.cluster_id, company_b.cluster_id, reg_a.company_id, reg_b.company_id)
        .select_from(pair)
        .join(reg_a, reg_a.id == pair.c.a)
        .join(reg_b, reg_b.id == pair.c.b)
        .outerjoin(company_a, company_a.id == reg_a.company_id)
        .outerjoin(company_b, company_b.id == reg_b.company_id)
    ).all()
    figures.contacts = len(pairs)
    for cluster_a, cluster_b, company_a, company_b in pairs:
        if company_a is None or company_b is None:
            continue
        figures.links += 1
        figures.cross_cluster_links += int(cluster_a != cluster_b)
    return figures
