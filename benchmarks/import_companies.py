"""Company list import of a 1,000-row file: parse+plan, apply, re-import, against openpyxl's bare read.

Run: .venv/bin/python benchmarks/import_companies.py [--rows 1000] [--repeat 3] [--existing 2000]
                                                     [--database-url postgresql+psycopg://...]
SQLite (a temporary file) by default; with --database-url a fresh database is created next to
the given one and dropped afterwards. Prints its figures, then one line of JSON.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import flask_migrate  # noqa: E402
from openpyxl import Workbook, load_workbook  # noqa: E402
from sqlalchemy import create_engine, delete, event, insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app import create_app  # noqa: E402
from app.directory import importer  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Cluster, Company, Role, User, company_sort_name  # noqa: E402
from app.validators import brn_check_digit  # noqa: E402
from config import TestingConfig  # noqa: E402

PASSWORD = "benchmark-password-1"
HEADER = [importer.KOREAN_HEADERS[k] for k in importer.COLUMNS]


def _brn(i: int, block: int) -> str:
    first = f"{300 + i % 600:03d}{block:02d}{i % 9999 + 1:04d}"
    return first + str(brn_check_digit(first))


def _rows(n: int) -> list[list]:
    return [
        [
            f"(주)가져오기기업{i:05d}",
            _brn(i, 81),
            f"업종{i % 12}",
            f"담당자{i}",
            f"contact{i}@bench.example",
            f"010-{1000 + i % 9000:04d}-{i % 10000:04d}",
            "Y" if i % 5 == 0 else "N",
        ]
        for i in range(n)
    ]


def _xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _csv(rows: list[list]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("cp949")


def _timed(fn, repeat: int) -> tuple[float, object]:
    samples, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples), result


def _bare_read(content: bytes) -> int:
    workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    count = sum(1 for _ in workbook.worksheets[0].iter_rows(values_only=True))
    workbook.close()
    return count


@contextmanager
def _database(url: str | None):
    if not url:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/bench.db"
        return
    name = f"moim_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--existing", type=int, default=2000, help="companies already in other clusters")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    rows = _rows(args.rows)
    xlsx, csv_bytes = _xlsx(rows), _csv(rows)

    with _database(args.database_url) as url:
        cfg = TestingConfig()
        cfg.SQLALCHEMY_DATABASE_URI = url
        app = create_app(cfg)
        with app.app_context():
            flask_migrate.upgrade()
            dmc = Cluster(slug="dmc", name_ko="상암 DMC", name_en="Sangam DMC")
            magok = Cluster(slug="magok", name_ko="마곡", name_en="Magok")
            db.session.add_all([dmc, magok])
            admin = User(email="admin@bench.example", name="관리자", role=Role.ADMIN)
            admin.set_password(PASSWORD)
            db.session.add(admin)
            db.session.flush()
            if args.existing:
                db.session.execute(
                    insert(Company),
                    [
                        {
                            "name": f"기존기업{i:05d}",
                            "sort_name": company_sort_name(f"기존기업{i:05d}"),
                            "brn": _brn(i, 86),
                            "cluster_id": magok.id,
                            "industry": "기존",
                            "is_council_member": False,
                            "is_active": True,
                        }
                        for i in range(args.existing)
                    ],
                )
            db.session.commit()
            dmc_id = dmc.id

            statements: list[str] = []
            event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))

            def parse_plan(content: bytes, filename: str):
                cluster = db.session.get(Cluster, dmc_id)
                plan = importer.plan(importer.parse(content, filename).rows, cluster, None)
                db.session.rollback()
                return plan

            bare_read_s, counted = _timed(lambda: _bare_read(xlsx), args.repeat)
            assert counted == args.rows + 1
            statements.clear()
            parse_plan_s, plan = _timed(lambda: parse_plan(xlsx, "bench.xlsx"), args.repeat)
            plan_queries = (
                len(
                    [
                        s
                        for s in statements
                        if not s.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"))
                    ]
                )
                // args.repeat
            )
            assert plan.counts["new"] == args.rows, plan.counts
            csv_parse_plan_s, plan = _timed(lambda: parse_plan(csv_bytes, "bench.csv"), args.repeat)
            assert plan.counts["new"] == args.rows, plan.counts

            def apply_new():
                cluster = db.session.get(Cluster, dmc_id)
                parsed = importer.parse(xlsx, "bench.xlsx")
                plan = importer.plan(parsed.rows, cluster, None)
                t0 = time.perf_counter()
                counts = importer.apply(plan)
                db.session.commit()
                elapsed = time.perf_counter() - t0
                assert counts["new"] == args.rows, counts
                return elapsed

            apply_samples = []
            for attempt in range(args.repeat):
                apply_samples.append(apply_new())
                if attempt < args.repeat - 1:
                    db.session.execute(delete(Company).where(Company.cluster_id == dmc_id))
                    db.session.commit()
            apply_s = statistics.median(apply_samples)

            def reimport():
                cluster = db.session.get(Cluster, dmc_id)
                plan = importer.plan(importer.parse(xlsx, "bench.xlsx").rows, cluster, None)
                counts = importer.apply(plan)
                db.session.commit()
                assert counts["unchanged"] == args.rows, counts
                return counts

            reimport_s, _ = _timed(reimport, args.repeat)

            record = importer.create_import(db.session.get(Cluster, dmc_id), None, "bench.xlsx", xlsx)
            db.session.commit()
            record_id = record.id
            dialect = db.engine.dialect.name

        client = app.test_client()
        page = client.get("/auth/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        client.post("/auth/login", data={"email": "admin@bench.example", "password": PASSWORD, "csrf_token": token})
        preview_s, resp = _timed(lambda: client.get(f"/directory/import/{record_id}"), args.repeat)
        assert resp.status_code == 200 and "변경 없음" in resp.get_data(as_text=True)

        with app.app_context():
            db.engine.dispose()

    import_s = parse_plan_s + apply_s
    ratio = import_s / bare_read_s
    print(f"database:                      {dialect}")
    print(f"rows in file:                  {args.rows}  (companies already in other clusters: {args.existing})")
    print(f"openpyxl bare read (.xlsx):    {bare_read_s * 1000:.0f} ms")
    print(f"parse + plan, .xlsx, all new:  {parse_plan_s * 1000:.0f} ms  ({plan_queries} queries)")
    print(f"parse + plan, .csv (CP949):    {csv_parse_plan_s * 1000:.0f} ms")
    print(f"apply + commit, {args.rows} new:      {apply_s * 1000:.0f} ms")
    print(f"re-import (all unchanged):     {reimport_s * 1000:.0f} ms")
    print(f"preview page (1st of 10 pages): {preview_s * 1000:.0f} ms")
    print(f"ratio (parse+plan+apply) / bare read: {ratio:.1f}x")
    print(
        json.dumps(
            {
                "benchmark": "import_companies",
                "rows": args.rows,
                "database": dialect,
                "parse_plan_s": round(parse_plan_s, 3),
                "apply_s": round(apply_s, 3),
                "reimport_s": round(reimport_s, 3),
                "bare_read_s": round(bare_read_s, 3),
                "ratio": round(ratio, 1),
                "csv_parse_plan_s": round(csv_parse_plan_s, 3),
                "preview_page_s": round(preview_s, 3),
                "plan_queries": plan_queries,
            }
        )
    )


if __name__ == "__main__":
    main()
