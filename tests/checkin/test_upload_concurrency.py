"""Two gates that worked offline upload at the same moment, their batches holding the same badges.

Real concurrent requests (threads, each its own request context and database connection) through
POST /api/checkin/events/<id>/scans, on SQLite and on PostgreSQL (TEST_DATABASE_URL). Gate A's
batch and gate B's batch admit the same badges, in opposite orders, each gate first for half of
them; a retried copy of gate A's batch races too. Whatever the order the requests run in: one
check-in per badge, at the first admission's time and gate; one log per nonce; the later admission
of each badge, and only it, flagged as the conflict with the first. The control runs a naive
check-then-admit upload with the same load and shows what the test catches.
"""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from sqlalchemy import select

from app.checkin.devices import create_device
from app.events.tickets import issue_ticket, normalize_code
from app.extensions import db
from app.models import CheckIn, Registration, ScanLog, utcnow
from app.tokens import hash_token
from tests.conftest import IsolatedClient, app_for_races
from tests.factories import make_cluster, make_event, make_registration
from tests.helpers import run_together

BADGES = 30
ROUNDS = 3
RACE_WINDOW_S = 0.02


@pytest.fixture
def race_app(migrated, smtp_server):
    with app_for_races(migrated, smtp_server, connections=8) as application:
        application.test_client_class = IsolatedClient
        yield application


def _two_gates(round_: int):
    """An open event, BADGES badges, two gates' links made an hour ago, and both gates' batches."""
    now = utcnow().replace(microsecond=0)
    event = make_event(make_cluster(), starts_in=dt.timedelta(minutes=10))
    codes, registration_ids = [], []
    for n in range(BADGES):
        registration = make_registration(event, name=f"참가자{round_}-{n:02d}")
        codes.append(issue_ticket(registration))
        registration_ids.append(registration.id)
    tokens = {
        gate: create_device(event, gate=gate, valid_hours=4, created_by_id=None, now=now - dt.timedelta(hours=1))[1]
        for gate in ("A게이트", "B게이트")
    }
    db.session.commit()
    event_id = event.id
    db.session.close()
    t0 = now - dt.timedelta(minutes=40)
    batches = {"A게이트": [], "B게이트": []}
    first = {}
    for n, code in enumerate(codes):
        # Even badges came in at gate A first, odd ones at gate B; a minute later at the other gate.
        a_at = t0 + dt.timedelta(seconds=n) + (dt.timedelta(minutes=1) if n % 2 else dt.timedelta(0))
        b_at = t0 + dt.timedelta(seconds=n) + (dt.timedelta(0) if n % 2 else dt.timedelta(minutes=1))
        for gate, at in (("A게이트", a_at), ("B게이트", b_at)):
            batches[gate].append(
                {
                    "nonce": f"r{round_}-{gate[0]}-{n:03d}-nonce",
                    "code": code,
                    "mode": "in",
                    "method": "qr",
                    "scanned_at": at.isoformat(),
                    "local_result": "ok",
                }
            )
        first[registration_ids[n]] = ("A게이트", a_at) if n % 2 == 0 else ("B게이트", b_at)
    batches["B게이트"].reverse()  # the other order: two batches locking badges crosswise
    return event_id, tokens, batches, first


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_gates_uploading_the_same_badges_at_once(race_app, round_):
    event_id, tokens, batches, first = _two_gates(round_)
    senders = [("A게이트", batches["A게이트"]), ("B게이트", batches["B게이트"]), ("A게이트", batches["A게이트"])]

    def send(n: int):
        gate, scans = senders[n]
        response = race_app.test_client().post(
            f"/api/checkin/events/{event_id}/scans", json={"scans": scans}, headers={"X-Door-Token": tokens[gate]}
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()["results"]

    started = time.monotonic()
    answers, errors = run_together(len(senders), send)
    assert errors == []
    # The retried copy of gate A's batch answers the same results for the same nonces.
    assert [r["nonce"] for r in answers[0]] == [r["nonce"] for r in answers[2]]
    assert [r["result"] for r in answers[0]] == [r["result"] for r in answers[2]]
    db.session.rollback()
    checkins = {c.registration_id: c for c in db.session.scalars(select(CheckIn).where(CheckIn.event_id == event_id))}
    assert set(checkins) == set(first)
    for registration_id, (gate, at) in first.items():
        assert (checkins[registration_id].gate, checkins[registration_id].checked_in_at) == (gate, at)
    logs = db.session.scalars(select(ScanLog).where(ScanLog.event_id == event_id)).all()
    assert len(logs) == 2 * BADGES  # one per nonce, the retried copy wrote none
    by_id = {log.id: log for log in logs}
    for registration_id, (gate, at) in first.items():
        own = [log for log in logs if log.registration_id == registration_id]
        [earlier] = [log for log in own if log.scanned_at == at]
        [later] = [log for log in own if log.scanned_at != at]
        assert earlier.gate == gate and earlier.conflict_with_id is None
        assert later.gate != gate and later.scanned_at > at
        assert by_id[later.conflict_with_id] is earlier, registration_id
    assert time.monotonic() - started < 60


def test_control_naive_check_then_admit_upload_is_caught(race_app):
    """Two uploads that look for an admission and admit when there is none, with no write lock,
    no unique-key handling and no conflict check, the batches in one order so that every badge is
    raced: some badge is admitted twice with neither admission flagged (green at both gates, one
    check-in written, the other failing at the unique key), or the writes fail; the test above
    allows neither."""
    event_id, _tokens, batches, _first = _two_gates(99)
    batches["B게이트"].reverse()
    hashes = {code: hash_token(normalize_code(code)) for code in {scan["code"] for scan in batches["A게이트"]}}

    def naive(n: int):
        gate = ("A게이트", "B게이트")[n]
        admitted, failed = [], 0
        with race_app.app_context():
            for scan in batches[gate]:
                try:
                    registration_id = db.session.scalar(
                        select(Registration.id).where(Registration.ticket_hash == hashes[scan["code"]])
                    )
                    exists = db.session.scalar(select(CheckIn.id).where(CheckIn.registration_id == registration_id))
                    time.sleep(RACE_WINDOW_S)
                    if exists is None:
                        admitted.append(registration_id)  # the door was told green
                        db.session.add(CheckIn(registration_id=registration_id, event_id=event_id, gate=gate))
                        db.session.commit()
                except Exception:  # noqa: BLE001 - the unique key or a lock refusing the second writer
                    failed += 1
                finally:
                    db.session.rollback()
            db.session.remove()
        return admitted, failed

    results, errors = run_together(2, naive)
    assert errors == []
    (admitted_a, failed_a), (admitted_b, failed_b) = results
    twice = set(admitted_a) & set(admitted_b)
    # The real path: each badge admitted by one gate, the other's admission recorded as a conflict.
    assert twice or failed_a + failed_b, results
