"""Background jobs (badge and certificate batches, large reports): their state, progress and finished file."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from app.extensions import db
from app.models.event import Event
from app.models.types import UTCDateTime, utcnow
from app.models.user import User


class JobStatus:
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Job(db.Model):
    """One job (app/jobs): who asked for it, for which event, how far it got, and its file.

    The state lives here, not in the queue, so every web instance shows the same progress and
    a worker that dies leaves a row that the next one takes over (``run_token``,
    ``heartbeat_at``). The file is kept in the row until ``expires_at`` (JOB_FILE_HOURS), then
    the worker's sweep drops it; the row stays a while longer so that the page can say it expired.
    """

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  # badges, certificates, attendance_report
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.QUEUED, index=True)
    # What to make, as JSON (the kind's options; never personal data).
    params: Mapped[str] = mapped_column(Text, default="{}")
    title: Mapped[str] = mapped_column(String(300), default="")
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    # Progress in rendered pages; total 0 while unknown (one document whose length shows at the end).
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # A running job's runner refreshes this; a running job whose heartbeat is stale lost its
    # worker and is taken over (re-queued) by the next runner or the sweep.
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # The current runner's token: a runner that lost the job (taken over) can no longer write.
    run_token: Mapped[str | None] = mapped_column(String(32))
    # Shown to the owner when the job failed (Korean, from app.jobs.JobError).
    error: Mapped[str | None] = mapped_column(String(500))
    filename: Mapped[str | None] = mapped_column(String(255))
    fallback_filename: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(100))
    file_size: Mapped[int | None] = mapped_column(Integer)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    # Loaded only for a download, never by the status polls.
    file_data: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))

    user: Mapped[User] = relationship()
    event: Mapped[Event | None] = relationship()

    def has_expired(self, now: dt.datetime) -> bool:
        return self.status == JobStatus.DONE and (self.expires_at is None or self.expires_at <= now)
