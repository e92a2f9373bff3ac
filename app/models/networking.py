"""Networking: company profiles (offers and needs), 1:1 meeting slots and meetings, contacts exchanged at events.

A profile is company business data, not personal data: what a company offers (제공) and seeks
(희망), with tags from a staff-managed vocabulary, and whether it wants to be found at all.
Meetings are between companies (an attending, consenting person of each acts for it); contacts
are between two attendees (registrations) who both opted in, and each side's note and rating
are its own.
"""

from __future__ import annotations

import datetime as dt
import enum

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.cluster import Cluster
from app.models.company import Company
from app.models.event import Event
from app.models.registration import Registration
from app.models.types import UTCDateTime, enum_column, utcnow
from app.models.user import User


class NetworkingTag(db.Model):
    """One word of a cluster's networking vocabulary (기술, 판로, 투자, 공동R&D, 인력, 공간, 콘텐츠 IP ...).

    ``cluster_id`` None: the shared vocabulary every cluster uses; staff of a cluster manage
    their cluster's words, administrators the shared ones. A retired word stays on profiles
    that used it (history) but is no longer offered.
    """

    __tablename__ = "networking_tags"
    __table_args__ = (UniqueConstraint("cluster_id", "label_ko"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("clusters.id", ondelete="CASCADE"), index=True)
    label_ko: Mapped[str] = mapped_column(String(40))
    label_en: Mapped[str | None] = mapped_column(String(60))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    cluster: Mapped[Cluster | None] = relationship()

    @property
    def label(self) -> str:
        return self.label_en if str(get_locale()) == "en" and self.label_en else self.label_ko

    def __repr__(self) -> str:
        return f"<NetworkingTag {self.label_ko}>"


class ProfileSide(str, enum.Enum):
    OFFER = "offer"  # 제공: what the company can give others
    SEEK = "seek"  # 희망: what it looks for

    @property
    def label(self) -> str:
        return str(_SIDE_LABELS[self])


_SIDE_LABELS = {ProfileSide.OFFER: _l("제공"), ProfileSide.SEEK: _l("희망")}


profile_tags = Table(
    "profile_tags",
    db.metadata,
    Column("company_id", ForeignKey("company_profiles.company_id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("networking_tags.id", ondelete="CASCADE"), primary_key=True),
    Column("side", enum_column(ProfileSide, "profile_side"), primary_key=True),
)


class CompanyProfile(db.Model):
    """A company's networking profile; only a discoverable one appears anywhere but its own page."""

    __tablename__ = "company_profiles"

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True)
    offers: Mapped[str] = mapped_column(Text, default="")
    seeks: Mapped[str] = mapped_column(Text, default="")
    # Fields of business in a few words (e.g. "웹툰, 애니메이션 IP"), shown under the name.
    fields: Mapped[str] = mapped_column(String(200), default="")
    is_discoverable: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    company: Mapped[Company] = relationship()
    updated_by: Mapped[User | None] = relationship()


class MeetingSlot(db.Model):
    """A time window for 1:1 meetings at an event (e.g. 19:30-19:50)."""

    __tablename__ = "meeting_slots"
    __table_args__ = (
        UniqueConstraint("event_id", "starts_at"),
        CheckConstraint("ends_at > starts_at", name="slot_ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()


class MeetingTable(db.Model):
    """A table (or booth) where meetings take place; it holds one meeting per slot."""

    __tablename__ = "meeting_tables"
    __table_args__ = (UniqueConstraint("event_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    event: Mapped[Event] = relationship()


class MeetingStatus(str, enum.Enum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CANCELLED = "cancelled"  # withdrawn by the requester, cancelled by either side, or superseded

    @property
    def label(self) -> str:
        return str(_MEETING_STATUS_LABELS[self])


_MEETING_STATUS_LABELS = {
    MeetingStatus.REQUESTED: _l("요청됨"),
    MeetingStatus.ACCEPTED: _l("확정"),
    MeetingStatus.DECLINED: _l("거절됨"),
    MeetingStatus.CANCELLED: _l("취소됨"),
}


class Meeting(db.Model):
    """A 1:1 meeting between two attending companies in one slot; the table is given on acceptance.

    The database keeps the rules that concurrent requests could break: an accepted meeting
    holds its table for its slot (partial unique index) and each company's place in the slot
    (MeetingSeat), so two acceptances can never double-book a company or a table.
    """

    __tablename__ = "meetings"
    __table_args__ = (
        CheckConstraint("requester_company_id <> invitee_company_id", name="not_with_oneself"),
        Index(
            "uq_meetings_slot_table_accepted",
            "slot_id",
            "table_id",
            unique=True,
            sqlite_where=text("status = 'accepted'"),
            postgresql_where=text("status = 'accepted'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("meeting_slots.id", ondelete="CASCADE"), index=True)
    table_id: Mapped[int | None] = mapped_column(ForeignKey("meeting_tables.id", ondelete="SET NULL"))
    requester_company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    invitee_company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    status: Mapped[MeetingStatus] = mapped_column(
        enum_column(MeetingStatus, "meeting_status"), default=MeetingStatus.REQUESTED
    )
    message: Mapped[str] = mapped_column(Text, default="")
    # The attendees who acted for their companies (people, not accounts: a colleague registered
    # by a member acts through their personal networking link).
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id", ondelete="SET NULL"))
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    responded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Any change moves this: the personal and company calendar feeds build their ETags from it.
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship()
    slot: Mapped[MeetingSlot] = relationship()
    table: Mapped[MeetingTable | None] = relationship()
    requester: Mapped[Company] = relationship(foreign_keys=[requester_company_id])
    invitee: Mapped[Company] = relationship(foreign_keys=[invitee_company_id])
    requested_by: Mapped[Registration | None] = relationship(foreign_keys=[requested_by_id])
    responded_by: Mapped[Registration | None] = relationship(foreign_keys=[responded_by_id])

    def other_company(self, company_id: int) -> Company:
        return self.invitee if company_id == self.requester_company_id else self.requester


class MeetingSeat(db.Model):
    """A company's place in a slot, held by an accepted meeting: one per company and slot."""

    __tablename__ = "meeting_seats"
    __table_args__ = (UniqueConstraint("slot_id", "company_id"),)

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("meeting_slots.id", ondelete="CASCADE"))


class Contact(db.Model):
    """One side of a contact exchanged at an event (명함 교환): the owner keeps the other's card.

    A scan writes two rows, one per side, so each sees the other after the event; the note and
    the 1-5 interest rating belong to the owner alone.
    """

    __tablename__ = "contacts"
    __table_args__ = (
        UniqueConstraint("owner_registration_id", "other_registration_id"),
        CheckConstraint("owner_registration_id <> other_registration_id", name="not_oneself"),
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating_1_to_5"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    owner_registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    other_registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    # True on the side that scanned the other's badge.
    scanned_by_owner: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(Text, default="")
    rating: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship()
    owner: Mapped[Registration] = relationship(foreign_keys=[owner_registration_id])
    other: Mapped[Registration] = relationship(foreign_keys=[other_registration_id])
