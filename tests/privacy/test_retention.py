"""The retention purge keeps the consent's promise (destroyed one year after the event) and the city's figures."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import func, select

from app.extensions import db
from app.i18n import SEOUL
from app.models import (
    CheckIn,
    Cluster,
    Contact,
    Event,
    Meeting,
    OutboxMessage,
    Registration,
    Role,
    User,
    utcnow,
)
from app.privacy import retention
from app.reports.activity import Period, activity_report
from app.seed import DEMO_PASSWORD, seed_demo
from tests.factories import make_cluster, make_user
from tests.helpers import login, see_committed

# Purge as if 345 days had passed: events that ended more than 20 days ago are due, later ones not.
LATER = dt.timedelta(days=345)


def _world():
    seed_demo()
    db.session.add(
        OutboxMessage(
            recipient="old@example.com", subject="s", body_text="김서연님", created_at=utcnow() - dt.timedelta(days=30)
        )
    )
    db.session.commit()


def _report(slug: str, now: dt.datetime):
    cluster = db.session.scalar(select(Cluster).where(Cluster.slug == slug))
    today = utcnow().astimezone(SEOUL).date()
    report = activity_report(cluster, Period(today - dt.timedelta(days=120), today), now)
    figures = dataclasses.asdict(report)
    figures.pop("cluster")  # the ORM object (copied by asdict); its figures are what count
    return figures


def test_purge_destroys_the_people_of_events_ended_past_the_retention_and_keeps_the_figures(app):
    _world()
    now = utcnow() + LATER
    cut = retention.cutoff(now)
    due_ids = set(db.session.scalars(select(Registration.id).join(Event).where(Event.ends_at < cut)))
    kept_ids = set(db.session.scalars(select(Registration.id))) - due_ids
    assert due_ids and kept_ids
    checkins_before = db.session.scalar(select(func.count()).select_from(CheckIn))
    contacts_before = db.session.scalar(select(func.count()).select_from(Contact))
    report_now = utcnow()
    reports_before = {slug: _report(slug, report_now) for slug in ("dmc", "magok", "guro")}
    kept_before = {
        r.id: (r.name, r.email, r.ticket_hash)
        for r in db.session.scalars(select(Registration).where(Registration.id.in_(kept_ids)))
    }
    planned = retention.plan(now)
    assert planned.registrations == len(due_ids)

    counts = retention.purge(now, batch=50)  # several batches
    see_committed()
    assert counts.registrations == len(due_ids) and counts.events == planned.events
    assert counts.outbox_messages == 1 and counts.contact_notes > 0
    for reg in db.session.scalars(select(Registration).where(Registration.id.in_(due_ids))):
        assert reg.name == retention.PURGED_NAME and reg.email.endswith("@purged.invalid")
        assert reg.mobile is None and reg.job_title is None and reg.guest_brn is None
        assert reg.ticket_hash is None and reg.contact_hash is None and reg.manage_token_hash is None
        assert reg.purged_at is not None
        assert reg.company_id is not None or reg.guest_company_name  # the firm survives
    for reg in db.session.scalars(select(Registration).where(Registration.id.in_(kept_ids))):
        assert (reg.name, reg.email, reg.ticket_hash) == kept_before[reg.id] and reg.purged_at is None
    notes = db.session.scalars(
        select(Contact.note).where(Contact.owner_registration_id.in_(due_ids), Contact.note != "")
    ).all()
    assert notes == []
    messages = db.session.scalars(
        select(Meeting.message).where(Meeting.requested_by_id.in_(due_ids), Meeting.message != "")
    ).all()
    assert messages == []
    # What the figures need is all there: check-ins, contact pairs, the activity report.
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == checkins_before
    assert db.session.scalar(select(func.count()).select_from(Contact)) == contacts_before
    assert {slug: _report(slug, report_now) for slug in reports_before} == reports_before
    # The mail written more than the retention period before "now" is gone.
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.created_at < cut)) == 0

    # Idempotent: a second run finds nothing.
    again = retention.purge(now)
    assert again.total == 0 and retention.plan(now).registrations == 0


def test_accounts_deactivated_past_the_retention_are_erased_and_can_never_sign_in(app, client):
    cluster = make_cluster()
    gone = make_user(role=Role.STAFF, clusters=[cluster])
    recent = make_user(role=Role.STAFF, clusters=[cluster])
    active = make_user(role=Role.STAFF, clusters=[cluster])
    now = utcnow()
    gone.is_active_account = recent.is_active_account = False
    gone.deactivated_at = now - dt.timedelta(days=400)
    recent.deactivated_at = now - dt.timedelta(days=10)
    old_email, recent_email, active_email = gone.email, recent.email, active.email
    db.session.commit()

    counts = retention.purge(now)
    see_committed()
    assert counts.accounts == 1
    assert gone.email == retention.purged_email("u", gone.id) and gone.name == retention.PURGED_NAME
    assert gone.mobile is None and gone.purged_at is not None
    assert db.session.scalar(select(User.id).where(User.email == old_email)) is None
    assert (recent.email, active.email) == (recent_email, active_email)
    assert not gone.check_password(DEMO_PASSWORD) and not gone.check_password("")


def test_removing_a_member_records_when_for_the_purge(app, client):
    seed_demo()
    db.session.commit()
    login(client, "ceo@nurimedia.moim.example", DEMO_PASSWORD)
    member = db.session.scalar(select(User).where(User.email == "pd@hanbit.moim.example"))
    from app.directory.members import remove_member

    remove_member(member)
    db.session.commit()
    assert member.deactivated_at is not None


def test_dry_run_counts_and_changes_nothing_then_purge_runs(app, runner):
    _world()
    first = runner.invoke(args=["privacy", "purge", "--dry-run"])
    assert first.exit_code == 0 and "Would purge" in first.output
    see_committed()
    assert db.session.scalar(select(func.count()).where(Registration.purged_at.is_not(None))) == 0
    app.config["RETENTION_DAYS"] = 20  # the same cut as 345 days from now with the default
    done = runner.invoke(args=["privacy", "purge"])
    assert done.exit_code == 0 and "registrations=" in done.output
    see_committed()
    assert db.session.scalar(select(func.count()).where(Registration.purged_at.is_not(None))) > 0


def test_the_worker_purges_once_a_day(app):
    _world()
    app.config["RETENTION_DAYS"] = 20
    start = utcnow()
    first = retention.purge_if_due(None, start)
    see_committed()
    purged = db.session.scalar(select(func.count()).where(Registration.purged_at.is_not(None)))
    assert first == start and purged > 0
    assert retention.purge_if_due(first, start + dt.timedelta(hours=23)) == first  # not due yet
    assert retention.purge_if_due(first, start + dt.timedelta(days=1)) == start + dt.timedelta(days=1)


def test_the_staff_page_lists_own_clusters_next_purges(app, client):
    _world()
    login(client, "dmc.staff@moim.example", DEMO_PASSWORD)
    html = client.get("/staff/privacy").get_data(as_text=True)
    assert "제14회 DMC 네트워킹 나이트" in html and "파기 예정" in html
    assert "G밸리 네트워킹 나이트: 제조와 IT의 만남" not in html  # another cluster's
    assert "지금 실행하면" not in html  # the whole-house count is the admin's
    login(client, "admin@moim.example", DEMO_PASSWORD)
    html = client.get("/staff/privacy").get_data(as_text=True)
    assert "G밸리 네트워킹 나이트: 제조와 IT의 만남" in html and "지금 실행하면" in html


def test_the_staff_page_is_refused_to_members_and_strangers(app, client):
    _world()
    assert client.get("/staff/privacy").status_code in (302, 401)
    login(client, "ceo@nurimedia.moim.example", DEMO_PASSWORD)
    assert client.get("/staff/privacy").status_code == 403
