"""Backup and restore of the whole database (`flask backup create|restore`): SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.pool import NullPool

from app.extensions import db

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"
# A table every migrated Moim database has: a backup without it is not one of ours.
MARKER_TABLE = "alembic_version"
# pg_dump/pg_restore wait this long for a table another session holds (a running app) before giving up,
# instead of hanging; the restore is one transaction, so giving up changes nothing.
PG_LOCK_WAIT_SECONDS = 30.0


class BackupError(Exception):
    """A backup or restore that cannot be done; the message is for the operator."""


def create_backup(path: str | os.PathLike) -> Path:
    """Write a consistent copy of the app's database to `path` (replaced atomically if it exists)."""
    url = _database_url()
    target = Path(path)
    if target.is_dir():
        raise BackupError(f"{target} is a directory; give a file name.")
    if not target.parent.is_dir():
        raise BackupError(f"The directory {target.parent} does not exist.")
    # The copy holds password hashes and personal data: private from the first byte (mkstemp: 0600).
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if url.get_backend_name() == "sqlite":
            _sqlite_backup(_sqlite_file(url), tmp)
        else:
            _pg_dump(url, tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def restore_backup(path: str | os.PathLike, force: bool = False) -> None:
    """Replace the app's database with the backup at `path`.

    Refuses when the database holds any row, unless `force`; checks that the file is a backup of
    the right kind before anything is touched. Either the whole backup is restored or nothing changes.
    """
    url = _database_url()
    source = Path(path)
    backend = url.get_backend_name()
    kind = _backup_kind(source)
    if kind != backend:
        found = {"sqlite": "an SQLite backup", "postgresql": "a PostgreSQL backup"}.get(kind)
        raise BackupError(
            f"{source} is {found or 'not a backup made by `flask backup create`'}; "
            f"this database is {'SQLite' if backend == 'sqlite' else 'PostgreSQL'}."
        )
    if backend == "sqlite":
        _check_sqlite_backup(source)
    else:
        _check_pg_backup(url, source)
    if not force:
        filled = tables_with_rows()
        if filled:
            shown = ", ".join(filled[:5]) + (f" and {len(filled) - 5} more" if len(filled) > 5 else "")
            raise BackupError(
                f"The database is not empty (rows in {shown}). Restoring replaces everything in it; "
                "run again with --force to do that."
            )
    # Nothing of ours may hold a connection while the database is replaced under it.
    db.session.remove()
    db.engine.dispose()
    if backend == "sqlite":
        _sqlite_restore(source, _sqlite_file(url))
    else:
        _pg_restore(url, source)
    db.engine.dispose()


def tables_with_rows() -> list[str]:
    """The app's tables (those that exist in the database) holding at least one row."""
    with db.engine.connect() as conn:
        existing = set(inspect(conn).get_table_names())
        return [
            table.name
            for table in db.metadata.sorted_tables
            if table.name in existing and conn.execute(select(1).select_from(table).limit(1)).first() is not None
        ]


# --- the file -------------------------------------------------------------------------------------


def _backup_kind(source: Path) -> str | None:
    """'sqlite' or 'postgresql' from the file's first bytes, None for anything else."""
    try:
        with source.open("rb") as f:
            head = f.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise BackupError(f"Cannot read {source}: {exc.strerror or exc}") from None
    if head == SQLITE_MAGIC:
        return "sqlite"
    if head.startswith(PG_CUSTOM_MAGIC):
        return "postgresql"
    return None


def _database_url() -> URL:
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {url.get_backend_name()}.")
    return url


# --- SQLite ---------------------------------------------------------------------------------------


def _sqlite_file(url: URL) -> Path:
    if url.database in (None, "", ":memory:") or url.query.get("mode") == "memory":
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return Path(url.database)


def _sqlite_backup(source: Path, target: Path) -> None:
    if not source.exists():
        raise BackupError(f"The database file {source} does not exist.")
    try:
        # The online backup API copies a consistent snapshot while the app keeps running (WAL included).
        with contextlib.closing(sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)) as src:
            with contextlib.closing(sqlite3.connect(target)) as dst:
                src.backup(dst, progress=_give_up_when_busy(_busy_timeout()))
                # One self-contained file: no -wal beside it to forget when it is copied away.
                dst.execute("PRAGMA journal_mode=DELETE")
    except (sqlite3.Error, _StillBusy) as exc:
        raise BackupError(f"SQLite backup failed: {exc}") from None


def _check_sqlite_backup(source: Path) -> None:
    try:
        with contextlib.closing(sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)) as conn:
            problems = [row[0] for row in conn.execute("PRAGMA quick_check")]
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.Error as exc:
        raise BackupError(f"{source} is not a readable SQLite backup: {exc}") from None
    if problems != ["ok"]:
        raise BackupError(f"{source} is damaged: {'; '.join(problems[:3])}")
    if MARKER_TABLE not in tables:
        raise BackupError(f"{source} is an SQLite file but not a Moim database (no {MARKER_TABLE} table).")


def _sqlite_restore(source: Path, target: Path) -> None:
    timeout = _busy_timeout()
    try:
        with contextlib.closing(sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)) as src:
            with contextlib.closing(sqlite3.connect(target, timeout=timeout)) as dst:
                # One step (pages=-1): the live file is replaced in a single write transaction.
                src.backup(dst, progress=_give_up_when_busy(timeout))
    except (sqlite3.Error, _StillBusy) as exc:
        raise BackupError(f"SQLite restore failed, the database is unchanged: {exc}") from None


