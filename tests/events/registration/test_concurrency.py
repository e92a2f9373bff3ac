"""300 truly concurrent registrations at capacity 50: exactly 50 confirmed, 250 waitlisted
in arrival order, no errors. The control test runs the same load without the write lock
(the test-only ``_lock=False``) and shows the oversell (PostgreSQL) or stale-writer
errors (SQLite), proving the first test would catch a missing lock."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

import app.events.registration as service
from app import create_app
from app.events.registration import AttendeeData, register
from app.extensions import db
from app.models import Company, Registration, RegistrationStatus, utcnow
from tests.conftest import app_for_races
from tests.factories import make_cluster, make_company, make_event

ATTEMPTS = 300
CAPACITY = 50
# The control's race window between the seat count and the insert.
RACE_WINDOW_S = 0.1


@pytest.fixture
def race_app(migrated, smtp_server):
    """The app with room for many simultaneous connections and a long SQLite busy timeout:
    with BEGIN IMMEDIATE the 300 writers queue for the write lock one after another."""
    with app_for_races(migrated, smtp_server, connections=64, wait_s=120) as application:
        yield application


def _fire(app, lock: bool) -> tuple[int, list[BaseException], float]:
    """ATTEMPTS threads, each in its own app context (own db.session), released together."""
    host = make_cluster()
    company = make_company(host)
    event = make_event(host, capacity=CAPACITY)
    event_id, company_id = event.id, company.id
    db.session.commit()
    db.session.close()  # the test thread holds no snapshot or lock during the race

    barrier = threading.Barrier(ATTEMPTS)
    errors: list[BaseException] = []
    errors_lock = threading.Lock()

    def worker(n: int) -> None:
        with app.app_context():
            try:
                company = db.session.get(Company, company_id)
                db.session.commit()  # end the read; the service opens its own write transaction
                barrier.wait(timeout=60)
                register(
                    event_id,
                    [AttendeeData(name=f"동시신청자{n}", email=f"racer{n}@example.com")],
                    company=company,
                    consent_version="2026-11",
                    now=utcnow(),
                    _lock=lock,
                )
                db.session.commit()
            except BaseException as exc:  # noqa: BLE001 - reported to the test thread
                db.session.rollback()
                with errors_lock:
                    errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(ATTEMPTS)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    elapsed = time.monotonic() - started
    assert not any(t.is_alive() for t in threads), "a registration hung"
    return event_id, errors, elapsed


def _registrations(event_id: int) -> list[Registration]:
    return db.session.scalars(
        select(Registration).where(Registration.event_id == event_id).order_by(Registration.created_at, Registration.id)
    ).all()


def test_300_concurrent_registrations_fill_exactly_the_capacity_and_waitlist_the_rest(race_app):
    event_id, errors, elapsed = _fire(race_app, lock=True)
    regs = _registrations(event_id)
    statuses = [r.status for r in regs]
    print(
        f"\n[{db.engine.dialect.name}] {ATTEMPTS} concurrent registrations in {elapsed:.2f}s: "
        f"{statuses.count(RegistrationStatus.CONFIRMED)} confirmed, "
        f"{statuses.count(RegistrationStatus.WAITLISTED)} waitlisted, {len(errors)} errors"
    )

    assert errors == []
    assert len(regs) == ATTEMPTS
    # Arrival order (created_at, id): the first 50 hold the seats, the other 250 wait in line.
    assert statuses == [RegistrationStatus.CONFIRMED] * CAPACITY + [RegistrationStatus.WAITLISTED] * (
        ATTEMPTS - CAPACITY
    )
    # Rows were written one at a time under the lock: id order and created_at order agree.
    assert [r.id for r in regs] == sorted(r.id for r in regs)


def test_control_without_the_lock_the_race_shows(race_app, monkeypatch):
    monkeypatch.setattr(service, "_after_count", lambda: time.sleep(RACE_WINDOW_S))
    event_id, errors, elapsed = _fire(race_app, lock=False)
    regs = _registrations(event_id)
    confirmed = sum(1 for r in regs if r.status == RegistrationStatus.CONFIRMED)
    print(
        f"\n[{db.engine.dialect.name}] control without lock in {elapsed:.2f}s: {confirmed} confirmed, "
        f"{len(regs) - confirmed} waitlisted, {len(errors)} errors"
    )

    if db.engine.dialect.name == "postgresql":
        # READ COMMITTED: writers that counted before the others committed all take a seat.
        assert confirmed > CAPACITY
    else:
        # WAL: a writer whose read snapshot went stale is refused ('database is locked').
        stale = [e for e in errors if isinstance(e, OperationalError) and "database is locked" in str(e)]
        assert stale or confirmed > CAPACITY
    assert not (confirmed == CAPACITY and not errors), "the unlocked path did not race"
