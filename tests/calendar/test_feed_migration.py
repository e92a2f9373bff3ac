"""Migration c3e5a7b9d1f4: registrations that existed before it get an exact updated_at."""

import datetime as dt

import flask_migrate
from sqlalchemy import text

from app import create_app
from app.extensions import db
from tests.conftest import make_config


def test_existing_registrations_get_their_last_change_as_updated_at(tmp_path):
    app = create_app(make_config(f"sqlite:///{tmp_path / 'old.db'}"))
    with app.app_context():
        flask_migrate.upgrade(revision="b2d4f6a81c32")
        db.session.execute(
            text(
                "INSERT INTO clusters (id, slug, name_ko, name_en, field_ko, field_en, is_active) "
                "VALUES (1, 'dmc', '상암', 'DMC', '', '', 1)"
            )
        )
        db.session.execute(
            text(
                "INSERT INTO events (id, kind, host_cluster_id, title_ko, description_ko, starts_at, ends_at, venue_name, "  # noqa: E501  (SQL as written for the old schema)
                "venue_address, capacity, open_to_guests, open_to_all_clusters, allows_observers, status, sequence, "
                "created_at, updated_at) VALUES (1, 'networking', 1, 't', '', '2026-12-01 10:00:00.000000', "
                "'2026-12-01 12:00:00.000000', '', '', 10, 0, 0, 1, 'published', 0, "
                "'2026-01-01 00:00:00.000000', '2026-01-01 00:00:00.000000')"
            )
        )
        rows = [  # id, created, promoted, cancelled
            (1, "2026-01-01 09:00:00.000000", None, None),
            (2, "2026-01-02 09:00:00.000000", "2026-01-05 09:00:00.000000", None),
            (3, "2026-01-03 09:00:00.000000", "2026-01-05 09:00:00.000000", "2026-01-07 09:00:00.000000"),
        ]
        for rid, created, promoted, cancelled in rows:
            db.session.execute(
                text(
                    "INSERT INTO registrations (id, event_id, name, email, status, ticket_code, created_at, promoted_at, "  # noqa: E501  (SQL as written for the old schema)
                    "cancelled_at, role) VALUES (:id, 1, 'x', :email, :status, :code, :created, :promoted, :cancelled, "
                    "'attendee')"
                ),
                {
                    "id": rid,
                    "email": f"p{rid}@example.com",
                    "status": "cancelled" if cancelled else "confirmed",
                    "code": f"code{rid}",
                    "created": created,
                    "promoted": promoted,
                    "cancelled": cancelled,
                },
            )
        db.session.commit()

        flask_migrate.upgrade()

        from app.models import Registration

        got = {r.id: r.updated_at for r in db.session.scalars(db.select(Registration))}
        utc = dt.UTC
        assert got == {
            1: dt.datetime(2026, 1, 1, 9, tzinfo=utc),
            2: dt.datetime(2026, 1, 5, 9, tzinfo=utc),
            3: dt.datetime(2026, 1, 7, 9, tzinfo=utc),
        }
        # Rows written later (without the ORM) still get a value.
        db.session.execute(
            text(
                "INSERT INTO registrations (id, event_id, name, email, status, created_at, role) "
                "VALUES (4, 1, 'x', 'p4@example.com', 'confirmed', '2026-02-01 00:00:00.000000', 'attendee')"
            )
        )
        assert db.session.scalar(text("SELECT updated_at FROM registrations WHERE id = 4")) is not None
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()
