"""Calendar feeds: a cluster feed of 1,000 events through gunicorn over HTTP, full and 304.

Builds a fresh database (`flask db upgrade`) holding a cluster whose feed has 1,000 events
(events it hosts of every kind, networking nights of another cluster open to all, forums it
takes part in, a few recent cancellations) plus 200 events of another cluster that are not in
it. Starts the app under gunicorn with the production config and measures, on that server:
- the cold full response (the first download: the calendar is built from nothing);
- the full response p50/p99 over --requests sequential downloads without If-None-Match
  (after a warm-up that lets every worker build once);
- the first downloads after one event is edited (each worker rebuilds; only the edited
  event is serialized again);
- the 304 response: requests/s of --concurrency clients sending If-None-Match (and the median
  latency of one client alone, next to the bare route's);
- the baseline: a tiny route added to the same app on the same server (constant text, no
  database), same client and concurrency, in rounds interleaved with the 304 ones. For
  context also a bare WSGI app under the same gunicorn settings (not in the ratio).

Run: .venv/bin/python benchmarks/feeds.py [--database-url URL] [--events 1000] [--requests 200]
         [--not-modified 3000] [--workers 4] [--concurrency 16]
  URL omitted: a temporary SQLite file. sqlite:///path: that (new) file.
  postgresql+psycopg://...: a fresh database next to the given one, dropped afterwards.
Prints its figures, then one line of JSON. Exits 1 if the feed is wrong or a request fails.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from rsvp_rush import HOST, Database, free_port, percentile, server_env, start_gunicorn, stop, wait_until_up  # noqa: E402

CLUSTER = "dmc"
BARE_PATH = "/_bench/bare"
TARGET_P99_MS = 150
TARGET_RATIO = 0.6


# --- what gunicorn loads -----------------------------------------------------------------


def bench_app():
    """gunicorn "feeds:bench_app()": the production app plus one tiny route (the baseline)."""
    from flask import Response

    from wsgi import app

    app.add_url_rule(BARE_PATH, "bench_bare", lambda: Response("ok\n", mimetype="text/plain"))
    return app


def bare_wsgi(environ, start_response):
    """Context only: the same exchange without Flask or Moim."""
    body = b"ok\n"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


# --- the database ------------------------------------------------------------------------


def _app(db_url: str):
    from app import create_app
    from config import TestingConfig

    cfg = TestingConfig()
    cfg.SQLALCHEMY_DATABASE_URI = db_url
    return create_app(cfg)


DESCRIPTION = (
    "입주기업 대표와 실무자가 만나 서로의 사업을 소개하고 공동 과제를 찾는 자리입니다. "
    "발표 뒤에는 자유 네트워킹이 이어집니다. 명함을 넉넉히 준비해 주세요."
)


def seed(db_url: str, n_events: int) -> int:
    """`n_events` in the dmc cluster's feed, 200 more outside it; returns the latest event id."""
    from app.extensions import db
    from app.models import Cluster, Event, EventKind, EventStatus, ResearchGroup, utcnow

    app = _app(db_url)
    with app.app_context():
        dmc = Cluster(
            slug=CLUSTER,
            name_ko="상암 디지털미디어시티(DMC)",
            name_en="Sangam DMC",
            field_ko="미디어",
            field_en="Media",
        )
        magok = Cluster(
            slug="magok", name_ko="마곡 R&D 특화 산업단지", name_en="Magok R&D", field_ko="연구개발", field_en="R&D"
        )
        group = ResearchGroup(name="빅데이터연구회", cluster=dmc)
        db.session.add_all([dmc, magok, group])
        now = utcnow().replace(second=0, microsecond=0)
        first = now - dt.timedelta(days=80)
        step = (dt.timedelta(days=800)) / max(n_events, 1)

        def event(i: int, host, kind, **kw) -> Event:
            starts = first + step * i
            return Event(
                kind=kind,
                host_cluster=host,
                title_ko=f"{kind_names[kind]} {i + 1}회",
                description_ko=DESCRIPTION,
                starts_at=starts,
                ends_at=starts + dt.timedelta(hours=2),
                venue_name="DMC 첨단산업센터 3층",
                venue_address="서울특별시 마포구 매봉산로 37",
                capacity=60,
                status=EventStatus.PUBLISHED,
                **kw,
            )

        kind_names = {
            EventKind.NETWORKING: "네트워킹 나이트",
            EventKind.COUNCIL: "입주기업협의회 정기회의",
            EventKind.FORUM: "클러스터 간 포럼",
            EventKind.RESEARCH: "빅데이터연구회 모임",
        }
        events = []
        for i in range(n_events):
            part = i % 10
            if part < 5:
                e = event(i, dmc, EventKind.NETWORKING)
            elif part == 5:
                e = event(i, dmc, EventKind.COUNCIL)
            elif part == 6:
                e = event(i, dmc, EventKind.RESEARCH, research_group=group)
            elif part == 7:
                e = event(i, magok, EventKind.NETWORKING, open_to_all_clusters=True)
            else:
                e = event(i, magok, EventKind.FORUM)
                e.participating_clusters = [dmc]
            if i % 97 == 0 and e.starts_at > now:
                e.status, e.sequence = EventStatus.CANCELLED, 1
            events.append(e)
        for i in range(200):  # magok's own: not in dmc's feed
            events.append(event(i, magok, EventKind.COUNCIL))
        db.session.add_all(events)
        db.session.commit()
        latest = events[n_events - 1].id
        db.session.remove()
        db.engine.dispose()
    return latest