def _busy_timeout() -> float:
    return current_app.config.get("SQLITE_BUSY_TIMEOUT_MS", 5000) / 1000


class _StillBusy(Exception):
    pass


def _give_up_when_busy(timeout: float):
    """A backup() progress callback that ends the copy once the other side stayed locked past `timeout`.

    Python's backup() retries a busy database forever; a running app must not turn a restore into a hang.
    """
    deadline = time.monotonic() + timeout

    def progress(status: int, _remaining: int, _total: int) -> None:
        if status in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) and time.monotonic() > deadline:
            raise _StillBusy("database is locked by another connection (stop the app and the mail worker first)")

    return progress


# --- PostgreSQL -----------------------------------------------------------------------------------


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """The libpq connection URL (no driver, no password) and the environment that carries the password.

    The password travels in PGPASSWORD, not on the command line where `ps` would show it.
    """
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    conninfo = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return conninfo, env


def _pg_tool(name: str) -> str:
    tool = shutil.which(name)
    if tool is None:
        raise BackupError(f"{name} is not installed (PostgreSQL client tools, e.g. apt install postgresql-client).")
    return tool


def _failed(name: str, returncode: int, stderr: str) -> BackupError:
    return BackupError(f"{name} failed: {stderr.strip() or f'exit code {returncode}'}")


def _run_pg_tool(name: str, args: list[str], env: dict[str, str]) -> str:
    result = subprocess.run([_pg_tool(name), *args], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise _failed(name, result.returncode, result.stderr)
    return result.stdout


def _pg_dump(url: URL, target: Path) -> None:
    conninfo, env = _libpq(url)
    wait = f"--lock-wait-timeout={int(PG_LOCK_WAIT_SECONDS * 1000)}ms"
    _run_pg_tool("pg_dump", ["--format=custom", wait, f"--file={target}", f"--dbname={conninfo}"], env)


def _check_pg_backup(url: URL, source: Path) -> None:
    _, env = _libpq(url)
    try:
        listing = _run_pg_tool("pg_restore", ["--list", str(source)], env)
    except BackupError as exc:
        raise BackupError(f"{source} is not a readable PostgreSQL backup: {exc}") from None
    if not re.search(rf"^\d+; \d+ \d+ TABLE \S+ {MARKER_TABLE} ", listing, re.MULTILINE):
        raise BackupError(f"{source} is a PostgreSQL backup but not of a Moim database (no {MARKER_TABLE} table).")


def _pg_restore(url: URL, source: Path) -> None:
    """pg_restore in one transaction (a damaged file leaves the database as it was), watched for lock waits.

    pg_restore sets lock_timeout to 0 itself, so a session of a running app that holds a table would make
    it wait forever: a second connection cancels the restore's statement once it has waited too long.
    """
    conninfo, env = _libpq(url)
    env["PGAPPNAME"] = app_name = f"moim-restore-{secrets.token_hex(6)}"
    args = ["--clean", "--if-exists", "--no-owner", "--single-transaction", f"--dbname={conninfo}", str(source)]
    watcher = create_engine(url, poolclass=NullPool)
    blockers = None
    try:
        with subprocess.Popen(
            [_pg_tool("pg_restore"), *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        ) as proc:
            while True:
                try:
                    _, stderr = proc.communicate(timeout=0.5)
                    break
                except subprocess.TimeoutExpired:
                    if blockers is None:
                        blockers = _cancel_when_blocked(watcher, app_name)
    finally:
        watcher.dispose()
    if blockers is not None:
        raise BackupError(
            f"The restore waited more than {PG_LOCK_WAIT_SECONDS:g} s for tables held by other sessions "
            f"({blockers}); stop the app and the mail worker, then try again. The database is unchanged."
        )
    if proc.returncode != 0:
        raise BackupError(f"{_failed('pg_restore', proc.returncode, stderr)}\nThe database is unchanged.")


def _cancel_when_blocked(watcher: Engine, app_name: str) -> str | None:
    """Cancel the restore's statement if it has waited for a lock too long; describe who held it."""
    with watcher.connect() as conn:
        waiting = conn.execute(
            text(
                "SELECT pid, pg_blocking_pids(pid) FROM pg_stat_activity WHERE application_name = :name "
                "AND wait_event_type = 'Lock' AND now() - query_start > make_interval(secs => :seconds)"
            ),
            {"name": app_name, "seconds": PG_LOCK_WAIT_SECONDS},
        ).first()
        if waiting is None:
            return None
        pid, blocking = waiting
        holders = conn.execute(
            text("SELECT pid, application_name, client_addr, state FROM pg_stat_activity WHERE pid = ANY(:pids)"),
            {"pids": list(blocking)},
        ).all()
        conn.execute(text("SELECT pg_cancel_backend(:pid)"), {"pid": pid})
        conn.commit()
    described = [
        f"pid {held_by} {name or 'unnamed'} at {addr or 'socket'}: {state}" for held_by, name, addr, state in holders
    ]
    return "; ".join(described) or "unknown"


# --- commands -------------------------------------------------------------------------------------

backup_cli = AppGroup("backup", help="Back up the database to a file, or restore it from one.")


@backup_cli.command("create")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
def create_command(file: str) -> None:
    """Write a backup of the database to FILE (SQLite: a database file; PostgreSQL: pg_dump custom format)."""
    try:
        target = create_backup(file)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Backup written to {target} ({target.stat().st_size:,} bytes).")


@backup_cli.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
def restore_command(file: str, force: bool) -> None:
    """Replace the database with the backup in FILE (refuses a non-empty database without --force)."""
    try:
        restore_backup(file, force=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Restored the database from {file}.")
