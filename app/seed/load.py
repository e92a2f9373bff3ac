"""Writes the demo plan into the database through the models, creating only what is missing.

Every object is looked up by its natural key (see ``plan.py``) and only what is missing is
created; objects that already exist are left as they are, so edits made while trying the app
survive a second run. The caller commits; this module flushes so that new rows get ids. Only
the ticket codes are truly random (they are secrets).

Council meetings follow the rules the services enforce against what the database holds, so a
second run after a proxy or a voter was changed in the app never builds what the app refuses:
no second voter for a company, no voter for a company that gave its vote, no proxy from a
company that has a voter, no chains, members only. What a rule refuses is skipped. The
services themselves are not called: they refuse a meeting that has started and queue mail.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.events.proxy import is_council_member_of, window_error
from app.events.registration import ACTIVE
from app.events.tickets import issue_ticket
from app.extensions import db
from app.models import (
    AttendeeRole,
    CheckIn,
    Cluster,
    Company,
    CouncilProxy,
    Event,
    EventKind,
    EventStatus,
    Registration,
    RegistrationStatus,
    ResearchGroup,
    User,
    utcnow,
)
from app.seed.data import (
    CLUSTERS,
    COMPANIES,
    CONTACTS,
    DEMO_PASSWORD,
    EVENTS,
    MAIL_DOMAIN,
    RESEARCH_GROUP,
    STAFF_OF,
    USERS,
    VENUES,
    EventSeed,
)
from app.seed.followups import seed_follow_ups
from app.seed.networking import seed_networking
from app.seed.outcomes import seed_outcomes
from app.seed.plan import PlannedRegistration, event_key, event_times, in_window, plan_demo, registration_window


def database_is_empty() -> bool:
    """True when there is no cluster yet (a fresh database)."""
    return db.session.scalar(select(Cluster.id).limit(1)) is None


def seed_demo(now: dt.datetime | None = None) -> dict[str, int]:
    """Create whatever demo data is missing; return how many objects of each kind were created.

    Does not commit (the caller does); flushes so that new rows get ids.
    """
    now = now or utcnow()
    if now.tzinfo is None:
        raise ValueError("seed_demo(now=...) needs an aware datetime")
    plan = plan_demo()
    created = dict.fromkeys(
        ("clusters", "companies", "research_groups", "users", "events", "registrations", "checkins", "proxies"), 0
    )
    session = db.session

    # Clusters
    clusters = {c.slug: c for c in session.scalars(select(Cluster).where(Cluster.slug.in_([s.slug for s in CLUSTERS])))}
    for s in CLUSTERS:
        if s.slug not in clusters:
            cluster = Cluster(
                slug=s.slug,
                name_ko=s.name_ko,
                name_en=s.name_en,
                field_ko=s.field_ko,
                field_en=s.field_en,
                is_active=s.is_active,
            )
            session.add(cluster)
            session.flush()  # one by one, so ids follow the seed order
            clusters[s.slug] = cluster
            created["clusters"] += 1

    # Companies
    companies = {c.brn: c for c in session.scalars(select(Company).where(Company.brn.in_([s.brn for s in COMPANIES])))}
    by_domain: dict[str, Company] = {}
    for s in COMPANIES:
        company = companies.get(s.brn)
        if company is None:
            contact = CONTACTS[len(companies) % len(CONTACTS)]
            company = Company(
                name=s.name,
                brn=s.brn,
                cluster=clusters[s.cluster],
                industry=s.industry,
                is_council_member=s.is_council_member,
                council_joined_on=s.council_joined_on,
                website=s.website,
                contact_name=contact[0],
                contact_email=f"contact@{s.domain}.{MAIL_DOMAIN}",
                contact_mobile=f"010-{contact[1]}",
            )
            session.add(company)
            companies[s.brn] = company
            created["companies"] += 1
        by_domain[s.domain] = company

    # Research group
    group = session.scalar(select(ResearchGroup).where(ResearchGroup.name == RESEARCH_GROUP.name).limit(1))
    if group is None:
        group = ResearchGroup(
            name=RESEARCH_GROUP.name,
            cluster=clusters[RESEARCH_GROUP.cluster],
            description=RESEARCH_GROUP.description,
            companies=[by_domain[d] for d in RESEARCH_GROUP.members],
        )
        session.add(group)
        created["research_groups"] += 1

    # Accounts
    users = {u.email: u for u in session.scalars(select(User).where(User.email.in_([s.email for s in USERS])))}
    for s in USERS:
        if s.email in users:
            continue
        user = User(
            email=s.email,
            name=s.name,
            mobile=s.mobile,
            role=s.role,
            locale=s.locale,
            company=by_domain[s.company] if s.company else None,
        )
        user.set_password(DEMO_PASSWORD)
        if s.clusters:
            user.clusters = [clusters[slug] for slug in s.clusters]
        session.add(user)
        users[s.email] = user
        created["users"] += 1
    session.flush()

    # Events
    cluster_ids = [clusters[e.host].id for e in EVENTS]
    events = {
        (e.host_cluster_id, e.title_ko): e
        for e in session.scalars(
            select(Event).where(
                Event.host_cluster_id.in_(set(cluster_ids)), Event.title_ko.in_([e.title_ko for e in EVENTS])
            )
        )
    }
    event_by_key: dict[tuple[str, str], Event] = {}
    new_titles: set[str] = set()
    for s in EVENTS:
        host = clusters[s.host]
        key = event_key(s)
        event = events.get((host.id, s.title_ko))
        if event is None:
            has_registrations = bool(plan.registrations.get(key) or plan.proxies.get(key))
            event = _new_event(s, host, clusters, group, users, now, has_registrations)
            session.add(event)
            created["events"] += 1
            new_titles.add(s.title_ko)
        event_by_key[key] = event
    session.flush()

    # Registrations
    event_ids = [e.id for e in event_by_key.values()]
    existing_regs: dict[tuple[int, str], tuple[int, RegistrationStatus]] = {}
    council = _CouncilState()
    for reg_id, event_id, email, status, role, company_id in session.execute(
        select(
            Registration.id,
            Registration.event_id,
            Registration.email,
            Registration.status,
            Registration.role,
            Registration.company_id,
        )
        .where(Registration.event_id.in_(event_ids))
        .order_by(Registration.id)
    ):
        # An active registration wins over an earlier cancelled one of the same address.
        if (event_id, email) not in existing_regs or status != RegistrationStatus.CANCELLED:
            existing_regs[(event_id, email)] = (reg_id, status)
        if role == AttendeeRole.VOTER and status in ACTIVE and company_id is not None:
            council.voters.add((event_id, company_id))
    for event_id, from_id, to_id in session.execute(
        select(CouncilProxy.event_id, CouncilProxy.from_company_id, CouncilProxy.to_company_id).where(
            CouncilProxy.event_id.in_(event_ids), CouncilProxy.revoked_at.is_(None)
        )
    ):
        council.add_proxy(event_id, from_id, to_id)
    checked_in = set(session.scalars(select(CheckIn.registration_id).where(CheckIn.event_id.in_(event_ids))))

    to_check_in: list[tuple[Event, Registration | int, int]] = []
    for key, planned in plan.registrations.items():
        event = event_by_key[key]
        window = registration_window(event.registration_opens_at, event.registration_closes_at, event.starts_at, now)
        for p in planned:
            found = existing_regs.get((event.id, p.email))
            if found is not None:
                reg_id, status = found
                wanted = p.checkin_after_s is not None and status == RegistrationStatus.CONFIRMED
                if wanted and reg_id not in checked_in:
                    to_check_in.append((event, reg_id, p.checkin_after_s))
                continue
            company = by_domain[p.company] if p.company else None
            if event.kind == EventKind.COUNCIL and not council.may_register(event, company, p):
                continue
            created_at = in_window(window, p.created_frac)
            reg = Registration(
                event=event,
                company=company,
                guest_company_name=p.guest_company_name,
                registered_by=users.get(p.registered_by) if p.registered_by else None,
                name=p.name,
                email=p.email,
                mobile=p.mobile,
                status=p.status,
                role=p.role,
                created_at=created_at,
                # Cancelled a little later, still inside the window (hence before now).
                cancelled_at=(
                    created_at + (window[1] - created_at) * 0.5 if p.status == RegistrationStatus.CANCELLED else None
                ),
            )
            issue_ticket(reg)
            session.add(reg)
            created["registrations"] += 1
            if company is not None and p.role == AttendeeRole.VOTER and p.status in ACTIVE:
                council.voters.add((event.id, company.id))
            if p.checkin_after_s is not None:
                to_check_in.append((event, reg, p.checkin_after_s))
    session.flush()

    # Council proxies (의결권 위임), given before the meeting
    for key, planned_proxies in plan.proxies.items():
        event = event_by_key[key]
        window = registration_window(event.registration_opens_at, event.registration_closes_at, event.starts_at, now)
        for p in planned_proxies:
            giver, receiver = by_domain[p.giver], by_domain[p.receiver]
            if (event.id, giver.id) in council.given:
                continue  # the natural key: this company's active proxy at this meeting
            created_at = in_window(window, p.created_frac)
            if not council.may_give(event, giver, receiver, created_at):
                continue
            session.add(
                CouncilProxy(
                    event=event,
                    from_company=giver,
                    to_company=receiver,
                    created_by=users.get(p.created_by) if p.created_by else None,
                    created_at=created_at,
                )
            )
            council.add_proxy(event.id, giver.id, receiver.id)
            created["proxies"] += 1
    session.flush()

    # Check-ins at the door of past events
    for event, reg, after_s in to_check_in:
        reg_id = reg if isinstance(reg, int) else reg.id
        session.add(
            CheckIn(
                registration_id=reg_id,
                event_id=event.id,
                checked_in_at=event.starts_at + dt.timedelta(seconds=after_s),
                checked_in_by=users.get(STAFF_OF.get(event.host_cluster.slug, "")),
                method="qr",
            )
        )
        created["checkins"] += 1
    session.flush()

    # Networking: profiles, cluster words, slots, meetings, contacts (app/seed/networking.py)
    created.update(seed_networking(clusters, {e.title_ko: e for e in event_by_key.values()}, new_titles))
    # Outcomes of the past meetings, for the impact report (app/seed/outcomes.py)
    created["outcomes"] = seed_outcomes(now)
    # The staged follow-ups of the past events and their answers (app/seed/followups.py)
    created.update(seed_follow_ups(now))
    return created


class _CouncilState:
    """Active voters and proxies per council meeting: what the database holds plus what this run adds."""

    def __init__(self) -> None:
        self.voters: set[tuple[int, int]] = set()  # (event id, company id) with an active voter
        self.given: dict[tuple[int, int], int] = {}  # (event id, giver id) -> receiver id
        self.received: set[tuple[int, int]] = set()  # (event id, company id) holding a proxy

    def add_proxy(self, event_id: int, from_id: int, to_id: int) -> None:
        self.given[(event_id, from_id)] = to_id
        self.received.add((event_id, to_id))

    def may_register(self, event: Event, company: Company | None, p: PlannedRegistration) -> bool:
        """register()'s council rules: members only, observers if allowed, one voter, none after a proxy."""
        if not is_council_member_of(company, event):
            return False
        if p.role == AttendeeRole.OBSERVER:
            return event.allows_observers
        if p.role == AttendeeRole.VOTER:
            key = (event.id, company.id)
            return key not in self.voters and key not in self.given
        return False  # a council meeting has voters and observers only

    def may_give(self, event: Event, giver: Company, receiver: Company, at: dt.datetime) -> bool:
        """give_proxy()'s rules, as of the moment the proxy is given."""
        return (
            window_error(event, at) is None
            and giver.id != receiver.id
            and is_council_member_of(giver, event)
            and is_council_member_of(receiver, event)
            and (event.id, giver.id) not in self.received  # no chain: a holder keeps its own vote
            and (event.id, receiver.id) not in self.given  # no chain: a giver cannot hold votes
            and (event.id, giver.id) not in self.voters  # a company with a voter votes itself
        )


