"""Name badge PDFs: 500 and 2,000 badges through the staff route, against bare WeasyPrint.

Builds a fresh SQLite database (`flask db upgrade` through the app), 400 companies in four
clusters plus guest firms, and two events with 500 and 2,000 confirmed registrations (mixed
roles, about one in ten a guest). For each event and layout it downloads
POST /staff/events/<id>/badges.pdf (the print form) as an admin through the Flask test client: the real path
(one query, ticket codes, QR codes, chunked rendering by a pool of PDF_WORKERS processes,
pypdf join, printed marks, commit). Then checks the page count and decodes the QR codes of a
few pages (pypdfium2 + zxing-cpp).

The largest size is also rendered with PDF_WORKERS=1 (chunks in this process, no pool), to
show what the pool buys.

Baseline: bare WeasyPrint, `HTML(string=html).write_pdf()` on the same badge HTML (all the
badges of the largest event in one document, QR codes already made, prepared before timing),
in a fresh process so its memory is its own. The largest size runs in --rounds interleaved
rounds (route, bare), so that load from elsewhere on the machine hits both alike; the best
of each is compared.

Memory: a thread samples the resident size (VmRSS) of this process and of each pool worker
every 20 ms (RSS_INTERVAL), giving each run's peak per process, and the workers' CPU time.
resource.getrusage (self, children) is printed too, but it misses the pool workers (children
of the fork server) and a spawned child's ru_maxrss starts at its parent's size.

Run: .venv/bin/python benchmarks/badges.py [--sizes 500,2000] [--layouts a6,insert]
         [--workers 2] [--chunk 200] [--rounds 3] [--skip-baseline] [--skip-single]
Prints its figures, then one line of JSON for the largest size of the first layout.
Exits 1 if a PDF is wrong.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 15.0
TARGET_RSS_MB = 300
TARGET_RATIO = 0.9
PASSWORD = "benchmark-password-1"

SURNAMES = "김이박최정강조윤장임한오서신권황안송류홍전고문양손배백허남심노하곽성차주우구민유나진지엄채원천방공현함변염여추도소석선설마길연위표명기반왕금옥육인맹제모탁국어은편용"  # noqa: E501
GIVEN = [
    "민준",
    "서연",
    "도윤",
    "지우",
    "하준",
    "서윤",
    "시우",
    "지민",
    "예준",
    "하은",
    "주원",
    "수아",
    "지호",
    "지유",
    "준서",
    "채원",
    "현우",
    "다은",
    "은우",
    "소율",
    "건우",
    "예린",
    "우진",
    "수빈",
    "선우",
    "지아",
    "연우",
    "윤서",
]
SYLLABLES = "가나다라마바사아자차카타파하누리온빛솔새봄결별숲강해달"


def _app(db_url: str, workers: int | None):
    from app import create_app
    from config import TestingConfig

    cfg = TestingConfig()
    cfg.SQLALCHEMY_DATABASE_URI = db_url
    cfg.PDF_WORKERS = workers
    return create_app(cfg)


def seed_directory(rng):
    """Four clusters, 400 companies with Korean names and the admin login (added, not committed);
    benchmarks/reports.py builds on it too. Returns (clusters, companies)."""
    from app.extensions import db
    from app.models import Cluster, Company, Role, User

    clusters = [
        Cluster(slug=s, name_ko=ko, name_en=s)
        for s, ko in [
            ("dmc", "상암 디지털미디어시티(DMC)"),
            ("magok", "마곡 R&D 특화 산업단지"),
            ("yangjae", "양재 Y밸리"),
            ("guro", "구로 G밸리"),
        ]
    ]
    db.session.add_all(clusters)
    companies = []
    for i in range(400):
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 5)))
        prefix = rng.choice(["(주)", "주식회사 ", "", ""])
        companies.append(
            Company(
                name=f"{prefix}{word}{rng.choice(['미디어', '랩', '테크', '솔루션즈', ''])}", cluster=clusters[i % 4]
            )
        )
    db.session.add_all(companies)
    admin = User(email="admin@bench.example", name="관리자", role=Role.ADMIN)
    admin.set_password(PASSWORD)
    db.session.add(admin)
    return clusters, companies


def seed(app, sizes: list[int]) -> list[int]:
    """Clusters, 400 companies, an admin, and one event per size; returns the event ids."""
    import datetime as dt
    import random

    from app.events.tickets import issue_ticket, ticket_key
    from app.extensions import db
    from app.models import AttendeeRole, Event, EventKind, EventStatus, Registration, utcnow

    rng = random.Random(20261203)
    with app.app_context():
        clusters, companies = seed_directory(rng)
        key = ticket_key()
        starts = utcnow().replace(microsecond=0) + dt.timedelta(days=10)
        event_ids = []
        roles = [AttendeeRole.ATTENDEE] * 12 + [
            AttendeeRole.VOTER,
            AttendeeRole.OBSERVER,
            AttendeeRole.SPEAKER,
            AttendeeRole.STAFF,
        ]
        for size in sizes:
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
            for n in range(size):
                name = rng.choice(SURNAMES) + rng.choice(GIVEN)
                guest = n % 10 == 9
                registration = Registration(
                    event=event,
                    company=None if guest else rng.choice(companies),
                    name=name,
                    guest_company_name=("외부기업 " + "".join(rng.choice(SYLLABLES) for _ in range(3)))
                    if guest
                    else None,
                    email=f"p{size}-{n}@bench.example",
                    role=rng.choice(roles),
                )
                issue_ticket(registration, key)
                db.session.add(registration)
            db.session.flush()
            event_ids.append(event.id)
        db.session.commit()
        db.session.remove()
    return event_ids


def login(client) -> str:
    """Sign in as the admin; returns the session's CSRF token for the print form."""
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/auth/login", data={"email": "admin@bench.example", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302, response.status_code
    page = client.get("/").get_data(as_text=True)
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)


