"""`flask worker`, production's one worker process (jobs, mail, the daily purge, the sweep); `flask jobs sweep`."""

from __future__ import annotations

import logging
import threading

import click
from flask import Flask, current_app
from flask.cli import AppGroup

log = logging.getLogger(__name__)

jobs_cli = AppGroup("jobs", help="Background jobs.")


class _Sweeper(threading.Thread):
    """Runs app.jobs.sweep.sweep every JOB_SWEEP_SECONDS (the first round at once)."""

    def __init__(self, app: Flask) -> None:
        super().__init__(name="moim-jobs-sweep", daemon=True)
        self.app = app
        self.stopped = threading.Event()

    def run(self) -> None:
        from app.extensions import db
        from app.jobs.sweep import sweep

        interval = float(self.app.config.get("JOB_SWEEP_SECONDS", 30))
        while not self.stopped.is_set():
            with self.app.app_context():
                try:
                    counts = sweep()
                    if counts.expired or counts.deleted or counts.requeued:
                        log.info(
                            "jobs sweep: %s file(s) expired, %s row(s) deleted, %s job(s) queued again",
                            counts.expired,
                            counts.deleted,
                            counts.requeued,
                        )
                except Exception:  # database away: the next round tries again
                    db.session.rollback()
                    log.exception("jobs sweep failed")
                finally:
                    db.session.remove()
            self.stopped.wait(interval)


def worker_command(mail_loop: click.Command) -> click.Command:
    """`flask worker`, around ``mail_loop`` (`flask mail worker`, given by the app's composition
    root so that this package imports no area: the mail loop runs the areas' periodic work)."""

    @click.command("worker")
    @click.option(
        "--interval", type=float, default=None, help="Seconds between mail polls when idle (MAIL_WORKER_INTERVAL)."
    )
    @click.option("--batch", type=int, default=50, show_default=True, help="Mail messages claimed per round.")
    @click.option("--threads", type=int, default=None, help="Threads running jobs (JOB_THREADS).")
    def worker(interval: float | None, batch: int, threads: int | None) -> None:
        """Run background jobs (from Redis), send mail, run the daily purge and the jobs' sweep, until SIGTERM.

        One process family for production: several may run at once (on one host or many); each
        job and each message is taken by one of them. Without JOB_BACKEND=redis the jobs run in
        the web processes, and this sends mail and sweeps only.
        """
        from app.jobs.backends import backend

        app = current_app._get_current_object()
        job_worker = None
        if app.config.get("JOB_BACKEND") == "redis":
            threads = threads or int(app.config.get("JOB_THREADS", 1))
            job_worker = backend(app).worker(threads)
            job_worker.start()
            namespace = app.config["JOB_REDIS_NAMESPACE"]
            click.echo(f"Job worker started ({threads} thread(s), Redis namespace {namespace}).")
        sweeper = _Sweeper(app)
        sweeper.start()
        try:
            # The mail loop runs in this thread and returns on SIGTERM or Ctrl-C.
            click.get_current_context().invoke(mail_loop, interval=interval, batch=batch)
        finally:
            sweeper.stopped.set()
            if job_worker is not None:
                click.echo("Job worker stopping (a running job may finish; one cut short is queued again).")
                # A job still running after this returns to the queue (Dramatiq re-delivers its
                # unacknowledged message; the sweep finds its stopped heartbeat).
                job_worker.stop(timeout=int(app.config.get("JOB_SHUTDOWN_SECONDS", 30)) * 1000)
            sweeper.join(timeout=5)
            click.echo("Worker stopped.")

    return worker


@jobs_cli.command("sweep")
def jobs_sweep() -> None:
    """Delete expired job files and old job rows, send again the jobs whose worker died."""
    from app.jobs.sweep import sweep

    counts = sweep()
    click.echo(f"Expired files: {counts.expired}, deleted rows: {counts.deleted}, queued again: {counts.requeued}")


def register(app: Flask, mail_loop: click.Command) -> None:
    app.cli.add_command(worker_command(mail_loop))
    app.cli.add_command(jobs_cli)
