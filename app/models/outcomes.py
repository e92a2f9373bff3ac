"""What comes out of meetings: staged follow-ups, the outcome ledger, and the lifecycle mail log.

Outcome records are company business data: they outlive the one-year retention of personal
data. The persons who answered (a registration) are referenced with ON DELETE SET NULL and are
purged with the rest; the companies, stages, dates and amounts stay.
"""

from __future__ import annotations

import datetime as dt
import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.company import Company
from app.models.event import Event
from app.models.registration import Registration
from app.models.types import UTCDateTime, enum_column, utcnow
from app.models.user import User


class OutcomeStage(str, enum.Enum):
    """How far a pair of companies got, in the order business moves; stages only move forward."""

    NO_CONTACT = "no_contact"  # no further contact
    INFO_EXCHANGED = "info_exchanged"
    VALUABLE_CONTACT = "valuable_contact"
    NEGOTIATION = "negotiation"
    AGREEMENT = "agreement"  # NDA, MoU (업무협약)
    JOINT_RD = "joint_rd"  # a joint R&D proposal (공동 R&D 과제 신청)
    CONTRACT = "contract"
    GOV_PROJECT = "gov_project"  # a government project won (정부과제 수주)

    @property
    def label(self) -> str:
        return str(OUTCOME_STAGE_LABELS[self])

    @property
    def rank(self) -> int:
        return _STAGE_ORDER.index(self)

    @property
    def is_outcome(self) -> bool:
        """From an agreement on, a stage is business the ledger records (not only a contact)."""
        return self.rank >= OutcomeStage.AGREEMENT.rank


_STAGE_ORDER = list(OutcomeStage)

OUTCOME_STAGE_LABELS = {
    OutcomeStage.NO_CONTACT: _l("추가 연락 없음"),
    OutcomeStage.INFO_EXCHANGED: _l("정보 교환"),
    OutcomeStage.VALUABLE_CONTACT: _l("유익한 인맥"),
    OutcomeStage.NEGOTIATION: _l("협상 시작"),
    OutcomeStage.AGREEMENT: _l("협약 (NDA, MoU)"),
    OutcomeStage.JOINT_RD: _l("공동 R&D 과제 신청"),
    OutcomeStage.CONTRACT: _l("계약"),
    OutcomeStage.GOV_PROJECT: _l("정부과제 수주"),
}


class Attribution(str, enum.Enum):
    """ "Would this have happened without the event?" (the counterfactual the city asks about)."""

    YES = "yes"  # it would have happened anyway
    PARTLY = "partly"
    NO = "no"  # only because of the event

    @property
    def label(self) -> str:
        return str(_ATTRIBUTION_LABELS[self])


_ATTRIBUTION_LABELS = {
    Attribution.YES: _l("행사가 없었어도 이루어졌을 것"),
    Attribution.PARTLY: _l("행사가 일부 도움이 됨"),
    Attribution.NO: _l("행사 덕분에 이루어짐"),
}


