"""The jobs' housekeeping: drop expired files, delete old rows, send again jobs whose worker died.

`flask worker` runs `sweep` every JOB_SWEEP_SECONDS. With the in-process backend there is no
worker: a job's page revives its own job (`revive`) and a new job drops expired files.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

from flask import current_app
from sqlalchemy import and_, delete, or_, select, update

from app.database import begin_write
from app.extensions import db
from app.models import Job, JobStatus, utcnow

log = logging.getLogger(__name__)


@dataclasses.dataclass
class SweepCounts:
    expired: int = 0
    deleted: int = 0
    requeued: int = 0


def _stale_seconds() -> float:
    return float(current_app.config.get("JOB_STALE_SECONDS", 60))


def expire_files(now: dt.datetime) -> int:
    """Delete the files whose time is up (the rows stay: their page says the file expired)."""
    return (
        db.session.execute(
            update(Job)
            .where(Job.expires_at <= now, Job.file_data.is_not(None))
            .values(file_data=None)
            .execution_options(synchronize_session=False)
        ).rowcount
        or 0
    )


def delete_old_rows(now: dt.datetime) -> int:
    keep = dt.timedelta(days=int(current_app.config.get("JOB_KEEP_DAYS", 30)))
    return (
        db.session.execute(
            delete(Job)
            .where(Job.status.in_((JobStatus.DONE, JobStatus.FAILED)), Job.finished_at < now - keep)
            .execution_options(synchronize_session=False)
        ).rowcount
        or 0
    )


def _lost(now: dt.datetime, queued_factor: float):
    """Jobs whose worker died (running, heartbeat stale) or whose message was lost (queued and
    not picked up for ``queued_factor`` heartbeat timeouts: Redis was away when it was sent)."""
    stale = dt.timedelta(seconds=_stale_seconds())
    return or_(
        and_(Job.status == JobStatus.RUNNING, or_(Job.heartbeat_at.is_(None), Job.heartbeat_at < now - stale)),
        and_(
            Job.status == JobStatus.QUEUED,
            or_(Job.heartbeat_at.is_(None), Job.heartbeat_at < now - queued_factor * stale),
        ),
    )


def requeue_lost(now: dt.datetime, job_ids: list[int] | None = None, queued_factor: float = 10) -> list[int]:
    """Put lost jobs back in the queue (status queued, the dead runner's token void) and return
    their ids; the caller sends them after its commit. A queued job waits ten heartbeat timeouts
    by default: on Redis it may just be waiting behind others (a second message would be harmless,
    dropped when it comes, but there is no need for one)."""
    lost = _lost(now, queued_factor)
    query = select(Job.id).where(lost)
    if job_ids is not None:
        query = query.where(Job.id.in_(job_ids))
    ids = list(db.session.scalars(query))
    requeued = []
    for job_id in ids:
        # Conditional again: a runner may have claimed it since the select.
        changed = db.session.execute(
            update(Job)
            .where(Job.id == job_id, lost)
            .values(status=JobStatus.QUEUED, run_token=None, heartbeat_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if changed:
            requeued.append(job_id)
    return requeued


def sweep(now: dt.datetime | None = None) -> SweepCounts:
    """One round: commits, then sends the re-queued jobs."""
    from app.jobs.backends import backend

    now = now or utcnow()
    counts = SweepCounts(expired=expire_files(now), deleted=delete_old_rows(now))
    requeued = requeue_lost(now)
    db.session.commit()
    for job_id in requeued:
        log.warning("job %s lost its worker or its message: queued again", job_id)
        backend().enqueue(job_id)
    counts.requeued = len(requeued)
    return counts


def revive(job: Job, now: dt.datetime | None = None) -> bool:
    """With the in-process backend: send this job again if it was lost (the web process that
    ran it restarted). Commits only when it changed the row."""
    from app.jobs.backends import backend

    if current_app.config.get("JOB_BACKEND") != "inprocess" or job.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
        return False
    now = now or utcnow()
    # Decided on the loaded row first: a poll of a live job takes no write lock.
    if job.heartbeat_at is not None and job.heartbeat_at >= now - dt.timedelta(seconds=_stale_seconds()):
        return False
    begin_write()
    # In this process the pool is the queue: a queued job not started within a heartbeat
    # timeout was in the pool of a process that is gone.
    if not requeue_lost(now, [job.id], queued_factor=1):
        db.session.rollback()
        return False
    db.session.commit()
    backend().enqueue(job.id)
    return True
