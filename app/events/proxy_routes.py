"""Council proxy (의결권 위임) on a council meeting's page: give, revoke, and the staff overview (on `events`)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.events.access import visible_event_or_404
from app.events.blueprint import bp
from app.events.detail_page import give_proxy_form, member_company, proxy_panel, render_detail, rsvp_panel
from app.events.proxy import give_proxy, is_council_member_of, may_revoke, revoke_proxy
from app.events.registration import RegistrationError
from app.extensions import db
from app.forms import ConfirmForm
from app.models import Company, CouncilProxy, utcnow


@bp.post("/events/<int:event_id>/proxy", endpoint="give_proxy")
@login_required
def give_proxy_view(event_id: int):
    event = visible_event_or_404(event_id)
    company = member_company()
    if company is None:
        abort(403)
    if not is_council_member_of(company, event):
        return render_template(
            "errors/error.html",
            status=403,
            title=_("접근 권한이 없습니다"),
            message=_("이 클러스터 입주기업협의회 회원사만 의결권을 위임할 수 있습니다."),
        ), 403
    form = give_proxy_form(event, company, formdata=request.form)
    if not form.validate_on_submit():
        return render_detail(
            event,
            status=400,
            **rsvp_panel(event),
            **proxy_panel(event, form=form, error=_("입력 내용을 확인해 주세요.")),
        )
    to_company = db.session.get(Company, form.to_company.data) if form.to_company.data is not None else None
    if to_company is None:
        form.to_company.errors = [_("위임받을 회원사를 선택해 주세요.")]
        return render_detail(
            event,
            status=400,
            **rsvp_panel(event),
            **proxy_panel(event, form=form, error=_("입력 내용을 확인해 주세요.")),
        )
    try:
        proxy = give_proxy(event.id, company, to_company, current_user._get_current_object(), utcnow())
    except RegistrationError as exc:
        db.session.rollback()
        event = visible_event_or_404(event_id)
        return render_detail(event, status=400, **rsvp_panel(event), **proxy_panel(event, form=form, error=exc.message))
    receiver = proxy.to_company.name
    db.session.commit()
    flash(_("%(company)s에 의결권을 위임했습니다.", company=receiver), "success")
    return redirect(url_for("events.detail", event_id=event_id, _anchor="proxy"))


@bp.route("/events/<int:event_id>/proxies/<int:proxy_id>/revoke", methods=["GET", "POST"])
@login_required
def revoke_proxy_view(event_id: int, proxy_id: int):
    proxy = db.session.get(CouncilProxy, proxy_id)
    if proxy is None or proxy.event_id != event_id:
        abort(404)
    event = proxy.event
    if not may_revoke(current_user, proxy, event):
        abort(403)
    back = url_for("events.detail", event_id=event_id, _anchor="proxy")
    if proxy.revoked_at is not None:
        flash(_("이미 철회된 위임입니다."), "info")
        return redirect(back)
    form = ConfirmForm()
    if form.validate_on_submit():
        names = dict(giver=proxy.from_company.name, receiver=proxy.to_company.name)
        try:
            revoke_proxy(proxy_id, current_user._get_current_object(), utcnow())
        except RegistrationError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return redirect(back)
        db.session.commit()
        flash(_("%(giver)s이(가) %(receiver)s에 위임한 의결권을 철회했습니다.", **names), "success")
        return redirect(back)
    return render_template(
        "events/proxy_revoke.html", form=form, event=event, proxy=proxy, back=back
    ), 400 if form.errors else 200
