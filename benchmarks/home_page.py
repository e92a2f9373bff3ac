"""Home page speed: the seeded app plus many upcoming events, against a bare Flask route.

Run: .venv/bin/python benchmarks/home_page.py [--events N] [--requests N]
Prints its figures, then one line of JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import flask_migrate  # noqa: E402
from flask import Flask  # noqa: E402
from sqlalchemy import event as sa_event  # noqa: E402
from sqlalchemy import select  # noqa: E402

from app import create_app  # noqa: E402
from app.events.tickets import issue_ticket  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Cluster, Event, EventKind, EventStatus, Registration, utcnow  # noqa: E402
from app.seed import seed_demo  # noqa: E402
from config import TestingConfig  # noqa: E402


def _time_requests(client, path: str, n: int) -> list[float]:
    client.get(path)  # warm-up: template compilation, first connection
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        resp = client.get(path)
        samples.append((time.perf_counter() - t0) * 1000)
        assert resp.status_code == 200
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=200, help="extra upcoming events to add")
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        cfg = TestingConfig()
        cfg.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp}/bench.db"
        app = create_app(cfg)
        with app.app_context():
            flask_migrate.upgrade()
            seed_demo()
            clusters = db.session.scalars(select(Cluster).where(Cluster.is_active.is_(True))).all()
            start = utcnow().replace(microsecond=0) + dt.timedelta(days=3)
            for i in range(args.events):
                e = Event(
                    kind=EventKind.NETWORKING,
                    host_cluster=clusters[i % len(clusters)],
                    title_ko=f"벤치마크 행사 {i}",
                    starts_at=start + dt.timedelta(hours=i),
                    ends_at=start + dt.timedelta(hours=i + 2),
                    capacity=50,
                    status=EventStatus.PUBLISHED,
                )
                db.session.add(e)
                for j in range(10):
                    registration = Registration(event=e, name=f"참가자{j}", email=f"b{i}-{j}@example.com")
                    issue_ticket(registration)
                    db.session.add(registration)
            db.session.commit()
            n_events = db.session.query(Event).count()

        statements: list[str] = []
        sa_event.listen(_engine(app), "before_cursor_execute", lambda *a: statements.append(a[2]))
        client = app.test_client()
        client.get("/")
        statements.clear()
        client.get("/")
        queries = len([s for s in statements if not s.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK"))])
        home = _time_requests(client, "/", args.requests)

        bare = Flask("bare")
        bare.add_url_rule("/", "index", lambda: "<html><body>ok</body></html>")
        baseline = _time_requests(bare.test_client(), "/", args.requests)

    home_median = statistics.median(home)
    base_median = statistics.median(baseline)
    ratio = home_median / base_median
    print(f"events in database:        {n_events}")
    print(f"home page queries:         {queries}")
    print(f"home page median:          {home_median:.2f} ms  (p95 {sorted(home)[int(len(home) * 0.95) - 1]:.2f} ms)")
    print(f"bare Flask route median:   {base_median:.3f} ms")
    print(f"ratio home / bare:         {ratio:.0f}x")
    print(
        json.dumps(
            {
                "benchmark": "home_page",
                "events": n_events,
                "queries": queries,
                "home_median_ms": round(home_median, 2),
                "bare_median_ms": round(base_median, 3),
                "ratio": round(ratio, 1),
                "requests": args.requests,
            }
        )
    )


def _engine(app):
    with app.app_context():
        return db.engine


if __name__ == "__main__":
    main()
