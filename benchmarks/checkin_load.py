"""Door check-in under load: 32 scanners at once against the check-in API, through gunicorn.

Builds a fresh database, one event whose doors are open, N registrations with their own
ticket codes and one door device link; starts the production app under gunicorn (4 workers)
with one extra route, the baseline: a bare POST doing one indexed UPDATE and a commit on the
same server, database and connection pool. Both are driven by the same client: 32 threads,
each with its own distinct codes (or rows), every code scanned once.

Run: .venv/bin/python benchmarks/checkin_load.py [--database-url URL] [--scans 6400]
         [--workers 4] [--concurrency 32]
  URL omitted: a temporary SQLite file. postgresql+psycopg://...: a fresh database next to
  the given one, dropped afterwards.
Then every code of the first half is scanned again (answer: already checked in) and the
baseline run again beside it: a repeated scan should cost no more than a first one.
Prints its figures, then one line of JSON:
  {"scans_per_s", "p99_ms", "baseline_per_s", "ratio", "repeat_per_s", "repeat_ratio", ...,
   "server_cpu_us", "client_cpu_us"}
The CPU figures are per request, by kind (scan, bare, repeat, again: the baseline beside the
repeats), read from /proc for the gunicorn workers (null off Linux) and from this process for the
client; on a host whose cores are all busy the throughput ratio follows their sums.
Exits 1 when a scan did not answer "ok" or the database does not hold one check-in per code.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import secrets
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from rsvp_rush import (  # noqa: E402
    HOST,
    Database,
    free_port,
    percentile,
    server_env,
    start_gunicorn,
    stop,
    valid_brn,
    wait_until_up,
)
from sqlalchemy import create_engine, text  # noqa: E402

BARE_PATH = "/_bench/bare-update"
TARGET_RATIO = 0.8
TARGET_P99_MS = 30


# --- what gunicorn loads -----------------------------------------------------------------


def bench_app():
    """gunicorn "checkin_load:bench_app()": the production app plus the baseline route."""
    from flask import jsonify, request
    from sqlalchemy import text as sql

    from app.extensions import csrf, db
    from wsgi import app

    @csrf.exempt
    def bare_update():
        row = int(request.get_json()["row"])
        db.session.execute(sql("UPDATE bench_rows SET hits = hits + 1 WHERE id = :id"), {"id": row})
        db.session.commit()
        return jsonify(result="ok")

    app.add_url_rule(BARE_PATH, "bench_bare_update", bare_update, methods=["POST"])
    return app


# --- the database ------------------------------------------------------------------------


def seed(
    db_url: str, scans: int, ticket_key: str, slug: str = "dmc", first_company: int = 0
) -> tuple[int, str, list[str]]:
    """One event with doors open, `scans` confirmed registrations, a device link; the codes.
    A second call on one database needs another cluster `slug` and `first_company` (+100)."""
    from app import create_app
    from app.checkin.devices import create_device
    from app.events.tickets import code_from_salt, new_ticket_salt
    from app.extensions import db
    from app.models import Cluster, Company, Event, EventKind, EventStatus, Registration, utcnow
    from app.tokens import hash_token
    from config import TestingConfig

    cfg = TestingConfig()
    cfg.SQLALCHEMY_DATABASE_URI = db_url
    app = create_app(cfg)
    key = ticket_key.encode()
    with app.app_context():
        cluster = Cluster(slug=slug, name_ko="상암 DMC", name_en="Sangam DMC", field_ko="미디어", field_en="Media")
        companies = [
            Company(name=f"벤치기업{i:04d}", brn=valid_brn(i), cluster=cluster, industry="콘텐츠")
            for i in range(first_company, first_company + 100)
        ]
        starts = utcnow().replace(microsecond=0) + dt.timedelta(minutes=10)
        event = Event(
            kind=EventKind.NETWORKING,
            host_cluster=cluster,
            title_ko="벤치마크 입장 러시",
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=3),
            venue_name="DMC 첨단산업센터",
            capacity=scans,
            status=EventStatus.PUBLISHED,
        )
        db.session.add_all([cluster, event, *companies])
        db.session.flush()
        codes, rows = [], []
        for i in range(scans):
            salt = new_ticket_salt()
            code = code_from_salt(salt, key)
            codes.append(code)
            rows.append(
                {
                    "event_id": event.id,
                    "company_id": companies[i % 100].id,
                    "name": f"참가자{i:05d}",
                    "email": f"p{i:05d}@example.com",
                    "ticket_salt": salt,
                    "ticket_hash": hash_token(code),
                    "role": "attendee",
                    "status": "confirmed",
                    "created_at": utcnow(),
                    "updated_at": utcnow(),
                }
            )
        db.session.execute(Registration.__table__.insert(), rows)
        _device, token = create_device(event, gate="A게이트", valid_hours=12, created_by_id=None, now=utcnow())
        db.session.execute(
            text("CREATE TABLE IF NOT EXISTS bench_rows (id INTEGER PRIMARY KEY, hits INTEGER NOT NULL)")
        )
        db.session.execute(text("DELETE FROM bench_rows"))
        db.session.execute(text("INSERT INTO bench_rows (id, hits) VALUES (:id, 0)"), [{"id": i} for i in range(scans)])
        db.session.commit()
        event_id = event.id
        db.session.remove()
        db.engine.dispose()
    return event_id, token, codes


def door_env(db_url: str, tmp: Path) -> tuple[dict, str]:
    """The server's environment with a ticket key of this run, and the database migrated to head."""
    import subprocess

    env = server_env(db_url, tmp)
    ticket_key = secrets.token_hex(32)
    env["TICKET_CODE_KEY"] = ticket_key
    flask = str(Path(sys.executable).with_name("flask"))
    subprocess.run([flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    return env, ticket_key


def count_checkins(db_url: str, event_id: int) -> tuple[int, int]:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        checkins = conn.execute(
            text("SELECT count(DISTINCT registration_id) FROM checkins WHERE event_id = :e"), {"e": event_id}
        ).scalar()
        hits = conn.execute(text("SELECT count(*) FROM bench_rows WHERE hits = 1")).scalar()
    engine.dispose()
    return checkins, hits


# --- the load ----------------------------------------------------------------------------


def drive(port: int, path: str, bodies: list[list[dict]], headers: dict) -> tuple[float, list[float], list[str]]:
    """Each client thread posts its own bodies one after another; returns elapsed s, latencies, results."""

    def client(mine: list[dict]) -> tuple[list[float], list[str]]:
        latencies, results = [], []
        for body in mine:
            payload = json.dumps(body).encode()
            started = time.perf_counter()
            conn = http.client.HTTPConnection(HOST, port, timeout=30)
            conn.request("POST", path, body=payload, headers={"Content-Type": "application/json", **headers})
            response = conn.getresponse()
            data = response.read()
            latencies.append((time.perf_counter() - started) * 1000)
            conn.close()
            results.append(
                json.loads(data).get("result", f"http {response.status}")
                if response.status == 200
                else f"http {response.status}"
            )
        return latencies, results

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        outcomes = list(pool.map(client, bodies))
    elapsed = time.perf_counter() - started
    latencies = [ms for lat, _ in outcomes for ms in lat]
    results = [r for _, res in outcomes for r in res]
    return elapsed, latencies, results


def workers_cpu_s(master_pid: int) -> float | None:
    """CPU seconds (user + system) the gunicorn workers have used so far; None off Linux."""
    total, ticks = 0.0, os.sysconf("SC_CLK_TCK")
    try:
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                try:
                    fields = Path(entry.path, "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue  # gone meanwhile
                if int(fields[1]) == master_pid:  # ppid
                    total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    except OSError:
        return None
    return total


def split(items: list, parts: int) -> list[list]:
    return [items[i::parts] for i in range(parts)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--scans", type=int, default=6400)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="moim-checkin-"))
    database = Database(args.database_url, tmp, label="checkin")
    server = None
    try:
        env, ticket_key = door_env(database.url, tmp)
        event_id, token, codes = seed(database.url, args.scans, ticket_key)
        print(
            f"database: {database.kind}; {args.scans} codes; gunicorn {args.workers} workers; "
            f"{args.concurrency} clients"
        )

        port = free_port()
        server = start_gunicorn(
            env,
            args.workers,
            port,
            tmp / "gunicorn.log",
            target="checkin_load:bench_app()",
            chdir=Path(__file__).resolve().parent,
        )
        wait_until_up(port, "/", server)

        # Server CPU (the gunicorn workers) and this client's CPU, per kind of request.
        cpu = {kind: [0.0, 0.0, 0] for kind in ("scan", "bare", "repeat", "again")}

        def metered(kind: str, path: str, bodies: list[list[dict]], headers: dict):
            server_before, client_before = workers_cpu_s(server.pid), time.process_time()
            out = drive(port, path, bodies, headers)
            server_after, client_after = workers_cpu_s(server.pid), time.process_time()
            acc = cpu[kind]
            acc[0] += (server_after - server_before) if server_before is not None else float("nan")
            acc[1] += client_after - client_before
            acc[2] += len(out[2])
            return out

        def per_request_us(kind: str) -> tuple[float, float]:
            server_s, client_s, n = cpu[kind]
            return round(server_s / n * 1e6), round(client_s / n * 1e6)

        # Warm every worker a little (imports, first queries) on rows outside the measured set.
        half = args.scans // 2
        warm = [[{"row": i}] for i in range(half, half + args.concurrency)]
        drive(port, BARE_PATH, warm, {})

        # Alternate halves so neither run always meets a colder cache: scans on codes[:half],
        # baseline on rows[:half]; then a second round on the other halves.
        scan_path = f"/api/checkin/events/{event_id}/scan"
        headers = {"X-Door-Token": token}
        rounds = []
        for lo, hi in ((0, half), (half, args.scans)):
            scan_bodies = split(
                [
                    {"code": c, "nonce": f"bench{n:08d}nonce", "mode": "in"}
                    for n, c in enumerate(codes[lo:hi], start=lo)
                ],
                args.concurrency,
            )
            bare_bodies = split(
                [{"row": i} for i in range(lo, hi) if not (half <= i < half + args.concurrency)], args.concurrency
            )
            scan_s, scan_ms, scan_results = metered("scan", scan_path, scan_bodies, headers)
            bare_s, bare_ms, bare_results = metered("bare", BARE_PATH, bare_bodies, {})
            rounds.append((scan_s, scan_ms, scan_results, bare_s, bare_ms, bare_results))

        # Repeat scans: every code of the first half again, with fresh nonces (answer: already
        # checked in), then the baseline again on the same rows, so the two are compared alike.
        repeat_bodies = split(
            [{"code": c, "nonce": f"again{n:08d}nonce", "mode": "in"} for n, c in enumerate(codes[:half])],
            args.concurrency,
        )
        again_bare = split(
            [{"row": i} for i in range(half) if not (half <= i < half + args.concurrency)], args.concurrency
        )
        repeat_s, repeat_ms, repeat_results = metered("repeat", scan_path, repeat_bodies, headers)
        again_s, _again_ms, again_results = metered("again", BARE_PATH, again_bare, {})
        repeat_per_s = len(repeat_results) / repeat_s
        again_per_s = len(again_results) / again_s
        repeat_bad = [r for r in repeat_results if r != "already_checked_in"]

        scan_ms = [ms for r in rounds for ms in r[1]]
        bare_ms = [ms for r in rounds for ms in r[4]]
        scan_results = [x for r in rounds for x in r[2]]
        bare_results = [x for r in rounds for x in r[5]]
        scans_per_s = len(scan_results) / sum(r[0] for r in rounds)
        bare_per_s = len(bare_results) / sum(r[3] for r in rounds)
        checked_in, _hits = count_checkins(database.url, event_id)
        bad = [r for r in scan_results if r != "ok"]
        ratio = scans_per_s / bare_per_s

        print(
            f"check-in API: {len(scan_results)} scans, {scans_per_s:.0f}/s, "
            f"p50 {percentile(scan_ms, 0.5):.1f} ms, p99 {percentile(scan_ms, 0.99):.1f} ms, "
            f"max {max(scan_ms):.1f} ms; answers other than ok: {len(bad)}"
        )
        print(
            f"baseline (one indexed UPDATE + commit, same server): {len(bare_results)} requests, "
            f"{bare_per_s:.0f}/s, p50 {percentile(bare_ms, 0.5):.1f} ms, p99 {percentile(bare_ms, 0.99):.1f} ms"
        )
        print(
            f"repeat scans (already checked in): {len(repeat_results)}, {repeat_per_s:.0f}/s, "
            f"p50 {percentile(repeat_ms, 0.5):.1f} ms, p99 {percentile(repeat_ms, 0.99):.1f} ms; baseline beside "
            f"them {again_per_s:.0f}/s (ratio {repeat_per_s / again_per_s:.2f}); other answers: {len(repeat_bad)}"
        )
        print(f"check-ins in the database: {checked_in} (codes scanned: {len(scan_results)})")
        cpu_us = {kind: per_request_us(kind) for kind in cpu}
        print(
            "CPU per request, server (4 workers) / this client: "
            + ", ".join(f"{kind} {server_us} / {client_us} us" for kind, (server_us, client_us) in cpu_us.items())
        )
        print(
            f"ratio {ratio:.2f} (target >= {TARGET_RATIO}); p99 {percentile(scan_ms, 0.99):.1f} ms "
            f"(target <= {TARGET_P99_MS} ms on PostgreSQL)"
        )
        print(
            json.dumps(
                {
                    "scans_per_s": round(scans_per_s, 1),
                    "p99_ms": round(percentile(scan_ms, 0.99), 1),
                    "baseline_per_s": round(bare_per_s, 1),
                    "ratio": round(ratio, 2),
                    "baseline_p99_ms": round(percentile(bare_ms, 0.99), 1),
                    "scans": len(scan_results),
                    "errors": len(bad),
                    "repeat_per_s": round(repeat_per_s, 1),
                    "repeat_p50_ms": round(percentile(repeat_ms, 0.5), 1),
                    "repeat_ratio": round(repeat_per_s / again_per_s, 2),
                    "first_p50_ms": round(percentile(scan_ms, 0.5), 1),
                    "repeat_errors": len(repeat_bad),
                    "server_cpu_us": {kind: server_us for kind, (server_us, _client) in cpu_us.items()},
                    "client_cpu_us": {kind: client_us for kind, (_server, client_us) in cpu_us.items()},
                    "database": database.kind,
                }
            )
        )
        return 0 if not bad and not repeat_bad and checked_in == len(scan_results) else 1
    finally:
        stop(server)
        database.drop()


if __name__ == "__main__":
    sys.exit(main())
