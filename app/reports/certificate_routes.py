"""Council attendance records (staff) and certificates of attendance (attendees, guests, staff
batches) with their public verification page."""

from __future__ import annotations

from flask import Response, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from app.auth.decorators import staff_required
from app.events.access import attendee_registration, managed_event
from app.events.guest import registration_by_token
from app.exports import inline_pdf
from app.extensions import db, limiter
from app.jobs import threshold
from app.models import Registration, utcnow
from app.pdf import render_pdf
from app.reports import certificates, council, report_jobs
from app.reports.blueprint import bp


def _error(status: int, title: str, message: str):
    return render_template("errors/error.html", status=status, title=title, message=message), status


# --- council attendance record ---------------------------------------------------------------


def _council_record(event_id: int):
    event = managed_event(event_id)
    try:
        return council.council_record(event, utcnow())
    except council.NotCouncilMeeting:
        return None


def _not_council():
    return _error(400, _("출석부를 만들 수 없습니다"), _("협의회 출석부는 입주기업협의회 정기회의에만 있습니다."))


@bp.get("/staff/events/<int:event_id>/council-attendance")
@staff_required
def council_attendance(event_id: int):
    record = _council_record(event_id)
    if record is None:
        return _not_council()
    return render_template("reports/council_attendance.html", record=record, event=record.event)


@bp.get("/staff/events/<int:event_id>/council-attendance.pdf")
@staff_required
def council_attendance_pdf(event_id: int):
    record = _council_record(event_id)
    if record is None:
        return _not_council()
    html = render_template("pdf/council_attendance.html", record=record, event=record.event)
    return inline_pdf(render_pdf(html), council.record_filename(record.event))


# --- certificates of attendance --------------------------------------------------------------


def verify_url(code: str) -> str:
    return url_for("reports.verify_certificate", code=code, _external=True)


def _certificate_response(registration: Registration) -> Response:
    checkin = certificates.checkin_of(registration)
    if not certificates.has_certificate(registration, checkin):
        abort(404)
    data = certificates.certificates_pdf([(registration, checkin)], verify_url)
    return inline_pdf(data, certificates.single_filename(registration))


@bp.get("/registrations/<int:registration_id>/certificate.pdf")
@login_required
def registration_certificate(registration_id: int):
    return _certificate_response(attendee_registration(registration_id))


@bp.get("/registrations/manage/<token>/certificate.pdf")
def guest_certificate(token: str):
    registration = registration_by_token(token)
    if registration is None:
        abort(404)
    return _certificate_response(registration)


@bp.get("/certificates/<int:registration_id>/<token>.pdf")
def linked_certificate(registration_id: int, token: str):
    """The certificate link of the thank-you mail (app/events/lifecycle.py): no sign-in, the
    link's secret is the key; it dies with the ticket, as the badge link does."""
    from app.events.lifecycle import certificate_link_matches

    registration = db.session.get(Registration, registration_id)
    if not certificate_link_matches(registration, token):
        return _error(
            404,
            _("사용할 수 없는 참가확인서 링크입니다"),
            _("링크가 잘못되었거나 만료되었습니다. 참가확인서는 로그인한 뒤 행사 페이지에서도 받을 수 있습니다."),
        )
    return _certificate_response(registration)


@bp.get("/staff/events/<int:event_id>/certificates.pdf")
@staff_required
def event_certificates_pdf(event_id: int):
    event = managed_event(event_id)
    raw = (request.args.get("company_id") or "").strip()
    company_id = None
    if raw:
        if not raw.isascii() or not raw.isdigit() or len(raw) > 9 or int(raw) < 1:
            return _error(400, _("잘못된 요청입니다"), _("기업 번호(company_id)가 올바르지 않습니다."))
        company_id = int(raw)
    if report_jobs.count_certificates(event, company_id) >= threshold("JOB_CERTIFICATES_FROM"):
        # A large batch is made by a job, after a confirming POST (reports/job_routes.py).
        return redirect(url_for("reports.start_certificates", event_id=event.id, company_id=company_id))
    pairs = certificates.event_certificates(event, company_id)
    if not pairs:
        return _error(404, _("참가확인서가 없습니다"), _("체크인한 참가자가 없어 발급할 참가확인서가 없습니다."))
    data = certificates.certificates_pdf(pairs, verify_url)
    return inline_pdf(data, certificates.batch_filename(event))


# --- verification (public) ------------------------------------------------------------------


def _verify_page(raw_code: str | None):
    registration = certificates.verify(raw_code) if raw_code else None
    status = 200 if registration is not None or not raw_code else 404
    response = render_template(
        "reports/certificate_verify.html",
        code=raw_code or "",
        registration=registration,
        checked=bool(raw_code),
        masked_name=certificates.mask_name(registration.name) if registration else "",
        serial=certificates.serial_number(registration) if registration else "",
    )
    return response, status, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _verify_limit() -> str:
    # Public pages that answer "genuine or not": a per-address limit keeps them from being
    # used to try codes at speed (the tags are 128 bits; this is defence in depth).
    return current_app.config.get("CERTIFICATE_VERIFY_RATE_LIMIT", "30 per minute")


@bp.get("/certificates/verify")
@limiter.limit(_verify_limit)
def verify_form():
    raw = request.args.get("code", "")
    return _verify_page(raw[:200].strip() or None)


@bp.get("/certificates/verify/<code>")
@limiter.limit(_verify_limit)
def verify_certificate(code: str):
    return _verify_page(code[:200])


@bp.app_context_processor
def _certificate_helpers():
    return {"certificate_ids": certificates.checked_in_ids}
