"""Who is coming and match suggestions for one attendee: the query layer around matching.rank().

The attending companies of an event are those with a confirmed registration; only those whose
profile is discoverable are shown, with the names and job titles of their confirmed attendees
who gave the networking consent (nobody else, ever). Everything for a page comes from a fixed
number of queries, whatever the number of companies: the companies with their profiles, their
tags, the consenting people, and, for an attendee who acts for a company, the companies it
already met at earlier events. An event holds at most its capacity, and the ranking needs every
attending company anyway, so search and paging happen on that loaded set.
"""

from __future__ import annotations

import dataclasses
import math

from flask_babel import gettext as _
from sqlalchemy import and_, case, or_, select, union
from sqlalchemy.orm import aliased, joinedload

from app.extensions import db
from app.models import (
    CheckIn,
    Company,
    CompanyProfile,
    Contact,
    Event,
    Meeting,
    MeetingStatus,
    NetworkingTag,
    ProfileSide,
    Registration,
    RegistrationStatus,
    profile_tags,
)
from app.networking import matching
from app.networking.access import Attendee

SUGGESTIONS_ON_HUB = 5
PER_PAGE = 20
QUERY_MAX = 100


@dataclasses.dataclass
class CompanyEntry:
    """One attending company as the pages show it."""

    company: Company
    profile: CompanyProfile | None
    offer_tags: list[NetworkingTag] = dataclasses.field(default_factory=list)
    seek_tags: list[NetworkingTag] = dataclasses.field(default_factory=list)
    people: list[Registration] = dataclasses.field(default_factory=list)  # consenting, confirmed
    score: int | None = None
    reasons: list[str] = dataclasses.field(default_factory=list)  # in words, for the viewer's company

    @property
    def company_id(self) -> int:
        return self.company.id

    @property
    def is_discoverable(self) -> bool:
        return self.profile is not None and self.profile.is_discoverable

    def match_profile(self) -> matching.MatchProfile:
        return matching.MatchProfile(
            company_id=self.company.id,
            sort_name=self.company.sort_name,
            cluster_id=self.company.cluster_id,
            offers=frozenset(t.label_ko for t in self.offer_tags),
            seeks=frozenset(t.label_ko for t in self.seek_tags),
            discoverable=self.is_discoverable,
        )

    def search_text(self) -> str:
        parts = [self.company.name, self.company.name_en or "", self.company.sort_name]
        if self.company.cluster is not None:
            parts += [self.company.cluster.name_ko, self.company.cluster.name_en]
        if self.profile is not None:
            parts += [self.profile.offers, self.profile.seeks, self.profile.fields]
        parts += [t.label_ko for t in self.offer_tags + self.seek_tags]
        parts += [t.label_en or "" for t in self.offer_tags + self.seek_tags]
        parts += [p.name for p in self.people] + [p.job_title or "" for p in self.people]
        return "\n".join(parts).casefold()


@dataclasses.dataclass
class AttendingField:
    """The event's attending companies for one viewer: the others that opted in, and its own."""

    others: list[CompanyEntry]  # discoverable, never the viewer's own company; 가나다 order
    own: CompanyEntry | None  # the viewer's company, discoverable or not; None for a guest


def _attending_company_ids(event_id: int):
    return (
        select(Registration.company_id)
        .where(
            Registration.event_id == event_id,
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.company_id.is_not(None),
        )
        .distinct()
    )


