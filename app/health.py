"""Health checks for a load balancer or orchestrator: /healthz (the process answers) and /readyz
(the database answers, its schema is at the migrations' head, Redis answers when configured)."""

from __future__ import annotations

from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, jsonify

from app.extensions import csrf, db

bp = Blueprint("health", __name__)
REDIS_TIMEOUT_S = 2.0


@bp.get("/healthz")
def healthz():
    # No database, no session: only that this process serves requests.
    return jsonify(status="ok")


def _database() -> tuple[bool, str]:
    try:
        with db.engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except Exception as exc:  # noqa: BLE001  (any failure means "not ready", said in the answer)
        return False, f"unreachable: {type(exc).__name__}"
    directory = Path(current_app.root_path).parent / "migrations"
    heads = set(ScriptDirectory(str(directory)).get_heads())
    if current != heads:
        return False, f"migrations at {sorted(current) or 'none'}, head {sorted(heads)}"
    return True, "ok"


def redis_ping(url: str, timeout: float = REDIS_TIMEOUT_S) -> tuple[bool, str]:
    """PING with the redis client the job queue and the rate limits use (AUTH, TLS from the URL)."""
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    except ValueError:
        return False, "REDIS_URL is not a redis:// address"
    try:
        return (True, "ok") if client.ping() else (False, "no PONG")
    except redis.RedisError as exc:
        return False, f"unreachable: {type(exc).__name__}"
    finally:
        client.close()


@bp.get("/readyz")
def readyz():
    checks = {}
    ok, checks["database"] = _database()
    if current_app.config.get("REDIS_URL"):
        redis_ok, checks["redis"] = redis_ping(current_app.config["REDIS_URL"])
        ok = ok and redis_ok
    response = jsonify(status="ok" if ok else "unavailable", checks=checks)
    response.status_code = 200 if ok else 503
    response.headers["Cache-Control"] = "no-store"
    return response


csrf.exempt(bp)
