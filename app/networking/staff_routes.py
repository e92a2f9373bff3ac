"""Staff pages of an event's networking: switching it on, the meeting cap (slots and tables: meeting work)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SubmitField
from wtforms.validators import NumberRange, Optional

from app.auth.decorators import staff_required
from app.events.access import managed_event
from app.extensions import db
from app.forms import Form
from app.networking import participation
from app.networking.blueprint import bp
from app.networking.figures import event_figures
from app.networking.meeting_forms import staff_meetings_context


class NetworkingSettingsForm(Form):
    enabled = BooleanField(_l("이 행사에서 네트워킹 사용 (참가 기업 보기, 추천, 1:1 미팅, 명함 교환)"))
    meetings_per_company = IntegerField(
        _l("기업당 1:1 미팅 수 상한 (선택)"),
        validators=[Optional(), NumberRange(min=1, max=100, message=_l("1에서 100 사이의 숫자를 입력해 주세요."))],
    )
    submit = SubmitField(_l("저장"))


def settings_context(event) -> dict:
    """What the settings page shows besides the form: the meetings part (slots, tables, counts, forms)."""
    return staff_meetings_context(event)


@bp.route("/staff/events/<int:event_id>/networking", methods=["GET", "POST"])
@staff_required
def staff_networking(event_id: int):
    event = managed_event(event_id)
    form = NetworkingSettingsForm(
        data={"enabled": event.networking_enabled, "meetings_per_company": event.meetings_per_company}
    )
    if form.validate_on_submit():
        opened = bool(form.enabled.data) and not event.networking_enabled
        event.networking_enabled = bool(form.enabled.data)
        event.meetings_per_company = form.meetings_per_company.data
        invited = participation.announce_networking(event) if opened else 0
        db.session.commit()
        if invited:
            flash(_("네트워킹을 열고 참가자 %(n)d명에게 개인 네트워킹 링크를 메일로 보냈습니다.", n=invited), "success")
        else:
            flash(_("네트워킹 설정을 저장했습니다."), "success")
        return redirect(url_for("networking.staff_networking", event_id=event.id))
    return render_template(
        "networking/staff_settings.html",
        event=event,
        form=form,
        figures=event_figures(event.id),
        **settings_context(event),
    ), 400 if form.errors else 200
