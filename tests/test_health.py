"""Health checks (/healthz, /readyz), the request id and the JSON log lines of production."""

from __future__ import annotations

import io
import json
import re
import socket

from sqlalchemy import text

from app import create_app
from app.extensions import db
from tests.conftest import make_config
from tests.query_counter import count_queries


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_healthz_answers_without_touching_the_database(app, client):
    with count_queries(db.engine) as statements:
        response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
    assert statements == []


def test_readyz_is_ready_on_a_migrated_database_and_not_when_migrations_are_behind(app, client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"status": "ok", "checks": {"database": "ok"}}
    head = db.session.scalar(text("SELECT version_num FROM alembic_version"))
    db.session.execute(text("UPDATE alembic_version SET version_num = 'a7c1e9d2b4f6'"))
    db.session.commit()
    try:
        behind = client.get("/readyz")
        assert behind.status_code == 503
        body = behind.get_json()
        assert body["status"] == "unavailable" and "a7c1e9d2b4f6" in body["checks"]["database"]
        assert head in body["checks"]["database"]
    finally:
        db.session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})
        db.session.commit()
    assert client.get("/readyz").status_code == 200


def test_readyz_checks_redis_only_when_configured(migrated):
    live = create_app(make_config(migrated, REDIS_URL="redis://127.0.0.1:6379/0"))
    answer = live.test_client().get("/readyz")
    assert answer.status_code == 200 and answer.get_json()["checks"] == {"database": "ok", "redis": "ok"}

    dead = create_app(make_config(migrated, REDIS_URL=f"redis://127.0.0.1:{_closed_port()}/0"))
    answer = dead.test_client().get("/readyz")
    assert answer.status_code == 503
    assert answer.get_json()["checks"]["redis"].startswith("unreachable")

    wrong = create_app(make_config(migrated, REDIS_URL="http://127.0.0.1:6379/"))
    assert wrong.test_client().get("/readyz").status_code == 503


def test_readyz_says_so_when_the_database_is_unreachable(tmp_path):
    port = _closed_port()
    broken = create_app(make_config(f"postgresql+psycopg://postgres@127.0.0.1:{port}/none"))
    answer = broken.test_client().get("/readyz")
    assert answer.status_code == 503 and answer.get_json()["checks"]["database"].startswith("unreachable")


def test_every_response_carries_a_request_id_kept_from_the_proxy_when_plain(app, client):
    kept = client.get("/healthz", headers={"X-Request-ID": "lb-1234.abc"})
    assert kept.headers["X-Request-ID"] == "lb-1234.abc"
    for bad in ("two words", "x" * 65, "a\u00e9b", ""):
        made = client.get("/healthz", headers={"X-Request-ID": bad})
        assert re.fullmatch(r"[0-9a-f]{32}", made.headers["X-Request-ID"]), bad
    assert client.get("/").headers["X-Request-ID"] != client.get("/").headers["X-Request-ID"]


def test_json_logs_put_one_object_per_line_with_the_request_id_and_the_traceback(migrated):
    import logging

    from app.logs import access_log

    # Every app of this process shares the "app" logger: put it back as it was afterwards.
    saved = [(log, log.handlers[:], log.level, log.propagate) for log in (logging.getLogger("app"), access_log)]
    try:
        _json_logs(migrated)
    finally:
        for log, handlers, level, propagate in saved:
            log.handlers[:], log.level, log.propagate = handlers, level, propagate


def _json_logs(migrated):
    app = create_app(make_config(migrated, LOG_FORMAT="json", PROPAGATE_EXCEPTIONS=False))
    stream = io.StringIO()
    app.logger.handlers[0].setStream(stream)

    @app.get("/_test/boom")
    def boom():
        return 1 / 0

    client = app.test_client()
    assert client.get("/healthz", headers={"X-Request-ID": "req-ok-1"}).status_code == 200
    failed = client.get("/_test/boom", headers={"X-Request-ID": "req-boom-2"})
    assert failed.status_code == 500 and failed.headers["X-Request-ID"] == "req-boom-2"
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    access = [line for line in lines if line["logger"] == "moim.access"]
    assert {(a["request_id"], a["path"], a["status"]) for a in access} >= {
        ("req-ok-1", "/healthz", 200),
        ("req-boom-2", "/_test/boom", 500),
    }
    assert all(isinstance(a["duration_ms"], float) for a in access)
    errors = [line for line in lines if line["level"] == "ERROR"]
    assert errors and errors[0]["request_id"] == "req-boom-2" and "ZeroDivisionError" in errors[0]["exc"]


def test_text_logs_stay_the_default_outside_production(app):
    from app.logs import JsonFormatter

    assert app.config["LOG_FORMAT"] == "text"
    assert not any(isinstance(h.formatter, JsonFormatter) for h in app.logger.handlers)
