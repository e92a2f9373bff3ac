"""The demo networking data: what a newcomer sees works, and it keeps the rules the services keep."""

from collections import Counter

from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    CheckIn,
    Company,
    CompanyProfile,
    Contact,
    Event,
    Meeting,
    MeetingSeat,
    MeetingStatus,
    NetworkingTag,
    ProfileSide,
    Registration,
    RegistrationStatus,
    profile_tags,
    utcnow,
)
from app.networking.tags import offered_tags
from app.seed import DEMO_PASSWORD

UPCOMING = "제15회 DMC 네트워킹 나이트"
PAST = "제14회 DMC 네트워킹 나이트"
MEMBER = "ceo@nurimedia.moim.example"


def _event(title: str) -> Event:
    return db.session.scalar(select(Event).where(Event.title_ko == title))


def test_profiles_use_only_words_their_company_may_choose(app, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    profiles = db.session.scalars(select(CompanyProfile)).all()
    assert len(profiles) >= 40
    assert any(not p.is_discoverable for p in profiles) and any(p.is_discoverable for p in profiles)
    assert db.session.scalar(select(NetworkingTag.id).where(NetworkingTag.cluster_id.is_not(None)).limit(1))
    companies = {c.id: c for c in db.session.scalars(select(Company))}
    rows = db.session.execute(select(profile_tags)).all()
    assert {side for _, _, side in rows} == set(ProfileSide)
    allowed = {}
    for company_id, tag_id, _side in rows:
        cluster_id = companies[company_id].cluster_id
        if cluster_id not in allowed:
            allowed[cluster_id] = {t.id for t in offered_tags(cluster_id)}
        assert tag_id in allowed[cluster_id], (companies[company_id].name, tag_id)


def test_meetings_keep_the_booking_rules(app, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    meetings = db.session.scalars(select(Meeting)).all()
    assert {m.status for m in meetings} == set(MeetingStatus)
    discoverable = set(db.session.scalars(select(CompanyProfile.company_id).where(CompanyProfile.is_discoverable)))
    seats = Counter((s.slot_id, s.company_id) for s in db.session.scalars(select(MeetingSeat)))
    assert seats and max(seats.values()) == 1  # no company twice in one slot
    tables = Counter((m.slot_id, m.table_id) for m in meetings if m.status == MeetingStatus.ACCEPTED)
    assert max(tables.values()) == 1  # one meeting per table per slot
    for m in meetings:
        assert m.requester_company_id != m.invitee_company_id
        assert {m.requester_company_id, m.invitee_company_id} <= discoverable
        assert m.event.networking_enabled
        assert m.event.starts_at <= m.slot.starts_at < m.slot.ends_at <= m.event.ends_at
        asker = m.requested_by
        assert asker.company_id == m.requester_company_id and asker.networking_consent_at is not None
        assert asker.status == RegistrationStatus.CONFIRMED
        if m.status == MeetingStatus.ACCEPTED:
            assert m.table_id is not None and m.responded_by.company_id == m.invitee_company_id
            held = {
                (s.company_id) for s in db.session.scalars(select(MeetingSeat).where(MeetingSeat.meeting_id == m.id))
            }
            assert held == {m.requester_company_id, m.invitee_company_id}
        cap = m.event.meetings_per_company
        if cap is not None:
            for company_id in (m.requester_company_id, m.invitee_company_id):
                accepted = sum(
                    1
                    for other in meetings
                    if other.event_id == m.event_id
                    and other.status == MeetingStatus.ACCEPTED
                    and company_id in (other.requester_company_id, other.invitee_company_id)
                )
                assert accepted <= cap


def test_contacts_are_between_consenting_checked_in_attendees_of_past_events(app, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    contacts = db.session.scalars(select(Contact)).all()
    assert len(contacts) >= 20
    checked_in = set(db.session.scalars(select(CheckIn.registration_id)))
    pairs = {(c.owner_registration_id, c.other_registration_id) for c in contacts}
    now = utcnow()
    for c in contacts:
        assert (c.other_registration_id, c.owner_registration_id) in pairs  # both sides keep the card
        for reg in (c.owner, c.other):
            assert reg.networking_consent_at is not None and reg.id in checked_in and reg.event_id == c.event_id
        assert c.owner.company_id != c.other.company_id or c.owner.company_id is None
        assert c.event.ends_at < now and c.event.starts_at <= c.created_at
        assert c.rating is None or 1 <= c.rating <= 5
    assert any(c.note for c in contacts)


def test_a_newcomer_signed_in_as_a_member_sees_networking_at_work(app, runner, client, auth):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    auth.login(MEMBER, DEMO_PASSWORD)
    upcoming = _event(UPCOMING)
    hub = client.get(f"/events/{upcoming.id}/networking", follow_redirects=True)
    html = hub.get_data(as_text=True)
    assert hub.status_code == 200
    assert "스튜디오한빛" in html  # the request waiting for an answer
    assert "마루애니메이션" in html  # the accepted meeting
    assert "테이블 1" in html
    assert "제공" in html  # a suggestion's reason in words
    past = _event(PAST)
    mine = db.session.scalar(select(Registration).where(Registration.event_id == past.id, Registration.email == MEMBER))
    assert mine is not None and mine.networking_consent_at is not None
    page = client.get(f"/events/{past.id}/networking", follow_redirects=True)
    assert page.status_code == 200
    assert client.get(page.request.path + "/contacts").status_code == 200


def test_staff_see_the_event_figures(app, runner, client, auth):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    auth.login("dmc.staff@moim.example", DEMO_PASSWORD)
    past = _event(PAST)
    accepted = db.session.scalar(
        select(func.count())
        .select_from(Meeting)
        .where(Meeting.event_id == past.id, Meeting.status == MeetingStatus.ACCEPTED)
    )
    assert accepted >= 5
    html = client.get(f"/staff/events/{past.id}/networking/meetings").get_data(as_text=True)
    assert f"확정 미팅 {accepted}건" in html
    assert client.get(f"/staff/events/{past.id}/networking/schedule.pdf").status_code == 200


def test_the_demo_outcomes_give_the_impact_report_its_stories(app, runner, client, auth):
    from app.models import Outcome, OutcomeStage

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    outcomes = db.session.scalars(select(Outcome)).all()
    assert {o.stage for o in outcomes} >= {OutcomeStage.GOV_PROJECT, OutcomeStage.AGREEMENT, OutcomeStage.CONTRACT}
    assert any(not o.confirmed for o in outcomes)  # one waits for the other company
    assert max(o.amount_won or 0 for o in outcomes) > 5_000_000_000
    for o in outcomes:
        assert o.events and len(o.parties) >= 2 and o.changes
        assert all(e.ends_at.date() <= o.occurred_on for e in o.events)  # after the events, never in the future
        assert o.occurred_on <= utcnow().date()
    auth.login("admin@moim.example", DEMO_PASSWORD)
    html = client.get("/staff/reports/impact?cluster=all").get_data(as_text=True)
    assert "공공데이터 활용 AI 실증 과제 수주" in html and "웹툰 원작 영상화 업무협약" in html
