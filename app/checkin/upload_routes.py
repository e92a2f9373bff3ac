"""POST /api/checkin/events/<id>/scans: a door's queued offline scans, uploaded in one batch.

Callers as for a single scan (api_routes): a staff session with its CSRF token, or a door device's
X-Door-Token. A device link that expired is still heard for DOOR_UPLOAD_GRACE_HOURS, for the
scans made while it was valid; a revoked link is not.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from app.checkin import service, uploads
from app.checkin.answers import ScanRequestError
from app.checkin.api_routes import _body, _no_store, authorize, json_error
from app.checkin.blueprint import bp
from app.checkin.devices import touch
from app.extensions import csrf, db
from app.models import DoorDevice, Event, utcnow
from app.tokens import hash_token

ATTEMPTS = 3


def _uploading_device(token: str, event_id: int, now: dt.datetime) -> DoorDevice:
    """The device behind the token if it may upload now (valid, or expired within the grace period)."""
    device = None
    if token and len(token) <= 100:
        device = db.session.execute(
            select(DoorDevice).where(DoorDevice.token_hash == hash_token(token))
        ).scalar_one_or_none()
    grace = dt.timedelta(hours=current_app.config["DOOR_UPLOAD_GRACE_HOURS"])
    if device is None or device.revoked_at is not None:
        json_error(401, "device_link_invalid", _("스캐너 링크가 취소되었거나 없는 링크입니다. 운영진에게 알려 주세요."))
    if now > device.expires_at + grace:
        json_error(
            401,
            "device_link_invalid",
            _(
                "스캐너 링크가 만료된 지 %(hours)d시간이 지나 업로드를 받을 수 없습니다. 운영진에게 알려 주세요.",
                hours=current_app.config["DOOR_UPLOAD_GRACE_HOURS"],
            ),
        )
    if device.event_id != event_id:
        json_error(403, "other_event", _("이 스캐너 링크로는 다른 행사를 체크인할 수 없습니다."))
    return device


@bp.post("/api/checkin/events/<int:event_id>/scans")
@csrf.exempt
def api_upload(event_id: int):
    now = utcnow()
    token = request.headers.get("X-Door-Token")
    if token is not None:
        device = _uploading_device(token, event_id, now)
        event = db.session.get(Event, device.event_id)
        uploader = uploads.Uploader(
            device_id=device.id,
            user_id=None,
            gate=device.gate,
            valid_from=device.created_at,
            valid_until=device.expires_at,
        )
        last_seen_at, link_usable = device.last_seen_at, device.is_usable(now)
    else:
        event, _device = authorize(event_id)
        uploader = uploads.Uploader(
            device_id=None, user_id=current_user.id, gate=None, valid_from=event.created_at, valid_until=None
        )
        last_seen_at, link_usable = None, False
    body = _body()
    try:
        scans = uploads.parse_batch(body, now=now, earliest=uploader.valid_from, staff=token is None)
    except ScanRequestError as exc:
        json_error(400, "bad_upload", exc.message)
    # Plain facts: ORM attributes would reload after the write transaction begins.
    facts = service._EventFacts(event.id, event.status, event.starts_at, event.ends_at)
    results = None
    for _attempt in range(ATTEMPTS):
        try:
            results = uploads.record_batch(facts, scans, uploader=uploader, now=now)
            break
        except uploads.NonceRace:
            db.session.rollback()  # a concurrent copy of this upload logged it: now it replays
        except (ScanRequestError, OperationalError):
            db.session.rollback()
            break
    if results is None:
        # Passing trouble (a badge taken back meanwhile, a lock timeout): the device keeps its
        # queue and sends it again (503 is one of the scanner's retry statuses).
        json_error(503, "retry", _("업로드를 지금 처리하지 못했습니다. 잠시 후 자동으로 다시 보냅니다."))
    if link_usable:
        touch(uploader.device_id, last_seen_at, now)
    db.session.commit()
    return _no_store({"results": results})
