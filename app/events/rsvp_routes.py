"""Company RSVP on the event page: signed-in company members register, replace an attendee and
cancel (on the `events` blueprint); staff cancel here too, on a company's behalf."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.events import consent
from app.events.access import event_registration_or_404, may_cancel, visible_event_or_404
from app.events.blueprint import bp
from app.events.detail_page import is_member, render_detail, rsvp_panel, staff_message
from app.events.registration import (
    RegistrationError,
    cancel,
    check_cancellable,
    check_replaceable,
    company_seats_left,
    register,
    replace_attendee,
)
from app.events.rsvp_forms import CancelRegistrationForm, ReplaceAttendeeForm, attendees_from, make_rsvp_form, row_count
from app.extensions import db
from app.models import Event, Registration, RegistrationStatus, Role, utcnow


@bp.post("/events/<int:event_id>/register", endpoint="register")
@login_required
def register_view(event_id: int):
    event = visible_event_or_404(event_id)
    if not is_member():
        return render_template(
            "errors/error.html", status=403, title=_("접근 권한이 없습니다"), message=staff_message()
        ), 403
    form = make_rsvp_form(
        event, formdata=request.form, rows=row_count(event, company_seats_left(event, current_user.company_id))
    )
    if not form.validate_on_submit():
        return render_detail(event, status=400, **rsvp_panel(event, form=form, error=_("입력 내용을 확인해 주세요.")))
    people = attendees_from(form, event)
    # With a per-company limit the service counts the company's seats left under its lock
    # and refuses with its own message; this cap is only for events without one.
    if event.seats_per_company is None and len(people) > row_count(event):
        return render_detail(
            event,
            status=400,
            **rsvp_panel(event, form=form, error=_("한 번에 최대 %(n)d명까지 신청할 수 있습니다.", n=row_count(event))),
        )
    company = current_user.company
    try:
        registrations = register(
            event.id,
            people,
            company=company,
            registered_by=current_user._get_current_object(),
            consent_version=consent.CONSENT_VERSION if form.consent.data else None,
            now=utcnow(),
        )
    except RegistrationError as exc:
        db.session.rollback()
        event = visible_event_or_404(event_id)
        return render_detail(event, status=400, **rsvp_panel(event, form=form, error=exc.message))
    confirmed = sum(1 for r in registrations if r.status == RegistrationStatus.CONFIRMED)
    waitlisted = len(registrations) - confirmed
    db.session.commit()
    if waitlisted:
        flash(
            _(
                "참가 신청을 접수했습니다: 확정 %(confirmed)d명, 대기 %(waitlisted)d명. "
                "대기자는 자리가 나면 신청 순서대로 확정되며 메일로 알려 드립니다.",
                confirmed=confirmed,
                waitlisted=waitlisted,
            ),
            "success",
        )
    else:
        flash(
            _(
                "참가 신청을 접수했습니다: 확정 %(confirmed)d명, 대기 %(waitlisted)d명.",
                confirmed=confirmed,
                waitlisted=waitlisted,
            ),
            "success",
        )
    return redirect(url_for("events.detail", event_id=event_id))


@bp.route("/events/<int:event_id>/registrations/<int:registration_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel_registration(event_id: int, registration_id: int):
    registration = event_registration_or_404(event_id, registration_id)
    event = registration.event
    if not may_cancel(current_user, registration, event):
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
            event = visible_event_or_404(event_id)
            return render_detail(event, status=400, **rsvp_panel(event, error=exc.message))
        db.session.commit()
        flash(_("%(name)s님의 참가 신청을 취소했습니다.", name=name), "success")
        return redirect(back)
    return render_template(
        "events/rsvp_cancel.html", form=form, event=event, registration=registration, back=back
    ), 400 if form.errors else 200


def _replace_page(
    event: Event, registration: Registration, form: ReplaceAttendeeForm, error: str | None = None, status: int = 200
):
    return render_template(
        "events/rsvp_replace.html",
        event=event,
        registration=registration,
        form=form,
        error=error,
        consent=consent,
        back=url_for("events.detail", event_id=event.id),
    ), status


@bp.route("/events/<int:event_id>/registrations/<int:registration_id>/replace", methods=["GET", "POST"])
@login_required
def replace_registration(event_id: int, registration_id: int):
    """A company member puts a colleague in one of the company's places (staff have their own page)."""
    registration = event_registration_or_404(event_id, registration_id)
    event = visible_event_or_404(event_id)
    if not is_member() or registration.company_id != current_user.company_id:
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
            registration_id,
            form.attendee(),
            company=current_user.company,
            consent_version=consent.CONSENT_VERSION if form.consent.data else None,
            now=utcnow(),
        )
    except RegistrationError as exc:
        db.session.rollback()
        registration = db.session.get(Registration, registration_id)
        return _replace_page(registration.event, registration, form, error=exc.message, status=400)
    new_name = replaced.name
    db.session.commit()
    flash(
        _(
            "%(old)s님 대신 %(new)s님으로 참가자를 교체했습니다. 새 참가자에게 안내 메일을 보냈습니다.",
            old=old_name,
            new=new_name,
        ),
        "success",
    )
    return redirect(back)
