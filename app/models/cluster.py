"""Cluster: an industry district run by the agency (DMC, Magok, ...)."""

from __future__ import annotations

from flask_babel import get_locale
from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class Cluster(db.Model):
    __tablename__ = "clusters"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(32), unique=True)
    name_ko: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    field_ko: Mapped[str] = mapped_column(String(200), default="")
    field_en: Mapped[str] = mapped_column(String(200), default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    @property
    def name(self) -> str:
        """The name in the current UI language."""
        return self.name_en if str(get_locale()) == "en" and self.name_en else self.name_ko

    @property
    def field(self) -> str:
        return self.field_en if str(get_locale()) == "en" and self.field_en else self.field_ko

    def __repr__(self) -> str:
        return f"<Cluster {self.slug}>"
