"""Acceptances at the same moment never double-book: real threads, each with its own app
context and database session, released together by a barrier, on SQLite and PostgreSQL.

Two races: eight acceptances that each need the same company in one slot (four meetings it was
asked to, four it asked for), and eight acceptances of unrelated pairs competing for the one
table of a slot. The service runs the checks under the event's write lock; a test-only hook
(`meetings._after_check`, between the checks and the write) counts how many acceptances got
past the checks and holds each there for a moment. The controls skip the lock (`_lock=False`):
then several acceptances pass the checks, which is the double booking, and only the database
stops it (the unique seat per slot and company, the unique accepted meeting per slot and
table: an IntegrityError the service turns into its Korean "conflict" message; SQLite refuses
the stale writers as 'database is locked'). Either way never two accepted meetings.
"""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from app import create_app
from app.extensions import db
from app.models import Meeting, MeetingSeat, MeetingSlot, MeetingStatus, MeetingTable, utcnow
from app.networking import meetings
from tests.conftest import app_for_races
from tests.factories import make_cluster, make_company, make_event, make_registration

RACERS = 8
RACE_WINDOW_S = 0.1


@pytest.fixture
def race_app(migrated, smtp_server):
    with app_for_races(migrated, smtp_server, connections=RACERS + 4) as application:
        yield application


def _person(event, company, n: int):
    registration = make_registration(event, company, name=f"참석자{n}", email=f"p{n}@race.example")
    registration.networking_consent_version = "2026-12-v1"
    registration.networking_consent_at = utcnow()
    return registration


def _event(tables: int):
    cluster = make_cluster()
    event = make_event(cluster, starts_in=dt.timedelta(days=2), networking_enabled=True)
    slot = MeetingSlot(event_id=event.id, starts_at=event.starts_at, ends_at=event.starts_at + dt.timedelta(minutes=20))
    db.session.add(slot)
    db.session.add_all(MeetingTable(event_id=event.id, name=f"테이블 {n}", sort_order=n) for n in range(1, tables + 1))
    db.session.flush()
    return cluster, event, slot


def _pending(event, slot, requester, invitee, requested_by) -> Meeting:
    meeting = Meeting(
        event_id=event.id,
        slot_id=slot.id,
        requester_company_id=requester.id,
        invitee_company_id=invitee.id,
        requested_by_id=requested_by.id,
    )
    db.session.add(meeting)
    return meeting


