"""`flask seed-demo` gives a newcomer a living app, and running it twice changes nothing."""

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import func, select

from app.events.council import quorum, voting_power
from app.extensions import db
from app.i18n import SEOUL
from app.models import (
    AttendeeRole,
    CheckIn,
    Cluster,
    Company,
    CompanyProfile,
    Contact,
    CouncilProxy,
    Event,
    EventKind,
    EventStatus,
    Meeting,
    MeetingSlot,
    NetworkingTag,
    Registration,
    RegistrationStatus,
    ResearchGroup,
    User,
    event_clusters,
    profile_tags,
    research_group_members,
    staff_clusters,
    utcnow,
)
from app.seed import DEMO_LOGINS, DEMO_PASSWORD, EVENTS, seed_demo
from app.seed.data import CouncilAttendance
from app.seed.plan import check_council
from app.validators import is_valid_brn

DMC_PAST = "DMC 입주기업협의회 제7차 정기회의"
DMC_UPCOMING = "DMC 입주기업협의회 제8차 정기회의"


def _snapshot():
    """The seeded data by natural keys (ids and random ticket codes left out)."""

    def rows(stmt):
        return sorted(tuple(str(v) for v in r) for r in db.session.execute(stmt))

    return {
        "clusters": rows(select(Cluster.slug, Cluster.name_ko, Cluster.is_active)),
        "companies": rows(select(Company.brn, Company.name, Company.cluster_id, Company.is_council_member)),
        "groups": rows(select(ResearchGroup.name, ResearchGroup.cluster_id)),
        "group_members": rows(select(research_group_members)),
        "users": rows(select(User.email, User.role, User.company_id, User.password_hash)),
        "staff_clusters": rows(select(staff_clusters)),
        "events": rows(
            select(
                Event.host_cluster_id,
                Event.title_ko,
                Event.kind,
                Event.status,
                Event.starts_at,
                Event.capacity,
                Event.allows_observers,
            )
        ),
        "event_clusters": rows(select(event_clusters)),
        "registrations": rows(
            select(
                Registration.event_id,
                Registration.email,
                Registration.status,
                Registration.company_id,
                Registration.role,
            )
        ),
        "checkins": rows(select(CheckIn.registration_id, CheckIn.checked_in_at)),
        "proxies": rows(
            select(
                CouncilProxy.event_id,
                CouncilProxy.from_company_id,
                CouncilProxy.to_company_id,
                CouncilProxy.created_by_id,
                CouncilProxy.created_at,
                CouncilProxy.revoked_at,
            )
        ),
        "profiles": rows(select(CompanyProfile.company_id, CompanyProfile.offers, CompanyProfile.is_discoverable)),
        "profile_tags": rows(select(profile_tags)),
        "tags": rows(select(NetworkingTag.cluster_id, NetworkingTag.label_ko)),
        "slots": rows(select(MeetingSlot.event_id, MeetingSlot.starts_at)),
        "meetings": rows(
            select(Meeting.slot_id, Meeting.requester_company_id, Meeting.invitee_company_id, Meeting.status)
        ),
        "contacts": rows(select(Contact.owner_registration_id, Contact.other_registration_id, Contact.note)),
        "consents": rows(select(Registration.id).where(Registration.networking_consent_at.is_not(None))),
    }


