"""The offline door, server side (issue 14, item 7): the roster download for 2,000 registrations.

Builds a fresh database with one event whose doors are open, N confirmed registrations and one
door device link (the seeding of benchmarks/checkin_load.py), starts the production app under
gunicorn with one extra route, the baseline: a bare GET that reads the same registrations' id,
ticket hash and name with one Core query and answers them as gzip JSON, on the same server,
database and pool. Each is downloaded DOWNLOADS times, one after another, as a device does
(X-Door-Token, Accept-Encoding: gzip). A quarter of the badges are checked in first, so the
roster carries admissions too; later 20 people leave (exits at the door) and the device's refresh
with its cursor (?since=) must carry exactly those 20.

Run: .venv/bin/python benchmarks/door_offline.py [--database-url URL] [--registrations 2000]
         [--downloads 20]
  URL omitted: a temporary SQLite file. postgresql+psycopg://...: a fresh database next to the
  given one, dropped afterwards.
Targets: under 300 KB compressed and under 2 s per download.

Then the upload of queued scans (POST .../scans, issue 14 item 4): UPLOAD_SCANS (500) scans the
device made offline, badges not yet admitted, sent as the scanner's queue sends them (batches of
100, one after another), in --upload-rounds rounds of fresh badges; beside each round the baseline,
a bare POST that inserts the same batches' nonces into one table with one executemany and a
commit. Each round's batches are then sent again: every answer replayed, nothing written.
Prints its figures, then one line of JSON. Exits 1 when a target is missed, the roster does not
hold every registration, or an uploaded scan was not recorded exactly once (one log per nonce, one
check-in per badge, at its scan time).
The browser side (local answers from IndexedDB) is benchmarks/door_offline_browser.py.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import http.client
import json
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from checkin_load import door_env, drive, seed, split  # noqa: E402
from rsvp_rush import HOST, Database, free_port, percentile, start_gunicorn, stop, wait_until_up  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

BARE_PATH = "/_bench/bare-roster"
BARE_UPLOAD_PATH = "/_bench/bare-upload"
UPLOAD_SCANS = 500
UPLOAD_BATCH = 100  # the scanner's BATCH_SIZE (queue.js) and the server's MAX_BATCH
TARGET_COMPRESSED_KB = 300
TARGET_SECONDS = 2.0


def bench_app():
    """gunicorn "door_offline:bench_app()": the production app plus the baseline route."""
    from flask import make_response, request
    from sqlalchemy import text as sql

    from app.extensions import csrf, db
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

    @csrf.exempt
    def bare_upload():
        scans = request.get_json()["scans"]
        db.session.execute(
            sql("INSERT INTO bench_uploads (nonce, code, scanned_at) VALUES (:nonce, :code, :scanned_at)"),
            [{"nonce": s["nonce"], "code": s["code"], "scanned_at": s["scanned_at"]} for s in scans],
        )
        db.session.commit()
        return {"results": [{"nonce": s["nonce"], "result": "ok"} for s in scans]}

    app.add_url_rule(BARE_PATH, "bench_bare_roster", bare_roster)
    app.add_url_rule(BARE_UPLOAD_PATH, "bench_bare_upload", bare_upload, methods=["POST"])
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


def post_batches(port: int, path: str, batches: list[list[dict]], headers: dict) -> tuple[float, list[dict]]:
    """The batches one after another, as the scanner's queue sends them: seconds, every answer."""
    answers: list[dict] = []
    started = time.perf_counter()
    for batch in batches:
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        conn.request(
            "POST",
            path,
            body=json.dumps({"scans": batch}).encode(),
            headers={"Content-Type": "application/json", "Accept": "application/json", **headers},
        )
        response = conn.getresponse()
        data = response.read()
        conn.close()
        if response.status != 200:
            raise SystemExit(f"POST {path}: HTTP {response.status}: {data[:300]!r}")
        answers.extend(json.loads(data)["results"])
    return time.perf_counter() - started, answers


