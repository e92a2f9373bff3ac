"""Audit log: one row per state-changing staff or admin request, and per export of personal data."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, utcnow
from app.models.user import User


class AuditEntry(db.Model):
    """Who did what to which object, when, with a short before/after summary (app/audit.py).

    Kept beyond the personal-data retention: it names accounts by id (an erased account stays
    an id) and masks personal values in its summaries.
    """

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    role: Mapped[str | None] = mapped_column(String(16))
    # The cluster the object belongs to (staff see their clusters' entries); None: house-wide.
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("clusters.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(80), index=True)  # the endpoint, e.g. staff.event_publish
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(String(1000), default="")

    user: Mapped[User | None] = relationship()
