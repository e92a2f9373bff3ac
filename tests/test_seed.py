"""`flask seed-demo` gives a newcomer a living app, and running it twice changes nothing."""
import datetime as dt

from sqlalchemy import func, select

from app.extensions import db
from app.i18n import SEOUL
from app.models import (
    CheckIn, Cluster, Company, Event, EventKind, EventStatus, Registration, RegistrationStatus,
    ResearchGroup, User, event_clusters, research_group_members, staff_clusters, utcnow,
)
from app.seed import DEMO_LOGINS, DEMO_PASSWORD
from app.validators import is_valid_brn


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
        "events": rows(select(Event.host_cluster_id, Event.title_ko, Event.kind, Event.status, Event.starts_at, Event.capacity)),
        "event_clusters": rows(select(event_clusters)),
        "registrations": rows(select(Registration.event_id, Registration.email, Registration.status, Registration.company_id)),
        "checkins": rows(select(CheckIn.registration_id, CheckIn.checked_in_at)),
    }


def test_seed_twice_gives_the_same_data(app, runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    db.session.rollback()  # end the read transaction: see what the command committed
    before = _snapshot()
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    db.session.rollback()  # end the read transaction: see what the command committed
    assert _snapshot() == before
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
        select(func.count()).select_from(Registration).join(Event)
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
            select(func.count()).select_from(Registration)
            .where(Registration.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED)
        )
        assert int(confirmed) == expected
        starts.append(event.starts_at)
    assert starts == sorted(starts)
