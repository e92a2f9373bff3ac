"""The audit log: every committed staff change writes one row by itself, exports of personal data are
logged, a refusal or a member's change writes none, and staff read only their clusters' entries."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEntry, Event, EventStatus, Registration, RegistrationStatus
from app.seed import DEMO_PASSWORD, seed_demo
from tests.helpers import csrf_token, login, see_committed

STAFF = "dmc.staff@moim.example"


def _entries():
    see_committed()
    return list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def _event(title):
    return db.session.scalar(select(Event).where(Event.title_ko == title))


def test_a_staff_change_writes_one_entry_with_who_what_and_before_after(app, client):
    seed_demo()
    db.session.commit()
    event = _event("제15회 DMC 네트워킹 나이트")
    waiting = db.session.scalar(
        select(Registration).where(
            Registration.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED
        )
    )
    login(client, STAFF, DEMO_PASSWORD)
    before = len(_entries())
    token = csrf_token(client, f"/staff/events/{event.id}/registrations")
    response = client.post(f"/staff/events/{event.id}/registrations/{waiting.id}/cancel", data={"csrf_token": token})
    assert response.status_code in (302, 303), response.status_code
    entries = _entries()[before:]
    assert len(entries) == 1
    entry = entries[0]
    assert entry.user.email == STAFF and entry.role == "staff" and entry.cluster_id == event.host_cluster_id
    assert entry.action.startswith("staff.") and entry.object_type == "event" and entry.object_id == event.id
    assert f"Registration#{waiting.id}" in entry.summary and "confirmed→cancelled" in entry.summary
    assert waiting.email not in entry.summary  # personal values are never logged


def test_refusals_and_members_write_nothing(app, client):
    seed_demo()
    db.session.commit()
    event = _event("제15회 DMC 네트워킹 나이트")
    login(client, STAFF, DEMO_PASSWORD)
    before = len(_entries())
    # A form with errors changes nothing, so it logs nothing.
    client.post(f"/staff/events/{event.id}/edit", data={"csrf_token": csrf_token(client, "/"), "capacity": "x"})
    assert len(_entries()) == before
    login(client, "ceo@nurimedia.moim.example", DEMO_PASSWORD)
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert page  # a member's own changes are theirs, not staff actions
    assert len(_entries()) == before


def test_exports_of_personal_data_are_logged(app, client):
    seed_demo()
    db.session.commit()
    event = _event("제14회 DMC 네트워킹 나이트")
    login(client, STAFF, DEMO_PASSWORD)
    before = len(_entries())
    assert client.get(f"/staff/events/{event.id}/registrations.csv").status_code == 200
    assert client.get(f"/staff/events/{event.id}/attendance.xlsx").status_code == 200
    assert client.get("/directory/companies/export.csv").status_code == 200
    new = _entries()[before:]
    assert [e.summary.split(":")[0] for e in new] == ["registrations CSV", "attendance XLSX", "companies CSV"]
    assert all(e.user.email == STAFF for e in new) and new[0].cluster_id == event.host_cluster_id


def test_staff_read_their_clusters_entries_admins_all(app, client):
    seed_demo()
    db.session.commit()
    dmc, guro = _event("제14회 DMC 네트워킹 나이트"), _event("G밸리 네트워킹 나이트: 제조와 IT의 만남")
    login(client, STAFF, DEMO_PASSWORD)
    client.get(f"/staff/events/{dmc.id}/registrations.csv")
    login(client, "guro.staff@moim.example", DEMO_PASSWORD)
    client.get(f"/staff/events/{guro.id}/registrations.csv")
    login(client, STAFF, DEMO_PASSWORD)
    html = client.get("/staff/audit").get_data(as_text=True)
    assert html.count("staff.event_registrations_csv") == 1 and "오현우" in html and "신동욱" not in html
    login(client, "admin@moim.example", DEMO_PASSWORD)
    html = client.get("/staff/audit?action=registrations_csv").get_data(as_text=True)
    assert html.count("staff.event_registrations_csv") == 2
    assert "날짜는" in client.get("/staff/audit?since=2026-13-01").get_data(as_text=True)
    login(client, "ceo@nurimedia.moim.example", DEMO_PASSWORD)
    assert client.get("/staff/audit").status_code == 403


def test_the_retention_purge_is_logged(app, runner):
    seed_demo()
    db.session.commit()
    app.config["RETENTION_DAYS"] = 20
    assert runner.invoke(args=["privacy", "purge"]).exit_code == 0
    entries = [e for e in _entries() if e.action == "privacy.purge"]
    assert len(entries) == 1 and entries[0].user_id is None and "registrations" in entries[0].summary
    assert db.session.scalar(select(func.count()).select_from(Event).where(Event.status == EventStatus.PUBLISHED))
