"""Door check-in: CheckIn (a registration admitted), ScanLog (every scan) and DoorDevice (scanner links)."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.event import Event
from app.models.registration import Registration
from app.models.types import UTCDateTime, utcnow
from app.models.user import User

# How a person was admitted (CheckIn.method, ScanLog.method), in staff words.
SCAN_METHOD_LABELS = {
    "qr": _l("QR"),
    "hid": _l("바코드 스캐너"),
    "manual": _l("수동 확인"),
    "walkin": _l("현장 등록"),
}


def scan_method_label(method: str | None) -> str:
    return str(SCAN_METHOD_LABELS.get(method, method)) if method else ""


class DoorDevice(db.Model):
    """A scanner link for one event and gate: volunteers scan with it without an account."""

    __tablename__ = "door_devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    gate: Mapped[str] = mapped_column(String(60))
    # SHA-256 of the 256-bit token in the link; the link is shown once, when it is made.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Written at most once a minute: a scan should not cost a write to this row.
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()
    created_by: Mapped[User | None] = relationship()

    def is_usable(self, now: dt.datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now


class CheckIn(db.Model):
    __tablename__ = "checkins"

    id: Mapped[int] = mapped_column(primary_key=True)
    # A registration is checked in at most once: two devices scanning together admit it once.
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), unique=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    checked_in_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    checked_in_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("door_devices.id", ondelete="SET NULL"))
    gate: Mapped[str | None] = mapped_column(String(60))
    # qr (camera or hardware scanner), manual (search), walkin (registered at the door)
    method: Mapped[str] = mapped_column(String(16), default="qr")
    # Check-out mode: when the attendee left; cleared when they come back in.
    checked_out_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    checked_out_gate: Mapped[str | None] = mapped_column(String(60))

    registration: Mapped[Registration] = relationship()
    checked_in_by: Mapped[User | None] = relationship()
    device: Mapped[DoorDevice | None] = relationship()


class ScanLog(db.Model):
    """Every scan and door action, rejected ones too: the audit trail and the retry memory."""

    __tablename__ = "scan_logs"
    __table_args__ = (
        # A client nonce names one scan: a retry with the same nonce replays its answer.
        UniqueConstraint("event_id", "nonce", name="uq_scan_logs_event_nonce"),
        Index("ix_scan_logs_event_scanned_at", "event_id", "scanned_at"),
        # conflict_with_id is NULL in nearly every row, so the index holds only the rest: it serves the
        # ON DELETE SET NULL self-reference and the conflict list, and a door insert pays nothing for
        # it. An equality lookup (conflict_with_id = ...) implies NOT NULL, so both databases use it.
        Index(
            "ix_scan_logs_conflict_with_id",
            "conflict_with_id",
            sqlite_where=text("conflict_with_id IS NOT NULL"),
            postgresql_where=text("conflict_with_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id", ondelete="SET NULL"), index=True)
    scanned_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    mode: Mapped[str] = mapped_column(String(8))  # in, out, undo
    result: Mapped[str] = mapped_column(String(32))  # ok, already_checked_in, unknown_code, ...
    method: Mapped[str] = mapped_column(String(16), default="qr")
    gate: Mapped[str | None] = mapped_column(String(60))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("door_devices.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    nonce: Mapped[str | None] = mapped_column(String(64))
    # wrong_event: the event the code belongs to, so a replay names it again.
    other_event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    # A scan answered on the device while offline and uploaded later (POST .../scans): what the
    # device answered, and when the upload arrived (scanned_at stays the real scan time).
    local_result: Mapped[str | None] = mapped_column(String(32))
    uploaded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # A second admission of a badge already admitted elsewhere while the gates were apart: the
    # scan log of the other admission (its gate and time).
    conflict_with_id: Mapped[int | None] = mapped_column(ForeignKey("scan_logs.id", ondelete="SET NULL"))