def test_seed_twice_gives_the_same_data(app, runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    db.session.rollback()  # end the read transaction: see what the command committed
    before = _snapshot()
    council_before = quorum(_council(DMC_PAST))
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    db.session.rollback()  # end the read transaction: see what the command committed
    assert _snapshot() == before
    assert quorum(_council(DMC_PAST)) == council_before
    assert "=0" in second.output and "=1" not in second.output
    # --if-empty leaves a seeded database alone.
    third = runner.invoke(args=["seed-demo", "--if-empty"])
    assert "skipped" in third.output


def test_seed_makes_a_living_app(app, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    clusters = {c.slug: c for c in db.session.scalars(select(Cluster))}
    assert set(clusters) == {"dmc", "magok", "yangjae", "guro", "gangbuk"}
    assert not clusters["gangbuk"].is_active and clusters["dmc"].is_active

    companies = db.session.scalars(select(Company)).all()
    assert 50 <= len(companies) <= 80
    assert all(c.brn and is_valid_brn(c.brn) for c in companies)
    for slug in ("dmc", "magok", "yangjae", "guro"):
        council = [c for c in companies if c.cluster_id == clusters[slug].id and c.is_council_member]
        assert len(council) >= 3, slug

    group = db.session.scalar(select(ResearchGroup).where(ResearchGroup.name == "빅데이터연구회"))
    assert group is not None and len(group.companies) >= 3

    now = utcnow()
    events = db.session.scalars(select(Event)).all()
    for kind in EventKind:
        assert any(e.kind == kind and e.ends_at < now for e in events), f"no past {kind}"
        assert any(e.kind == kind and e.starts_at > now for e in events), f"no upcoming {kind}"
    published_upcoming = [e for e in events if e.starts_at > now and e.status == EventStatus.PUBLISHED]
    assert len(published_upcoming) >= 4

    past_ids = {e.id for e in events if e.ends_at < now}
    checkins = db.session.scalars(select(CheckIn)).all()
    assert checkins and all(c.event_id in past_ids for c in checkins)
    confirmed_future = db.session.scalar(
        select(func.count())
        .select_from(Registration)
        .join(Event)
        .where(Event.starts_at > now, Registration.status == RegistrationStatus.CONFIRMED)
    )
    assert confirmed_future > 0


def test_demo_logins_work(app, runner, client, auth):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    listed = runner.invoke(args=["demo-logins"]).output
    assert DEMO_PASSWORD in listed
    staff_email = next(email for email, _role in DEMO_LOGINS if email.startswith("dmc.staff"))
    assert staff_email in listed
    auth.login(staff_email, DEMO_PASSWORD)
    assert client.get("/staff/").status_code == 200


def test_home_page_shows_seeded_upcoming_events(app, runner, client):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    html = client.get("/").get_data(as_text=True)
    upcoming = db.session.scalars(
        select(Event).where(Event.status == EventStatus.PUBLISHED, Event.starts_at > utcnow())
    ).all()
    for event in upcoming:
        assert event.title_ko in html.replace("&amp;", "&")


def test_events_list_prints_one_tab_separated_line_per_event(app, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    result = runner.invoke(args=["events", "list"])
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    events = {e.id: e for e in db.session.scalars(select(Event))}
    assert len(lines) == len(events)
    starts = []
    for line in lines:
        event_id, start, kind, cluster, confirmed, title = line.split("\t")
        event = events[int(event_id)]
        kst = event.starts_at.astimezone(SEOUL)
        assert start == kst.strftime("%Y-%m-%d %H:%M")
        assert kind == event.kind.value and cluster == event.host_cluster.slug and title == event.title_ko
        expected = db.session.scalar(
            select(func.count())
            .select_from(Registration)
            .where(Registration.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED)
        )
        assert int(confirmed) == expected
        starts.append(event.starts_at)
    assert starts == sorted(starts)


# --- council meetings ---------------------------------------------------------------------------


def _council(title: str) -> Event:
    return db.session.scalar(select(Event).where(Event.title_ko == title))


def _company(name: str) -> Company:
    return db.session.scalar(select(Company).where(Company.name == name))


def _registrations(event: Event) -> list[Registration]:
    return db.session.scalars(select(Registration).where(Registration.event_id == event.id)).all()


def test_past_council_meetings_reach_quorum_with_voters_and_proxies(app, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    now = utcnow()
    past = db.session.scalars(
        select(Event).where(Event.kind == EventKind.COUNCIL, Event.status == EventStatus.PUBLISHED, Event.ends_at < now)
    ).all()
    assert len(past) == 3
    for event in past:
        q = quorum(event)
        assert q["met"] and q["by_proxy"] >= 1 and q["reached_at"], (event.title_ko, q)
        assert q["present_votes"] == q["in_person"] + q["by_proxy"]
        # Every attendee of a council meeting is a voter or an observer (register() refuses the plain role).
        assert {r.role for r in _registrations(event)} <= {AttendeeRole.VOTER, AttendeeRole.OBSERVER}
        # Quorum was reached at a voter's check-in at the door.
        voter_checkins = db.session.scalars(
            select(CheckIn.checked_in_at)
            .join(Registration)
            .where(CheckIn.event_id == event.id, Registration.role == AttendeeRole.VOTER)
        ).all()
        assert dt.datetime.fromisoformat(q["reached_at"]) in voter_checkins

    # The demo council meeting: 5 members, 3 voters in the room, 1 vote by proxy, 1 voter absent.
    event = _council(DMC_PAST)
    q = quorum(event)
    assert (q["members"], q["needed"], q["present_votes"], q["in_person"], q["by_proxy"], q["met"]) == (
        5,
        3,
        4,
        3,
        1,
        True,
    )
    nurimedia, hanbit = _company("(주)누리미디어랩"), _company("스튜디오한빛")
    proxy = db.session.scalar(select(CouncilProxy).where(CouncilProxy.event_id == event.id))
    assert (proxy.from_company_id, proxy.to_company_id, proxy.revoked_at) == (hanbit.id, nurimedia.id, None)
    assert proxy.created_at < event.starts_at and proxy.created_by.email.startswith("pd@hanbit")
    assert voting_power(event.id)[nurimedia.id].total == 2
    observers = [r for r in _registrations(event) if r.role == AttendeeRole.OBSERVER]
    assert observers and all(r.company.is_council_member for r in observers)

    # The Guro meeting reaches its quorum only through the proxy; the Magok one takes no observers.
    guro = quorum(_council("G밸리 입주기업협의회 제11차 정기회의"))
    assert (guro["present_votes"], guro["in_person"], guro["by_proxy"], guro["needed"]) == (3, 2, 1, 3)
    magok = _council("마곡 입주기업협의회 제4차 정기회의")
    assert not magok.allows_observers
    assert all(r.role == AttendeeRole.VOTER for r in _registrations(magok))


def test_council_meetings_follow_the_proxy_rules(app, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    for event in db.session.scalars(select(Event).where(Event.kind == EventKind.COUNCIL)):
        regs = [r for r in _registrations(event) if r.status != RegistrationStatus.CANCELLED]
        voters = [r.company_id for r in regs if r.role == AttendeeRole.VOTER]
        assert len(voters) == len(set(voters)), event.title_ko  # one voting representative per company
        assert all(r.company.cluster_id == event.host_cluster_id and r.company.is_council_member for r in regs)
        proxies = db.session.scalars(select(CouncilProxy).where(CouncilProxy.event_id == event.id)).all()
        givers = {p.from_company_id for p in proxies}
        receivers = {p.to_company_id for p in proxies}
        assert not givers & set(voters)  # no voter for a company that gave its vote
        assert not givers & receivers  # no chains
        assert receivers <= set(voters)  # the votes go to a company that sends its voter
        for p in proxies:
            for company in (p.from_company, p.to_company):
                assert company.cluster_id == event.host_cluster_id and company.is_council_member


def test_upcoming_council_meeting_is_registered_but_not_checked_in(app, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    event = _council(DMC_UPCOMING)
    assert event.starts_at > utcnow() and event.status == EventStatus.PUBLISHED
    assert db.session.scalar(select(func.count()).select_from(CheckIn).where(CheckIn.event_id == event.id)) == 0
    voters = [r for r in _registrations(event) if r.role == AttendeeRole.VOTER]
    assert len(voters) == 3 and all(r.status == RegistrationStatus.CONFIRMED for r in voters)
    proxy = db.session.scalar(select(CouncilProxy).where(CouncilProxy.event_id == event.id))
    assert proxy.from_company.name == "스튜디오한빛" and proxy.to_company.name == "(주)누리미디어랩"
    assert proxy.created_at <= utcnow() and proxy.revoked_at is None
    # Registered votes: 3 voters, one of them holding a second vote; nobody in the room yet.
    assert sum(p.total for p in voting_power(event.id).values()) == 4
    q = quorum(event)
    assert (q["members"], q["needed"], q["present_votes"], q["met"], q["reached_at"]) == (5, 3, 0, False, None)


def test_second_seed_keeps_the_council_rules_after_edits_in_the_app(app):
    """Proxies and voters changed in the app: seeding again builds nothing the services refuse."""
    assert seed_demo()
    db.session.commit()
    event = _council(DMC_UPCOMING)
    hanbit, ieumtoon = _company("스튜디오한빛"), _company("이음웹툰(주)")
    onsaemiro = _company("(주)온새미로엔터테인먼트")
    # 스튜디오한빛 revokes its proxy and registers its own voter.
    proxy = db.session.scalar(select(CouncilProxy).where(CouncilProxy.event_id == event.id))
    proxy.revoked_at = utcnow()
    db.session.add(
        Registration(
            event=event,
            company=hanbit,
            name="박준호",
            email="pd@hanbit.moim.example",
            role=AttendeeRole.VOTER,
            status=RegistrationStatus.CONFIRMED,
        )
    )
    # The seeded voter of 온새미로 is gone (deleted by hand) and the company handed its vote to 이음웹툰.
    voter = db.session.scalar(
        select(Registration).where(
            Registration.event_id == event.id,
            Registration.company_id == onsaemiro.id,
            Registration.role == AttendeeRole.VOTER,
        )
    )
    db.session.delete(voter)
    db.session.add(CouncilProxy(event=event, from_company=onsaemiro, to_company=ieumtoon, created_at=utcnow()))
    db.session.commit()

    created = seed_demo()
    db.session.commit()
    assert created["proxies"] == 0 and created["registrations"] == 0, created
    active = db.session.scalars(
        select(CouncilProxy).where(CouncilProxy.event_id == event.id, CouncilProxy.revoked_at.is_(None))
    ).all()
    assert [(p.from_company_id, p.to_company_id) for p in active] == [(onsaemiro.id, ieumtoon.id)]
    voters = [r.company_id for r in _registrations(event) if r.role == AttendeeRole.VOTER]
    assert voters.count(hanbit.id) == 1 and onsaemiro.id not in voters


@pytest.mark.parametrize(
    "change, error",
    [
        (dict(proxies=(("hanbit", "nurimedia"), ("nurimedia", "ieumtoon"))), "chain"),
        (dict(voters=("nurimedia", "hanbit"), proxies=(("hanbit", "nurimedia"),)), "still registers a voter"),
        (dict(voters=("nurimedia", "hanulbio")), "not a council member"),  # another cluster's company
        (dict(voters=("nurimedia", "byeolbit")), "not a council member"),  # a tenant, not on the council
        (dict(proxies=(("hanbit", "daonsound"),)), "sends no voter"),
        (dict(proxies=(("hanbit", "hanbit"),)), "itself"),
    ],
)
def test_council_seed_data_is_checked_against_the_rules(change, error):
    ev = next(e for e in EVENTS if e.title_ko == DMC_PAST)
    council = dataclasses.replace(CouncilAttendance(voters=("nurimedia", "onsaemiro")), **change)
    with pytest.raises(ValueError, match=error):
        check_council(ev, council)
    check_council(ev, ev.council)  # the real data passes
