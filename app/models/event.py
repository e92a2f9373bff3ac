"""Event: a networking night, council meeting, inter-cluster forum or research-group meeting."""

from __future__ import annotations

import datetime as dt
import enum

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.cluster import Cluster
from app.models.company import ResearchGroup
from app.models.types import UTCDateTime, enum_column, utcnow


class EventKind(str, enum.Enum):
    NETWORKING = "networking"
    COUNCIL = "council"
    FORUM = "forum"
    RESEARCH = "research"

    @property
    def label(self) -> str:
        return str(EVENT_KIND_LABELS[self])


EVENT_KIND_LABELS = {
    EventKind.NETWORKING: _l("네트워킹 나이트"),
    EventKind.COUNCIL: _l("입주기업협의회 정기회의"),
    EventKind.FORUM: _l("클러스터 간 포럼"),
    EventKind.RESEARCH: _l("연구회 모임"),
}


class EventStatus(str, enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return str(EVENT_STATUS_LABELS[self])


EVENT_STATUS_LABELS = {
    EventStatus.DRAFT: _l("초안"),
    EventStatus.PUBLISHED: _l("공개"),
    EventStatus.CANCELLED: _l("취소됨"),
}


event_clusters = Table(
    "event_clusters",
    db.metadata,
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column("cluster_id", ForeignKey("clusters.id", ondelete="CASCADE"), primary_key=True),
)


class Event(db.Model):
    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity >= 1", name="capacity_positive"),
        CheckConstraint("seats_per_company IS NULL OR seats_per_company >= 1", name="seats_per_company_positive"),
        CheckConstraint("meetings_per_company IS NULL OR meetings_per_company >= 1", name="meetings_cap_positive"),
        CheckConstraint("kind <> 'research' OR research_group_id IS NOT NULL", name="research_meeting_has_group"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind, "event_kind"))
    host_cluster_id: Mapped[int] = mapped_column(ForeignKey("clusters.id"), index=True)
    research_group_id: Mapped[int | None] = mapped_column(ForeignKey("research_groups.id"), index=True)
    title_ko: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(200))
    description_ko: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str | None] = mapped_column(Text)
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    venue_name: Mapped[str] = mapped_column(String(200), default="")
    venue_address: Mapped[str] = mapped_column(String(300), default="")
    capacity: Mapped[int] = mapped_column(Integer)
    # None: no per-company limit.
    seats_per_company: Mapped[int | None] = mapped_column(Integer)
    registration_opens_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    registration_closes_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    open_to_guests: Mapped[bool] = mapped_column(Boolean, default=False)
    # Networking nights: companies of every cluster may register, not only the host's.
    open_to_all_clusters: Mapped[bool] = mapped_column(Boolean, default=False)
    # Council meetings: observers (non-voting) may come besides the voting representative.
    allows_observers: Mapped[bool] = mapped_column(Boolean, default=True)
    # Staff turn networking on: who-is-coming, match suggestions, 1:1 meetings, contact exchange.
    networking_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # 1:1 meetings a company may hold or have pending at this event; None: no cap.
    meetings_per_company: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[EventStatus] = mapped_column(enum_column(EventStatus, "event_status"), default=EventStatus.DRAFT)
    # iCalendar SEQUENCE: bumped on every material change (time, place, cancellation).
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    host_cluster: Mapped[Cluster] = relationship()
    research_group: Mapped[ResearchGroup | None] = relationship()
    participating_clusters: Mapped[list[Cluster]] = relationship(secondary=event_clusters)

    @property
    def title(self) -> str:
        return self.title_en if str(get_locale()) == "en" and self.title_en else self.title_ko

    @property
    def description(self) -> str:
        return self.description_en if str(get_locale()) == "en" and self.description_en else self.description_ko

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.kind.value} {self.title_ko}>"
