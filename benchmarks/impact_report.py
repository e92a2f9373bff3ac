"""Impact report at 50 and 500 companies: queries and seconds stay bounded as the network grows.

For each size, a fresh SQLite database (`flask db upgrade` through the app) with that many
companies in four clusters, twelve past events in the last 120 days where a random two thirds of
the companies check in (one attendee each), contacts between a tenth of each event's pairs,
accepted meetings for a few pairs, and ten outcomes. Then `impact_report()` for all clusters over
those 120 days, timed (best of three) with its SQL statements counted. Baseline in the same run:
reading the same check-ins bare (one SELECT of event and company per check-in), so the ratio is
what the figures, the betweenness and the picture cost over the rows themselves.

Run: .venv/bin/python benchmarks/impact_report.py [--sizes 50,500] [--rounds 3]
Prints its figures, then one line of JSON. Exits 1 if the query count grows with the size.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def _app(db_url: str):
    from app import create_app
    from config import TestingConfig

    cfg = TestingConfig()
    cfg.SQLALCHEMY_DATABASE_URI = db_url
    return create_app(cfg)


def seed(size: int, now: dt.datetime) -> None:
    from app.extensions import db
    from app.models import (
        CheckIn,
        Cluster,
        Company,
        Contact,
        Event,
        EventKind,
        EventStatus,
        Meeting,
        MeetingSlot,
        MeetingStatus,
        Outcome,
        OutcomeParty,
        OutcomeStage,
        Registration,
    )
    from tests.factories import valid_brn

    rng = random.Random(size)
    clusters = [
        Cluster(slug=f"c{i}", name_ko=f"클러스터{i}", name_en=f"Cluster {i}", field_ko="-", field_en="-")
        for i in range(4)
    ]
    companies = [
        Company(name=f"기업{i:04d}", brn=valid_brn(i), cluster=clusters[i % 4], industry="-") for i in range(size)
    ]
    db.session.add_all(clusters + companies)
    db.session.flush()
    for n in range(12):
        starts = now - dt.timedelta(days=10 + n * 9)
        event = Event(
            kind=EventKind.NETWORKING,
            host_cluster=clusters[n % 4],
            title_ko=f"행사{n}",
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=2),
            venue_name="-",
            capacity=size,
            status=EventStatus.PUBLISHED,
        )
        db.session.add(event)
        db.session.flush()
        present = rng.sample(companies, k=size * 2 // 3)
        regs = []
        for c in present:
            reg = Registration(event=event, company=c, name="참석자", email=f"p{n}-{c.id}@example.com")
            regs.append(reg)
        db.session.add_all(regs)
        db.session.flush()
        db.session.add_all(CheckIn(registration_id=r.id, event_id=event.id, checked_in_at=starts) for r in regs)
        pairs = set()
        while len(pairs) < len(regs) // 10:
            a, b = rng.sample(regs, 2)
            pairs.add((a.id, b.id))
        db.session.add_all(
            Contact(event_id=event.id, owner_registration_id=a, other_registration_id=b) for a, b in pairs
        )
        slot = MeetingSlot(event=event, starts_at=starts, ends_at=starts + dt.timedelta(minutes=20))
        db.session.add(slot)
        db.session.flush()
        for _ in range(min(10, len(present) // 2)):
            a, b = rng.sample(present, 2)
            db.session.add(Meeting(event=event, slot=slot, requester=a, invitee=b, status=MeetingStatus.ACCEPTED))
        if n < 10:
            a, b = rng.sample(present, 2)
            db.session.add(
                Outcome(
                    title=f"성과{n}",
                    stage=OutcomeStage.CONTRACT,
                    occurred_on=(starts + dt.timedelta(days=5)).date(),
                    amount_won=10_000_000,
                    confirmed=True,
                    parties=[OutcomeParty(company_id=a.id), OutcomeParty(company_id=b.id)],
                    events=[event],
                )
            )
    db.session.commit()


def measure(size: int, rounds: int) -> dict:
    from query_counter import count_queries
    from sqlalchemy import select

    from app.extensions import db
    from app.models import CheckIn, Registration, utcnow
    from app.outcomes.impact import impact_report

    tmp = Path(tempfile.mkdtemp(prefix="moim-impact-"))
    app = _app(f"sqlite:///{tmp / 'impact.db'}")
    with app.app_context():
        import flask_migrate

        flask_migrate.upgrade()
        now = utcnow()
        seed(size, now)
        start, end = now - dt.timedelta(days=120), now
        best = bare = float("inf")
        for _ in range(rounds):
            db.session.remove()
            t0 = time.perf_counter()
            with count_queries(db.engine) as statements:
                report = impact_report(None, start, end)
            best = min(best, time.perf_counter() - t0)
            db.session.remove()
            t0 = time.perf_counter()
            rows = db.session.execute(
                select(CheckIn.event_id, Registration.company_id).join(
                    Registration, Registration.id == CheckIn.registration_id
                )
            ).all()
            bare = min(bare, time.perf_counter() - t0)
        figures = report.figures
        return {
            "companies": size,
            "network_companies": figures.companies,
            "ties": figures.ties,
            "checkins": len(rows),
            "queries": len(statements),
            "seconds": round(best, 3),
            "bare_seconds": round(bare, 4),
            "ratio": round(best / bare, 1) if bare else None,
            "dots": report.svg.count("<circle"),
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,500")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    results = [measure(int(s), args.rounds) for s in args.sizes.split(",")]
    for r in results:
        print(
            f"{r['companies']} companies: {r['network_companies']} in the network, {r['ties']} ties, "
            f"{r['checkins']} check-ins; {r['queries']} queries, {r['seconds']} s "
            f"(bare read of the check-ins {r['bare_seconds']} s, x{r['ratio']}); {r['dots']} dots"
        )
    bounded = len({r["queries"] for r in results}) == 1
    print(json.dumps({"results": results, "queries_bounded": bounded}))
    return 0 if bounded else 1


if __name__ == "__main__":
    sys.exit(main())
