"""Column types shared by the models: UTC timestamps and enums stored as their values."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import DateTime, Enum
from sqlalchemy.types import TypeDecorator


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored as naive UTC and returned timezone-aware (UTC).

    SQLite has no time zone type, so storing naive UTC everywhere keeps both
    backends identical; Python code only ever sees aware datetimes.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; pass an aware datetime (UTC or KST)")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC)


def enum_column(cls: type[enum.Enum], name: str) -> Enum:
    """An enum stored as its value in a VARCHAR(16) with a CHECK, the same on SQLite and PostgreSQL
    (no native PostgreSQL enum type, so adding a member needs no ALTER TYPE)."""
    return Enum(cls, name=name, values_callable=lambda e: [m.value for m in e], native_enum=False, length=16)
