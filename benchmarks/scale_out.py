"""Two app instances on one PostgreSQL and one Redis, one of them killed mid-load.

Builds a fresh PostgreSQL database (`flask db upgrade`), then runs the same load twice, each on
events of its own: first against ONE gunicorn instance (the baseline), then against TWO instances
on two ports (same production settings, same SECRET_KEY, DATABASE_URL and REDIS_URL, rate limits
in Redis under a key prefix of this run). The load, all at once from one pool of client threads:
  - a registration rush: --attempts guests register for an event of --capacity seats (each its
    own browser session: GET the form, then POST it), spread over the instances;
  - a check-in load: --tickets badges scanned at the door API, every one once and
    --repeat-share of them a second time (fresh nonce) through the other instance.
In the two-instance run, once half of the requests have answered, the second instance is killed
(SIGKILL to its process group, as an OOM kill or a lost host). Clients then retry on the survivor
whatever failed with a connection error, with the same request: a scan with the same nonce (the
API answers a known nonce with its first answer), a registration with the same form and session
(sessions are signed cookies, valid on either instance; a registration that was committed before
the kill answers "이미 신청한 이메일입니다", which counts as done).
Before the load, a burst of 2 x --limit requests to the certificate page (limited per client
address) is spread over both instances: exactly --limit may pass when Redis shares the count.
Afterwards the database must show, for each run: confirmed == capacity exactly, one check-in row
per badge (no badge admitted twice), every registration's mail (confirmation or waitlist notice)
in the outbox exactly once, and no scan answered "ok" twice for one badge.

Run: .venv/bin/python benchmarks/scale_out.py [--database-url URL] [--redis-url URL]
         [--attempts 600] [--capacity 150] [--tickets 1200] [--workers 4] [--concurrency 32]
  URL omitted: TEST_DATABASE_URL, else postgresql+psycopg://postgres@127.0.0.1:5432/test; a fresh
  database next to it is created and dropped afterwards.
Prints its figures, then one line of JSON. Exits 1 when any claim above does not hold.
"""

from __future__ import annotations

import argparse
import collections
import http.client
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import redis  # noqa: E402
from checkin_load import seed as seed_door  # noqa: E402
from rsvp_rush import (  # noqa: E402
    HOST,
    Attempt,
    Database,
    free_port,
    percentile,
    seed_event,
    server_env,
    start_gunicorn,
    stop,
    wait_until_up,
)
from sqlalchemy import create_engine, text  # noqa: E402

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
LIMITED_PATH = "/certificates/verify?code=scale-out-burst"
ALREADY = "이미 신청한 이메일입니다"
RETRY_PAUSE_S = 0.05
MAX_TRIES = 20


# --- the instances -----------------------------------------------------------------------


class Instances:
    """The ports being served, as a proxy sees them: a request goes to its preferred instance, one
    that failed with a connection error goes again to the next, and an instance refusing
    connections is taken out of the rotation (nginx's max_fails)."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = ports
        self.down: set[int] = set()
        self.lock = threading.Lock()
        self.retries = 0
        self.connection_errors = collections.Counter()

    def request(self, prefer: int, method: str, path: str, body: bytes | None, headers: dict):
        """(status, response, body) from the first instance that answers; retries on connection errors."""
        for attempt in range(MAX_TRIES):
            alive = [p for p in self.ports if p not in self.down] or self.ports
            port = alive[(prefer + attempt) % len(alive)]
            conn = http.client.HTTPConnection(HOST, port, timeout=60)
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                return response.status, response, response.read()
            except (OSError, http.client.HTTPException) as exc:
                with self.lock:
                    self.retries += 1
                    self.connection_errors[type(exc).__name__] += 1
                    if isinstance(exc, ConnectionRefusedError):
                        self.down.add(port)
                time.sleep(RETRY_PAUSE_S)
            finally:
                conn.close()
        raise OSError(f"no instance answered {method} {path} in {MAX_TRIES} tries")


class Guest(Attempt):
    """rsvp_rush's guest (GET the form, POST it), sent to the instances with retries."""

    def __init__(self, n: int, path: str, instances: Instances, prefer: int) -> None:
        super().__init__(n, 0, path)
        self.instances, self.prefer = instances, prefer
        self.retried_body = b""
        self.found_on_retry = False

    def _request(self, method: str, body: bytes | None = None, headers: dict | None = None):
        before = self.instances.retries
        _status, response, data = self.instances.request(self.prefer, method, self.path, body, headers or {})
        if method == "POST" and self.instances.retries != before:
            self.retried_body = data
        return response, data

    def post_form(self) -> None:
        super().post_form()
        # Committed by the killed instance, answered by the survivor: the retry finds it done.
        if self.error == "POST 400" and ALREADY in self.retried_body.decode("utf-8", "replace"):
            self.error = None
            self.status = 302
            self.found_on_retry = True


