"""Registration: one person's seat (or waitlist place) at an event."""

from __future__ import annotations

import datetime as dt
import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.extensions import db
from app.models.company import Company
from app.models.event import Event
from app.models.types import UTCDateTime, enum_column, utcnow
from app.models.user import User, normalize_email


class RegistrationStatus(str, enum.Enum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return str(REGISTRATION_STATUS_LABELS[self])


# One wording for every page, export and scanner (staff terms).
REGISTRATION_STATUS_LABELS = {
    RegistrationStatus.CONFIRMED: _l("확정"),
    RegistrationStatus.WAITLISTED: _l("대기"),
    RegistrationStatus.CANCELLED: _l("취소됨"),
}


class AttendeeRole(str, enum.Enum):
    ATTENDEE = "attendee"
    VOTER = "voter"  # a council member company's voting representative (one per company)
    OBSERVER = "observer"  # attends a council meeting without a vote
    SPEAKER = "speaker"  # presents at the event (set by staff)
    STAFF = "staff"  # agency or cluster staff working the event (set by staff)

    @property
    def label(self) -> str:
        return str(ROLE_TAG_LABELS[self.value])


# The role tag on badges, scan answers, lists and the dashboard, by role_tag(): the five roles
# and "guest", which an outside company's plain attendee shows instead of 참가자.
ROLE_TAG_LABELS = {
    "voter": _l("의결권 대표"),
    "observer": _l("참관인"),
    "speaker": _l("연사"),
    "staff": _l("스태프"),
    "guest": _l("게스트"),
    "attendee": _l("참가자"),
}


def role_tag(role: AttendeeRole, is_guest: bool) -> str:
    """Voter, observer, speaker and staff tag themselves; anyone else is a guest or an attendee."""
    if role is AttendeeRole.ATTENDEE:
        return "guest" if is_guest else "attendee"
    return AttendeeRole(role).value


def role_tag_label(role: AttendeeRole, is_guest: bool) -> str:
    return str(ROLE_TAG_LABELS[role_tag(role, is_guest)])


class Registration(db.Model):
    __tablename__ = "registrations"
    __table_args__ = (
        # One active (not cancelled) registration per event and e-mail address.
        Index(
            "uq_registrations_event_email_active",
            "event_id",
            "email",
            unique=True,
            sqlite_where=text("status <> 'cancelled'"),
            postgresql_where=text("status <> 'cancelled'"),
        ),
        Index("ix_registrations_event_status", "event_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    # Guests (outside companies) have no Company row: their firm's name is kept here.
    guest_company_name: Mapped[str | None] = mapped_column(String(200))
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254))
    mobile: Mapped[str | None] = mapped_column(String(20))
    job_title: Mapped[str | None] = mapped_column(String(100))
    role: Mapped[AttendeeRole] = mapped_column(
        enum_column(AttendeeRole, "attendee_role"),
        default=AttendeeRole.ATTENDEE,
    )
    # Guests register their firm's 사업자등록번호 (check digit validated), never a resident number.
    guest_brn: Mapped[str | None] = mapped_column(String(10))
    # PIPA consent: which version of the consent text was agreed, and when.
    consent_version: Mapped[str | None] = mapped_column(String(32))
    consented_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # SHA-256 of a guest's private manage link token.
    manage_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    promoted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[RegistrationStatus] = mapped_column(
        enum_column(RegistrationStatus, "registration_status"),
        default=RegistrationStatus.CONFIRMED,
    )
    # The QR badge's code is HMAC(ticket key, ticket_salt) and only its SHA-256 is stored
    # (app/checkin/codes.py): a leaked database gives no usable code, badges can be reprinted,
    # and a new salt revokes the old code.
    ticket_salt: Mapped[str | None] = mapped_column(String(32))
    ticket_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # The contact-exchange code on the badge (명함 교환) is derived like the ticket code under
    # another label; only its SHA-256 is stored, to find the badge's owner when it is scanned.
    # It never admits anyone at the door, and a ticket code never exchanges contacts.
    contact_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Networking consent (separate, unticked, its own purpose): seeing who comes and being seen,
    # match suggestions, exchanging contacts. None: not given (or withdrawn).
    networking_consent_version: Mapped[str | None] = mapped_column(String(32))
    networking_consent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # When a badge for this registration was last printed by staff (batch "not yet printed").
    badge_printed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # When the retention purge destroyed this person's data (app/privacy/retention.py).
    purged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Any change (status, cancellation, promotion, a replaced attendee) moves this: the
    # personal and company calendar feeds build their ETags from it. The server default
    # only fills rows that existed before the column (the migration sets them exactly).
    updated_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, server_default=text("CURRENT_TIMESTAMP")
    )

    event: Mapped[Event] = relationship()
    company: Mapped[Company | None] = relationship()
    registered_by: Mapped[User | None] = relationship()

    @validates("email")
    def _normalize_email(self, _key, value):
        return normalize_email(value)

    @property
    def company_name(self) -> str:
        return self.company.name if self.company else (self.guest_company_name or "")

    @property
    def role_tag(self) -> str:
        return role_tag(self.role, self.company_id is None)

    @property
    def role_label(self) -> str:
        return role_tag_label(self.role, self.company_id is None)
