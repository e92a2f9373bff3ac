"""Council proxy (의결권 위임) on a council meeting's page: give, revoke, and the staff overview (on `events`)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from app.events.proxy import (
    active_voter,
    give_proxy,
    is_council_member_of,
    may_revoke,
    proxies_for,
    proxy_candidates,
    revoke_proxy,
    window_error,
)
from app.events.registration import RegistrationError
from app.events.routes import _visible, bp, render_detail
from app.events.rsvp_routes import rsvp_panel
from app.extensions import db
from app.forms import ConfirmForm
from app.mail import deliver_pending
from app.models import Company, CouncilProxy, Event, EventKind, Role, utcnow


def _company_id_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class GiveProxyForm(FlaskForm):
    # Choices are the host cluster's council members; the service checks the value again.
    to_company = SelectField(_l("위임받을 회원사"), coerce=_company_id_or_none, validate_choice=False,
                             validators=[InputRequired(message=_l("위임받을 회원사를 선택해 주세요."))])
    confirm = BooleanField(_l("위임 내용을 확인했습니다"),
                           validators=[InputRequired(message=_l("위임 내용을 확인했다고 표시해 주세요."))])
    submit = SubmitField(_l("의결권 위임"))


def _member_company() -> Company | None:
    if current_user.is_authenticated and current_user.role == Role.MEMBER:
        return current_user.company
    return None


def _give_form(event: Event, company: Company, formdata=None) -> GiveProxyForm:
    form = GiveProxyForm(formdata=formdata)
    form.to_company.choices = [SelectChoice("", _("회원사를 선택하세요"))] + [
        SelectChoice(c.id, c.name) for c in proxy_candidates(event, exclude_company_id=company.id)
    ]
    return form


def proxy_panel(event: Event, form: GiveProxyForm | None = None, error: str | None = None) -> dict:
    """Template context for the proxy part of a council meeting's page (`proxy_state` None: no section).

    `proxy_state`: "member" (a council member company's member: `proxy_given`, `proxy_received`,
    and `proxy_form` while giving is possible, else `proxy_reason`) or "staff" (host cluster staff and
    admins: `proxy_all`).
    """
    ctx: dict = {"proxy_state": None}
    if event.kind != EventKind.COUNCIL or not current_user.is_authenticated:
        return ctx
    if current_user.role != Role.MEMBER:
        if current_user.can_manage_cluster(event.host_cluster_id):
            ctx.update(proxy_state="staff", proxy_all=proxies_for(event.id),
                       proxy_open=window_error(event, utcnow()) is None)
        return ctx
    company = _member_company()
    if not is_council_member_of(company, event):
        return ctx
    mine = proxies_for(event.id, company_id=company.id)
    given = next((p for p in mine if p.from_company_id == company.id), None)
    received = [p for p in mine if p.to_company_id == company.id]
    closed = window_error(event, utcnow())
    ctx.update(proxy_state="member", proxy_company=company, proxy_given=given, proxy_received=received,
               proxy_open=closed is None, proxy_form=None, proxy_reason=None, proxy_error=error)
    if given is not None:
        return ctx
    if closed is not None:
        ctx["proxy_reason"] = closed.message
    elif received:
        ctx["proxy_reason"] = _("다른 회원사로부터 의결권을 위임받은 기업은 자기 의결권을 위임할 수 없습니다.")
    elif (voter := active_voter(event.id, company.id)) is not None:
        ctx["proxy_reason"] = _("%(name)s님이 의결권 대표로 신청되어 있습니다. 의결권을 위임하려면 먼저 그 신청을 취소해 주세요.",
                                name=voter.name)
    else:
        ctx["proxy_form"] = form or _give_form(event, company)
    return ctx


def _load_event(event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None or not _visible(event):
        abort(404)
    return event


@bp.post("/events/<int:event_id>/proxy", endpoint="give_proxy")
@login_required
def give_proxy_view(event_id: int):
    event = _load_event(event_id)
    company = _member_company()
    if company is None:
        abort(403)
    if not is_council_member_of(company, event):
        return render_template("errors/error.html", status=403, title=_("접근 권한이 없습니다"),
                               message=_("이 클러스터 입주기업협의회 회원사만 의결권을 위임할 수 있습니다.")), 403
    form = _give_form(event, company, formdata=request.form)
    if not form.validate_on_submit():
        return render_detail(event, status=400, **rsvp_panel(event), **proxy_panel(event, form=form, error=_("입력 내용을 확인해 주세요.")))
    to_company = db.session.get(Company, form.to_company.data) if form.to_company.data is not None else None
    if to_company is None:
        form.to_company.errors = [_("위임받을 회원사를 선택해 주세요.")]
        return render_detail(event, status=400, **rsvp_panel(event), **proxy_panel(event, form=form, error=_("입력 내용을 확인해 주세요.")))
    try:
        proxy = give_proxy(event.id, company, to_company, current_user._get_current_object(), utcnow())
    except RegistrationError as exc:
        db.session.rollback()
        event = _load_event(event_id)
        return render_detail(event, status=400, **rsvp_panel(event), **proxy_panel(event, form=form, error=exc.message))
    receiver = proxy.to_company.name
    db.session.commit()
    deliver_pending()
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
        deliver_pending()
        flash(_("%(giver)s이(가) %(receiver)s에 위임한 의결권을 철회했습니다.", **names), "success")
        return redirect(back)
    return render_template("events/proxy_revoke.html", form=form, event=event, proxy=proxy,
                           back=back), 400 if form.errors else 200
