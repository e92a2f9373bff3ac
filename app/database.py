"""Engine set-up per backend and the write-lock helper for check-then-write transactions."""

from __future__ import annotations

import sqlite3
import time
from typing import TypeVar

from flask import Flask
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, scoped_session

from app.extensions import db

_IMMEDIATE = "moim_sqlite_immediate"
_CHANGES_AT_BEGIN = "moim_sqlite_changes_at_begin"
# How often a writer waiting for SQLite's write lock tries again: from 50 us, doubling, to 1 ms.
_RETRY_FIRST_S = 50e-6
_RETRY_MAX_S = 1e-3
_BUSY_CODES = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})

T = TypeVar("T")


def configure_engine(app: Flask) -> None:
    """Attach SQLite pragmas and explicit BEGIN handling to the app's engine."""
    engine = db.engine
    if engine.dialect.name != "sqlite":
        return
    busy_ms = int(app.config.get("SQLITE_BUSY_TIMEOUT_MS", 5000))
    memory = engine.url.database in (None, "", ":memory:")
    _install_sqlite_hooks(engine, busy_ms, wal=not memory)


def _install_sqlite_hooks(engine: Engine, busy_ms: int, wal: bool) -> None:
    if getattr(engine, "_moim_hooks", False):
        return
    engine._moim_hooks = True  # type: ignore[attr-defined]
    engine._moim_busy_ms = busy_ms  # type: ignore[attr-defined]  # raw_write_connection() waits as long

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # pragma: no cover - exercised by every test
        # Take transaction control away from pysqlite so that we can emit
        # BEGIN IMMEDIATE ourselves (pysqlite would otherwise BEGIN lazily, deferred).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={busy_ms}")
        if wal:
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if conn.get_execution_options().get(_IMMEDIATE):
            _begin_immediate(conn.connection.dbapi_connection, busy_ms, conn.dialect)
        else:
            conn.exec_driver_sql("BEGIN")
        # Rows changed so far on this connection: begin_write() compares against it,
        # because a flush empties session.new/dirty/deleted but its rows stay uncommitted.
        conn.info[_CHANGES_AT_BEGIN] = conn.connection.dbapi_connection.total_changes


def _begin_immediate(dbapi_conn, busy_ms: int, dialect) -> None:
    """BEGIN IMMEDIATE on a pysqlite connection, waiting up to busy_ms for another writer, with
    short retries; SQLAlchemy's OperationalError ("database is locked") when the time is up.

    SQLite's own busy handler sleeps 1, 2, 5, 10, 15, 20, 25 ... 100 ms between tries. A check-in
    holds the lock for well under a millisecond, so with a few workers queueing, a waiter mostly
    slept on after the lock had come free (checkin_load.py: p99 114 ms, 0.65 of the baseline;
    with these retries 37 ms and 0.72). Here the busy timeout is 0 while this statement is tried
    every 50 us to 1 ms.
    """
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA busy_timeout=0")
    try:
        deadline = time.monotonic() + busy_ms / 1000
        pause = _RETRY_FIRST_S
        while True:
            try:
                cursor.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                # SQLITE_BUSY and its extended codes wait; any other error, or the time up, raises.
                if error.sqlite_errorcode & 0xFF not in _BUSY_CODES or time.monotonic() >= deadline:
                    raise exc.DBAPIError.instance(
                        "BEGIN IMMEDIATE", (), error, sqlite3.Error, dialect=dialect
                    ) from error
            time.sleep(pause)
            pause = min(pause * 2, _RETRY_MAX_S)
    finally:
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.close()


def raw_write_connection(engine: Engine | None = None):
    """A DB-API connection from the engine's pool with a write transaction begun, outside the ORM
    session, for the door's hot path (checkin.service.DoorTransaction).

    SQLite: BEGIN IMMEDIATE with the retries above; PostgreSQL: the driver begins at the first
    statement. The caller commits or rolls back; close() returns the connection to the pool,
    which rolls back whatever is left. Skipping the session saves its begin and commit
    bookkeeping (about 60 us, where the raw round trip of a one-row write costs 17 us).
    """
    engine = engine if engine is not None else db.engine
    connection = engine.raw_connection()
    try:
        if engine.dialect.name == "sqlite":
            _begin_immediate(connection.dbapi_connection, getattr(engine, "_moim_busy_ms", 5000), engine.dialect)
    except BaseException:
        connection.close()
        raise
    return connection


def begin_write(session: Session | None = None) -> None:
    """Start the current transaction as a writer before a check-then-write.

    On SQLite this opens the transaction with BEGIN IMMEDIATE, so a second
    process waits (busy timeout) until the first has committed and then reads
    the new state: two processes cannot both pass a capacity or check-in check.
    A read-only transaction already open (e.g. loading current_user) is ended
    first; pending changes there would be a programming error.

    On PostgreSQL it does nothing: the service locks the parent row with
    SELECT ... FOR UPDATE (``with_for_update()``), which SQLite ignores.
    """
    # db.session is a scoped_session, which does not proxy in_transaction():
    # work on the session it stands for.
    if session is None:
        session = db.session
    if isinstance(session, scoped_session):
        session = session()
    bind = session.get_bind()
    if bind.dialect.name != "sqlite":
        return
    if session.in_transaction() and session.connection().get_execution_options().get(_IMMEDIATE):
        return  # already the writer (a view that began the write before its own lookups)
    if session.in_transaction():
        if session.new or session.dirty or session.deleted or _has_written(session):
            raise RuntimeError("begin_write() must come before any change in the transaction")
        session.commit()
    session.connection(execution_options={_IMMEDIATE: True})


def _has_written(session: Session) -> bool:
    """Whether the open SQLite transaction already changed rows (flushed ORM work or plain SQL).

    Committing such a transaction in begin_write() would save half a unit of work
    behind the caller's back, so it is refused like unflushed changes are.
    """
    conn = session.connection()
    at_begin = conn.info.get(_CHANGES_AT_BEGIN)
    return at_begin is not None and conn.connection.dbapi_connection.total_changes != at_begin
