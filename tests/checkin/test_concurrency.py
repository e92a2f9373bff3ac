"""50 devices scan the same badge at the same moment: it is admitted exactly once.

Real concurrent requests (50 threads, each its own request context and database connection)
through the check-in API, on SQLite and on PostgreSQL (TEST_DATABASE_URL). The control runs a
naive check-then-insert with the same load and shows what the test catches: more than one
"ok", or errors, where the real path answers one ok and 49 already_checked_in.
"""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from sqlalchemy import func, select

from app import create_app
from app.checkin.devices import create_device
from app.events.tickets import issue_ticket
from app.extensions import db
from app.models import CheckIn, ScanLog, utcnow
from tests.conftest import IsolatedClient, app_for_races
from tests.factories import make_cluster, make_event, make_registration
from tests.helpers import run_together

SCANNERS = 50
RACE_WINDOW_S = 0.05


@pytest.fixture
def race_app(migrated, smtp_server):
    with app_for_races(migrated, smtp_server, connections=SCANNERS + 4) as application:
        application.test_client_class = IsolatedClient
        yield application


def _badge():
    cluster = make_cluster()
    event = make_event(cluster, starts_in=dt.timedelta(minutes=10))
    registration = make_registration(event, name="동시스캔")
    code = issue_ticket(registration)
    tokens = [
        create_device(event, gate=f"게이트{n}", valid_hours=2, created_by_id=None, now=utcnow())[1]
        for n in range(SCANNERS)
    ]
    db.session.commit()
    event_id, registration_id = event.id, registration.id
    db.session.close()
    return event_id, registration_id, code, tokens


def test_fifty_simultaneous_scans_admit_once(race_app):
    event_id, registration_id, code, tokens = _badge()

    def scan(n: int):
        client = race_app.test_client()
        response = client.post(
            f"/api/checkin/events/{event_id}/scan",
            json={"code": code, "nonce": f"race-{n:04d}-nonce"},
            headers={"X-Door-Token": tokens[n]},
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    started = time.monotonic()
    answers, errors = run_together(SCANNERS, scan)
    assert errors == []
    results = [a["result"] for a in answers]
    assert results.count("ok") == 1, results
    assert results.count("already_checked_in") == SCANNERS - 1
    # Every amber answer names the one real check-in: its gate and time.
    winner = next(a for a in answers if a["result"] == "ok")
    assert {a["gate"] for a in answers if a["result"] != "ok"} == {winner["gate"]}
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 1
    assert db.session.scalar(select(func.count()).select_from(ScanLog)) == SCANNERS
    assert time.monotonic() - started < 60


def test_control_naive_check_then_insert_is_caught(race_app):
    """Without ON CONFLICT and the write lock, the same load gives several "ok" answers
    (the database's unique key then turns all but one into errors): the assertions above fail."""
    event_id, registration_id, _code, _tokens = _badge()

    def naive(n: int):
        with race_app.app_context():
            try:
                exists = db.session.scalar(select(CheckIn.id).where(CheckIn.registration_id == registration_id))
                time.sleep(RACE_WINDOW_S)
                if exists is not None:
                    return "already_checked_in"
                db.session.add(CheckIn(registration_id=registration_id, event_id=event_id, gate=f"게이트{n}"))
                db.session.commit()
                return "ok"
            finally:
                db.session.rollback()
                db.session.remove()

    results, errors = run_together(SCANNERS, naive)
    oks = results.count("ok")
    # One committed; the other racers that passed the check failed at the unique key.
    assert oks + len(errors) > 1, (results, errors)
    assert not (oks == 1 and results.count("already_checked_in") == SCANNERS - 1 and not errors)
