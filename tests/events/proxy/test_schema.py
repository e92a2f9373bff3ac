"""The database itself keeps proxies clean: one active proxy per meeting and company, never to oneself,
and the migration creates and removes exactly that (SQLite and PostgreSQL)."""

from __future__ import annotations

import flask_migrate
import pytest
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import IntegrityError

from app import create_app
from app.extensions import db
from app.models import CouncilProxy, EventKind, utcnow
from tests.conftest import ON_POSTGRES, make_config
from tests.factories import make_event
from tests.helpers import scratch_database

REVISION = "b2d4f6a81c32"
PARENT = "a1c3e5f70b21"


def _proxy(world, giver, receiver, **kw) -> CouncilProxy:
    return CouncilProxy(
        event_id=kw.pop("event_id", world.event.id), from_company_id=giver.id, to_company_id=receiver.id, **kw
    )


def test_two_active_proxies_from_one_company_are_rejected_by_the_database(world):
    db.session.add(_proxy(world, world.nuri, world.hanbit))
    db.session.commit()
    db.session.add(_proxy(world, world.nuri, world.gaon))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(CouncilProxy)) == 1


def test_revoked_proxies_do_not_count_for_the_unique_index(world):
    db.session.add(_proxy(world, world.nuri, world.hanbit, revoked_at=utcnow()))
    db.session.add(_proxy(world, world.nuri, world.gaon, revoked_at=utcnow()))
    db.session.add(_proxy(world, world.nuri, world.dasom))
    other = make_event(world.dmc, kind=EventKind.COUNCIL)
    db.session.add(_proxy(world, world.nuri, world.dasom, event_id=other.id))  # another meeting
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(CouncilProxy)) == 4


def test_a_proxy_to_oneself_is_rejected_by_the_database(world):
    db.session.add(_proxy(world, world.nuri, world.nuri))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_proxies_go_with_their_event(world):
    db.session.add(_proxy(world, world.nuri, world.hanbit))
    db.session.commit()
    db.session.execute(text("DELETE FROM events WHERE id = :id"), {"id": world.event.id})
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(CouncilProxy)) == 0


def _upgrade_and_downgrade_this_revision(url: str) -> None:
    app = create_app(make_config(url))
    with app.app_context():
        flask_migrate.upgrade(revision=PARENT)
        assert "council_proxies" not in inspect(db.engine).get_table_names()
        flask_migrate.upgrade(revision=REVISION)
        insp = inspect(db.engine)
        assert "council_proxies" in insp.get_table_names()
        indexes = {i["name"]: i for i in insp.get_indexes("council_proxies")}
        unique = indexes["uq_council_proxies_event_from_active"]
        assert unique["unique"] and unique["column_names"] == ["event_id", "from_company_id"]
        checks = {c["name"] for c in insp.get_check_constraints("council_proxies")}
        assert "ck_council_proxies_not_to_self" in checks
        flask_migrate.downgrade(revision=PARENT)
        assert "council_proxies" not in inspect(db.engine).get_table_names()
        flask_migrate.upgrade()
        db.session.remove()
        db.engine.dispose()


def test_migration_upgrades_and_downgrades_on_sqlite(tmp_path):
    _upgrade_and_downgrade_this_revision(f"sqlite:///{tmp_path / 'proxy.db'}")


@pytest.mark.postgres
@pytest.mark.skipif(not ON_POSTGRES, reason="set TEST_DATABASE_URL to a PostgreSQL database (CI does)")
def test_migration_upgrades_and_downgrades_on_postgresql(tmp_path):
    with scratch_database(tmp_path, "proxy") as url:
        _upgrade_and_downgrade_this_revision(url)
