"""Data written before a migration survives it with sensible values in the new columns."""

import flask_migrate
from sqlalchemy import text

from app import create_app
from app.extensions import db
from tests.conftest import make_config


def test_existing_rows_get_sort_names_nonces_and_defaults(tmp_path):
    app = create_app(make_config(f"sqlite:///{tmp_path / 'old.db'}"))
    with app.app_context():
        flask_migrate.upgrade(revision="2b4f61589b71")  # the first schema
        db.session.execute(
            text(
                "INSERT INTO clusters (id, slug, name_ko, name_en, field_ko, field_en, is_active) "
                "VALUES (1, 'dmc', '상암', 'DMC', '', '', 1)"
            )
        )
        for i, name in enumerate(["(주)누리미디어랩", "주식회사 가람", "Acme"], start=1):
            db.session.execute(
                text(
                    "INSERT INTO companies (id, name, cluster_id, industry, is_council_member, is_active, created_at, updated_at) "  # noqa: E501  (SQL as written for the old schema)
                    "VALUES (:id, :name, 1, '', 0, 1, '2026-01-01', '2026-01-01')"
                ),
                {"id": i, "name": name},
            )
        for i in (1, 2):
            db.session.execute(
                text(
                    "INSERT INTO users (id, email, name, password_hash, locale, role, company_id, is_active, created_at) "  # noqa: E501  (SQL as written for the old schema)
                    "VALUES (:id, :email, 'x', 'h', 'ko', 'member', 1, 1, '2026-01-01')"
                ),
                {"id": i, "email": f"u{i}@example.com"},
            )
        db.session.execute(
            text(
                "INSERT INTO events (id, kind, host_cluster_id, title_ko, description_ko, starts_at, ends_at, venue_name, "  # noqa: E501  (SQL as written for the old schema)
                "venue_address, capacity, open_to_guests, status, sequence, created_at, updated_at) VALUES "
                "(1, 'networking', 1, 't', '', '2026-12-01 10:00', '2026-12-01 12:00', '', '', 10, 0, 'published', 0, "
                "'2026-01-01', '2026-01-01')"
            )
        )
        db.session.execute(
            text(
                "INSERT INTO registrations (id, event_id, name, email, status, ticket_code, created_at) "
                "VALUES (1, 1, 'x', 'a@example.com', 'confirmed', 'code1', '2026-01-01')"
            )
        )
        db.session.commit()

        flask_migrate.upgrade()

        sort_names = dict(db.session.execute(text("SELECT name, sort_name FROM companies")).all())
        assert sort_names == {"(주)누리미디어랩": "누리미디어랩", "주식회사 가람": "가람", "Acme": "acme"}
        nonces = [n for (n,) in db.session.execute(text("SELECT session_nonce FROM users"))]
        assert all(len(n) == 16 for n in nonces) and len(set(nonces)) == 2
        role, observers, all_clusters = db.session.execute(
            text(
                "SELECT r.role, e.allows_observers, e.open_to_all_clusters FROM registrations r JOIN events e ON e.id = r.event_id"  # noqa: E501  (SQL as written for the old schema)
            )
        ).one()
        assert role == "attendee" and observers in (1, True) and all_clusters in (0, False)
        db.session.remove()
        db.engine.dispose()
