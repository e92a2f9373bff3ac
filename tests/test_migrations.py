"""The schema comes only from Alembic migrations, identical on SQLite and PostgreSQL."""

from pathlib import Path

import flask_migrate
import pytest
from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from app import create_app
from app.extensions import db
from tests.conftest import ON_POSTGRES, IsolatedCliRunner, make_config
from tests.helpers import scratch_database

ROOT = Path(__file__).resolve().parents[1]
EXPECTED_TABLES = {
    "clusters",
    "companies",
    "research_groups",
    "research_group_members",
    "users",
    "staff_clusters",
    "invitations",
    "password_resets",
    "events",
    "event_clusters",
    "registrations",
    "checkins",
    "outbox_messages",
    "company_imports",
    "alembic_version",
}


def test_single_head_and_dated_file_names():
    cfg = AlembicConfig(str(ROOT / "migrations" / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    script = ScriptDirectory.from_config(cfg)
    assert len(script.get_heads()) == 1
    for path in (ROOT / "migrations" / "versions").glob("*.py"):
        assert path.name[:8].isdigit() and path.name[8] == "_", f"{path.name} lacks a date prefix"


def test_app_never_creates_tables_itself():
    offenders = [p for p in (ROOT / "app").rglob("*.py") if "create_all" in p.read_text(encoding="utf-8")]
    assert offenders == []


def _upgrade_check_downgrade(url: str) -> None:
    app = create_app(make_config(url))
    app.test_cli_runner_class = IsolatedCliRunner
    runner = app.test_cli_runner()
    with app.app_context():
        # Control: before the upgrade `flask db check` must complain.
        before = runner.invoke(args=["db", "check"])
        assert before.exit_code != 0
        flask_migrate.upgrade()
        assert EXPECTED_TABLES <= set(inspect(db.engine).get_table_names())
        result = runner.invoke(args=["db", "check"])
        assert result.exit_code == 0, result.output
        flask_migrate.downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        flask_migrate.upgrade()
        db.session.remove()
        db.engine.dispose()


def test_upgrade_on_empty_sqlite_has_no_drift(tmp_path):
    _upgrade_check_downgrade(f"sqlite:///{tmp_path / 'fresh.db'}")


@pytest.mark.postgres
@pytest.mark.skipif(not ON_POSTGRES, reason="set TEST_DATABASE_URL to a PostgreSQL database (CI does)")
def test_upgrade_on_empty_postgresql_has_no_drift(tmp_path):
    with scratch_database(tmp_path, "migration") as url:
        _upgrade_check_downgrade(url)


def test_scan_log_conflict_index_is_partial_and_used_for_lookups(app):
    """Nearly every scan log has conflict_with_id NULL: the index leaves those rows out (so a door
    insert pays nothing for it) and still serves `conflict_with_id = ...` (which implies NOT NULL)."""
    name = "ix_scan_logs_conflict_with_id"
    if db.engine.dialect.name == "postgresql":
        indexdef = db.session.scalar(text("SELECT indexdef FROM pg_indexes WHERE indexname = :n"), {"n": name})
        assert indexdef is not None and "WHERE" in indexdef, indexdef
        return
    sql = db.session.scalar(text("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :n"), {"n": name})
    assert sql is not None and "WHERE" in sql.upper(), sql
    plan = db.session.execute(
        text("EXPLAIN QUERY PLAN SELECT id FROM scan_logs WHERE conflict_with_id = :x"), {"x": 1}
    ).all()
    assert any(name in row[-1] for row in plan), plan
