"""Council proxy (의결권 위임): a member company hands its vote at one council meeting to another."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.company import Company
from app.models.event import Event
from app.models.types import UTCDateTime, utcnow
from app.models.user import User


class CouncilProxy(db.Model):
    """One proxy, kept after revocation (revoked_at set) as a record of who voted for whom.

    Active means ``revoked_at IS NULL``; the door check-in quorum and the attendance record
    count active proxies only.
    """

    __tablename__ = "council_proxies"
    __table_args__ = (
        CheckConstraint("from_company_id <> to_company_id", name="not_to_self"),
        # A company hands its vote at most once per meeting (revoked proxies do not count).
        Index(
            "uq_council_proxies_event_from_active",
            "event_id",
            "from_company_id",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
        # Proxies a company received (chain check, voting power).
        Index("ix_council_proxies_event_to", "event_id", "to_company_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    from_company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    to_company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    event: Mapped[Event] = relationship()
    from_company: Mapped[Company] = relationship(foreign_keys=[from_company_id])
    to_company: Mapped[Company] = relationship(foreign_keys=[to_company_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def __repr__(self) -> str:
        return f"<CouncilProxy {self.id} event={self.event_id} {self.from_company_id}->{self.to_company_id}>"