# --- one run -----------------------------------------------------------------------------


def run_load(
    args, instances: Instances, rush_event: int, door: tuple[int, str, list[str]], first: int, kill=None
) -> dict:
    """The rush (guests numbered from `first`) and the check-in load at once; `kill()` is called
    when half the requests answered."""
    door_event, token, codes = door
    n_ports = len(instances.ports)
    rush_path = f"/events/{rush_event}/guest"
    guests = [Guest(n, rush_path, instances, n % n_ports) for n in range(first, first + args.attempts)]
    with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
        list(pool.map(Guest.get_form, guests))

    repeats = codes[: int(len(codes) * args.repeat_share)]
    scans = [(i, code, f"first{i:08d}nonce", i % n_ports) for i, code in enumerate(codes)]
    scans += [(i, code, f"again{i:08d}nonce", (i + 1) % n_ports) for i, code in enumerate(repeats)]
    scan_path = f"/api/checkin/events/{door_event}/scan"
    answers: dict[int, list[str]] = collections.defaultdict(list)
    errors: list[str] = []
    lock = threading.Lock()
    done = {"n": 0, "kill_at": None}
    total = len(guests) + len(scans)
    times = {"rush": [], "scan": []}

    def finished(kind: str, started: float) -> None:
        now = time.perf_counter()
        with lock:
            times[kind].append((now, (now - started) * 1000))
            done["n"] += 1
            fire = kill is not None and done["n"] == total // 2
        if fire:
            done["kill_at"] = time.perf_counter()
            kill()

    def register(guest: Guest) -> None:
        started = time.perf_counter()
        try:
            guest.post_form()
        except OSError as exc:
            guest.error = str(exc)
        finished("rush", started)

    def scan(item) -> None:
        i, code, nonce, prefer = item
        started = time.perf_counter()
        payload = json.dumps({"code": code, "nonce": nonce, "mode": "in"}).encode()
        headers = {"Content-Type": "application/json", "X-Door-Token": token}
        try:
            status, _response, data = instances.request(prefer, "POST", scan_path, payload, headers)
            result = json.loads(data).get("result", f"http {status}") if status == 200 else f"http {status}"
        except (OSError, ValueError) as exc:
            result = f"error {exc}"
        with lock:
            answers[i].append(result)
            if result not in ("ok", "already_checked_in"):
                errors.append(result)
        finished("scan", started)

    # Interleaved, so both loads run side by side for the whole time.
    work = []
    rush_iter, scan_iter = iter(guests), iter(scans)
    ratio = max(1, len(scans) // max(1, len(guests)))
    for guest in rush_iter:
        work.append((register, guest))
        for _ in range(ratio):
            item = next(scan_iter, None)
            if item is not None:
                work.append((scan, item))
    work += [(scan, item) for item in scan_iter]

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
        list(pool.map(lambda job: job[0](job[1]), work))
    elapsed = time.perf_counter() - t0

    def rate(kind: str, lo: float, hi: float) -> float:
        n = sum(1 for t, _ in times[kind] if lo <= t < hi)
        return n / (hi - lo) if hi > lo else 0.0

    end = t0 + elapsed + 1e-9
    kill_at = done["kill_at"]
    figures = {
        "elapsed_s": elapsed,
        "rush_per_s": len(guests) / elapsed,
        "scans_per_s": len(scans) / elapsed,
        "requests_per_s": total / elapsed,
        "rush_p99_ms": percentile([ms for _, ms in times["rush"]], 0.99),
        "scan_p99_ms": percentile([ms for _, ms in times["scan"]], 0.99),
        "rush_errors": [g.error for g in guests if g.error],
        "scan_errors": errors,
        "found_on_retry": sum(1 for g in guests if g.found_on_retry),
        "ok_twice": sum(1 for results in answers.values() if results.count("ok") != 1),
        "scans": len(scans),
    }
    if kill_at is not None:
        both = rate("rush", t0, kill_at) + rate("scan", t0, kill_at)
        after = rate("rush", kill_at, end) + rate("scan", kill_at, end)
        figures.update(before_kill_per_s=both, after_kill_per_s=after, killed_after_s=kill_at - t0)
    return figures


def burst(instances: Instances, n: int, concurrency: int) -> collections.Counter:
    """n GETs of the rate-limited certificate page, spread over the instances at once."""

    def one(i: int) -> int:
        status, _response, _data = instances.request(i, "GET", LIMITED_PATH, None, {})
        return status

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        return collections.Counter(pool.map(one, range(n)))


def check_database(db_url: str, rush_event: int, door_event: int, tickets: int) -> dict:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        status = dict(
            conn.execute(
                text("SELECT status, count(*) FROM registrations WHERE event_id = :e GROUP BY status"),
                {"e": rush_event},
            ).all()
        )
        per_email = conn.execute(
            text("SELECT count(*) FROM registrations WHERE event_id = :e GROUP BY lower(email) HAVING count(*) > 1"),
            {"e": rush_event},
        ).all()
        # Each registration's mail: (registration status, number of outbox rows to its address, subject).
        mail = conn.execute(
            text(
                "SELECT r.status, count(o.id), min(o.subject) FROM registrations r "
                "LEFT JOIN outbox_messages o ON o.recipient = r.email "
                "WHERE r.event_id = :e GROUP BY r.id, r.status"
            ),
            {"e": rush_event},
        ).all()
        checkins = conn.execute(
            text("SELECT count(*), count(DISTINCT registration_id) FROM checkins WHERE event_id = :e"),
            {"e": door_event},
        ).one()
    engine.dispose()
    counts = collections.Counter({str(k).lower(): v for k, v in status.items()})
    subjects = collections.defaultdict(set)
    for state, _n, subject in mail:
        subjects[str(state).lower()].add(subject)
    return {
        "confirmed": counts.get("confirmed", 0),
        "waitlisted": counts.get("waitlisted", 0),
        "duplicate_emails": len(per_email),
        "mail_not_once": sum(1 for _s, n, _subject in mail if n != 1),
        # One confirmation subject for all confirmed, another for all waitlisted.
        "mail_kinds_ok": len(subjects["confirmed"]) == 1
        and (not subjects["waitlisted"] or subjects["confirmed"].isdisjoint(subjects["waitlisted"])),
        "checkin_rows": checkins[0],
        "tickets_admitted": checkins[1],
        "tickets": tickets,
    }


def claims(args, db: dict, load: dict) -> list[str]:
    failed = []
    if db["confirmed"] != args.capacity:
        failed.append(f"{db['confirmed']} confirmed, capacity {args.capacity}")
    if db["confirmed"] + db["waitlisted"] != args.attempts:
        failed.append(f"{db['confirmed'] + db['waitlisted']} registrations for {args.attempts} guests")
    if db["duplicate_emails"]:
        failed.append(f"{db['duplicate_emails']} guests registered twice")
    if db["mail_not_once"] or not db["mail_kinds_ok"]:
        failed.append(f"{db['mail_not_once']} registrations without exactly one mail in the outbox")
    if db["checkin_rows"] != db["tickets"] or db["tickets_admitted"] != db["tickets"]:
        failed.append(f"{db['checkin_rows']} check-in rows for {db['tickets']} badges")
    if load["ok_twice"]:
        failed.append(f"{load['ok_twice']} badges not answered ok exactly once")
    if load["rush_errors"] or load["scan_errors"]:
        failed.append(f"{len(load['rush_errors'])} registration and {len(load['scan_errors'])} scan errors")
    return failed


# --- the run -----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL") or DEFAULT_PG)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--attempts", type=int, default=600, help="guests in the rush")
    parser.add_argument("--capacity", type=int, default=150)
    parser.add_argument("--tickets", type=int, default=1200, help="badges scanned at the door")
    parser.add_argument("--repeat-share", type=float, default=0.25, help="share of badges scanned twice")
    parser.add_argument("--limit", type=int, default=40, help="certificate page limit for the burst")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers per instance")
    parser.add_argument("--concurrency", type=int, default=32, help="client threads")
    parser.add_argument("--skip-baseline", action="store_true", help="only the two-instance run (tests)")
    args = parser.parse_args(argv)
    if not args.database_url.startswith("postgresql"):
        raise SystemExit("scale_out needs PostgreSQL (--database-url postgresql+psycopg://...)")

    prefix = f"moim-bench-{uuid.uuid4().hex[:12]}"
    store = redis.Redis.from_url(args.redis_url, socket_connect_timeout=3)
    store.ping()
    tmp = Path(tempfile.mkdtemp(prefix="moim-scale-"))
    database = Database(args.database_url, tmp, label="scale")
    servers: list[subprocess.Popen] = []
    try:
        env = server_env(database.url, tmp)
        ticket_key = secrets.token_hex(32)
        env.update(
            TICKET_CODE_KEY=ticket_key,
            REDIS_URL=args.redis_url,
            RATELIMIT_KEY_PREFIX=prefix,
            JOB_REDIS_NAMESPACE=prefix,
            CERTIFICATE_VERIFY_RATE_LIMIT=f"{args.limit} per hour",
            LOG_FORMAT="text",
        )
        env.pop("RATELIMIT_STORAGE_URI", None)  # production's default: REDIS_URL
        subprocess.run(
            [str(Path(sys.executable).with_name("flask")), "db", "upgrade"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        runs = {}
        plan = [("two", 2)] if args.skip_baseline else [("one", 1), ("two", 2)]
        for number, (name, count) in enumerate(plan):
            rush_event = seed_event(database.url, args.capacity, slug=f"rush-{name}")
            door = seed_door(database.url, args.tickets, ticket_key, slug=f"door-{name}", first_company=number * 100)
            ports = [free_port() for _ in range(count)]
            servers = [
                start_gunicorn(env, args.workers, port, tmp / f"gunicorn-{name}-{i}.log", new_session=True)
                for i, port in enumerate(ports)
            ]
            for port, server in zip(ports, servers, strict=True):
                wait_until_up(port, "/healthz", server)
            instances = Instances(ports)
            statuses = burst(instances, 2 * args.limit, args.concurrency) if count == 2 else None
            victim = servers[-1]

            def kill(victim=victim) -> None:
                os.killpg(victim.pid, signal.SIGKILL)

            # Guests of each run have addresses of their own (outbox mail is matched by address).
            first = 1 + number * args.attempts
            load = run_load(args, instances, rush_event, door, first, kill=kill if count == 2 else None)
            for server in servers:
                stop(server)
            db = check_database(database.url, rush_event, door[0], args.tickets)
            runs[name] = {
                "load": load,
                "db": db,
                "burst": statuses,
                "retries": instances.retries,
                "conn_errors": dict(instances.connection_errors),
                "failed": claims(args, db, load),
                "victim_rc": victim.poll(),
            }
    finally:
        for server in servers:
            stop(server)
        database.drop()
        keys = list(store.scan_iter(match=f"*{prefix}*"))
        if keys:
            store.delete(*keys)
        store.close()

    print(
        f"PostgreSQL, Redis; gunicorn {args.workers} workers per instance, {args.concurrency} client threads; "
        f"{args.attempts} guests for {args.capacity} seats, {args.tickets} badges "
        f"(+{int(args.tickets * args.repeat_share)} scanned again)"
    )
    failed = []
    for name, run in runs.items():
        load, db = run["load"], run["db"]
        label = "one instance" if name == "one" else "two instances, one killed mid-load"
        print(f"--- {label}")
        print(
            f"  registrations {load['rush_per_s']:.1f}/s (p99 {load['rush_p99_ms']:.0f} ms), scans "
            f"{load['scans_per_s']:.1f}/s (p99 {load['scan_p99_ms']:.0f} ms), all requests "
            f"{load['requests_per_s']:.1f}/s over {load['elapsed_s']:.1f} s"
        )
        if "before_kill_per_s" in load:
            print(
                f"  killed (SIGKILL, process group) after {load['killed_after_s']:.1f} s: "
                f"{load['before_kill_per_s']:.1f} req/s before on both, {load['after_kill_per_s']:.1f} req/s after "
                f"on the survivor; retries {run['retries']} {run['conn_errors'] or ''}; registrations "
                f"committed by the killed instance and found on retry: {load['found_on_retry']}"
            )
        print(
            f"  database: confirmed {db['confirmed']} of {args.capacity} seats, waitlisted {db['waitlisted']}, "
            f"guests twice {db['duplicate_emails']}; check-in rows {db['checkin_rows']} for {db['tickets']} badges; "
            f"registrations without exactly one mail {db['mail_not_once']}"
        )
        print(f"  errors: registrations {len(load['rush_errors'])}, scans {len(load['scan_errors'])}")
        for reason, n in collections.Counter(load["rush_errors"] + load["scan_errors"]).most_common(5):
            print(f"    {n:5d} x {reason[:160]}")
        if run["burst"] is not None:
            passed = sum(n for status, n in run["burst"].items() if status != 429)
            print(
                f"  rate limit: {2 * args.limit} requests over both instances, limit {args.limit}: "
                f"{passed} passed, {run['burst'].get(429, 0)} got 429"
            )
            if passed != args.limit:
                run["failed"].append(f"{passed} passed the limit of {args.limit}")
        for reason in run["failed"]:
            print(f"  FAIL: {reason}")
        failed += run["failed"]
    two = runs["two"]["load"]
    one = runs.get("one", {}).get("load")
    ratio = two["requests_per_s"] / one["requests_per_s"] if one else None
    if one:
        print(
            f"two instances (one killed half-way) / one instance: {ratio:.2f}x requests/s "
            f"(both on this host's {os.cpu_count()} cores)"
        )
    burst_passed = sum(n for status, n in runs["two"]["burst"].items() if status != 429)
    print(
        json.dumps(
            {
                "one_per_s": round(one["requests_per_s"], 1) if one else None,
                "two_per_s": round(two["requests_per_s"], 1),
                "ratio": round(ratio, 2) if ratio else None,
                "before_kill_per_s": round(two.get("before_kill_per_s", 0), 1),
                "after_kill_per_s": round(two.get("after_kill_per_s", 0), 1),
                "killed_after_s": round(two["killed_after_s"], 2) if "killed_after_s" in two else None,
                "retries": runs["two"]["retries"],
                "found_on_retry": two["found_on_retry"],
                "confirmed": runs["two"]["db"]["confirmed"],
                "capacity": args.capacity,
                "checkin_rows": runs["two"]["db"]["checkin_rows"],
                "tickets": args.tickets,
                "mail_not_once": runs["two"]["db"]["mail_not_once"],
                "limit": args.limit,
                "limit_passed": burst_passed,
                "errors": len(two["rush_errors"]) + len(two["scan_errors"]),
                "failed": failed,
            },
            ensure_ascii=False,
        )
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