def check_pdf(data: bytes, badges: int, per_page: int, problems: list[str], label: str) -> int:
    """Page count, and the QR codes of the first and last page decode; returns codes decoded."""
    import pypdfium2 as pdfium
    import zxingcpp
    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(data)).pages)
    expected = -(-badges // per_page)
    if pages != expected:
        problems.append(f"{label}: {pages} pages, expected {expected}")
    document = pdfium.PdfDocument(data)
    decoded = 0
    for index in {0, len(document) - 1}:
        decoded += len(zxingcpp.read_barcodes(document[index].render(scale=3).to_pil()))
    expected_codes = min(per_page, badges) + (badges - (expected - 1) * per_page if expected > 1 else 0)
    if decoded != expected_codes:
        problems.append(f"{label}: decoded {decoded} QR codes on the first and last page, expected {expected_codes}")
    return decoded


def baseline_html(app, event_id: int, layout: str) -> str:
    """The same badges' HTML as the route renders, in one document (not timed)."""
    from app.checkin import badges
    from app.events.tickets import ticket_key
    from app.extensions import db
    from app.models import Event

    with app.app_context():
        event = db.session.get(Event, event_id)
        registrations = badges.select_badges(event, badges.BadgeOptions(layout=layout))
        key = ticket_key()
        built = [badges.build_badge(r, layout, key) for r in registrations]
        html = badges._render_sheets(built, layout, badges._event_context(event))
        db.session.remove()
    return html


BARE_CHILD = r"""
import json, sys, time
from weasyprint import HTML
html = open(sys.argv[1], encoding="utf-8").read()
t0, c0 = time.perf_counter(), time.process_time()
pdf = HTML(string=html, base_url=sys.argv[2]).write_pdf()
seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"seconds": seconds, "cpu": cpu, "bytes": len(pdf), "peak_rss_mb": hwm / 1024}))
"""


def bare_weasyprint(html: str, tmp: Path) -> dict:
    from app.pdf import BASE_URL

    path = tmp / "badges.html"
    path.write_text(html, encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-c", BARE_CHILD, str(path), BASE_URL], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def getrusage_mb() -> tuple[float, float]:
    return (
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    )


def _rss_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _descendants(pid: int) -> list[int]:
    """Child processes, and theirs (pool workers are children of the fork server)."""
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found += [int(c) for c in f.read().split()]
    except OSError:
        pass
    return found + [d for child in found for d in _descendants(child)]


def _is_worker(pid: int) -> bool:
    """A pool worker or fork server, not a child caught between fork and exec (still our image)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return b"multiprocessing" in f.read() or _parent(pid) != os.getpid()
    except OSError:
        return False


def _stat(pid: int) -> list[str]:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()
    except OSError:
        return []


def _parent(pid: int) -> int:
    fields = _stat(pid)
    return int(fields[1]) if fields else -1


def _cpu(pid: int) -> float:
    """User + system CPU seconds of a live process."""
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK") if fields else 0.0


class RssSampler:
    """While the block runs: peak resident size of this process and of its largest worker, and
    the CPU time of both (workers are children of the fork server, so getrusage misses them;
    their CPU is read from /proc at each sample, the last ~20 ms of a worker may be missed)."""

    def __init__(self, interval: float = float(os.environ.get("RSS_INTERVAL", "0.02"))) -> None:
        self.interval = interval
        self.self_mb = 0.0
        self.child_mb = 0.0
        self._stop = threading.Event()
        self._cpu_start: dict[int, float] = {}
        self._cpu_last: dict[int, float] = {}

    def _sample(self, me: int) -> None:
        self.self_mb = max(self.self_mb, _rss_mb(me) or 0.0)
        for child in _descendants(me):
            if _is_worker(child):
                self.child_mb = max(self.child_mb, _rss_mb(child) or 0.0)
                self._cpu_last[child] = _cpu(child)

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.is_set():
            self._sample(me)
            self._stop.wait(self.interval)

    @property
    def workers_cpu(self) -> float:
        return sum(cpu - self._cpu_start.get(pid, 0.0) for pid, cpu in self._cpu_last.items())

    def __enter__(self):
        me = os.getpid()
        self.start_mb = _rss_mb(me) or 0.0
        self._cpu_start = {child: _cpu(child) for child in _descendants(me)}
        self._self_cpu = time.process_time()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self._sample(os.getpid())  # the end of the block, which the last interval may have missed
        self.self_cpu = time.process_time() - self._self_cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="500,2000")
    parser.add_argument("--layouts", default="a6,insert")
    parser.add_argument("--workers", type=int, default=None, help="PDF_WORKERS (default: one per core, up to 2)")
    parser.add_argument("--chunk", type=int, default=None, help="badges per rendered chunk")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="interleaved rounds (route, bare) of the largest size; the best of each is compared",
    )
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--skip-single", action="store_true", help="no PDF_WORKERS=1 run of the largest size")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    layouts = args.layouts.split(",")
    largest = sizes[-1]

    import flask_migrate
    from flask import render_template

    from app.checkin import badges
    from app.pdf import default_workers, render_pdf

    if args.chunk:
        badges.CHUNK_BADGES = args.chunk
    workers = args.workers or default_workers()
    problems: list[str] = []
    routes: dict[tuple[str, int, int], list[dict]] = {}
    bares: dict[str, list[dict]] = {}

    with tempfile.TemporaryDirectory(prefix="moim-badges-") as tmp_name:
        tmp = Path(tmp_name)
        app = _app(f"sqlite:///{tmp / 'badges.db'}", workers)
        with app.app_context():
            flask_migrate.upgrade()
        t0 = time.perf_counter()
        event_ids = dict(zip(sizes, seed(app, sizes), strict=True))
        print(
            f"seeded {sum(sizes)} registrations in {time.perf_counter() - t0:.1f} s; {os.cpu_count()} cores; "
            f"PDF_WORKERS {workers}, chunks of up to {badges.CHUNK_BADGES} badges, pool from "
            f"{badges.POOL_MIN_BADGES} badges"
        )
        client = app.test_client()
        csrf = login(client)
        with app.app_context():  # warm-up: WeasyPrint imported and the fonts loaded in this process
            render_pdf(render_template("pdf/_base_pdf.html"))
        bare_html = (
            {} if args.skip_baseline else {layout: baseline_html(app, event_ids[largest], layout) for layout in layouts}
        )

        def route(layout: str, size: int, run_workers: int) -> None:
            app.config["PDF_WORKERS"] = run_workers
            with RssSampler() as rss:
                t0 = time.perf_counter()
                response = client.post(
                    f"/staff/events/{event_ids[size]}/badges.pdf", data={"layout": layout, "csrf_token": csrf}
                )
                seconds = time.perf_counter() - t0
            cpu = rss.self_cpu + rss.workers_cpu
            data = response.get_data()
            label = f"{layout} {size} badges, {run_workers} process{'es' if run_workers > 1 else ''}"
            if response.status_code != 200 or response.mimetype != "application/pdf":
                problems.append(f"{label}: status {response.status_code}")
                return
            decoded = check_pdf(data, size, badges.BADGES_PER_PAGE[layout], problems, label)
            routes.setdefault((layout, size, run_workers), []).append(
                {"seconds": seconds, "cpu": cpu, "self_mb": rss.self_mb, "child_mb": rss.child_mb}
            )
            print(
                f"route  {label:<30} {seconds:6.2f} s {size / seconds:6.1f} badges/s (CPU {cpu:5.1f} s) "
                f"{len(data) / 1024:5.0f} KiB; "
                f"peak RSS: this process {rss.self_mb:.0f} MB, largest worker {rss.child_mb:.0f} MB; "
                f"QR codes decoded (first and last page) {decoded}"
            )

        def bare(layout: str) -> None:
            result = bare_weasyprint(bare_html[layout], tmp)
            bares.setdefault(layout, []).append(result)
            print(
                f"bare   {f'{layout} {largest} badges, 1 process':<30} {result['seconds']:6.2f} s "
                f"{largest / result['seconds']:6.1f} badges/s (CPU {result['cpu']:5.1f} s) "
                f"{result['bytes'] / 1024:5.0f} KiB; "
                f"peak RSS {result['peak_rss_mb']:.0f} MB "
                f"(one HTML(string=...).write_pdf(), QR codes made beforehand)"
            )

        for layout in layouts:
            for size in sizes[:-1]:
                route(layout, size, workers)
            for _round in range(args.rounds):
                route(layout, largest, workers)
                if not args.skip_baseline:
                    bare(layout)
            if not args.skip_single and workers > 1:
                route(layout, largest, 1)
        self_ru, child_ru = getrusage_mb()
        print(
            f"getrusage ru_maxrss over the run: self {self_ru:.0f} MB (with this script's own checks), children "
            f"{child_ru:.0f} MB (the bare WeasyPrint runs; pool workers are the fork server's children)"
        )

    summary = {}
    for layout in layouts:
        best = min(routes[(layout, largest, workers)], key=lambda r: r["seconds"])
        peak = max(max(r["self_mb"], r["child_mb"]) for r in routes[(layout, largest, workers)])
        rate = largest / best["seconds"]
        base_rate = largest / min(b["seconds"] for b in bares[layout]) if layout in bares else None
        ratio = rate / base_rate if base_rate else None
        summary[layout] = {
            "badges": largest,
            "layout": layout,
            "seconds": round(best["seconds"], 2),
            "badges_per_s": round(rate, 1),
            "peak_rss_mb": round(peak, 1),
            "baseline_badges_per_s": round(base_rate, 1) if base_rate else None,
            "ratio": round(ratio, 2) if ratio is not None else None,
        }
        single = routes.get((layout, largest, 1))
        cpu_ratio = (
            min(b["cpu"] for b in bares[layout]) / min(r["cpu"] for r in routes[(layout, largest, workers)])
            if layout in bares
            else None
        )
        met = [
            f"<= {TARGET_SECONDS:.0f} s {'met' if best['seconds'] <= TARGET_SECONDS else 'MISSED'}",
            f"<= {TARGET_RSS_MB} MB per process {'met' if peak <= TARGET_RSS_MB else 'MISSED'}",
        ]
        if ratio is not None:
            met.append(f">= {TARGET_RATIO} x bare {'met' if ratio >= TARGET_RATIO else 'MISSED'}")
        rounds = len(routes[(layout, largest, workers)])
        print(
            f"{layout}, {largest} badges, best of {rounds}: {best['seconds']:.2f} s, "
            f"{rate:.1f} badges/s; bare WeasyPrint {base_rate or 0:.1f} badges/s; ratio {ratio or 0:.2f}"
            + (
                f"; one process: {largest / single[0]['seconds']:.1f} badges/s "
                f"(pool {single[0]['seconds'] / best['seconds']:.2f} x faster)"
                if single and workers > 1
                else ""
            )
            + (
                f"; CPU: bare {min(b['cpu'] for b in bares[layout]):.1f} s, route "
                f"{min(r['cpu'] for r in routes[(layout, largest, workers)]):.1f} s (QR codes, HTML, join; "
                f"bare / route {cpu_ratio:.2f})"
                if cpu_ratio
                else ""
            )
            + f". Targets: {', '.join(met)}"
        )
    for problem in problems:
        print(f"FAIL: {problem}")
    print(json.dumps(summary[layouts[0]]))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
