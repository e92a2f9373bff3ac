"""The JSON check-in API the scanner page talks to (docs/CHECKIN_API.md).

Two callers: a staff member's browser (session cookie plus the CSRF token in X-CSRFToken) and
a door device (X-Door-Token: the token of its link, for its own event only). The views are
CSRF-exempt because a device has no session; a session caller's CSRF token is checked here.
"""

from __future__ import annotations

from flask import abort, jsonify, make_response, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import validate_csrf

from app.checkin import search, service
from app.checkin.answers import ScanRequestError
from app.checkin.blueprint import bp
from app.checkin.devices import device_for_token, touch
from app.database import begin_write
from app.extensions import csrf, db
from app.models import DoorDevice, Event, Role, utcnow
from app.routing import json_int

SCANNER_CSRF_SECONDS = 24 * 3600


def json_error(status: int, code: str, message: str):
    response = make_response(jsonify(error=code, message=message), status)
    response.headers["Cache-Control"] = "no-store"
    abort(response)


def _no_store(payload: dict):
    response = jsonify(payload)
    response.headers["Cache-Control"] = "no-store"
    return response


def _refuse_unless_device_may_scan(usable: bool, device_event_id: int | None, event_id: int) -> None:
    """The refusals every device request shares: a dead link (401), another event's link (403)."""
    if not usable:
        json_error(
            401,
            "device_link_invalid",
            _("스캐너 링크가 만료되었거나 취소되었습니다. 운영진에게 새 링크를 받아 주세요."),
        )
    if device_event_id != event_id:
        json_error(403, "other_event", _("이 스캐너 링크로는 다른 행사를 체크인할 수 없습니다."))


def authorize(event_id: int, *, staff_only: bool = False) -> tuple[Event, DoorDevice | None]:
    """The event and the calling device (None for staff), or a JSON 401/403/404 error."""
    now = utcnow()
    token = request.headers.get("X-Door-Token")
    if token is not None:
        device = device_for_token(token, now)
        _refuse_unless_device_may_scan(device is not None, device.event_id if device else None, event_id)
        if staff_only:
            json_error(403, "staff_only", _("운영진만 할 수 있는 작업입니다."))
        return device.event, device
    if not current_user.is_authenticated:
        json_error(401, "login_required", _("로그인이 필요합니다. 로그인하거나 스캐너 링크를 사용해 주세요."))
    event = db.session.get(Event, event_id)
    if event is None:
        json_error(404, "not_found", _("행사를 찾을 수 없습니다."))
    if current_user.role not in (Role.ADMIN, Role.STAFF) or not current_user.can_manage_cluster(event.host_cluster_id):
        json_error(403, "forbidden", _("이 행사의 체크인 권한이 없습니다."))
    if request.method == "POST":
        try:
            # The scanner page stays open through a whole event: accept its token for a day.
            validate_csrf(request.headers.get("X-CSRFToken"), time_limit=SCANNER_CSRF_SECONDS)
        except Exception:  # noqa: BLE001 - CSRFError or a malformed token: the same answer
            json_error(400, "csrf", _("보안 토큰이 없거나 만료되었습니다. 페이지를 새로고침해 주세요."))
    return event, None


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        json_error(400, "bad_request", _("JSON 형식의 요청이 필요합니다."))
    return body


def _optional_str(body: dict, key: str, limit: int) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit or "\x00" in value:
        json_error(400, "bad_request", _("%(field)s 값이 올바르지 않습니다.", field=key))
    return value.strip() or None


def _optional_id(body: dict, key: str) -> int | None:
    """A row id in the body (routing.json_int: a JSON integer a database column holds)."""
    try:
        return json_int(body, key)
    except ValueError:
        json_error(400, "bad_request", _("%(field)s 값이 올바르지 않습니다.", field=key))


