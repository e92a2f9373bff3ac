"""Jobs on the Redis backend (production's): real `flask worker` processes against Redis at 127.0.0.1:6379.

Each test uses a Redis namespace of its own (parallel runs never share a queue) and deletes its
keys afterwards. The worker is killed mid-job (SIGKILL, as a crash or an OOM kill would) and a
second worker finishes the job.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis

from app.extensions import db
from app.jobs import create_job
from app.models import Job, JobStatus
from tests.checkin.badge_helpers import make_world
from tests.factories import PASSWORD
from tests.helpers import REDIS_URL, pdf_pages
from tests.jobs.helpers import job_row, many_confirmed, start_badge_job, wait_for_job

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def namespace(app):
    name = f"moim-test-{uuid.uuid4().hex[:12]}"
    app.config.update(
        JOB_BACKEND="redis",
        REDIS_URL=REDIS_URL,
        JOB_REDIS_NAMESPACE=name,
        JOB_BADGES_FROM=5,
        JOB_STALE_SECONDS=3,
        JOB_HEARTBEAT_SECONDS=0.5,
    )
    yield name
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{name}*"))
    if keys:
        client.delete(*keys)
    client.close()


class Worker:
    """One `flask worker` process (its own process group: its PDF pool dies with it)."""

    def __init__(self, app, namespace: str) -> None:
        env = dict(
            os.environ,
            MOIM_CONFIG="development",
            SECRET_KEY="x" * 32,
            FLASK_APP="wsgi",
            DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
            MAIL_BACKEND="console",
            MAIL_DELIVERY="worker",
            JOB_BACKEND="redis",
            REDIS_URL=REDIS_URL,
            JOB_REDIS_NAMESPACE=namespace,
            JOB_STALE_SECONDS="3",
            JOB_HEARTBEAT_SECONDS="0.5",
            JOB_SWEEP_SECONDS="1",
            JOB_BROKER_HEARTBEAT_MS="3000",
            LOG_FORMAT="text",
        )
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", "worker", "--interval", "0.5"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.communicate(timeout=20)

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        output, _ = self.process.communicate(timeout=60)
        return output


def test_the_worker_runs_jobs_from_redis_and_failures_show_a_korean_message(app, client, auth, namespace):
    world = make_world()
    db.session.commit()
    worker = Worker(app, namespace)
    try:
        auth.login(world.host_staff.email, PASSWORD)
        job_id = start_badge_job(client, world.event, layout="insert")
        job = wait_for_job(job_id, timeout=90)
        assert job.status == JobStatus.DONE, job.error
        assert (job.done, job.total) == (2, 2)
        status = client.get(f"/jobs/{job_id}/status").get_json()
        assert status["status"] == "done"
        assert len(pdf_pages(client.get(status["download_url"]).get_data())) == 2

        bad = create_job("badges", world.host_staff, world.event, "명찰", {"layout": "poster"})
        db.session.commit()
        failed = wait_for_job(bad.id, timeout=60)
        assert failed.status == JobStatus.FAILED
        assert (
            client.get(f"/jobs/{bad.id}/status").get_json()["error"].startswith("파일을 만드는 중 오류가 발생했습니다")
        )
    finally:
        output = worker.stop()
    assert worker.process.returncode == 0, output
    assert "Job worker started" in output and "Mail worker started" in output and "Worker stopped." in output


def test_a_job_survives_its_worker_being_killed_mid_job(app, client, auth, namespace):
    world = make_world()
    many_confirmed(world, 1191)  # 1,200 badges: 300 A6 sheets, six chunks over two processes
    auth.login(world.host_staff.email, PASSWORD)
    job_id = start_badge_job(client, world.event, layout="a6")
    first = Worker(app, namespace)
    try:
        deadline = time.monotonic() + 120
        while True:
            job = job_row(job_id)
            if job.status == JobStatus.RUNNING and 0 < job.done < job.total:
                break
            assert job.status in (JobStatus.QUEUED, JobStatus.RUNNING), (job.status, job.error)
            assert time.monotonic() < deadline, "the first worker never got going"
            time.sleep(0.02)
        done_when_killed = job.done
    finally:
        first.kill()
    assert job_row(job_id).status == JobStatus.RUNNING  # what a crash leaves behind

    second = Worker(app, namespace)
    try:
        job = wait_for_job(job_id, timeout=180)
    finally:
        output = second.stop()
    assert job.status == JobStatus.DONE, (job.error, output)
    assert job.attempts == 2 and 0 < done_when_killed < 300
    assert (job.done, job.total) == (300, 300)
    db.session.expire_all()
    data = db.session.get(Job, job_id).file_data
    assert len(pdf_pages(data)) == 300
