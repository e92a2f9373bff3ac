"""benchmarks/scale_out.py in small: two gunicorn instances on one PostgreSQL and one Redis, one
killed (SIGKILL, its process group) half-way through a registration rush and a check-in load.

Only on PostgreSQL (TEST_DATABASE_URL, as in CI's PostgreSQL part); the benchmark creates a
database of its own next to it and drops it, and deletes its Redis keys. Redis unreachable:
skipped, except on CI (CI=true), where that is a failure.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ON_POSTGRES, PG_URL, REDIS_URL, redis_or_skip

ROOT = Path(__file__).resolve().parents[1]
CAPACITY, ATTEMPTS, TICKETS, LIMIT = 12, 36, 80, 8


@pytest.mark.skipif(not ON_POSTGRES, reason="set TEST_DATABASE_URL to a PostgreSQL database (CI does)")
def test_two_instances_one_killed_keep_capacity_tickets_mail_and_limits():
    redis_or_skip().close()
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "scale_out.py"),
            "--database-url",
            PG_URL,
            "--redis-url",
            REDIS_URL,
            "--skip-baseline",
            f"--capacity={CAPACITY}",
            f"--attempts={ATTEMPTS}",
            f"--tickets={TICKETS}",
            f"--limit={LIMIT}",
            "--workers=2",
            "--concurrency=8",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["failed"] == []
    # The second instance died half-way and the clients went on through the first.
    assert figures["killed_after_s"] is not None and figures["retries"] >= 1
    assert figures["errors"] == 0
    # Exactly the capacity confirmed, each badge admitted once, each registration's mail queued once.
    assert figures["confirmed"] == CAPACITY
    assert figures["checkin_rows"] == TICKETS
    assert figures["mail_not_once"] == 0
    # 2 x LIMIT requests over both instances: the shared count lets exactly LIMIT through.
    assert figures["limit_passed"] == LIMIT
