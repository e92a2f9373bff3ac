"""Background jobs: badge and certificate batches and large reports, made away from the request.

A job is a row (app.models.Job) and a message. The row holds everything a page shows (status,
rendered pages / total, the Korean error, the finished file until it expires), so any web
instance shows the same progress and nothing is lost when a process dies. The message only
says "run job N"; how it travels is ``JOB_BACKEND``:

- ``inprocess`` (development, tests): a small thread pool in the web process. ``make run``
  needs nothing else.
- ``redis`` (production, when REDIS_URL is set): Dramatiq's Redis broker, consumed by
  ``flask worker``, which also sends mail and runs the daily purge (app/jobs/cli.py).
  Dramatiq was chosen over RQ and Celery because its Redis broker acknowledges a message
  only after the job ran and re-queues the unacknowledged messages of a worker whose
  heartbeat stopped, which is what "a job survives a worker restart" needs; RQ moves the job
  of a dead worker to its failed registry instead, and Celery is a far larger system (its own
  beat scheduler, result backends, kombu) for the three kinds of jobs we have.

Whoever runs a message first claims the row (``run_token``); a second message for the same
job (a re-delivery, the sweep's re-queue) finds it done or running with a fresh heartbeat and
is dropped, so a job runs once at a time and at least once. A running job whose heartbeat
stopped (its worker died) is claimed again by the next message: Dramatiq's re-delivery or
the sweep (app/jobs/sweep.py), which re-sends it.

Services only: ``create_job`` adds the row and the message is sent after the caller's commit
(a rolled-back job is never sent).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable

from flask import Flask, current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from app.database import begin_write
from app.extensions import db
from app.models import Event, Job, JobStatus, User, utcnow

# On the session (session.info): ids of jobs added in the transaction in progress.
_PENDING = "moim_jobs_pending"

# The Korean messages a failed job shows (msgids: translated when shown, see message_of).
FAILED_MESSAGE = _l(
    "파일을 만드는 중 오류가 발생했습니다. 잠시 뒤 다시 시도해 주세요. 계속되면 관리자에게 알려 주세요."
)
TIME_LIMIT_MESSAGE = _l("작업 시간이 너무 오래 걸려 중단했습니다. 범위를 나누어(기업별 등) 다시 시도해 주세요.")
TOO_MANY_ATTEMPTS_MESSAGE = _l("작업이 여러 번 중단되어 멈췄습니다. 관리자에게 알려 주세요.")
# A job tried this many times (each worker death is one) fails instead of trying again.
MAX_ATTEMPTS = 3


@dataclasses.dataclass(frozen=True)
class JobResult:
    """What a kind made: the file, and the changes that belong with it."""

    data: bytes
    content_type: str
    filename: str
    fallback_filename: str
    pages: int
    # Changes that belong with the file (badges marked printed), made in the commit that stores it.
    # When the file depends on what finalize wrote (an import's row report), finalize returns
    # the JobResult to store instead.
    finalize: Callable[[], JobResult | None] | None = None


# A kind: (job, its params, progress(done, total)) -> JobResult. Run inside an app context in
# the requester's language; it reports rendered pages through progress, raises JobError with
# a Korean message for what the requester can fix, and, like a service, never commits.
Kind = Callable[[Job, dict, Callable[..., None]], JobResult]
KINDS: dict[str, Kind] = {}
# What a kind's done/total count: "pages" rendered (PDF batches) or "rows" (imports).
UNITS: dict[str, str] = {}


def job_kind(name: str, unit: str = "pages") -> Callable[[Kind], Kind]:
    """Register a kind of job (the areas register theirs: app/checkin/badge_jobs.py,
    app/reports/report_jobs.py, app/directory/import_jobs.py)."""

    def register(function: Kind) -> Kind:
        KINDS[name] = function
        UNITS[name] = unit
        return function

    return register


def threshold(name: str) -> int:
    """The batch size from which a page starts a job instead of answering at once (JOB_*_FROM)."""
    return int(current_app.config[name])


class JobError(Exception):
    """An expected failure of a job; its message (Korean) is shown on the job's page."""

    def __init__(self, message) -> None:
        super().__init__(str(message))
        self.message = message


def create_job(kind: str, user: User, event: Event | None, title: str, params: dict, total: int = 0) -> Job:
    """A new queued job; it is sent to the queue after the caller's commit.

    ``params`` are the kind's options (plain JSON values); the requester's language is kept
    with them, so the file speaks it.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    params = {**params, "locale": str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])}
    now = utcnow()
    job = Job(
        kind=kind,
        status=JobStatus.QUEUED,
        params=json.dumps(params, sort_keys=True),
        title=title[:300],
        user_id=user.id,
        event_id=event.id if event is not None else None,
        done=0,
        total=total,
        attempts=0,
        created_at=now,
        # For a queued job: when it was last sent (the sweep re-sends one never picked up).
        heartbeat_at=now,
    )
    # SQLite: a writer from the start (the view only read so far), so that a write by another
    # request since those reads cannot make this insert fail; nothing on PostgreSQL.
    begin_write()
    db.session.add(job)
    db.session.flush()
    db.session.info.setdefault(_PENDING, []).append(job.id)
    return job


def job_visible_to(user, job: Job) -> bool:
    """The owner, the staff of the job's event (its host cluster) and admins."""
    if not getattr(user, "is_authenticated", False):
        return False
    if job.user_id == user.id or user.is_admin:
        return True
    return job.event is not None and user.can_manage_cluster(job.event.host_cluster_id)


def message_of(job: Job) -> str | None:
    """The failed job's message in the reader's language (stored as its Korean msgid)."""
    if not job.error:
        return None
    from flask_babel import gettext

    return gettext(job.error)


def file_hours() -> float:
    return float(current_app.config.get("JOB_FILE_HOURS", 24))


def expiry_from(now: dt.datetime) -> dt.datetime:
    return now + dt.timedelta(hours=file_hours())


# --- sending after the commit ----------------------------------------------------------------


def _committed(session: Session) -> None:
    if session.in_nested_transaction():
        return
    ids = session.info.pop(_PENDING, None)
    if ids:
        from app.jobs.backends import backend

        for job_id in ids:
            backend().enqueue(job_id)


def _transaction_ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


def init_jobs(app: Flask) -> None:
    """Check the backend settings and send jobs after their commit."""
    backend_name = app.config.get("JOB_BACKEND", "inprocess")
    if backend_name not in ("inprocess", "redis"):
        raise RuntimeError(f"JOB_BACKEND must be 'inprocess' or 'redis', not {backend_name!r}")
    if backend_name == "redis" and not app.config.get("REDIS_URL"):
        raise RuntimeError("JOB_BACKEND=redis needs REDIS_URL (redis://127.0.0.1:6379/0; see .env.example)")
    if not event.contains(db.session, "after_commit", _committed):
        event.listen(db.session, "after_commit", _committed)
        event.listen(db.session, "after_transaction_end", _transaction_ended)
