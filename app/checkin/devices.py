"""Door device links: a volunteer's phone scans one event at one gate without an account.

The link carries a 256-bit token; only its SHA-256 is stored, so the link is shown once, when
it is made. A link works until it expires or staff revoke it, for its own event only.
"""

from __future__ import annotations

import datetime as dt
import secrets

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import DoorDevice, Event
from app.tokens import hash_token

MAX_VALID_HOURS = 72
LAST_SEEN_EVERY = dt.timedelta(minutes=1)


class DeviceError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def create_device(
    event: Event, *, gate: str, valid_hours: int, created_by_id: int | None, now: dt.datetime
) -> tuple[DoorDevice, str]:
    """A new scanner link for `event`; returns the device and the plain token (shown once)."""
    gate = (gate or "").strip()
    if not gate or len(gate) > 60:
        raise DeviceError(_("게이트 이름을 1자 이상 60자 이하로 입력해 주세요."))
    if not 1 <= valid_hours <= MAX_VALID_HOURS:
        raise DeviceError(_("유효 시간은 1시간에서 %(max)d시간 사이로 정해 주세요.", max=MAX_VALID_HOURS))
    if now >= event.ends_at:
        raise DeviceError(_("이미 끝난 행사에는 스캐너 링크를 만들 수 없습니다."))
    token = secrets.token_urlsafe(32)
    device = DoorDevice(
        event_id=event.id,
        gate=gate,
        token_hash=hash_token(token),
        created_by_id=created_by_id,
        created_at=now,
        expires_at=now + dt.timedelta(hours=valid_hours),
    )
    db.session.add(device)
    db.session.flush()
    return device, token


def device_for_token(token: str | None, now: dt.datetime) -> DoorDevice | None:
    """The usable device behind a link token, or None (unknown, revoked and expired alike)."""
    if not token or len(token) > 100:
        return None
    device = db.session.execute(
        select(DoorDevice).options(joinedload(DoorDevice.event)).where(DoorDevice.token_hash == hash_token(token))
    ).scalar_one_or_none()
    if device is None or not device.is_usable(now):
        return None
    return device


def needs_touch(last_seen_at: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether a use of the device at `now` should be written down (at most once a minute)."""
    return last_seen_at is None or now - last_seen_at >= LAST_SEEN_EVERY


def touch(device_id: int, last_seen_at: dt.datetime | None, now: dt.datetime) -> None:
    """Remember when the device was last used, at most once a minute (a scan need not write here).

    Takes plain values: after a scan's transaction the ORM object is expired, and reading it
    again would cost a query.
    """
    if needs_touch(last_seen_at, now):
        db.session.execute(update(DoorDevice).where(DoorDevice.id == device_id).values(last_seen_at=now))


def revoke_device(device: DoorDevice, now: dt.datetime) -> bool:
    """Revoke a link; False when it was revoked already."""
    if device.revoked_at is not None:
        return False
    device.revoked_at = now
    return True


def devices_of(event_id: int) -> list[DoorDevice]:
    return list(
        db.session.scalars(
            select(DoorDevice).where(DoorDevice.event_id == event_id).order_by(DoorDevice.created_at.desc())
        )
    )
