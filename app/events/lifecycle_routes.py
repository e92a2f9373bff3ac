"""The one-click "참석이 어려워요" link of the reminder mail: a confirmation page (GET) and the
cancellation (POST with CSRF), no sign-in; and the staff report of no-shows per company."""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.decorators import staff_required
from app.events import lifecycle
from app.events.blueprint import bp
from app.extensions import db
from app.forms import ConfirmForm
from app.models import Registration, utcnow

_PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}


def _problem_page(code: str):
    pages = {
        "invalid": (
            404,
            _("사용할 수 없는 링크입니다"),
            _(
                "링크가 잘못되었거나 만료되었습니다 "
                "(명찰이 재발급되었거나 참가자가 바뀌면 이전 링크는 쓸 수 없습니다). "
                "최근에 받은 안내 메일의 링크를 이용해 주세요."
            ),
        ),
        "already_cancelled": (
            200,
            _("이미 취소된 신청입니다"),
            _("이 참가 신청은 이미 취소되었습니다. 따로 하실 일은 없습니다."),
        ),
        "event_cancelled": (200, _("취소된 행사입니다"), _("이 행사는 취소되어 참가 신청을 취소할 필요가 없습니다.")),
        "started": (
            409,
            _("취소하기에는 늦었습니다"),
            _("행사가 이미 시작되어 이 링크로 참가 신청을 취소할 수 없습니다. 주최 측에 직접 알려 주세요."),
        ),
    }
    status, title, message = pages[code]
    return render_template("errors/error.html", status=status, title=title, message=message), status, _PRIVATE


@bp.route("/registrations/<int:registration_id>/decline/<token>", methods=["GET", "POST"])
def decline(registration_id: int, token: str):
    registration = db.session.get(Registration, registration_id)
    if not lifecycle.decline_link_matches(registration, token):
        return _problem_page("invalid")
    now = utcnow()
    try:
        lifecycle.check_declinable(registration, now)
    except lifecycle.DeclineProblem as exc:
        return _problem_page(exc.code)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            lifecycle.decline(registration.id, now=now)
        except lifecycle.DeclineProblem as exc:
            db.session.rollback()
            return _problem_page(exc.code)
        db.session.commit()
        return (
            render_template("events/decline_done.html", event=registration.event, registration=registration),
            200,
            _PRIVATE,
        )
    status = 400 if form.errors or form.is_submitted() else 200
    return (
        render_template("events/decline.html", form=form, registration=registration, event=registration.event),
        status,
        _PRIVATE,
    )


@bp.get("/staff/reports/no-shows")
@staff_required
def no_show_report():
    """Companies with no-shows at past events, most first (staff their clusters, admins all)."""
    cluster_ids = None if current_user.is_admin else (current_user.managed_cluster_ids() or [])
    rows = lifecycle.no_show_report(utcnow(), cluster_ids)
    return render_template("events/no_shows.html", rows=rows)