def load_field(event: Event, own_company_id: int | None) -> AttendingField:
    """Three queries: companies with profiles (and clusters), their tags, the consenting people."""
    attending = _attending_company_ids(event.id)
    # The viewer's own company comes along even when it is hidden or not (yet) attending: its
    # profile is the ranking's starting point, and its page shows it to its own people.
    wanted = and_(Company.id.in_(attending), CompanyProfile.is_discoverable.is_(True))
    if own_company_id is not None:
        wanted = or_(wanted, Company.id == own_company_id)
    rows = db.session.execute(
        select(Company, CompanyProfile)
        .outerjoin(CompanyProfile, CompanyProfile.company_id == Company.id)
        .options(joinedload(Company.cluster))
        .where(wanted)
        .order_by(Company.sort_name, Company.id)
    ).all()
    entries = {company.id: CompanyEntry(company, profile) for company, profile in rows}
    if not entries:
        return AttendingField([], None)

    tag_rows = db.session.execute(
        select(profile_tags.c.company_id, profile_tags.c.side, NetworkingTag)
        .join(NetworkingTag, NetworkingTag.id == profile_tags.c.tag_id)
        .where(profile_tags.c.company_id.in_(list(entries)))
        .order_by(NetworkingTag.cluster_id.is_not(None), NetworkingTag.sort_order, NetworkingTag.label_ko)
    ).all()
    for company_id, side, tag in tag_rows:
        entry = entries.get(company_id)
        if entry is not None:
            (entry.offer_tags if ProfileSide(side) == ProfileSide.OFFER else entry.seek_tags).append(tag)

    people = db.session.scalars(
        select(Registration)
        .where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.networking_consent_at.is_not(None),
            Registration.company_id.in_(list(entries)),
        )
        .order_by(Registration.name, Registration.id)
    ).all()
    for person in people:
        entry = entries.get(person.company_id)
        if entry is not None:
            entry.people.append(person)

    own = entries.pop(own_company_id, None) if own_company_id is not None else None
    return AttendingField([e for e in entries.values() if e.is_discoverable], own)


def met_before(company_id: int, event: Event) -> set[int]:
    """Companies `company_id` already met at earlier events (one query).

    Met: both had a confirmed, checked-in person at the same earlier event (co-attended), an
    accepted meeting between them at an earlier event, or a contact exchanged between their people.
    """
    earlier = select(Event.id).where(Event.starts_at < event.starts_at, Event.id != event.id)
    mine = (
        select(Registration.event_id)
        .join(CheckIn, CheckIn.registration_id == Registration.id)
        .where(
            Registration.company_id == company_id,
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.event_id.in_(earlier),
        )
    )
    co_attended = (
        select(Registration.company_id.label("company_id"))
        .join(CheckIn, CheckIn.registration_id == Registration.id)
        .where(
            Registration.event_id.in_(mine),
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.company_id.is_not(None),
        )
    )
    met_in_meeting = select(
        case(
            (Meeting.requester_company_id == company_id, Meeting.invitee_company_id),
            else_=Meeting.requester_company_id,
        ).label("company_id")
    ).where(
        Meeting.status == MeetingStatus.ACCEPTED,
        Meeting.event_id.in_(earlier),
        or_(Meeting.requester_company_id == company_id, Meeting.invitee_company_id == company_id),
    )
    owner, other = aliased(Registration), aliased(Registration)
    exchanged = (
        select(case((owner.company_id == company_id, other.company_id), else_=owner.company_id).label("company_id"))
        .select_from(Contact)
        .join(owner, owner.id == Contact.owner_registration_id)
        .join(other, other.id == Contact.other_registration_id)
        .where(
            Contact.event_id.in_(earlier),
            or_(
                and_(owner.company_id == company_id, other.company_id.is_not(None)),
                and_(other.company_id == company_id, owner.company_id.is_not(None)),
            ),
        )
    )
    ids = set(db.session.scalars(union(co_attended, met_in_meeting, exchanged)))
    ids.discard(company_id)
    return ids


# --- reasons in words ----------------------------------------------------------------------

# Latin letters and digits whose Korean reading ends in a consonant (엘, 엠, 엔, 알; 영, 일, 삼, 육, 칠, 팔).
_CLOSED_LATIN = set("lmnr013678")


def _ends_closed(word: str) -> bool:
    """True when the word's last sound has a final consonant (받침): '인력'을, '판로'를."""
    for char in reversed(word.strip()):
        if "가" <= char <= "힣":
            return (ord(char) - ord("가")) % 28 != 0
        if char.isascii() and char.isalnum():
            return char.lower() in _CLOSED_LATIN
    return False


