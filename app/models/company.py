"""Company (tenant or guest firm) and research groups (연구회) of companies."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import Boolean, Column, Date, ForeignKey, LargeBinary, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.extensions import db
from app.models.cluster import Cluster
from app.models.types import UTCDateTime, utcnow
from app.validators import format_brn, normalize_brn

# Legal-form markers that Korean lists ignore when sorting: (주)누리 sorts under ㄴ.
_LEGAL_FORM_RE = re.compile(
    r"^\s*(?:\(주\)|㈜|\(유\)|\(사\)|\(재\)|주식회사|유한회사|유한책임회사|사단법인|재단법인)\s*|\s*(?:\(주\)|㈜|주식회사)\s*$"
)


def company_sort_name(name: str) -> str:
    """The name without legal-form markers, for 가나다 ordering."""
    stripped = _LEGAL_FORM_RE.sub("", name or "").strip()
    return (stripped or (name or "").strip()).lower()


research_group_members = Table(
    "research_group_members",
    db.metadata,
    Column("research_group_id", ForeignKey("research_groups.id", ondelete="CASCADE"), primary_key=True),
    Column("company_id", ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True),
)


class Company(db.Model):
    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    name_en: Mapped[str | None] = mapped_column(String(200))
    # Name without (주)/주식회사, lower-cased: the key for 가나다 order (see company_sort_name).
    sort_name: Mapped[str] = mapped_column(String(200), index=True, default="")
    # 사업자등록번호, 10 digits without dashes; unique when present.
    brn: Mapped[str | None] = mapped_column(String(10), unique=True)
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("clusters.id"), index=True)
    industry: Mapped[str] = mapped_column(String(120), default="")
    is_council_member: Mapped[bool] = mapped_column(Boolean, default=False)
    council_joined_on: Mapped[dt.date | None] = mapped_column(Date)
    website: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    # The company's contact person as staff know it (private: own cluster's staff only).
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_mobile: Mapped[str | None] = mapped_column(String(20))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    cluster: Mapped[Cluster | None] = relationship()
    research_groups: Mapped[list[ResearchGroup]] = relationship(
        secondary=research_group_members, back_populates="companies"
    )

    @validates("name")
    def _set_sort_name(self, _key, value):
        value = (value or "").strip()
        self.sort_name = company_sort_name(value)
        return value

    @validates("brn")
    def _validate_brn(self, _key, value):
        # Raises InvalidBRN (a ValueError) with a Korean message on a bad number.
        return normalize_brn(value) if value else None

    @property
    def brn_display(self) -> str:
        return format_brn(self.brn) if self.brn else ""

    def __repr__(self) -> str:
        return f"<Company {self.name}>"


class ResearchGroup(db.Model):
    __tablename__ = "research_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    cluster_id: Mapped[int] = mapped_column(ForeignKey("clusters.id"), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    cluster: Mapped[Cluster] = relationship()
    companies: Mapped[list[Company]] = relationship(secondary=research_group_members, back_populates="research_groups")

    def __repr__(self) -> str:
        return f"<ResearchGroup {self.name}>"


class CompanyImport(db.Model):
    """An uploaded company list: kept from preview to apply, and as a record afterwards."""

    __tablename__ = "company_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("clusters.id"), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    applied_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # JSON counts of the applied import: {"new": n, "update": n, "unchanged": n, "error": n}
    summary: Mapped[str | None] = mapped_column(Text)

    cluster: Mapped[Cluster] = relationship()
