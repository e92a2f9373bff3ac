"""How a job's message travels: a thread pool in the web process, or Dramatiq on Redis."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from flask import Flask, current_app

log = logging.getLogger(__name__)

QUEUE_NAME = "moim-jobs"
ACTOR_NAME = "moim_run_job"


class InProcessBackend:
    """JOB_THREADS threads of this process run the jobs (development and tests).

    A job dies with the process; the job's page notices its stopped heartbeat and sends it
    again (app.jobs.sweep.revive), so a restarted `make run` finishes it too.
    """

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.pool = ThreadPoolExecutor(
            max_workers=max(1, int(app.config.get("JOB_THREADS", 1))), thread_name_prefix="moim-job"
        )

    def enqueue(self, job_id: int) -> None:
        self.pool.submit(self._run, job_id)

    def _run(self, job_id: int) -> None:
        from app.jobs.runner import run_job

        with self.app.app_context():
            try:
                run_job(job_id)
            except Exception:  # run_job records failures itself; this is the database being away
                log.exception("job %s could not run", job_id)


class RedisBackend:
    """Dramatiq's Redis broker: messages wait in Redis until a `flask worker` acknowledges
    them after the job ran; a dead worker's messages are re-queued (JOB_BROKER_HEARTBEAT_MS)."""

    def __init__(self, app: Flask) -> None:
        import dramatiq
        from dramatiq.brokers.redis import RedisBroker
        from dramatiq.middleware import Retries, ShutdownNotifications, TimeLimit

        self.app = app
        config = app.config
        self.broker = RedisBroker(
            url=config["REDIS_URL"],
            namespace=config.get("JOB_REDIS_NAMESPACE", "moim-jobs"),
            heartbeat_timeout=int(config.get("JOB_BROKER_HEARTBEAT_MS", 60000)),
            # Look for dead workers' messages on one command in 50 (Dramatiq's default is one
            # in a thousand, minutes for an idle queue); the check is one sorted-set lookup.
            maintenance_chance=20_000,
            middleware=[
                TimeLimit(time_limit=int(config.get("JOB_TIME_LIMIT_SECONDS", 1800)) * 1000),
                ShutdownNotifications(),
                # A failed job is recorded on its row with a Korean message, never retried blindly.
                Retries(max_retries=0),
            ],
        )
        self.actor = dramatiq.Actor(
            self._run,
            broker=self.broker,
            actor_name=ACTOR_NAME,
            queue_name=QUEUE_NAME,
            priority=0,
            options={"max_retries": 0},
        )

    def enqueue(self, job_id: int) -> None:
        try:
            self.actor.send(job_id)
        except Exception:  # Redis away: the row stays queued, and the sweep sends it again
            log.exception("job %s could not be queued in Redis; the sweep will send it again", job_id)

    def _run(self, job_id: int) -> None:
        from app.jobs.runner import run_job

        with self.app.app_context():
            run_job(job_id)

    def worker(self, threads: int):
        """A Dramatiq worker for this broker (started and stopped by `flask worker`)."""
        from dramatiq import Worker

        return Worker(self.broker, queues={QUEUE_NAME}, worker_threads=threads, worker_timeout=1000)


_lock = threading.Lock()


def backend(app: Flask | None = None) -> InProcessBackend | RedisBackend:
    """This app's backend (made once per app)."""
    app = app or current_app._get_current_object()
    found = app.extensions.get("moim_jobs")
    if found is None:
        with _lock:
            found = app.extensions.get("moim_jobs")
            if found is None:
                kind = RedisBackend if app.config.get("JOB_BACKEND") == "redis" else InProcessBackend
                found = app.extensions["moim_jobs"] = kind(app)
    return found
