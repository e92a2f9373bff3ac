"""Company RSVP on the event page: signed-in company members register and cancel (on the `events` blueprint).

Guests and staff registering on a company's behalf come later.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SubmitField

from app.events import consent
from app.events.registration import ACTIVE, RegistrationError, cancel, check_eligibility, register
from app.events.routes import _visible, bp, render_detail
from app.events.rsvp_forms import attendees_from, make_rsvp_form, row_count
from app.extensions import db
from app.mail import deliver_pending
from app.models import Event, Registration, RegistrationStatus, Role, utcnow

# Codes of check_eligibility that do not depend on who asks (status and time window).
_EVENT_WIDE = {"cancelled", "not_published", "not_open_yet", "closed"}


class CancelRegistrationForm(FlaskForm):
    submit = SubmitField(_l("신청 취소"))


def _is_member() -> bool:
    return current_user.is_authenticated and current_user.role == Role.MEMBER and current_user.company_id is not None


def _staff_message() -> str:
    return _("스태프와 관리자는 이 양식으로 신청할 수 없습니다. 기업을 대신한 신청 기능은 추후 제공됩니다.")


def _company_registrations(event: Event) -> list[Registration]:
    return list(db.session.scalars(
        select(Registration)
        .where(Registration.event_id == event.id, Registration.company_id == current_user.company_id,
               Registration.status.in_(ACTIVE))
        .order_by(Registration.created_at, Registration.id)
    ))


def rsvp_panel(event: Event, form=None, error: str | None = None) -> dict:
    """Template context for the RSVP part of the event page.

    `rsvp_state`: "login" (anonymous), "staff", "closed" (with `rsvp_reason`) or "open" (with `rsvp_form`).
    """
    ctx: dict = {"rsvp_error": error, "rsvp_form": None, "rsvp_reason": None, "company_registrations": [],
                 "consent": consent, "rsvp_rows": row_count(event)}
    now = utcnow()
    if not current_user.is_authenticated:
        try:
            check_eligibility(event, guest=True, now=now)
        except RegistrationError as exc:
            if exc.code in _EVENT_WIDE:
                ctx.update(rsvp_state="closed", rsvp_reason=exc.message)
                return ctx
        ctx.update(rsvp_state="login", login_url=url_for("auth.login", next=request.path))
        return ctx
    if not _is_member():
        ctx.update(rsvp_state="staff", rsvp_reason=_staff_message())
        return ctx
    ctx["company_registrations"] = _company_registrations(event)
    ctx["cancel_form"] = CancelRegistrationForm()
    try:
        check_eligibility(event, company=current_user.company, now=now)
    except RegistrationError as exc:
        ctx.update(rsvp_state="closed", rsvp_reason=exc.message)
        return ctx
    ctx.update(rsvp_state="open", rsvp_form=form or make_rsvp_form(event, member=current_user))
    return ctx


def _load_event(event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None or not _visible(event):
        abort(404)
    return event


@bp.post("/events/<int:event_id>/register", endpoint="register")
@login_required
def register_view(event_id: int):
    event = _load_event(event_id)
    if not _is_member():
        return render_template("errors/error.html", status=403, title=_("접근 권한이 없습니다"),
                               message=_staff_message()), 403
    form = make_rsvp_form(event, formdata=request.form)
    if not form.validate_on_submit():
        return render_detail(event, status=400, **rsvp_panel(
            event, form=form, error=_("입력 내용을 확인해 주세요.")))
    people = attendees_from(form, event)
    if len(people) > row_count(event):
        return render_detail(event, status=400, **rsvp_panel(
            event, form=form, error=_("한 번에 최대 %(n)d명까지 신청할 수 있습니다.", n=row_count(event))))
    company = current_user.company
    try:
        registrations = register(
            event.id, people, company=company, registered_by=current_user._get_current_object(),
            consent_version=consent.CONSENT_VERSION if form.consent.data else None, now=utcnow(),
        )
    except RegistrationError as exc:
        db.session.rollback()
        event = _load_event(event_id)
        return render_detail(event, status=400, **rsvp_panel(event, form=form, error=exc.message))
    confirmed = sum(1 for r in registrations if r.status == RegistrationStatus.CONFIRMED)
    waitlisted = len(registrations) - confirmed
    db.session.commit()
    deliver_pending()
    if waitlisted:
        flash(_("참가 신청을 접수했습니다: 확정 %(confirmed)d명, 대기 %(waitlisted)d명. "
                "대기자는 자리가 나면 신청 순서대로 확정되며 메일로 알려 드립니다.",
                confirmed=confirmed, waitlisted=waitlisted), "success")
    else:
        flash(_("참가 신청을 접수했습니다: 확정 %(confirmed)d명, 대기 %(waitlisted)d명.",
                confirmed=confirmed, waitlisted=waitlisted), "success")
    return redirect(url_for("events.detail", event_id=event_id))


def _may_cancel(registration: Registration, event: Event) -> bool:
    if current_user.role == Role.MEMBER:
        return registration.company_id is not None and current_user.company_id == registration.company_id
    return current_user.can_manage_cluster(event.host_cluster_id)


@bp.route("/events/<int:event_id>/registrations/<int:registration_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel_registration(event_id: int, registration_id: int):
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event_id:
        abort(404)
    event = registration.event
    if not _may_cancel(registration, event):
        abort(403)
    back = url_for("events.detail", event_id=event_id)
    if registration.status == RegistrationStatus.CANCELLED:
        flash(_("이미 취소된 신청입니다."), "info")
        return redirect(back)
    form = CancelRegistrationForm()
    if form.validate_on_submit():
        name = registration.name
        try:
            cancel(registration_id, now=utcnow())
        except RegistrationError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return redirect(back)
        db.session.commit()
        deliver_pending()
        flash(_("%(name)s님의 참가 신청을 취소했습니다.", name=name), "success")
        return redirect(back)
    return render_template("events/rsvp_cancel.html", form=form, event=event, registration=registration,
                           back=back), 400 if form.errors else 200