class FollowUp(db.Model):
    """One staged follow-up of one attending company after one event (2 weeks, 6 months, 12 months).

    Created and mailed once by the scheduler (unique per event, company and stage), answered
    through a signed link that needs no password until it expires; the answers can be corrected
    until then. The person mailed is kept only as a registration (purged with personal data).
    """

    __tablename__ = "follow_ups"
    __table_args__ = (UniqueConstraint("event_id", "company_id", "stage_days"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    # Days after the event's end: 14, 182, 365 (per event kind, configurable).
    stage_days: Mapped[int] = mapped_column(Integer)
    respondent_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id", ondelete="SET NULL"))
    # Only the SHA-256 of the link's random token is stored (the link is in the mail).
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    reminded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()
    company: Mapped[Company] = relationship()
    respondent: Mapped[Registration | None] = relationship()
    answers: Mapped[list[FollowUpAnswer]] = relationship(
        back_populates="follow_up", cascade="all, delete-orphan", order_by="FollowUpAnswer.id"
    )


class FollowUpAnswer(db.Model):
    """The follow-up's answer about one other company met at the event."""

    __tablename__ = "follow_up_answers"
    __table_args__ = (
        UniqueConstraint("follow_up_id", "other_company_id"),
        CheckConstraint("amount_won IS NULL OR amount_won >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    follow_up_id: Mapped[int] = mapped_column(ForeignKey("follow_ups.id", ondelete="CASCADE"), index=True)
    other_company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    # How the pair met: meeting, contact, or co-attendance the respondent picked.
    met_by: Mapped[str] = mapped_column(String(16), default="co_attendance")
    stage: Mapped[OutcomeStage] = mapped_column(enum_column(OutcomeStage, "outcome_stage"))
    amount_won: Mapped[int | None] = mapped_column(BigInteger)
    attribution: Mapped[Attribution | None] = mapped_column(enum_column(Attribution, "attribution"))
    note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    follow_up: Mapped[FollowUp] = relationship(back_populates="answers")
    other_company: Mapped[Company] = relationship()


outcome_events = Table(
    "outcome_events",
    db.metadata,
    Column("outcome_id", ForeignKey("outcomes.id", ondelete="CASCADE"), primary_key=True),
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
)


class Outcome(db.Model):
    """A piece of business between two or more companies, attributed to the events it came from.

    Reported by a company (a follow-up answer) or recorded by staff. A one-sided report counts
    apart until another company named in it confirms; staff-recorded outcomes are confirmed by
    staff. Evidence (a file or a link) is for staff only. The stage only moves forward; every
    change is kept in OutcomeChange.
    """

    __tablename__ = "outcomes"
    __table_args__ = (CheckConstraint("amount_won IS NULL OR amount_won >= 0", name="amount_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    stage: Mapped[OutcomeStage] = mapped_column(enum_column(OutcomeStage, "outcome_stage"))
    occurred_on: Mapped[dt.date] = mapped_column(Date)
    amount_won: Mapped[int | None] = mapped_column(BigInteger)
    attribution: Mapped[Attribution | None] = mapped_column(enum_column(Attribution, "attribution"))
    # "followup" (a company reported it) or "staff" (staff recorded what they learnt).
    source: Mapped[str] = mapped_column(String(16), default="staff")
    evidence_url: Mapped[str | None] = mapped_column(String(500))
    evidence_filename: Mapped[str | None] = mapped_column(String(200))
    evidence_content_type: Mapped[str | None] = mapped_column(String(100))
    evidence_data: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    reported_by_company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The follow-up answer it grew from, if any (one outcome per reporting answer).
    follow_up_answer_id: Mapped[int | None] = mapped_column(
        ForeignKey("follow_up_answers.id", ondelete="SET NULL"), unique=True
    )
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    parties: Mapped[list[OutcomeParty]] = relationship(
        back_populates="outcome", cascade="all, delete-orphan", order_by="OutcomeParty.company_id"
    )
    events: Mapped[list[Event]] = relationship(secondary=outcome_events, order_by="Event.starts_at")
    changes: Mapped[list[OutcomeChange]] = relationship(
        back_populates="outcome", cascade="all, delete-orphan", order_by="OutcomeChange.id"
    )
    reported_by_company: Mapped[Company | None] = relationship(foreign_keys=[reported_by_company_id])
    recorded_by: Mapped[User | None] = relationship()


class OutcomeParty(db.Model):
    """A company named in an outcome (two for a pair, more for a consortium), and whether it confirmed."""

    __tablename__ = "outcome_parties"

    outcome_id: Mapped[int] = mapped_column(ForeignKey("outcomes.id", ondelete="CASCADE"), primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), primary_key=True, index=True)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    outcome: Mapped[Outcome] = relationship(back_populates="parties")
    company: Mapped[Company] = relationship()


class OutcomeChange(db.Model):
    """The history of an outcome: created, stage moved forward, confirmed, evidence added."""

    __tablename__ = "outcome_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("outcomes.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    what: Mapped[str] = mapped_column(String(32))  # created, stage, confirmed, edited, evidence
    from_stage: Mapped[OutcomeStage | None] = mapped_column(enum_column(OutcomeStage, "outcome_stage"))
    to_stage: Mapped[OutcomeStage | None] = mapped_column(enum_column(OutcomeStage, "outcome_stage"))
    summary: Mapped[str] = mapped_column(String(500), default="")
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    by_company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"))

    outcome: Mapped[Outcome] = relationship(back_populates="changes")


class LifecycleMail(db.Model):
    """A scheduled mail about one registration that must go out once (reminders, thank-you)."""

    __tablename__ = "lifecycle_mails"
    __table_args__ = (UniqueConstraint("registration_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    # day_before, morning_of, thank_you
    kind: Mapped[str] = mapped_column(String(24))
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
