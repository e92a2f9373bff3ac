"""Health checks for a load balancer or orchestrator: /healthz (the process answers) and /readyz
(the database answers, its schema is at the migrations' head, Redis answers when configured)."""

from __future__ import annotations

import socket
from pathlib import Path
from urllib.parse import urlsplit

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
    """PING over RESP (with AUTH when the URL has a password): no client library is needed for one command."""
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        return False, "REDIS_URL is not a redis:// address"
    if parts.scheme == "rediss":
        return False, "rediss:// (TLS) is not checked here"
    commands = b""
    if parts.password:
        args = [b"AUTH"] + ([parts.username.encode()] if parts.username else []) + [parts.password.encode()]
        commands += b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)
    commands += b"*1\r\n$4\r\nPING\r\n"
    try:
        with socket.create_connection((parts.hostname, parts.port or 6379), timeout=timeout) as conn:
            conn.sendall(commands)
            answer = b""
            while answer.count(b"\r\n") < (2 if parts.password else 1):
                chunk = conn.recv(256)
                if not chunk:
                    break
                answer += chunk
    except OSError as exc:
        return False, f"unreachable: {type(exc).__name__}"
    if answer.rstrip().endswith(b"+PONG"):
        return True, "ok"
    return False, "unexpected answer: " + answer[:60].decode("latin-1").strip()


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
