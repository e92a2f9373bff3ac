"""Guest (outside company) registration and the private manage link pages (on the `events` blueprint)."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from app.events import consent, guest
from app.events.access import visible_event_or_404
from app.events.blueprint import bp
from app.events.guest_forms import GuestDetailsForm, GuestRegistrationForm, ResendLinkForm
from app.events.notifications import waitlist_position
from app.events.registration import RegistrationError, check_eligibility
from app.extensions import db, limiter
from app.forms import ConfirmForm
from app.models import Event, EventStatus, Registration, RegistrationStatus, utcnow

# The done page finds the registration just made through the (signed) session, never a URL.
_DONE_KEY = "guest_registration_id"
# Pages that show or carry a manage token: never cached, never sent on as a Referer.
_PRIVATE_ENDPOINTS = {"events.guest_manage", "events.guest_cancel", "events.guest_done"}


def _guest_limit() -> str:
    # Same mechanism as the login limit; RATELIMIT_ENABLED=False switches every limit off.
    return current_app.config.get("GUEST_RSVP_RATE_LIMIT", "20 per minute")


@bp.after_request
def _private_headers(response):
    if request.endpoint in _PRIVATE_ENDPOINTS:
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _manage_link(token: str) -> str:
    return url_for("events.guest_manage", token=token, _external=True)


def _render_register(event: Event, form=None, error: str | None = None, status: int = 200):
    now = utcnow()
    reason = None
    try:
        check_eligibility(event, guest=True, now=now)
    except RegistrationError as exc:
        reason = exc.message
    show_resend = event.open_to_guests and event.status == EventStatus.PUBLISHED and now < event.starts_at
    # A refused POST always comes back with the form as entered and the reason above it.
    if form is None and reason is None:
        form = GuestRegistrationForm()
    return render_template(
        "events/guest_register.html",
        event=event,
        consent=consent,
        guest_reason=None if form else reason,
        guest_error=error,
        guest_form=form,
        guest_resend_form=ResendLinkForm(prefix="resend") if show_resend else None,
    ), status


@bp.route("/events/<int:event_id>/guest", methods=["GET", "POST"])
@limiter.limit(_guest_limit, methods=["POST"])
def guest_register(event_id: int):
    event = visible_event_or_404(event_id)
    if request.method == "GET":
        return _render_register(event)
    form = GuestRegistrationForm()
    if not form.validate_on_submit():
        return _render_register(event, form, _("입력 내용을 확인해 주세요."), 400)
    try:
        registration = guest.register_guest(
            event.id,
            company_name=form.company_name.data,
            brn=form.brn.data,
            name=form.name.data,
            email=form.email.data,
            mobile=form.mobile.data,
            job_title=form.job_title.data,
            consent_version=consent.CONSENT_VERSION if form.consent.data else None,
            manage_link=_manage_link,
            now=utcnow(),
        )
    except RegistrationError as exc:
        db.session.rollback()
        return _render_register(visible_event_or_404(event_id), form, exc.message, 400)
    registration_id = registration.id
    db.session.commit()
    session[_DONE_KEY] = registration_id
    return redirect(url_for("events.guest_done", event_id=event_id))


@bp.get("/events/<int:event_id>/guest/done")
def guest_done(event_id: int):
    event = visible_event_or_404(event_id)
    registration = None
    registration_id = session.get(_DONE_KEY)
    if isinstance(registration_id, int):
        registration = db.session.get(Registration, registration_id)
        if registration is None or registration.event_id != event.id or registration.company_id is not None:
            registration = None
    return render_template(
        "events/guest_done.html",
        event=event,
        registration=registration,
        position=waitlist_position(registration) if registration else None,
    )


@bp.route("/events/<int:event_id>/guest/resend", methods=["GET", "POST"])
@limiter.limit(_guest_limit, methods=["POST"])
def guest_resend(event_id: int):
    event = visible_event_or_404(event_id)
    form = ResendLinkForm(prefix="resend")
    if form.validate_on_submit():
        guest.resend_manage_link(event.id, form.email.data, manage_link=_manage_link)
        db.session.commit()
        # The same answer whether or not a registration exists: no enumeration of guests.
        flash(
            _(
                "이 행사에 그 이메일로 신청한 내역이 있으면 새 관리 링크를 보냈습니다. "
                "이전 링크는 더 이상 쓸 수 없습니다."
            ),
            "info",
        )
        return redirect(url_for("events.guest_resend", event_id=event_id))
    return render_template(
        "events/guest_resend_page.html", event=event, guest_resend_form=form
    ), 400 if form.errors else 200


def _registration_or_404(token: str) -> Registration:
    registration = guest.registration_by_token(token)
    if registration is None:
        abort(404)
    return registration


def _render_manage(registration: Registration, form=None, error: str | None = None, status: int = 200):
    now = utcnow()
    if form is None:
        form = GuestDetailsForm(
            formdata=None,
            data={
                "name": registration.name,
                "email": registration.email,
                "mobile": registration.mobile or "",
                "job_title": registration.job_title or "",
            },
        )
    return render_template(
        "events/guest_manage.html",
        registration=registration,
        event=registration.event,
        form=form,
        error=error,
        position=waitlist_position(registration),
        may_change=guest.may_change(registration, now),
        may_cancel=guest.may_cancel(registration, now),
        change_deadline=guest.change_deadline(registration.event),
    ), status


@bp.route("/registrations/manage/<token>", methods=["GET", "POST"])
def guest_manage(token: str):
    registration = _registration_or_404(token)
    if request.method == "GET":
        return _render_manage(registration)
    form = GuestDetailsForm()
    if not form.validate_on_submit():
        return _render_manage(registration, form, _("입력 내용을 확인해 주세요."), 400)
    registration_id = registration.id
    try:
        guest.update_guest_details(
            registration_id,
            name=form.name.data,
            email=form.email.data,
            mobile=form.mobile.data,
            job_title=form.job_title.data,
            manage_url=_manage_link(token),
            now=utcnow(),
        )
    except RegistrationError as exc:
        db.session.rollback()
        return _render_manage(db.session.get(Registration, registration_id), form, exc.message, 400)
    db.session.commit()
    flash(_("신청 정보를 변경했습니다."), "success")
    return redirect(url_for("events.guest_manage", token=token))


@bp.route("/registrations/manage/<token>/cancel", methods=["GET", "POST"])
def guest_cancel(token: str):
    registration = _registration_or_404(token)
    back = url_for("events.guest_manage", token=token)
    if registration.status == RegistrationStatus.CANCELLED:
        flash(_("이미 취소된 신청입니다."), "info")
        return redirect(back)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            guest.cancel_guest_registration(registration.id, now=utcnow())
        except RegistrationError as exc:
            db.session.rollback()
            return _render_manage(_registration_or_404(token), error=exc.message, status=400)
        db.session.commit()
        flash(_("참가 신청을 취소했습니다."), "success")
        return redirect(back)
    if not guest.may_cancel(registration, utcnow()):
        flash(_("행사가 시작된 뒤에는 신청을 취소할 수 없습니다."), "error")
        return redirect(back)
    return render_template(
        "events/guest_cancel.html", form=form, event=registration.event, registration=registration, back=back
    ), 400 if form.errors else 200
