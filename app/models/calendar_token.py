"""CalendarToken: the secret in a personal or company calendar feed URL (stored only as a hash)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.company import Company
from app.models.types import UTCDateTime, enum_column, utcnow
from app.models.user import User


class CalendarTokenKind(str, enum.Enum):
    PERSONAL = "personal"  # the events one user is registered for (by e-mail)
    COMPANY = "company"  # every event the company's people are registered for


class CalendarToken(db.Model):
    __tablename__ = "calendar_tokens"
    __table_args__ = (
        CheckConstraint(
            "(kind = 'personal' AND user_id IS NOT NULL AND company_id IS NULL)"
            " OR (kind = 'company' AND company_id IS NOT NULL AND user_id IS NULL)",
            name="owner_matches_kind",
        ),
        # At most one working feed URL per user and per company; revoked rows stay as a record.
        Index(
            "uq_calendar_tokens_user_active",
            "user_id",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
        Index(
            "uq_calendar_tokens_company_active",
            "company_id",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[CalendarTokenKind] = mapped_column(enum_column(CalendarTokenKind, "calendar_token_kind"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    # SHA-256 of the token in the URL; the plain token is shown once, right after it is made.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Written at most once an hour: calendar apps poll often and a write per poll is waste.
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The feed's fingerprint (its ETag) when last served, and when it last changed: the
    # Last-Modified date. A stored date also moves when an event leaves the feed (aged out,
    # attendee replaced), which no updated_at column of the remaining rows would show.
    feed_etag: Mapped[str | None] = mapped_column(String(64))
    feed_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User | None] = relationship()
    company: Mapped[Company | None] = relationship()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def __repr__(self) -> str:
        return f"<CalendarToken {self.id} {self.kind.value}>"
