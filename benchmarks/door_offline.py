"""The offline door, server side (issue 14, item 7): the roster download for 2,000 registrations.

Builds a fresh database with one event whose doors are open, N confirmed registrations and one
door device link (the seeding of benchmarks/checkin_load.py), starts the production app under
gunicorn with one extra route, the baseline: a bare GET that reads the same registrations' id,
ticket hash and name with one Core query and answers them as gzip JSON, on the same server,
database and pool. Each is downloaded DOWNLOADS times, one after another, as a device does
(X-Door-Token, Accept-Encoding: gzip). A quarter of the badges are checked in first, so the
roster carries admissions too.

Run: .venv/bin/python benchmarks/door_offline.py [--database-url URL] [--registrations 2000]
         [--downloads 20]
  URL omitted: a temporary SQLite file. postgresql+psycopg://...: a fresh database next to the
  given one, dropped afterwards.
Targets: under 300 KB compressed and under 2 s per download. Prints its figures, then one line
of JSON. Exits 1 when a target is missed or the roster does not hold every registration.
The browser side (local answers from IndexedDB) is benchmarks/door_offline_browser.py.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from checkin_load import drive, seed, split  # noqa: E402
from rsvp_rush import HOST, Database, free_port, percentile, server_env, start_gunicorn, stop, wait_until_up  # noqa: E402

BARE_PATH = "/_bench/bare-roster"
TARGET_COMPRESSED_KB = 300
TARGET_SECONDS = 2.0


def bench_app():
    """gunicorn "door_offline:bench_app()": the production app plus the baseline route."""
    from flask import make_response, request
    from sqlalchemy import text as sql

    from app.extensions import db
    from wsgi import app

    def bare_roster():
        rows = db.session.execute(
            sql("SELECT id, ticket_hash, name FROM registrations WHERE event_id = :e ORDER BY id"),
            {"e": int(request.args["event"])},
        ).all()
        db.session.rollback()
        body = json.dumps({"entries": [{"id": i, "h": h, "n": n} for i, h, n in rows]}, ensure_ascii=False)
        response = make_response(gzip.compress(body.encode(), compresslevel=6))
        response.headers["Content-Encoding"] = "gzip"
        response.mimetype = "application/json"
        return response

    app.add_url_rule(BARE_PATH, "bench_bare_roster", bare_roster)
    return app


def download(port: int, path: str, headers: dict) -> tuple[float, int, int, dict]:
    """One GET like the device's: seconds, bytes on the wire, bytes unpacked, the JSON."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    conn.request("GET", path, headers={"Accept-Encoding": "gzip", "Accept": "application/json", **headers})
    response = conn.getresponse()
    wire = response.read()
    elapsed = time.perf_counter() - started
    conn.close()
    if response.status != 200:
        raise SystemExit(f"GET {path}: HTTP {response.status}: {wire[:200]!r}")
    raw = gzip.decompress(wire) if response.getheader("Content-Encoding") == "gzip" else wire
    return elapsed, len(wire), len(raw), json.loads(raw)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--registrations", type=int, default=2000)
    parser.add_argument("--downloads", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="moim-door-"))
    database = Database(args.database_url, tmp, label="door")
    server = None
    try:
        env = server_env(database.url, tmp)
        ticket_key = secrets.token_hex(32)
        env["TICKET_CODE_KEY"] = ticket_key
        flask = str(Path(sys.executable).with_name("flask"))
        subprocess.run([flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
        event_id, token, codes = seed(database.url, args.registrations, ticket_key)
        port = free_port()
        server = start_gunicorn(
            env,
            args.workers,
            port,
            tmp / "gunicorn.log",
            target="door_offline:bench_app()",
            chdir=Path(__file__).resolve().parent,
        )
        wait_until_up(port, "/", server)
        headers = {"X-Door-Token": token}

        # A quarter of the badges admitted at the door first (through the API, as on the day).
        admitted = codes[: len(codes) // 4]
        bodies = [{"code": c, "nonce": f"door{n:08d}nonce", "mode": "in"} for n, c in enumerate(admitted)]
        _s, _ms, results = drive(port, f"/api/checkin/events/{event_id}/scan", split(bodies, 8), headers)
        if any(r != "ok" for r in results):
            raise SystemExit(f"seeding check-ins: {sorted(set(results))}")

        roster_path = f"/api/checkin/events/{event_id}/roster"
        bare_path = f"{BARE_PATH}?event={event_id}"
        download(port, roster_path, headers)  # warm: imports, first queries
        download(port, bare_path, {})
        roster_s, bare_s = [], []
        wire = raw = 0
        body: dict = {}
        for _ in range(args.downloads):  # alternate, so neither always meets a colder cache
            seconds, wire, raw, body = download(port, roster_path, headers)
            roster_s.append(seconds)
            bare_s.append(download(port, bare_path, {})[0])

        entries = body.get("entries", [])
        admitted_in_roster = sum(1 for e in entries if e.get("in"))
        hashes_only = all(c not in json.dumps(entries) for c in codes[:50])
        p50, p50_bare = percentile(roster_s, 0.5), percentile(bare_s, 0.5)
        ok = (
            len(entries) == args.registrations
            and admitted_in_roster == len(admitted)
            and hashes_only
            and wire / 1024 < TARGET_COMPRESSED_KB
            and max(roster_s) < TARGET_SECONDS
        )
        print(f"database: {database.kind}; {args.registrations} registrations, {len(admitted)} admitted")
        print(
            f"roster: {len(entries)} entries, {raw / 1024:.0f} KB JSON, {wire / 1024:.0f} KB gzip "
            f"(target < {TARGET_COMPRESSED_KB} KB); download p50 {p50 * 1000:.0f} ms, "
            f"max {max(roster_s) * 1000:.0f} ms (target < {TARGET_SECONDS:.0f} s); "
            f"admissions in it: {admitted_in_roster}; no ticket code in it: {hashes_only}"
        )
        print(
            f"baseline (one Core SELECT of id, hash, name + gzip JSON, same server): p50 {p50_bare * 1000:.0f} ms; "
            f"ratio {p50_bare / p50:.2f}"
        )
        print(
            json.dumps(
                {
                    "benchmark": "door_offline",
                    "registrations": args.registrations,
                    "roster_kb": round(raw / 1024, 1),
                    "roster_gzip_kb": round(wire / 1024, 1),
                    "download_p50_ms": round(p50 * 1000, 1),
                    "download_max_ms": round(max(roster_s) * 1000, 1),
                    "baseline_p50_ms": round(p50_bare * 1000, 1),
                    "ratio": round(p50_bare / p50, 2),
                    "database": database.kind,
                    "ok": ok,
                }
            )
        )
        return 0 if ok else 1
    finally:
        stop(server)
        database.drop()


if __name__ == "__main__":
    sys.exit(main())