def reason_text(reason: matching.Reason, labels: dict[str, str]) -> str:
    """The reason in the viewer's language; `labels` maps a tag word to its shown label."""
    kind = reason.kind
    if kind in (matching.ReasonKind.THEY_OFFER, matching.ReasonKind.THEY_SEEK):
        label = labels.get(reason.tag or "", reason.tag or "")
        closed = _ends_closed(label)
        # Two msgids per reason: the object particle follows the word ('인력'을, '판로'를).
        if kind == matching.ReasonKind.THEY_OFFER:
            if closed:
                return _("귀사가 찾는 '%(tag)s'을 제공", tag=label)
            return _("귀사가 찾는 '%(tag)s'를 제공", tag=label)
        if closed:
            return _("귀사가 제공하는 '%(tag)s'을 찾음", tag=label)
        return _("귀사가 제공하는 '%(tag)s'를 찾음", tag=label)
    if kind == matching.ReasonKind.OTHER_CLUSTER:
        return _("다른 클러스터")
    if kind == matching.ReasonKind.MET_BEFORE:
        return _("이전 행사에서 만남")
    return _("처음 만남")


def _rank(event: Event, field: AttendingField) -> list[CompanyEntry]:
    """The others, best match first, with score and reasons set (one query: who met before)."""
    if field.own is None:
        return []
    by_id = {e.company_id: e for e in field.others}
    labels = {t.label_ko: t.label for e in [field.own, *field.others] for t in e.offer_tags + e.seek_tags}
    ranked = matching.rank(
        field.own.match_profile(),
        [e.match_profile() for e in field.others],
        met_before(field.own.company_id, event),
    )
    result = []
    for suggestion in ranked:
        entry = by_id[suggestion.company_id]
        entry.score = suggestion.score
        entry.reasons = [reason_text(r, labels) for r in suggestion.reasons]
        result.append(entry)
    return result


def _own_company_id(attendee: Attendee) -> int | None:
    return attendee.registration.company_id


@dataclasses.dataclass
class PeoplePanel:
    """The hub's "who is coming" part."""

    total: int  # attending companies that opted in, the viewer's own not counted
    suggestions: list[CompanyEntry]  # best matches for the viewer's company
    preview: list[CompanyEntry]  # a guest has no company to match: the first in 가나다 order
    own: CompanyEntry | None
    is_guest: bool


def people_panel(attendee: Attendee) -> dict:
    """Template context for the hub's "who is coming" and suggestions part."""
    field = load_field(attendee.event, _own_company_id(attendee))
    ranked = _rank(attendee.event, field)
    return {
        "people_panel": PeoplePanel(
            total=len(field.others),
            suggestions=ranked[:SUGGESTIONS_ON_HUB],
            preview=[] if field.own is not None else field.others[:SUGGESTIONS_ON_HUB],
            own=field.own,
            is_guest=attendee.registration.company_id is None,
        )
    }


@dataclasses.dataclass
class Page:
    """A page of a list already in memory, shaped like Flask-SQLAlchemy's pagination for the pager."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def normalize_query(q: str | None) -> str:
    return " ".join((q or "").split())[:QUERY_MAX]


def matches(entry: CompanyEntry, q: str) -> bool:
    """Every word of the query appears somewhere in the entry (name, tags, texts, people)."""
    text = entry.search_text()
    return all(word in text for word in q.casefold().split())


def company_list(attendee: Attendee, q: str, page: int) -> Page:
    """The attending companies that opted in (never the viewer's own), 가나다 order, filtered by
    the query and paged; each with the reasons it suits the viewer's company."""
    field = load_field(attendee.event, _own_company_id(attendee))
    _rank(attendee.event, field)
    entries = [e for e in field.others if not q or matches(e, q)]
    pages = max(1, math.ceil(len(entries) / PER_PAGE))
    page = min(max(page, 1), pages)
    start = (page - 1) * PER_PAGE
    return Page(entries[start : start + PER_PAGE], page, PER_PAGE, len(entries))


def company_entry(attendee: Attendee, company_id: int) -> CompanyEntry | None:
    """One attending company that opted in, as the viewer sees it; None for any other company
    (not attending, not discoverable, unknown) and for the viewer's own."""
    field = load_field(attendee.event, _own_company_id(attendee))
    _rank(attendee.event, field)
    return next((e for e in field.others if e.company_id == company_id), None)
