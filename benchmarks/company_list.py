"""Company list page at growing directory sizes: queries per page stay constant, time stays flat.

Run: .venv/bin/python benchmarks/company_list.py [--sizes 100,1000,10000] [--requests 30]
Prints its figures, then one line of JSON. Baseline: a bare Flask route in the same run.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import flask_migrate  # noqa: E402
from flask import Flask  # noqa: E402
from sqlalchemy import event as sa_event  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Cluster, Company, Role, User, company_sort_name  # noqa: E402
from app.validators import brn_check_digit  # noqa: E402
from config import TestingConfig  # noqa: E402

PASSWORD = "benchmark-password-1"


def _median_ms(client, path: str, n: int) -> float:
    client.get(path)
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        assert client.get(path).status_code == 200
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


def _grow_to(size: int, clusters: list[Cluster], start: int) -> None:
    rows = []
    for i in range(start, size):
        first = f"{200 + i % 700:03d}8{(i // 700) % 10}{i % 10000:04d}"
        name = f"(주)벤치기업{i:05d}"
        rows.append(
            {
                "name": name,
                "sort_name": company_sort_name(name),
                "brn": first + str(brn_check_digit(first)),
                "cluster_id": clusters[i % len(clusters)].id,
                "industry": f"업종{i % 12}",
                "is_council_member": i % 5 == 0,
                "is_active": True,
                "contact_name": f"담당{i}",
            }
        )
    if rows:
        db.session.execute(insert(Company), rows)
        db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        cfg = TestingConfig()
        cfg.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp}/bench.db"
        app = create_app(cfg)
        with app.app_context():
            flask_migrate.upgrade()
            clusters = [Cluster(slug=s, name_ko=s, name_en=s) for s in ("dmc", "magok", "yangjae", "guro")]
            db.session.add_all(clusters)
            admin = User(email="admin@bench.example", name="관리자", role=Role.ADMIN)
            admin.set_password(PASSWORD)
            db.session.add(admin)
            db.session.commit()
            engine = db.engine

        client = app.test_client()
        page = client.get("/auth/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        client.post("/auth/login", data={"email": "admin@bench.example", "password": PASSWORD, "csrf_token": token})

        statements: list[str] = []
        sa_event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        have = 0
        for size in sizes:
            with app.app_context():
                clusters = db.session.scalars(select(Cluster)).all()
                _grow_to(size, clusters, have)
            have = size
            statements.clear()
            client.get("/directory/companies")
            queries = len([s for s in statements if not s.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK"))])
            list_ms = _median_ms(client, "/directory/companies", args.requests)
            search_ms = _median_ms(client, "/directory/companies?q=벤치기업0999", args.requests)
            results.append(
                {
                    "companies": size,
                    "queries": queries,
                    "list_median_ms": round(list_ms, 2),
                    "search_median_ms": round(search_ms, 2),
                }
            )
            print(f"{size:>6} companies: {queries} queries, list {list_ms:.1f} ms, search {search_ms:.1f} ms")

        bare = Flask("bare")
        bare.add_url_rule("/", "index", lambda: "ok")
        base_ms = _median_ms(bare.test_client(), "/", args.requests)
    print(f"bare Flask route: {base_ms:.3f} ms")
    largest = results[-1]
    print(
        json.dumps(
            {
                "benchmark": "company_list",
                "sizes": results,
                "bare_median_ms": round(base_ms, 3),
                "ratio_largest": round(largest["list_median_ms"] / base_ms, 1),
                "queries_constant": len({r["queries"] for r in results}) == 1,
            }
        )
    )


if __name__ == "__main__":
    main()
