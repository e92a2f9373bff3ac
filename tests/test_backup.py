"""`flask backup create` and `flask backup restore` give back every row of every table, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import sqlite3

import pytest
from sqlalchemy import create_engine, select, text

from app.extensions import db
from app.models import Cluster
from app.seed import seed_demo
from tests.conftest import _empty_all_tables
from tests.helpers import ON_POSTGRES


def snapshot() -> dict[str, list[tuple]]:
    """Every app table's rows ordered by primary key, plus the schema revision, read on a fresh connection."""
    db.session.remove()
    rows = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            rows[table.name] = [tuple(r) for r in conn.execute(select(table).order_by(*order))]
        rows["alembic_version"] = [tuple(r) for r in conn.execute(text("SELECT version_num FROM alembic_version"))]
    return rows


def wipe() -> None:
    db.session.remove()
    _empty_all_tables()
    db.session.remove()


def seeded_backup(runner, tmp_path) -> tuple[str, dict]:
    seed_demo()
    db.session.commit()
    before = snapshot()
    path = tmp_path / "moim.backup"
    result = runner.invoke(args=["backup", "create", str(path)])
    assert result.exit_code == 0, result.output
    assert "Backup written" in result.output
    return str(path), before


def test_backup_wipe_restore_gives_back_every_table(app, runner, tmp_path):
    path, before = seeded_backup(runner, tmp_path)
    assert sum(len(rows) for rows in before.values()) > 100  # the demo seed fills many tables
    assert len([name for name, rows in before.items() if rows]) > 10
    assert app.config["SECRET_KEY"].encode() not in open(path, "rb").read()
    assert os.stat(path).st_mode & 0o777 == 0o600  # password hashes and personal data: owner only

    wipe()
    emptied = snapshot()
    assert all(rows == [] for name, rows in emptied.items() if name != "alembic_version")

    result = runner.invoke(args=["backup", "restore", path])  # an empty database needs no --force
    assert result.exit_code == 0, result.output
    assert "Restored" in result.output

    after = snapshot()
    assert after.keys() == before.keys()
    for name in before:
        assert after[name] == before[name], f"table {name} differs after restore"

    # The restored database takes new rows (PostgreSQL: the sequences came back with the data).
    db.session.add(Cluster(slug="after-restore", name_ko="복원 후", name_en="After restore"))
    db.session.commit()
    assert db.session.scalar(select(Cluster.id).where(Cluster.slug == "after-restore")) > max(
        row[0] for row in before["clusters"]
    )


def test_restore_over_data_refuses_without_force_and_changes_nothing(app, runner, tmp_path):
    path, before = seeded_backup(runner, tmp_path)
    db.session.add(Cluster(slug="made-later", name_ko="나중", name_en="Later"))
    db.session.commit()
    changed = snapshot()
    assert changed != before

    result = runner.invoke(args=["backup", "restore", path])
    assert result.exit_code != 0
    assert "not empty" in result.output and "--force" in result.output
    assert "Traceback" not in result.output
    assert snapshot() == changed

    result = runner.invoke(args=["backup", "restore", path, "--force"])
    assert result.exit_code == 0, result.output
    assert snapshot() == before


def test_a_damaged_backup_changes_nothing_even_with_force(app, runner, tmp_path):
    path, before = seeded_backup(runner, tmp_path)
    data = open(path, "rb").read()
    damaged = tmp_path / "damaged.backup"
    # The header and most of the file intact, the end scrambled. PostgreSQL: the table of contents still
    # reads (pg_restore --list passes), the restore fails part-way and its single transaction rolls back.
    cut = len(data) * 19 // 20
    damaged.write_bytes(data[:cut] + bytes(255 - b for b in data[cut:]))

    result = runner.invoke(args=["backup", "restore", str(damaged), "--force"])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert snapshot() == before


def _sqlite_file_of_another_app(path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")


@pytest.mark.parametrize(
    "content, message",
    [
        (b"this is not a backup\n" * 50, "not a backup made by `flask backup create`"),
        (b"", "not a backup made by `flask backup create`"),
        (b"PGDMP" + b"\x00" * 200, "PostgreSQL backup" if not ON_POSTGRES else "not a readable PostgreSQL backup"),
        (None, "not a Moim database" if not ON_POSTGRES else "is an SQLite backup; this database is PostgreSQL"),
    ],
    ids=["garbage", "empty", "pg-header-garbage", "sqlite-of-another-app"],
)
def test_a_file_that_is_not_our_backup_is_a_clear_error(app, runner, tmp_path, content, message):
    path = tmp_path / "not-a-backup"
    if content is None:
        _sqlite_file_of_another_app(path)
    else:
        path.write_bytes(content)
    result = runner.invoke(args=["backup", "restore", str(path)])
    assert result.exit_code != 0
    assert message in result.output
    assert isinstance(result.exception, SystemExit)  # a ClickException, not an error escaping the command
    assert "Traceback" not in result.output
    assert snapshot()["alembic_version"] != []  # the database is untouched


def test_a_backup_of_the_other_kind_is_refused(app, runner, tmp_path):
    """A real backup from the other database kind: an SQLite file on PostgreSQL, a pg_dump file on SQLite."""
    other = tmp_path / "other.backup"
    if ON_POSTGRES:
        with sqlite3.connect(other) as conn:
            conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        expected = "is an SQLite backup; this database is PostgreSQL"
    else:
        other.write_bytes(b"PGDMP\x01\x0f\x00" + b"\x00" * 100)
        expected = "is a PostgreSQL backup; this database is SQLite"
    result = runner.invoke(args=["backup", "restore", str(other), "--force"])
    assert result.exit_code == 1
    assert expected in result.output


def test_create_into_a_missing_directory_is_a_clear_error(app, runner, tmp_path):
    result = runner.invoke(args=["backup", "create", str(tmp_path / "nowhere" / "moim.backup")])
    assert result.exit_code != 0
    assert "does not exist" in result.output
    assert list(tmp_path.iterdir()) == []


def test_a_restore_blocked_by_another_session_gives_up_and_changes_nothing(app, runner, tmp_path, monkeypatch):
    """A running app holding the database: the restore waits a while, then says so; no hang, no half restore."""
    path, before = seeded_backup(runner, tmp_path)
    monkeypatch.setattr("app.backup.PG_LOCK_WAIT_SECONDS", 1.0)
    app.config["SQLITE_BUSY_TIMEOUT_MS"] = 500
    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with other.connect() as conn:
            if ON_POSTGRES:
                conn.execute(text("SELECT count(*) FROM clusters"))  # an open transaction holding clusters
            else:
                conn.exec_driver_sql("BEGIN IMMEDIATE")  # a writer holding the file
            result = runner.invoke(args=["backup", "restore", path, "--force"])
            conn.rollback()
    finally:
        other.dispose()
    assert result.exit_code == 1
    assert ("held by other sessions" if ON_POSTGRES else "database is locked") in result.output
    assert "unchanged" in result.output
    assert snapshot() == before