def touch_event(db_url: str, event_id: int) -> None:
    """An edit of one event, as staff would make it (title and updated_at change)."""
    from app.extensions import db
    from app.models import Event

    app = _app(db_url)
    with app.app_context():
        event = db.session.get(Event, event_id)
        event.title_ko += " (장소 확정)"
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


# --- the client --------------------------------------------------------------------------


def fetch(port: int, path: str, headers: dict | None = None) -> tuple[int, bytes, dict, float]:
    t0 = time.perf_counter()
    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        body = resp.read()
        return resp.status, body, dict(resp.getheaders()), (time.perf_counter() - t0) * 1000
    finally:
        conn.close()


def compare_throughput(
    port: int, runs: list[tuple[str, dict | None, int]], n: int, concurrency: int, rounds: int = 5
) -> tuple[list[float], list[int]]:
    """Requests/s of `concurrency` clients for each (path, headers, expected status), `n` requests
    each, in interleaved rounds so that load from elsewhere on the machine hits all alike."""

    def one(run) -> bool:
        path, headers, expect = run
        try:
            return fetch(port, path, headers)[0] == expect
        except OSError:
            return False

    elapsed, failed = [0.0] * len(runs), [0] * len(runs)
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        for run in runs:  # warm-up
            list(pool.map(one, [run] * min(n // 10, 200)))
        for _round in range(rounds):
            for i, run in enumerate(runs):
                t0 = time.perf_counter()
                results = list(pool.map(one, [run] * (n // rounds)))
                elapsed[i] += time.perf_counter() - t0
                failed[i] += results.count(False)
    return [(n // rounds * rounds) / e for e in elapsed], failed


def full_downloads(port: int, path: str, n: int) -> tuple[list[float], int]:
    samples, failed = [], 0
    for _ in range(n):
        status, body, _headers, ms = fetch(port, path)
        samples.append(ms)
        failed += status != 200 or not body.endswith(b"END:VCALENDAR\r\n")
    return samples, failed


def warm_every_worker(port: int, path: str, workers: int) -> None:
    """Enough concurrent downloads that every worker has built the feed at least once."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(lambda _i: fetch(port, path), range(workers * 10)))


# --- the run -----------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--events", type=int, default=1000, help="events in the cluster feed")
    parser.add_argument("--requests", type=int, default=200, help="sequential full downloads timed")
    parser.add_argument("--not-modified", type=int, default=3000, help="304 (and baseline) requests")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--concurrency", type=int, default=16, help="client threads for the 304 and baseline runs")
    args = parser.parse_args()
    path = f"/calendar/clusters/{CLUSTER}.ics"
    problems: list[str] = []

    with tempfile.TemporaryDirectory(prefix="moim-feeds-") as tmp_name:
        tmp = Path(tmp_name)
        database = Database(args.database_url, tmp, label="feeds")
        server = bare = None
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
            t0 = time.perf_counter()
            last_id = seed(database.url, args.events)
            seed_s = time.perf_counter() - t0

            port = free_port()
            server = start_gunicorn(
                env, args.workers, port, tmp / "gunicorn.log", "feeds:bench_app()", Path(__file__).parent
            )
            wait_until_up(port, BARE_PATH, server)

            status, body, headers, cold_ms = fetch(port, path)
            n_vevents = body.count(b"BEGIN:VEVENT")
            if status != 200 or n_vevents != args.events:
                problems.append(f"feed: status {status}, {n_vevents} events (expected {args.events})")
            etag, size = headers.get("ETag", ""), len(body)
            warm_every_worker(port, path, args.workers)
            full_ms, failed = full_downloads(port, path, args.requests)
            if failed:
                problems.append(f"{failed} full downloads failed")

            (not_modified, baseline), (failed_304, failed_bare) = compare_throughput(
                port,
                [(path, {"If-None-Match": etag}, 304), (BARE_PATH, None, 200)],
                args.not_modified,
                args.concurrency,
            )
            if failed_304:
                problems.append(f"{failed_304} conditional requests did not get a 304")
            if failed_bare:
                problems.append(f"{failed_bare} baseline requests failed")

            # Server time per request without queueing: one client, interleaved.
            single = {"304": [], "bare": []}
            for _ in range(300):
                single["304"].append(fetch(port, path, {"If-None-Match": etag})[3])
                single["bare"].append(fetch(port, BARE_PATH)[3])

            touch_event(database.url, last_id)
            after_edit = [fetch(port, path) for _ in range(args.workers * 3)]
            rebuild_ms = [ms for status, body, headers, ms in after_edit]
            if any(s != 200 or h.get("ETag") == etag or "(장소 확정)".encode() not in b for s, b, h, _ms in after_edit):
                problems.append("the edit did not reach every download")
            stop(server)

            bare_port = free_port()
            bare = start_gunicorn(
                env, args.workers, bare_port, tmp / "bare.log", "feeds:bare_wsgi", Path(__file__).parent
            )
            wait_until_up(bare_port, "/", bare)
            (bare_wsgi_rate,), _failed = compare_throughput(
                bare_port, [("/", None, 200)], args.not_modified, args.concurrency
            )
        finally:
            stop(server)
            stop(bare)
            database.drop()

    p50, p99 = statistics.median(full_ms), percentile(full_ms, 0.99)
    ratio = not_modified / baseline if baseline else 0.0
    print(f"database:                {database.kind} ({args.workers} gunicorn workers; seeded in {seed_s:.1f} s)")
    print(f"feed:                    {path}: {n_vevents} events, {size / 1024:.0f} KiB")
    print(f"cold first download:     {cold_ms:.0f} ms (built from nothing in one worker)")
    print(
        f"full download:           p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {max(full_ms):.1f} ms "
        f"({args.requests} sequential, after every worker built once)"
    )
    print(
        f"after editing one event: max {max(rebuild_ms):.0f} ms, median {statistics.median(rebuild_ms):.0f} ms "
        f"(first {len(rebuild_ms)} downloads; each worker rebuilds once)"
    )
    print(f"304 (If-None-Match):     {not_modified:.0f} req/s ({args.concurrency} clients)")
    print(f"bare route, same server: {baseline:.0f} req/s (same client)")
    print(f"ratio 304 / bare route:  {ratio:.2f} (target >= {TARGET_RATIO})")
    print(f"bare WSGI app (context): {bare_wsgi_rate:.0f} req/s; 304 / bare WSGI {not_modified / bare_wsgi_rate:.2f}")
    print(
        f"one client, median:      304 {statistics.median(single['304']):.2f} ms, "
        f"bare route {statistics.median(single['bare']):.2f} ms"
    )
    print(
        f"full p99 target <= {TARGET_P99_MS} ms: {'met' if p99 <= TARGET_P99_MS else 'MISSED'}; "
        f"304 ratio target: {'met' if ratio >= TARGET_RATIO else 'MISSED'}"
    )
    for problem in problems:
        print(f"FAIL: {problem}")
    print(
        json.dumps(
            {
                "events": n_vevents,
                "full_p99_ms": round(p99, 1),
                "not_modified_per_s": round(not_modified, 1),
                "baseline_per_s": round(baseline, 1),
                "ratio_304": round(ratio, 2),
            }
        )
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
