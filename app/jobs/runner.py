"""Running one job: claim its row, keep its heartbeat, report progress, store the file or the failure."""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
import threading

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import and_, or_, update

from app import jobs
from app.database import begin_write
from app.extensions import db
from app.models import Job, JobStatus, utcnow

log = logging.getLogger(__name__)


def _stale_before(now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(seconds=float(current_app.config.get("JOB_STALE_SECONDS", 60)))


def _claim(job_id: int) -> str | None:
    """Take the job for this runner: a queued one, or a running one whose runner went silent.

    One conditional UPDATE, so of two runners only one gets it; the other (a duplicate message)
    gets None and drops its message. A job that lost its worker MAX_ATTEMPTS times fails.
    """
    now = utcnow()
    claimable = and_(
        Job.id == job_id,
        or_(
            Job.status == JobStatus.QUEUED,
            and_(
                Job.status == JobStatus.RUNNING, or_(Job.heartbeat_at.is_(None), Job.heartbeat_at < _stale_before(now))
            ),
        ),
    )
    token = secrets.token_hex(16)
    claimed = db.session.execute(
        update(Job)
        .where(claimable, Job.attempts < jobs.MAX_ATTEMPTS)
        .values(status=JobStatus.RUNNING, run_token=token, heartbeat_at=now, started_at=now, attempts=Job.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        given_up = db.session.execute(
            update(Job)
            .where(claimable, Job.attempts >= jobs.MAX_ATTEMPTS)
            .values(status=JobStatus.FAILED, error=_msgid(jobs.TOO_MANY_ATTEMPTS_MESSAGE), finished_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if given_up:
            log.error("job %s lost its worker %s times: failed", job_id, jobs.MAX_ATTEMPTS)
    db.session.commit()
    return token if claimed else None


class _Heartbeat(threading.Thread):
    """Refreshes the job's heartbeat while a long page renders (its own session and connection)."""

    def __init__(self, app, job_id: int, token: str) -> None:
        super().__init__(name=f"moim-job-{job_id}-heartbeat", daemon=True)
        self.app, self.job_id, self.token = app, job_id, token
        self.stopped = threading.Event()
        # Well inside the stale limit, whatever the settings: a live job must never look lost.
        self.interval = min(
            float(app.config.get("JOB_HEARTBEAT_SECONDS", 5)), float(app.config.get("JOB_STALE_SECONDS", 60)) / 3
        )

    def run(self) -> None:
        with self.app.app_context():
            while not self.stopped.wait(self.interval):
                try:
                    db.session.execute(
                        update(Job)
                        .where(Job.id == self.job_id, Job.run_token == self.token, Job.status == JobStatus.RUNNING)
                        .values(heartbeat_at=utcnow())
                        .execution_options(synchronize_session=False)
                    )
                    db.session.commit()
                except Exception:  # a busy or absent database: the next beat tries again
                    db.session.rollback()
                    log.warning("job %s: heartbeat not written", self.job_id, exc_info=True)
            db.session.remove()


class Progress:
    """What a kind's renderer calls as pages are done; each call is one small committed UPDATE."""

    def __init__(self, job_id: int, token: str) -> None:
        self.job_id, self.token = job_id, token

    def __call__(self, done: int, total: int | None = None) -> None:
        values: dict = {"done": done, "heartbeat_at": utcnow()}
        if total is not None:
            values["total"] = total
        # SQLite: end the read snapshot first (a heartbeat or a web request may have written
        # since), so this write never meets "database is locked". Nothing else is pending:
        # kinds make their changes in JobResult.finalize, in the last transaction.
        begin_write()
        db.session.execute(
            update(Job)
            .where(Job.id == self.job_id, Job.run_token == self.token)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()


def run_job(job_id: int) -> None:
    """Run the job if this runner can claim it (see _claim); never raises for the job's own failures."""
    token = _claim(job_id)
    if token is None:
        db.session.remove()
        return
    heartbeat = _Heartbeat(current_app._get_current_object(), job_id, token)
    heartbeat.start()
    try:
        job = db.session.get(Job, job_id)
        params = json.loads(job.params or "{}")
        with force_locale(params.get("locale") or current_app.config["BABEL_DEFAULT_LOCALE"]):
            result = jobs.KINDS[job.kind](job, params, Progress(job_id, token))
        _finish(job_id, token, result)
    except BaseException as exc:
        db.session.rollback()
        message = _failure_message(exc)
        if message is jobs.FAILED_MESSAGE or message is jobs.TIME_LIMIT_MESSAGE:
            log.error("job %s failed", job_id, exc_info=exc)
        _fail(job_id, token, message)
        if not isinstance(exc, Exception) and not _is_time_limit(exc):
            raise  # KeyboardInterrupt, SystemExit: the process is going away
    finally:
        heartbeat.stopped.set()
        heartbeat.join(timeout=5)
        db.session.remove()


def _is_time_limit(exc: BaseException) -> bool:
    return type(exc).__name__ == "TimeLimitExceeded"


def _failure_message(exc: BaseException):
    if isinstance(exc, jobs.JobError):
        return exc.message
    if _is_time_limit(exc):
        return jobs.TIME_LIMIT_MESSAGE
    return jobs.FAILED_MESSAGE


def _msgid(message) -> str:
    """The Korean msgid of a lazy string (stored, and translated when shown), or the text itself."""
    args = getattr(message, "_args", None)
    return str(args[0]) if args else str(message)


def _finish(job_id: int, token: str, result) -> None:
    """Store the file and mark the job done, in the same transaction as the kind's own changes
    (``finalize``: badges marked printed). A runner that lost the job meanwhile changes nothing."""
    db.session.commit()  # what the kind read; then the last transaction, as a writer
    begin_write()
    if result.finalize is not None:
        result = result.finalize() or result
    now = utcnow()
    stored = db.session.execute(
        update(Job)
        .where(Job.id == job_id, Job.run_token == token, Job.status == JobStatus.RUNNING)
        .values(
            status=JobStatus.DONE,
            finished_at=now,
            heartbeat_at=now,
            done=result.pages,
            total=result.pages,
            file_data=result.data,
            file_size=len(result.data),
            content_type=result.content_type,
            filename=result.filename[:255],
            fallback_filename=result.fallback_filename[:255],
            expires_at=jobs.expiry_from(now),
            error=None,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if stored:
        db.session.commit()
    else:
        db.session.rollback()
        log.warning("job %s was taken over by another runner; this result is dropped", job_id)


def _fail(job_id: int, token: str, message) -> None:
    try:
        db.session.execute(
            update(Job)
            .where(Job.id == job_id, Job.run_token == token)
            .values(status=JobStatus.FAILED, finished_at=utcnow(), error=_msgid(message)[:500])
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("job %s: the failure could not be recorded", job_id)
