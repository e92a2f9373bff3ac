"""Rate limits shared by two app instances through Redis (production's RATELIMIT_STORAGE_URI).

Two real gunicorn processes (the benchmarks' launcher, production config) serve the same
database; the public certificate page allows LIMIT requests per client address. With Redis
storage the requests one instance counted are counted on the other: after LIMIT on the first,
the second answers 429 at once. The control, memory:// (the default, `make run`), counts per
process, so the second instance lets LIMIT more through. Each test uses a key prefix of its
own and deletes its keys afterwards. Redis unreachable: skipped, except on CI (CI=true) where
that is a failure.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest
import redis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from rsvp_rush import HOST, free_port, server_env, start_gunicorn, stop, wait_until_up  # noqa: E402

from tests.helpers import REDIS_URL, redis_or_skip  # noqa: E402

LIMIT = 5
PATH = "/certificates/verify?code=nothing-here"


@pytest.fixture
def prefix():
    client = redis_or_skip()
    name = f"moim-test-limits-{uuid.uuid4().hex[:12]}"
    yield name
    keys = list(client.scan_iter(match=f"*{name}*"))
    if keys:
        client.delete(*keys)
    client.close()


def two_instances(migrated: str, tmp: Path, **settings: str):
    env = server_env(migrated, tmp)
    env.update(CERTIFICATE_VERIFY_RATE_LIMIT=f"{LIMIT} per hour", LOG_FORMAT="text", **settings)
    env.pop("REDIS_URL", None)
    servers = []
    for name in ("a", "b"):
        port = free_port()
        # One worker each: with memory:// every worker process counts on its own.
        servers.append((port, start_gunicorn(env, 1, port, tmp / f"gunicorn-{name}.log")))
    for port, server in servers:
        wait_until_up(port, "/healthz", server)
    return servers


def statuses(port: int, n: int) -> list[int]:
    answers = []
    for _ in range(n):
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        conn.request("GET", PATH)
        response = conn.getresponse()
        response.read()
        conn.close()
        answers.append(response.status)
    return answers


def test_a_limit_reached_on_one_instance_holds_on_the_other_through_redis(migrated, prefix):
    client = redis.Redis.from_url(REDIS_URL)
    with tempfile.TemporaryDirectory(prefix="moim-limits-") as tmp_name:
        servers = two_instances(migrated, Path(tmp_name), RATELIMIT_STORAGE_URI=REDIS_URL, RATELIMIT_KEY_PREFIX=prefix)
        try:
            (port_a, _), (port_b, _) = servers
            first = statuses(port_a, LIMIT)
            assert 429 not in first
            assert list(client.scan_iter(match=f"*{prefix}*")), "no counter in Redis"
            # The other instance knows: over the limit at once, and the first still says so.
            assert statuses(port_b, 3) == [429, 429, 429]
            assert statuses(port_a, 1) == [429]
        finally:
            for _port, server in servers:
                stop(server)
    client.close()


def test_control_memory_storage_counts_per_instance(migrated, prefix):
    with tempfile.TemporaryDirectory(prefix="moim-limits-") as tmp_name:
        servers = two_instances(
            migrated, Path(tmp_name), RATELIMIT_STORAGE_URI="memory://", RATELIMIT_KEY_PREFIX=prefix
        )
        try:
            (port_a, _), (port_b, _) = servers
            assert 429 not in statuses(port_a, LIMIT)
            assert statuses(port_a, 1) == [429]
            # Not shared: the second instance has its own count and lets LIMIT more through.
            assert 429 not in statuses(port_b, LIMIT)
            assert statuses(port_b, 1) == [429]
        finally:
            for _port, server in servers:
                stop(server)


def storage_uri(config_name: str, **env: str) -> str:
    """RATELIMIT_STORAGE_URI as a fresh process reads it from this environment."""
    clean = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "RATELIMIT_STORAGE_URI")}
    clean.update(SECRET_KEY="x" * 32, PUBLIC_BASE_URL="https://moim.example.org", **env)
    code = f"import config; print(config.{config_name}().RATELIMIT_STORAGE_URI)"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_production_counts_in_redis_when_redis_url_is_set_and_development_in_memory():
    assert storage_uri("ProductionConfig", REDIS_URL="redis://redis.internal:6379/0") == "redis://redis.internal:6379/0"
    assert storage_uri("ProductionConfig") == "memory://"
    assert (
        storage_uri(
            "ProductionConfig", REDIS_URL="redis://redis.internal:6379/0", RATELIMIT_STORAGE_URI="redis://limits:6379/2"
        )
        == "redis://limits:6379/2"
    )
    # `make run` needs no Redis, even where REDIS_URL happens to be set.
    assert storage_uri("DevelopmentConfig", REDIS_URL="redis://redis.internal:6379/0") == "memory://"


def test_redis_unreachable_counts_in_memory_instead_of_failing(migrated):
    from app import create_app
    from tests.conftest import make_config

    with socket.socket() as s:
        s.bind((HOST, 0))
        closed = s.getsockname()[1]
    app = create_app(
        make_config(
            migrated, RATELIMIT_STORAGE_URI=f"redis://{HOST}:{closed}/0", CERTIFICATE_VERIFY_RATE_LIMIT="3 per hour"
        )
    )
    client = app.test_client()
    answers = [client.get(PATH).status_code for _ in range(5)]
    assert 500 not in answers
    assert answers[3:] == [429, 429]
