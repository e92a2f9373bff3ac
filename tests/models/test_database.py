"""Engine set-up (SQLite pragmas) and begin_write(): two writers cannot both pass a capacity check."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.database import _install_sqlite_hooks, begin_write
from app.events.tickets import issue_ticket
from app.extensions import db
from app.models import Cluster, Event, Registration, RegistrationStatus
from tests.factories import make_cluster, make_event

# Long enough that both threads have read the count before either writes.
RACE_WINDOW_S = 0.2


@pytest.fixture
def on_sqlite(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite engine settings")


# --- SQLite pragmas on app connections ---------------------------------------------


def test_sqlite_uses_wal_journal(on_sqlite):
    assert db.session.execute(text("PRAGMA journal_mode")).scalar().lower() == "wal"


def test_sqlite_enforces_foreign_keys(on_sqlite):
    assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_sqlite_waits_for_locks_instead_of_failing_at_once(on_sqlite):
    assert db.session.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_pragmas_hold_on_every_new_connection(on_sqlite):
    # Not just the first one: each pooled connection runs the connect hook.
    connections = [db.engine.connect() for _ in range(3)]
    try:
        for conn in connections:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar().lower() == "wal"
    finally:
        for conn in connections:
            conn.close()


# --- begin_write() guards ----------------------------------------------------------


def test_begin_write_refuses_unflushed_changes(on_sqlite):
    make_cluster()  # opens the transaction
    db.session.add(Cluster(slug="pending", name_ko="대기", name_en="Pending"))
    with pytest.raises(RuntimeError, match="begin_write"):
        begin_write()
    db.session.rollback()


def test_begin_write_refuses_flushed_but_uncommitted_changes(on_sqlite):
    # A flush (explicit or autoflush) empties session.new, but the rows are still
    # uncommitted work of this transaction: begin_write() must not commit them behind
    # the caller's back, or a later rollback would leave half a unit of work saved.
    make_cluster(slug="flushed")
    with pytest.raises(RuntimeError, match="begin_write"):
        begin_write()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Cluster)) == 0


def test_begin_write_refuses_a_transaction_that_wrote_with_plain_sql(on_sqlite):
    db.session.execute(
        text(
            "INSERT INTO clusters (slug, name_ko, name_en, field_ko, field_en, is_active) "
            "VALUES ('raw', '원시', 'Raw', '', '', 1)"
        )
    )
    with pytest.raises(RuntimeError, match="begin_write"):
        begin_write()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Cluster)) == 0


def test_begin_write_accepts_an_explicitly_passed_scoped_session(on_sqlite):
    db.session.scalar(select(func.count()).select_from(Cluster))  # read-only transaction
    begin_write(db.session)
    make_cluster(slug="scoped")
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Cluster)) == 1


def test_begin_write_ends_an_open_read_transaction_and_allows_the_write(app):
    make_cluster(slug="seoul")
    db.session.commit()
    cluster = db.session.scalar(select(Cluster).where(Cluster.slug == "seoul"))  # read-only transaction
    begin_write()
    cluster.name_en = "Seoul"
    db.session.commit()
    db.session.expire_all()
    assert db.session.scalar(select(Cluster.name_en).where(Cluster.slug == "seoul")) == "Seoul"


def _assert_another_writer_is_refused() -> None:
    """The session holds SQLite's write lock: a second connection's BEGIN IMMEDIATE is refused."""
    other = db.engine.connect()
    try:
        other.exec_driver_sql("PRAGMA busy_timeout=0")
        with pytest.raises(OperationalError, match="database is locked"):
            other.exec_driver_sql("BEGIN IMMEDIATE")
    finally:
        other.close()


def test_begin_write_takes_the_write_lock_at_once_on_sqlite(on_sqlite):
    begin_write()
    try:
        _assert_another_writer_is_refused()
    finally:
        db.session.rollback()


def _hold_write_lock(url: str, seconds: float, holding: threading.Event) -> threading.Thread:
    """Another process's writer, as a thread on its own connection: BEGIN IMMEDIATE for `seconds`."""

    def hold():
        conn = sqlite3.connect(url.split("sqlite:///", 1)[1], isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            holding.set()
            time.sleep(seconds)
            conn.execute("ROLLBACK")
        finally:
            conn.close()

    thread = threading.Thread(target=hold)
    thread.start()
    assert holding.wait(10)
    return thread


def test_a_writer_waits_for_the_lock_and_takes_it_when_it_comes_free(on_sqlite):
    # begin_write() tries BEGIN IMMEDIATE again and again (busy timeout 0 meanwhile) until the
    # other writer is done, then holds the lock itself; the connection's busy timeout is back.
    db.session.rollback()
    holder = _hold_write_lock(str(db.engine.url), 0.3, threading.Event())
    started = time.monotonic()
    try:
        begin_write()
        waited = time.monotonic() - started
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        _assert_another_writer_is_refused()
    finally:
        db.session.rollback()
        holder.join()
    assert waited >= 0.25


def test_a_writer_gives_up_after_the_busy_timeout_with_sqlalchemys_error(on_sqlite, tmp_path):
    # When the lock stays taken, the caller gets OperationalError ("database is locked") after
    # the busy timeout, as it did from SQLite's own busy handler, not a bare sqlite3 error.
    url = f"sqlite:///{tmp_path / 'locked.db'}"
    engine = create_engine(url)
    _install_sqlite_hooks(engine, busy_ms=200, wal=True)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    holder = _hold_write_lock(url, 1.0, threading.Event())
    session = Session(engine)
    started = time.monotonic()
    try:
        with pytest.raises(OperationalError, match="database is locked"):
            begin_write(session)
        assert 0.15 <= time.monotonic() - started < 0.9
        session.rollback()
        with engine.connect() as conn:  # the pooled connection waits as configured again
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 200
    finally:
        session.close()
        holder.join()
        engine.dispose()


# --- concurrency: capacity check under two simultaneous writers --------------------


def _register_if_seat_left(engine, event_id: int, email: str, barrier: threading.Barrier, locked: bool) -> None:
    """One writer's check-then-write, as a registration service does it."""
    session = Session(engine)
    try:
        barrier.wait(timeout=10)
        if locked:
            begin_write(session)
        query = select(Event).where(Event.id == event_id)
        event = session.execute(query.with_for_update() if locked else query).scalar_one()
        confirmed = session.scalar(
            select(func.count())
            .select_from(Registration)
            .where(Registration.event_id == event_id, Registration.status == RegistrationStatus.CONFIRMED)
        )
        time.sleep(RACE_WINDOW_S)
        if confirmed < event.capacity:
            registration = Registration(
                event_id=event_id,
                name="동시 신청자",
                email=email,
                status=RegistrationStatus.CONFIRMED,
            )
            issue_ticket(registration, key=b"race-test-key")
            session.add(registration)
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()


def _race(locked: bool) -> tuple[int, list[BaseException]]:
    """Two threads try to take the last seat of a fresh capacity-1 event.

    Returns the number of confirmed registrations and the errors the threads raised.
    """
    event = make_event(capacity=1)
    event_id = event.id
    db.session.commit()
    db.session.close()  # no connection of ours holds a snapshot or lock during the race

    engine = db.engine
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            _register_if_seat_left(engine, event_id, f"racer{n}@example.com", barrier, locked)
        except BaseException as exc:  # noqa: BLE001 - reported to the test thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "a writer hung"

    confirmed = db.session.scalar(
        select(func.count()).select_from(Registration).where(Registration.event_id == event_id)
    )
    db.session.close()
    return confirmed, errors


def _shows_the_race(confirmed: int, errors: list[BaseException]) -> bool:
    oversold = confirmed > 1
    sqlite_refused_stale_writer = any(
        isinstance(e, OperationalError) and "database is locked" in str(e) for e in errors
    )
    return oversold or sqlite_refused_stale_writer


def test_begin_write_lets_exactly_one_of_two_simultaneous_writers_take_the_last_seat(app):
    for _ in range(3):
        confirmed, errors = _race(locked=True)
        assert errors == []
        assert confirmed == 1


def test_control_without_begin_write_the_race_shows(app):
    """The same code without begin_write()/FOR UPDATE goes wrong, proving the test above
    would catch a missing lock: PostgreSQL (READ COMMITTED) sells the seat twice; SQLite
    (WAL) refuses the second writer, whose read snapshot went stale, with 'database is locked'."""
    outcomes = []
    for _ in range(3):
        confirmed, errors = _race(locked=False)
        outcomes.append((confirmed, [str(e).splitlines()[0] for e in errors]))
        if _shows_the_race(confirmed, errors):
            break
    else:
        pytest.fail(f"the unlocked check-then-write never raced: {outcomes}")

    if db.engine.dialect.name == "postgresql":
        assert confirmed == 2 and errors == []
    else:
        assert confirmed == 1 and len(errors) == 1
