"""The live check-in dashboard: a staff page and the JSON it polls (admins and the host cluster's staff)."""

from __future__ import annotations

from functools import wraps

from flask import abort, jsonify, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.decorators import staff_required
from app.checkin.blueprint import bp
from app.checkin.dashboard import dashboard_figures
from app.events.access import managed_event
from app.models import Role, utcnow

POLL_SECONDS = 3


def _api_staff_required(view):
    """Like staff_required, but a script polling the API gets a JSON 401, not a login page."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            response = jsonify(error="login_required", message=_("로그인이 필요한 페이지입니다. 먼저 로그인해 주세요."))
            response.status_code = 401
            response.headers["Cache-Control"] = "no-store"
            return response
        if current_user.role not in (Role.ADMIN, Role.STAFF):
            abort(403)  # the error handler answers JSON under /api/
        return view(*args, **kwargs)

    return wrapped


@bp.get("/staff/events/<int:event_id>/dashboard")
@staff_required
def dashboard(event_id: int):
    event = managed_event(event_id)
    figures = dashboard_figures(event, utcnow())
    # Strings the polling script shows, translated here like the rest of the page.
    script_config = {
        "url": url_for("checkin.dashboard_api", event_id=event.id),
        "intervalMs": POLL_SECONDS * 1000,
        "generatedAtLabel": figures["generated_at_label"],
        "text": {
            "lastUpdated": _("마지막 갱신 %(time)s", time="{time}"),
            "offline": _("네트워크 연결이 끊겼습니다. 다시 연결하는 중입니다… (마지막 갱신 %(time)s)", time="{time}"),
            "sessionEnded": _("로그인이 만료되었습니다. 페이지를 새로고침해 다시 로그인해 주세요."),
            "paused": _("탭이 보이지 않는 동안 갱신을 멈췄습니다."),
            "chartLabel": _("10분 단위 도착 인원"),
            "chartBar": _("%(time)s부터 10분: %(n)s명", time="{time}", n="{n}"),
            "allArrived": _("확정된 신청자가 모두 도착했습니다."),
            "moreNotArrived": _("외 %(n)s명", n="{n}"),
            "noScans": _("아직 스캔 기록이 없습니다."),
            "noArrivals": _("아직 도착한 사람이 없습니다."),
            "conflictNote": _("충돌: 먼저 %(time)s · %(gate)s", time="{time}", gate="{gate}"),
        },
    }
    response = render_template("checkin/dashboard.html", event=event, figures=figures, script_config=script_config)
    return response, 200, {"Cache-Control": "private, no-store"}


@bp.get("/api/checkin/events/<int:event_id>/dashboard")
@_api_staff_required
def dashboard_api(event_id: int):
    event = managed_event(event_id)
    response = jsonify(dashboard_figures(event, utcnow()))
    response.headers["Cache-Control"] = "no-store"
    return response
