"""GET /api/checkin/events/<id>/roster: the roster a door device keeps for offline answers."""

from __future__ import annotations

import gzip
import json

from flask import make_response, request
from flask_babel import gettext as _

from app.checkin.api_routes import authorize
from app.checkin.blueprint import bp
from app.checkin.devices import device_for_token
from app.checkin.roster import event_roster, parse_cursor
from app.events.door import checkout_closes_at
from app.models import utcnow

# Below this a gzip member costs more than it saves.
GZIP_MIN_BYTES = 1024


def _answer(payload: dict, status: int = 200):
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    response = make_response(body, status)
    response.mimetype = "application/json"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Vary"] = "Accept-Encoding"
    if len(body) >= GZIP_MIN_BYTES and "gzip" in request.headers.get("Accept-Encoding", "").lower():
        response.set_data(gzip.compress(body, compresslevel=6))
        response.headers["Content-Encoding"] = "gzip"
    return response


@bp.get("/api/checkin/events/<int:event_id>/roster")
def api_roster(event_id: int):
    now = utcnow()
    token = request.headers.get("X-Door-Token")
    if token is not None and device_for_token(token, now) is None:
        # A dead link (revoked, expired, unknown): the device must erase what it holds.
        return _answer(
            {
                "error": "token",
                "erase": True,
                "message": _("이 스캐너 링크는 더 이상 쓸 수 없습니다. 기기의 명단을 지웠습니다."),
            },
            401,
        )
    event, _device = authorize(event_id)
    if now > checkout_closes_at(event):
        return _answer({"error": "ended", "erase": True, "message": _("행사가 끝나 명단을 지웠습니다.")}, 410)
    return _answer(event_roster(event, now, parse_cursor(request.args.get("since"), now)))