def _new_event(
    s: EventSeed,
    host: Cluster,
    clusters: dict[str, Cluster],
    group: ResearchGroup,
    users: dict[str, User],
    now: dt.datetime,
    has_registrations: bool,
) -> Event:
    times = event_times(s, now, has_registrations)
    venue_name, venue_address = VENUES[s.venue]
    return Event(
        kind=s.kind,
        host_cluster=host,
        research_group=group if s.research else None,
        title_ko=s.title_ko,
        title_en=s.title_en,
        description_ko=s.description_ko,
        description_en=s.description_en,
        starts_at=times.starts_at,
        ends_at=times.ends_at,
        venue_name=venue_name,
        venue_address=venue_address,
        capacity=s.capacity,
        seats_per_company=s.seats_per_company,
        registration_opens_at=times.registration_opens_at,
        registration_closes_at=times.registration_closes_at,
        open_to_guests=s.open_to_guests,
        allows_observers=s.allows_observers,
        status=s.status,
        sequence=1 if s.status == EventStatus.CANCELLED else 0,  # the cancellation was a material change
        created_by_id=users[STAFF_OF[s.host]].id if STAFF_OF.get(s.host) in users else None,
        created_at=times.created_at,
        updated_at=times.updated_at,
        participating_clusters=[clusters[slug] for slug in s.participating],
    )