@bp.post("/api/checkin/events/<int:event_id>/scan")
@csrf.exempt
def api_scan(event_id: int):
    # The write transaction starts before the lookups (SQLite: BEGIN IMMEDIATE once, not a
    # read transaction ended and a writer begun): a scan is on the door's hot path.
    token = request.headers.get("X-Door-Token")
    if token is None:
        begin_write()
        event, _device = authorize(event_id)
    body = _body()
    code = _optional_str(body, "code", 200)
    registration_id = _optional_id(body, "registration_id")
    nonce = _optional_str(body, "nonce", 64)
    mode = _optional_str(body, "mode", 8) or "in"
    method = _optional_str(body, "method", 16) or ("manual" if registration_id else "qr")
    if method not in service.METHODS or method == "walkin":
        json_error(400, "bad_request", _("method 값이 올바르지 않습니다."))
    if code is None and registration_id is None:
        json_error(400, "bad_request", _("코드나 신청 번호가 필요합니다."))
    now = utcnow()
    if token is not None:
        return _device_scan(event_id, token, code, registration_id, nonce, mode, method, now)
    try:
        answer = service.scan(
            event,
            code=code,
            registration_id=registration_id,
            nonce=nonce,
            mode=mode,
            gate=_optional_str(body, "gate", 60),
            method=method,
            user_id=current_user.id,
            now=now,
        )
    except ScanRequestError as exc:
        db.session.rollback()
        json_error(400, "bad_request", exc.message)
    db.session.commit()
    return _no_store(answer.as_json())


def _device_scan(event_id: int, token: str, code, registration_id, nonce, mode, method, now):
    """A door device's scan: its link, its event and the scanned registration in one query, then
    the check-in and its log, all in a door transaction of its own (service.DoorTransaction)."""
    # The write lock is taken only now, after the body is read and checked, and with the
    # answer's language settled: on SQLite every other scan waits while the lock is held.
    get_locale()
    tx = service.DoorTransaction()
    try:
        door = service.device_scan_context(token, code=code, registration_id=registration_id, now=now, tx=tx)
        _refuse_unless_device_may_scan(
            door is not None and door.usable, door.device_event_id if door else None, event_id
        )
        try:
            answer = service.scan(
                door.event,
                nonce=nonce,
                mode=mode,
                gate=door.gate,
                method=method,
                device_id=door.device_id,
                now=now,
                row=door.row,
                tx=tx,
            )
        except ScanRequestError as exc:
            tx.rollback()
            json_error(400, "bad_request", exc.message)
        service.touch_device(door, now, tx)
        tx.commit()
    finally:
        tx.close()
    return _no_store(answer.as_json())


@bp.get("/api/checkin/events/<int:event_id>/search")
def api_search(event_id: int):
    event, device = authorize(event_id)
    try:
        hits = search.search(event, request.args.get("q", ""))
    except ScanRequestError as exc:
        json_error(400, "bad_request", exc.message)
    if device is not None:
        touch(device.id, device.last_seen_at, utcnow())
        db.session.commit()
    return _no_store({"results": [hit.as_json() for hit in hits]})


@bp.post("/api/checkin/events/<int:event_id>/undo")
@csrf.exempt
def api_undo(event_id: int):
    event, _device = authorize(event_id, staff_only=True)
    body = _body()
    registration_id = _optional_id(body, "registration_id")
    if registration_id is None:
        json_error(400, "bad_request", _("신청 번호가 필요합니다."))
    nonce = _optional_str(body, "nonce", 64)
    replay = service.replay_answer(event.id, nonce)
    if replay is not None:
        return _no_store(replay.as_json())
    try:
        answer = service.undo(
            event,
            registration_id,
            nonce=nonce,
            user_id=current_user.id,
            gate=_optional_str(body, "gate", 60),
            now=utcnow(),
        )
    except ScanRequestError as exc:
        db.session.rollback()
        json_error(400, "bad_request", exc.message)
    except LookupError:
        db.session.rollback()
        json_error(404, "not_found", _("이 행사의 신청을 찾을 수 없습니다."))
    db.session.commit()
    return _no_store(answer.as_json())
