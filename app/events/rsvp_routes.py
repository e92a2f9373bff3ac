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
from app.events.registration import (
    check_cancellable,
    check_replaceable,
    company_seats_left,
    is_registered,
    replace_attendee,
)
from app.events.routes import _visible, bp, render_detail
from app.events.rsvp_forms import attendees_from, make_rsvp_form, row_count
from app.events.rsvp_forms import ReplaceAttendeeForm
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

    `rsvp_state`: "login" (anonymous), "staff", "closed" (with `rsvp_reason`), "seats_used" (the
    company's seats are all taken, with `rsvp_reason`) or "open" (with `rsvp_form`). Members also get
    `may_cancel` / `may_replace` for the links in their company's table.
    """
    ctx: dict = {"rsvp_error": error, "rsvp_form": None, "rsvp_reason": None, "company_registrations": [],
                 "consent": consent, "rsvp_rows": row_count(event)}
    now = utcnow()
    if not current_user.is_authenticated:
        from app.events.guest_routes import guest_panel  # guest forms (app/events/guest_routes.py)

        try:
            check_eligibility(event, guest=True, now=now)
        except RegistrationError as exc:
            if exc.code in _EVENT_WIDE:
                ctx.update(rsvp_state="closed", rsvp_reason=exc.message, **guest_panel(event, exc.code, now))
                return ctx
        else:
            ctx.update(guest_panel(event, None, now))
        ctx.update(rsvp_state="login", login_url=url_for("auth.login", next=request.path))
        return ctx
    if not _is_member():
        ctx.update(rsvp_state="staff", rsvp_reason=_staff_message())
        return ctx
    ctx["company_registrations"] = _company_registrations(event)
    ctx["cancel_form"] = CancelRegistrationForm()
    ctx["may_cancel"] = _passes(check_cancellable, event, now=now)
    ctx["may_replace"] = _passes(check_replaceable, event, now=now)
    try:
        check_eligibility(event, company=current_user.company, now=now)
    except RegistrationError as exc:
        ctx.update(rsvp_state="closed", rsvp_reason=exc.message)
        return ctx
    seats_left = company_seats_left(event, current_user.company_id)
    if seats_left == 0:
        ctx.update(rsvp_state="seats_used", rsvp_reason=_(
            "우리 기업의 신청 가능 인원(%(limit)d명)을 모두 사용했습니다", limit=event.seats_per_company))
        return ctx
    ctx["rsvp_rows"] = row_count(event, seats_left)
    if form is None:
        # Offer the member themself only while they are not registered already.
        member = None if is_registered(event.id, current_user.email) else current_user
        form = make_rsvp_form(event, member=member, rows=ctx["rsvp_rows"])
    ctx.update(rsvp_state="open", rsvp_form=form)
    return ctx


def _passes(check, *args, **kwargs) -> bool:
    try:
        check(*args, **kwargs)
    except RegistrationError:
        return False
    return True


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
    form = make_rsvp_form(event, formdata=request.form,
                          rows=row_count(event, company_seats_left(event, current_user.company_id)))
    if not form.validate_on_submit():
        return render_detail(event, status=400, **rsvp_panel(
            event, form=form, error=_("입력 내용을 확인해 주세요.")))
    people = attendees_from(form, event)
    # With a per-company limit the service counts the company's seats left under its lock
    # and refuses with its own message; this cap is only for events without one.
    if event.seats_per_company is None and len(people) > row_count(event):
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
    by_staff = current_user.role != Role.MEMBER
    if request.method == "GET":
        try:
            check_cancellable(event, now=utcnow(), by_staff=by_staff)
        except RegistrationError as exc:
            flash(exc.message, "error")
            return redirect(back)
    form = CancelRegistrationForm()
    if form.validate_on_submit():
        name = registration.name
        try:
            cancel(registration_id, now=utcnow(), by_staff=by_staff)
        except RegistrationError as exc:
            db.session.rollback()
            event = _load_event(event_id)
            return render_detail(event, status=400, **rsvp_panel(event, error=exc.message))
        db.session.commit()
        deliver_pending()
        flash(_("%(name)s님의 참가 신청을 취소했습니다.", name=name), "success")
        return redirect(back)
    return render_template("events/rsvp_cancel.html", form=form, event=event, registration=registration,
                           back=back), 400 if form.errors else 200


def _replace_page(event: Event, registration: Registration, form: ReplaceAttendeeForm, error: str | None = None,
                  status: int = 200):
    return render_template("events/rsvp_replace.html", event=event, registration=registration, form=form,
                           error=error, consent=consent,
                           back=url_for("events.detail", event_id=event.id)), status


@bp.route("/events/<int:event_id>/registrations/<int:registration_id>/replace", methods=["GET", "POST"])
@login_required
def replace_registration(event_id: int, registration_id: int):
    """A company member puts a colleague in one of the company's places (staff have their own page)."""
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event_id:
        abort(404)
    event = _load_event(event_id)
    if not _is_member() or registration.company_id != current_user.company_id:
        abort(403)
    back = url_for("events.detail", event_id=event_id)
    form = ReplaceAttendeeForm()
    if request.method == "GET":
        try:
            check_replaceable(event, registration, now=utcnow())
        except RegistrationError as exc:
            flash(exc.message, "error")
            return redirect(back)
        return _replace_page(event, registration, form)
    if not form.validate_on_submit():
        return _replace_page(event, registration, form, error=_("입력 내용을 확인해 주세요."), status=400)
    old_name = registration.name
    try:
        replaced = replace_attendee(
            registration_id, form.attendee(), company=current_user.company,
            consent_version=consent.CONSENT_VERSION if form.consent.data else None, now=utcnow(),
        )
    except RegistrationError as exc:
        db.session.rollback()
        registration = db.session.get(Registration, registration_id)
        return _replace_page(registration.event, registration, form, error=exc.message, status=400)
    new_name = replaced.name
    db.session.commit()
    deliver_pending()
    flash(_("%(old)s님 대신 %(new)s님으로 참가자를 교체했습니다. 새 참가자에게 안내 메일을 보냈습니다.",
            old=old_name, new=new_name), "success")
    return redirect(back)