def queued_scans(codes: list[str], round_: int) -> list[dict]:
    """What the scanner's queue holds after answering these badges offline, 10 ms apart (the last
    seconds: the device link was made at seeding, and a scan before it would be refused)."""
    now = dt.datetime.now(dt.UTC)
    return [
        {
            "nonce": f"up{round_:02d}{n:06d}nonce",
            "code": code,
            "mode": "in",
            "method": "qr",
            "scanned_at": (now - dt.timedelta(milliseconds=10 * (len(codes) - n))).isoformat(),
            "local_result": "ok",
        }
        for n, code in enumerate(codes)
    ]


def recorded(db_url: str, event_id: int) -> tuple[int, int, int, int]:
    """Uploaded logs, distinct nonces among them, check-ins at their log's scan time, bare rows."""
    engine = create_engine(db_url)
    with engine.connect() as conn:
        logs, nonces = conn.execute(
            text(
                "SELECT count(*), count(DISTINCT nonce) FROM scan_logs WHERE event_id = :e AND uploaded_at IS NOT NULL"
            ),
            {"e": event_id},
        ).one()
        at_scan_time = conn.execute(
            text(
                "SELECT count(*) FROM checkins c JOIN scan_logs l ON l.registration_id = c.registration_id "
                "AND l.uploaded_at IS NOT NULL AND l.result = 'ok' AND l.scanned_at = c.checked_in_at "
                "WHERE c.event_id = :e"
            ),
            {"e": event_id},
        ).scalar()
        bare = conn.execute(text("SELECT count(*) FROM bench_uploads")).scalar()
    engine.dispose()
    return logs, nonces, at_scan_time, bare


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--registrations", type=int, default=2000)
    parser.add_argument("--downloads", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--upload-rounds", type=int, default=3)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="moim-door-"))
    database = Database(args.database_url, tmp, label="door")
    server = None
    try:
        env, ticket_key = door_env(database.url, tmp)
        event_id, token, codes = seed(database.url, args.registrations, ticket_key)
        engine = create_engine(database.url)
        with engine.begin() as conn:
            conn.execute(
                text(
                    "CREATE TABLE bench_uploads "
                    "(nonce VARCHAR(64) PRIMARY KEY, code VARCHAR(200), scanned_at VARCHAR(40))"
                )
            )
        engine.dispose()
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

        # The upload of queued offline scans: fresh badges each round, the baseline beside it.
        upload_path = f"/api/checkin/events/{event_id}/scans"
        fresh = codes[len(admitted) :]
        rounds = min(args.upload_rounds, len(fresh) // UPLOAD_SCANS)
        upload_s, replay_s, bare_upload_s = [], [], []
        upload_ok = rounds > 0
        for r in range(rounds):
            scans = queued_scans(fresh[r * UPLOAD_SCANS : (r + 1) * UPLOAD_SCANS], r)
            batches = [scans[i : i + UPLOAD_BATCH] for i in range(0, len(scans), UPLOAD_BATCH)]
            seconds, answers = post_batches(port, upload_path, batches, headers)
            upload_s.append(seconds)
            upload_ok &= [a["nonce"] for a in answers] == [s["nonce"] for s in scans]
            upload_ok &= all(a["result"] == "ok" and not a["replayed"] and not a["conflict"] for a in answers)
            seconds, again = post_batches(port, upload_path, batches, headers)
            replay_s.append(seconds)
            upload_ok &= all(a["replayed"] for a in again)
            upload_ok &= [a["result"] for a in again] == [a["result"] for a in answers]
            bare_batches = [[dict(s, nonce="bare" + s["nonce"]) for s in b] for b in batches]
            bare_upload_s.append(post_batches(port, BARE_UPLOAD_PATH, bare_batches, {})[0])
        logs, nonces, at_scan_time, bare_rows = recorded(database.url, event_id)
        uploaded = rounds * UPLOAD_SCANS
        upload_ok &= logs == nonces == at_scan_time == bare_rows == uploaded
        up50, replay50, bare50 = (percentile(v, 0.5) if v else 0.0 for v in (upload_s, replay_s, bare_upload_s))

        # The device's refresh 30 s later: only what changed since its cursor (here 20 exits).
        # Its cursor comes from a whole roster taken once everything above is older than the overlap
        # the server reaches back before a cursor (roster.OVERLAP).
        from app.checkin.roster import OVERLAP

        time.sleep(OVERLAP.total_seconds() + 1)
        cursor = download(port, roster_path, headers)[3]["cursor"]
        later = admitted[:20]  # 20 people leave for a while: exits at the door
        bodies = [{"code": c, "nonce": f"late{n:08d}nonce", "mode": "out"} for n, c in enumerate(later)]
        _s, _ms, exits = drive(port, f"/api/checkin/events/{event_id}/scan", split(bodies, 4), headers)
        since = urllib.parse.quote(cursor)
        delta_s, delta_wire, _delta_raw, delta = download(port, f"{roster_path}?since={since}", headers)
        delta_ids = {e["id"] for e in delta.get("entries", [])}

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
            and upload_ok
            and delta.get("full") is False
            and exits == ["ok"] * len(later)
            and len(delta_ids) == len(later)
            and all(e["out"] for e in delta["entries"])
        )
        print(f"database: {database.kind}; {args.registrations} registrations, {len(admitted)} admitted")
        print(
            f"roster: {len(entries)} entries, {raw / 1024:.0f} KB JSON, {wire / 1024:.0f} KB gzip "
            f"(target < {TARGET_COMPRESSED_KB} KB); download p50 {p50 * 1000:.0f} ms, "
            f"max {max(roster_s) * 1000:.0f} ms (target < {TARGET_SECONDS:.0f} s); "
            f"admissions in it: {admitted_in_roster}; no ticket code in it: {hashes_only}"
        )
        print(
            f"refresh since the cursor (full: {delta.get('full')}): {len(delta_ids)} entries "
            f"(20 exits since), {delta_wire} bytes, {delta_s * 1000:.0f} ms"
        )
        print(
            f"baseline (one Core SELECT of id, hash, name + gzip JSON, same server): p50 {p50_bare * 1000:.0f} ms; "
            f"ratio {p50_bare / p50:.2f}"
        )
        print(
            f"upload: {UPLOAD_SCANS} queued scans in batches of {UPLOAD_BATCH}, {rounds} rounds: p50 "
            f"{up50 * 1000:.0f} ms ({up50 * 1000 / UPLOAD_SCANS:.2f} ms a scan); sent again: {replay50 * 1000:.0f} ms, "
            f"all replayed; recorded once: {logs} logs, {nonces} nonces, {at_scan_time} check-ins at their scan "
            f"time (expected {uploaded}): {upload_ok}"
        )
        print(
            f"baseline (one executemany INSERT of the batch's nonces + commit, same server): p50 "
            f"{bare50 * 1000:.0f} ms; ratio {bare50 / up50 if up50 else 0:.2f}"
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
                    "delta_entries": len(delta_ids),
                    "delta_bytes": delta_wire,
                    "delta_ms": round(delta_s * 1000, 1),
                    "ratio": round(p50_bare / p50, 2),
                    "upload_scans": UPLOAD_SCANS,
                    "upload_rounds": rounds,
                    "upload_p50_ms": round(up50 * 1000, 1),
                    "upload_per_scan_ms": round(up50 * 1000 / UPLOAD_SCANS, 2),
                    "replay_p50_ms": round(replay50 * 1000, 1),
                    "upload_baseline_p50_ms": round(bare50 * 1000, 1),
                    "upload_ratio": round(bare50 / up50, 2) if up50 else None,
                    "upload_recorded_once": upload_ok,
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
