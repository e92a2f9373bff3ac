"""Registration rush: many guests register for one event at once, through gunicorn over HTTP.

Builds a fresh database (`flask db upgrade`), adds one published networking event open to
guests, starts the app under gunicorn with the production config, then fires the attempts
concurrently: each attempt is its own browser session (GET the guest form for the CSRF token
and cookie, then POST it). Afterwards it counts confirmed and waitlisted registrations.
Baseline: the same client against a bare WSGI app under the same gunicorn settings.

Run: .venv/bin/python benchmarks/rsvp_rush.py [--database-url URL] [--attempts 1000]
         [--capacity 100] [--workers 4] [--concurrency 64]
  URL omitted: a temporary SQLite file. sqlite:///path: that (new) file.
  postgresql+psycopg://...: a fresh database next to the given one, dropped afterwards.
Prints its figures, then one line of JSON. Exits 1 unless confirmed == capacity and no errors.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import http.client
import json
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app.validators import brn_check_digit  # noqa: E402

HOST = "127.0.0.1"
_CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


# --- the database ------------------------------------------------------------------------


class Database:
    """A fresh database for one run; `drop()` removes what was created."""

    def __init__(self, given: str | None, tmp: Path, label: str = "rush") -> None:
        self.admin = None
        self.name = None
        if not given or given.startswith("sqlite"):
            path = (
                Path(given.split("sqlite:///", 1)[1])
                if given and given.startswith("sqlite:///")
                else tmp / f"{label}.db"
            )
            if path.exists():
                raise SystemExit(f"{path} exists; give a new file (the benchmark fills it)")
            self.url = f"sqlite:///{path}"
            self.kind = "sqlite"
        else:
            self.kind = make_url(given).get_backend_name()
            self.name = f"moim_{label}_{uuid.uuid4().hex[:12]}"
            self.admin = create_engine(given, isolation_level="AUTOCOMMIT")
            with self.admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{self.name}"'))
            self.url = make_url(given).set(database=self.name).render_as_string(hide_password=False)

    def drop(self) -> None:
        if self.admin is not None:
            with self.admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
            self.admin.dispose()


def server_env(db_url: str, tmp: Path) -> dict:
    """The production config, with what a benchmark on 127.0.0.1 needs changed."""
    env = dict(os.environ)
    for name in ("TEST_DATABASE_URL", "FLASK_DEBUG"):
        env.pop(name, None)
    env.update(
        {
            "MOIM_CONFIG": "production",
            "MOIM_INSTANCE_DIR": str(tmp / "instance"),
            "FLASK_APP": "wsgi",
            "DATABASE_URL": db_url,
            "SECRET_KEY": secrets.token_hex(32),
            "PUBLIC_BASE_URL": "http://127.0.0.1",
            # Plain http on 127.0.0.1: a Secure cookie would never come back.
            "SESSION_COOKIE_SECURE": "false",
            # Every attempt comes from 127.0.0.1; the per-address guest limit would refuse most.
            "GUEST_RSVP_RATE_LIMIT": "1000000 per minute",
            # Production: requests only write the outbox (no worker runs here); nothing is sent.
            "MAIL_DELIVERY": "worker",
            "MAIL_BACKEND": "file",
            "MAIL_FILE_DIR": str(tmp / "mail"),
        }
    )
    return env


def seed_event(db_url: str, capacity: int, slug: str = "dmc") -> int:
    """One published networking event open to guests, registration open, no per-company limit
    (with a new cluster `slug`: a second call on one database gives another one)."""
    from app import create_app
    from app.extensions import db
    from app.models import Cluster, Event, EventKind, EventStatus, utcnow
    from config import TestingConfig

    cfg = TestingConfig()
    cfg.SQLALCHEMY_DATABASE_URI = db_url
    app = create_app(cfg)
    with app.app_context():
        cluster = Cluster(slug=slug, name_ko="상암 DMC", name_en="Sangam DMC", field_ko="미디어", field_en="Media")
        starts = utcnow().replace(microsecond=0) + dt.timedelta(days=7)
        event = Event(
            kind=EventKind.NETWORKING,
            host_cluster=cluster,
            title_ko="벤치마크 선착순 네트워킹",
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=2),
            venue_name="DMC 첨단산업센터",
            capacity=capacity,
            seats_per_company=None,
            open_to_guests=True,
            status=EventStatus.PUBLISHED,
        )
        db.session.add(event)
        db.session.commit()
        event_id = event.id
        db.session.remove()
        db.engine.dispose()
    return event_id


def count_registrations(db_url: str, event_id: int) -> collections.Counter:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT status, count(*) FROM registrations WHERE event_id = :e GROUP BY status"), {"e": event_id}
        ).all()
    engine.dispose()
    return collections.Counter({str(status).lower(): n for status, n in rows})


# --- the server --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def bare_app(environ, start_response):
    """Baseline: the same HTTP exchange (a form with a token and a cookie, then a 302) without Moim."""
    if environ["REQUEST_METHOD"] == "POST":
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        start_response("302 FOUND", [("Location", "/done"), ("Content-Length", "0")])
        return [b""]
    body = b'<form><input name="csrf_token" type="hidden" value="bare"></form>'
    start_response(
        "200 OK",
        [
            ("Content-Type", "text/html"),
            ("Content-Length", str(len(body))),
            ("Set-Cookie", "session=bare; HttpOnly; Path=/"),
        ],
    )
    return [body]


def start_gunicorn(
    env: dict,
    workers: int,
    port: int,
    log_path: Path,
    target: str = "wsgi:app",
    chdir: Path = ROOT,
    new_session: bool = False,
) -> subprocess.Popen:
    """gunicorn serving `target`; new_session: in a process group of its own (os.killpg kills all)."""
    gunicorn = Path(sys.executable).with_name("gunicorn")
    cmd = [str(gunicorn)] if gunicorn.exists() else [sys.executable, "-m", "gunicorn"]
    cmd += ["-w", str(workers), "-b", f"{HOST}:{port}", "--backlog", "2048", target]
    log = open(log_path, "ab")
    return subprocess.Popen(
        cmd, cwd=chdir, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=new_session
    )


def stop(server: subprocess.Popen | None) -> None:
    if server is None or server.poll() is not None:
        return
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def wait_until_up(port: int, path: str, server: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn exited during start-up (see its log above)")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer {path} within {timeout:.0f} s")


# --- one attempt -------------------------------------------------------------------------


def valid_brn(n: int) -> str:
    first = f"{500 + n % 400:03d}81{n % 9999 + 1:04d}"
    return first + str(brn_check_digit(first))


class Attempt:
    """One guest in their own browser session: GET the form, then POST it."""

    def __init__(self, n: int, port: int, path: str) -> None:
        self.n, self.port, self.path = n, port, path
        self.cookie = ""
        self.token = ""
        self.get_ms = self.post_ms = None
        self.status: int | None = None
        self.error: str | None = None

    def _request(self, method: str, body: bytes | None = None, headers: dict | None = None):
        conn = http.client.HTTPConnection(HOST, self.port, timeout=120)
        try:
            conn.request(method, self.path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return resp, resp.read()
        finally:
            conn.close()

    def get_form(self) -> None:
        t0 = time.perf_counter()
        try:
            resp, html = self._request("GET")
            self.get_ms = (time.perf_counter() - t0) * 1000
            cookie = resp.getheader("Set-Cookie") or ""
            self.cookie = cookie.split(";", 1)[0]
            match = _CSRF_RE.search(html.decode("utf-8", "replace"))
            if resp.status != 200 or not match or not self.cookie:
                self.error = f"GET {resp.status}" + ("" if match else " (no CSRF token)")
                return
            self.token = match.group(1) or match.group(2)
        except OSError as exc:
            self.error = f"GET {type(exc).__name__}: {exc}"

    def post_form(self) -> None:
        if self.error:
            return
        n = self.n
        body = urllib.parse.urlencode(
            {
                "csrf_token": self.token,
                "company_name": f"벤치마크기업{n}",
                "brn": valid_brn(n),
                "name": f"참가자{n}",
                "email": f"rush{n}@example.com",
                "mobile": f"010-{n // 10000 % 10000:04d}-{n % 10000:04d}",
                "job_title": "",
                "consent": "y",
            }
        ).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": self.cookie}
        t0 = time.perf_counter()
        try:
            resp, _body = self._request("POST", body, headers)
            self.post_ms = (time.perf_counter() - t0) * 1000
            self.status = resp.status
            if resp.status != 302:
                self.error = f"POST {resp.status}"
        except OSError as exc:
            self.post_ms = (time.perf_counter() - t0) * 1000
            self.error = f"POST {type(exc).__name__}: {exc}"


def rush(attempts: list[Attempt], concurrency: int) -> float:
    """GET every form first (not timed), then all POSTs as fast as the threads allow; seconds taken."""
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(Attempt.get_form, attempts))
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(Attempt.post_form, attempts))
    return time.perf_counter() - t0


def baseline(env: dict, args, log_path: Path) -> float:
    """Attempts per second of the same client against a bare WSGI app under the same gunicorn."""
    port = free_port()
    server = start_gunicorn(env, args.workers, port, log_path, "rsvp_rush:bare_app", Path(__file__).parent)
    try:
        wait_until_up(port, "/", server)
        attempts = [Attempt(n, port, "/") for n in range(1, args.attempts + 1)]
        elapsed = rush(attempts, args.concurrency)
    finally:
        stop(server)
    failed = sum(1 for a in attempts if a.error)
    if failed:
        print(f"baseline: {failed} attempts failed")
    return args.attempts / elapsed


def percentile(samples: list[float], q: float) -> float:
    if not samples:
        return 0.0
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


# --- the run -----------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--attempts", type=int, default=1000)
    parser.add_argument("--capacity", type=int, default=100)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--concurrency", type=int, default=64, help="client threads posting at once")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="moim-rush-") as tmp_name:
        tmp = Path(tmp_name)
        database = Database(args.database_url, tmp)
        server = None
        log_path = tmp / "gunicorn.log"
        try:
            env = server_env(database.url, tmp)
            subprocess.run(
                [sys.executable, "-m", "flask", "db", "upgrade"],
                cwd=ROOT,
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            event_id = seed_event(database.url, args.capacity)
            path = f"/events/{event_id}/guest"

            port = free_port()
            server = start_gunicorn(env, args.workers, port, log_path)
            wait_until_up(port, path, server)

            attempts = [Attempt(n, port, path) for n in range(1, args.attempts + 1)]
            elapsed = rush(attempts, args.concurrency)
            stop(server)
            counts = count_registrations(database.url, event_id)
            bare_per_second = baseline(env, args, tmp / "bare.log")
        finally:
            stop(server)
            server_log = log_path.read_text(errors="replace") if log_path.exists() else ""
            database.drop()

    errors = [a for a in attempts if a.error]
    post_ms = [a.post_ms for a in attempts if a.post_ms is not None]
    get_ms = [a.get_ms for a in attempts if a.get_ms is not None]
    confirmed, waitlisted = counts.get("confirmed", 0), counts.get("waitlisted", 0)
    locked = server_log.count("database is locked")
    per_second = args.attempts / elapsed if elapsed else 0.0

    print(f"database:            {database.kind} ({args.workers} gunicorn workers, {args.concurrency} client threads)")
    print(f"attempts:            {args.attempts}  (capacity {args.capacity})")
    print(f"confirmed:           {confirmed}")
    print(f"waitlisted:          {waitlisted}")
    print(f"errors:              {len(errors)}")
    for reason, n in collections.Counter(a.error for a in errors).most_common(5):
        print(f"  {n:5d} x {reason}")
    if locked:
        print(f"'database is locked' in the server log: {locked} times")
    print(f"elapsed (POSTs):     {elapsed:.2f} s")
    print(f"registrations/s:     {per_second:.1f}")
    print(
        f"POST latency:        p50 {statistics.median(post_ms) if post_ms else 0:.1f} ms, "
        f"p99 {percentile(post_ms, 0.99):.1f} ms, max {max(post_ms, default=0):.1f} ms"
    )
    print(
        f"GET form latency:    p50 {statistics.median(get_ms) if get_ms else 0:.1f} ms, "
        f"p99 {percentile(get_ms, 0.99):.1f} ms (not in elapsed)"
    )
    print(
        f"bare WSGI baseline:  {bare_per_second:.0f} attempts/s (same client and gunicorn; "
        f"ratio {bare_per_second / per_second if per_second else 0:.0f}x)"
    )
    if errors and server_log:
        tail = [line for line in server_log.splitlines() if "Error" in line or "error" in line][-5:]
        for line in tail:
            print(f"  server: {line[:200]}")
    ok = confirmed == args.capacity and not errors
    if confirmed != args.capacity:
        print(f"FAIL: {confirmed} confirmed, expected {args.capacity}")
    print(
        json.dumps(
            {
                "attempts": args.attempts,
                "confirmed": confirmed,
                "waitlisted": waitlisted,
                "errors": len(errors),
                "per_second": round(per_second, 1),
                "p99_ms": round(percentile(post_ms, 0.99), 1),
                "database": database.kind,
            }
        )
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
