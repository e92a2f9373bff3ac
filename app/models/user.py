"""User accounts, staff cluster scopes, invitations and password-reset tokens."""

from __future__ import annotations

import datetime as dt
import enum
import secrets

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    String,
    Table,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.models.cluster import Cluster
from app.models.company import Company
from app.models.types import UTCDateTime, enum_column, utcnow


class Role(str, enum.Enum):
    ADMIN = "admin"
    STAFF = "staff"  # cluster staff, scoped to one or more clusters
    MEMBER = "member"  # company member, belongs to one company


staff_clusters = Table(
    "staff_clusters",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("cluster_id", ForeignKey("clusters.id", ondelete="CASCADE"), primary_key=True),
)


def normalize_email(value: str) -> str:
    return (value or "").strip().lower()


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role <> 'member' OR company_id IS NOT NULL", name="member_has_company"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased: uniqueness and look-ups are case-insensitive.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    mobile: Mapped[str | None] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(256))
    locale: Mapped[str] = mapped_column(String(5), default="ko")
    role: Mapped[Role] = mapped_column(enum_column(Role, "user_role"))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    is_active_account: Mapped[bool] = mapped_column("is_active", Boolean, default=True)
    # Part of the session cookie's user id: rotating it signs the account out everywhere
    # (after a password reset or when an account is removed).
    session_nonce: Mapped[str] = mapped_column(String(32), default=lambda: secrets.token_hex(8))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # When the account was deactivated (a member removed, staff leaving); the retention purge
    # erases the person's data RETENTION_DAYS later and records purged_at.
    deactivated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    purged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    company: Mapped[Company | None] = relationship()
    clusters: Mapped[list[Cluster]] = relationship(secondary=staff_clusters)

    @validates("email")
    def _normalize_email(self, _key, value):
        return normalize_email(value)

    # Flask-Login reads is_active to refuse deactivated accounts.
    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return bool(self.is_active_account)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_nonce}"

    def end_all_sessions(self) -> None:
        self.session_nonce = secrets.token_hex(8)

    def set_password(self, password: str) -> None:
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_staff(self) -> bool:
        """Admins and cluster staff."""
        return self.role in (Role.ADMIN, Role.STAFF)

    def can_manage_cluster(self, cluster_id: int | None) -> bool:
        if self.role == Role.ADMIN:
            return True
        if self.role == Role.STAFF and cluster_id is not None:
            return any(c.id == cluster_id for c in self.clusters)
        return False

    def managed_cluster_ids(self) -> list[int] | None:
        """Cluster ids this user manages; None means all (admin)."""
        if self.role == Role.ADMIN:
            return None
        if self.role == Role.STAFF:
            return [c.id for c in self.clusters]
        return []

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role.value}>"


class Invitation(db.Model):
    """A single-use, expiring link that lets someone sign up as a member of a company."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # SHA-256 of the token in the link; the plain token is only ever in the mail.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    company: Mapped[Company] = relationship()
    invited_by: Mapped[User | None] = relationship()

    @validates("email")
    def _normalize_email(self, _key, value):
        return normalize_email(value)

    def is_usable(self, now: dt.datetime) -> bool:
        return self.used_at is None and self.revoked_at is None and now < self.expires_at


class PasswordReset(db.Model):
    """A single-use, short-lived password reset link."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    def is_usable(self, now: dt.datetime) -> bool:
        return self.used_at is None and now < self.expires_at