def _same_company_world() -> tuple[int, int, list[tuple[int, int]]]:
    """Company X in eight pending meetings of one slot, plenty of tables; returns the event id,
    X's id and (acceptor registration, meeting) pairs: X's people for the four meetings X was
    asked to, the invitees' people for the four X asked for."""
    cluster, event, slot = _event(tables=RACERS)
    x = make_company(cluster, name="엑스기업")
    x_people = [_person(event, x, n) for n in range(RACERS // 2)]
    pairs = []
    for n in range(RACERS // 2):
        other = make_company(cluster, name=f"요청기업{n}")
        asker = _person(event, other, 100 + n)
        pairs.append((x_people[n], _pending(event, slot, other, x, asker)))
    for n in range(RACERS // 2):
        other = make_company(cluster, name=f"초대기업{n}")
        answerer = _person(event, other, 200 + n)
        pairs.append((answerer, _pending(event, slot, x, other, x_people[0])))
    db.session.commit()
    result = event.id, x.id, [(r.id, m.id) for r, m in pairs]
    db.session.close()
    return result


def _last_table_world() -> tuple[int, int, list[tuple[int, int]]]:
    """Eight unrelated pairs asking for the same slot, which has one table."""
    cluster, event, slot = _event(tables=1)
    pairs = []
    for n in range(RACERS):
        a, b = make_company(cluster, name=f"가기업{n}"), make_company(cluster, name=f"나기업{n}")
        asker, answerer = _person(event, a, 300 + n), _person(event, b, 400 + n)
        pairs.append((answerer, _pending(event, slot, a, b, asker)))
    db.session.commit()
    result = event.id, None, [(r.id, m.id) for r, m in pairs]
    db.session.close()
    return result


class Race:
    """Runs the acceptances together and tells what came of them."""

    def __init__(self, app, monkeypatch) -> None:
        self.app = app
        self.passed = 0  # acceptances that got past every check
        self._count_lock = threading.Lock()

        def after_check() -> None:
            with self._count_lock:
                self.passed += 1
            time.sleep(RACE_WINDOW_S)

        monkeypatch.setattr(meetings, "_after_check", after_check)

    def run(self, pairs: list[tuple[int, int]], lock: bool) -> tuple[int, list[str], list[BaseException]]:
        barrier = threading.Barrier(len(pairs))
        refusals: list[str] = []  # MeetingError codes
        errors: list[BaseException] = []  # anything else
        results_lock = threading.Lock()
        accepted = []

        def worker(registration_id: int, meeting_id: int) -> None:
            with self.app.app_context():
                try:
                    barrier.wait(timeout=30)
                    meetings.accept_meeting(registration_id, meeting_id, now=utcnow(), _lock=lock)
                    db.session.commit()
                    with results_lock:
                        accepted.append(meeting_id)
                except meetings.MeetingError as exc:
                    db.session.rollback()
                    with results_lock:
                        refusals.append(exc.code)
                except BaseException as exc:  # noqa: BLE001 - reported to the test thread
                    db.session.rollback()
                    with results_lock:
                        errors.append(exc)
                finally:
                    db.session.remove()

        threads = [threading.Thread(target=worker, args=pair) for pair in pairs]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not any(t.is_alive() for t in threads), "an acceptance hung"
        return len(accepted), refusals, errors


def _accepted_in_db(event_id: int) -> int:
    db.session.rollback()
    return db.session.scalar(
        select(func.count())
        .select_from(Meeting)
        .where(Meeting.event_id == event_id, Meeting.status == MeetingStatus.ACCEPTED)
    )


def _seats_of(company_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(MeetingSeat).where(MeetingSeat.company_id == company_id))


def _report(name: str, race: Race, accepted: int, refusals: list[str], errors: list[BaseException]) -> None:
    kinds = sorted({type(e).__name__ for e in errors})
    print(
        f"\n[{db.engine.dialect.name}] {name}: {race.passed} past the checks, {accepted} accepted, "
        f"refusals {sorted(refusals)}, other errors {len(errors)} {kinds}"
    )


def test_eight_acceptances_needing_one_company_in_one_slot_book_it_once(race_app, monkeypatch):
    event_id, x_id, pairs = _same_company_world()
    race = Race(race_app, monkeypatch)
    accepted, refusals, errors = race.run(pairs, lock=True)
    _report("same company, locked", race, accepted, refusals, errors)
    assert errors == []
    assert accepted == 1 and race.passed == 1
    # The others find their request cancelled by the winner (superseded) or the company busy.
    assert len(refusals) == RACERS - 1 and set(refusals) <= {"not_pending", "own_busy", "other_busy"}
    assert _accepted_in_db(event_id) == 1 and _seats_of(x_id) == 1
    cancelled = db.session.scalar(
        select(func.count())
        .select_from(Meeting)
        .where(Meeting.event_id == event_id, Meeting.status == MeetingStatus.CANCELLED)
    )
    assert cancelled == RACERS - 1


def test_eight_acceptances_for_the_last_table_book_it_once(race_app, monkeypatch):
    event_id, _x, pairs = _last_table_world()
    race = Race(race_app, monkeypatch)
    accepted, refusals, errors = race.run(pairs, lock=True)
    _report("last table, locked", race, accepted, refusals, errors)
    assert errors == []
    assert accepted == 1 and race.passed == 1
    assert refusals == ["no_table"] * (RACERS - 1)
    assert _accepted_in_db(event_id) == 1


def _assert_the_race_showed(race: Race, accepted: int, refusals: list[str], errors: list[BaseException]) -> None:
    # Several acceptances judged the company (or the table) free: without the database's rules
    # each of them would have been written, a double booking.
    assert race.passed > 1
    # The database refused all but one: never two accepted, and what failed failed at the
    # database (the service's "conflict", or a database error), not at the service's checks.
    assert accepted <= 1
    from_database = [c for c in refusals if c == "conflict"] + [e for e in errors if isinstance(e, DBAPIError)]
    assert len(from_database) >= race.passed - accepted
    assert not [e for e in errors if not isinstance(e, DBAPIError)]


def test_control_without_the_lock_one_company_passes_the_checks_several_times(race_app, monkeypatch):
    event_id, x_id, pairs = _same_company_world()
    race = Race(race_app, monkeypatch)
    accepted, refusals, errors = race.run(pairs, lock=False)
    _report("same company, control without lock", race, accepted, refusals, errors)
    _assert_the_race_showed(race, accepted, refusals, errors)
    assert _accepted_in_db(event_id) <= 1 and _seats_of(x_id) <= 1


def test_control_without_the_lock_the_last_table_is_saved_by_the_database(race_app, monkeypatch):
    event_id, _x, pairs = _last_table_world()
    race = Race(race_app, monkeypatch)
    accepted, refusals, errors = race.run(pairs, lock=False)
    _report("last table, control without lock", race, accepted, refusals, errors)
    _assert_the_race_showed(race, accepted, refusals, errors)
    assert _accepted_in_db(event_id) <= 1
    if db.engine.dialect.name == "postgresql":
        # READ COMMITTED: every loser waited on the partial unique index and got the
        # IntegrityError, which the service turned into its Korean message.
        assert accepted == 1 and refusals == ["conflict"] * (RACERS - 1) and errors == []
