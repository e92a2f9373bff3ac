"""Staff pages at the door: the check-in hub, scanner pages (staff and device link), scanner
links per gate, walk-in registration and the scan log."""

from __future__ import annotations

from flask import abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select
from sqlalchemy.orm import aliased
from werkzeug.exceptions import HTTPException

from app.auth.decorators import staff_required
from app.checkin import answers, walkins
from app.checkin import devices as device_service
from app.checkin.blueprint import bp
from app.checkin.door_forms import DeviceForm, WalkInForm
from app.events import consent
from app.events.access import event_registration_or_404, managed_event
from app.events.door import doors_open_at
from app.events.registration import AttendeeData, RegistrationError
from app.extensions import db
from app.forms import ConfirmForm
from app.i18n import format_kst_range
from app.models import (
    CheckIn,
    Company,
    DoorDevice,
    Event,
    Registration,
    RegistrationStatus,
    ScanLog,
    User,
    utcnow,
)
from app.models.checkin import scan_method_label
from app.qr import qr_svg
from app.routing import page_arg

SCAN_LOG_PER_PAGE = 50


def _no_referrer(response):
    # Device links carry their token in the path: never leak it to another site or a cache.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _scanner_config(event: Event, *, device: DoorDevice | None, token: str | None) -> dict:
    return {
        "scan_url": url_for("checkin.api_scan", event_id=event.id),
        "search_url": url_for("checkin.api_search", event_id=event.id),
        "undo_url": url_for("checkin.api_undo", event_id=event.id) if device is None else None,
        "csrf_token": generate_csrf() if device is None else None,
        "door_token": token,
        "event_title": event.title,
        "event_when": format_kst_range(event.starts_at, event.ends_at),
        "gate": device.gate if device is not None else None,
        "is_staff": device is None,
        # Offline (docs/CHECKIN_API.md): the roster, the batch upload, the service worker.
        "roster_url": _served(f"/api/checkin/events/{event.id}/roster", "GET"),
        "upload_url": _served(f"/api/checkin/events/{event.id}/scans", "POST"),
        "sw_url": url_for("checkin.door_service_worker"),
        "sw_scope": "/door/" if device is not None else url_for("checkin.staff_scanner", event_id=event.id),
        "link_expires_at": device.expires_at.isoformat() if device is not None else None,
    }


def _served(path: str, method: str) -> str | None:
    # The roster and upload endpoints are optional for the page: without them it queues as before.
    try:
        current_app.url_map.bind("").match(path, method=method)
    except HTTPException:
        return None
    return path


# --- the hub -----------------------------------------------------------------------------------


@bp.get("/staff/events/<int:event_id>/checkin")
@staff_required
def hub(event_id: int):
    event = managed_event(event_id)
    return _render_hub(event, DeviceForm())


def _render_hub(event: Event, form: DeviceForm, new_link: str | None = None, status: int = 200):
    now = utcnow()
    devices = device_service.devices_of(event.id)
    checked_in = (
        db.session.scalar(select(db.func.count()).select_from(CheckIn).where(CheckIn.event_id == event.id)) or 0
    )
    confirmed = (
        db.session.scalar(
            select(db.func.count())
            .select_from(Registration)
            .where(Registration.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED)
        )
        or 0
    )
    response = render_template(
        "checkin/hub.html",
        event=event,
        devices=devices,
        form=form,
        now=now,
        new_link=new_link,
        new_link_qr=qr_svg(new_link, _("스캐너 링크 QR 코드"), size="100%") if new_link else None,
        checked_in=checked_in,
        confirmed=confirmed,
        doors_open_at=doors_open_at(event),
        revoke_form=ConfirmForm(),
    )
    return _no_referrer(make_response(response, status))


@bp.post("/staff/events/<int:event_id>/devices")
@staff_required
def device_create(event_id: int):
    event = managed_event(event_id)
    form = DeviceForm()
    if not form.validate_on_submit():
        return _render_hub(event, form, status=400)
    try:
        _device, token = device_service.create_device(
            event, gate=form.gate.data, valid_hours=form.valid_hours.data, created_by_id=current_user.id, now=utcnow()
        )
    except device_service.DeviceError as exc:
        form.gate.errors = [exc.message]
        return _render_hub(event, form, status=400)
    db.session.commit()
    link = url_for("checkin.door_scanner", token=token, _external=True)
    flash(_("스캐너 링크를 만들었습니다. 이 링크는 지금만 보여 드립니다."), "success")
    return _render_hub(event, DeviceForm(formdata=None), new_link=link)


def _load_device(event: Event, device_id: int) -> DoorDevice:
    device = db.session.get(DoorDevice, device_id)
    if device is None or device.event_id != event.id:
        abort(404)
    return device


@bp.route("/staff/events/<int:event_id>/devices/<int:device_id>/revoke", methods=["GET", "POST"])
@staff_required
def device_revoke(event_id: int, device_id: int):
    event = managed_event(event_id)
    device = _load_device(event, device_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        if device_service.revoke_device(device, utcnow()):
            db.session.commit()
            flash(
                _("%(gate)s 스캐너 링크를 취소했습니다. 그 링크로는 더 이상 체크인할 수 없습니다.", gate=device.gate),
                "success",
            )
        else:
            flash(_("이미 취소된 링크입니다."), "info")
        return redirect(url_for("checkin.hub", event_id=event.id))
    return render_template("checkin/device_revoke.html", event=event, device=device, form=form)


# --- scanner pages ----------------------------------------------------------------------------


@bp.get("/staff/events/<int:event_id>/scanner")
@staff_required
def staff_scanner(event_id: int):
    event = managed_event(event_id)
    return _no_referrer(
        make_response(
            render_template(
                "checkin/scanner.html", event=event, scanner=_scanner_config(event, device=None, token=None)
            ),
            200,
        )
    )


@bp.get("/door/<token>")
def door_scanner(token: str):
    device = device_service.device_for_token(token, utcnow())
    if device is None:
        return _no_referrer(make_response(render_template("checkin/door_invalid.html"), 404))
    device_service.touch(device.id, device.last_seen_at, utcnow())
    db.session.commit()
    event = device.event
    return _no_referrer(
        make_response(
            render_template(
                "checkin/scanner.html", event=event, scanner=_scanner_config(event, device=device, token=token)
            ),
            200,
        )
    )


# --- walk-ins ---------------------------------------------------------------------------------


@bp.route("/staff/events/<int:event_id>/walk-in", methods=["GET", "POST"])
@staff_required
def walk_in(event_id: int):
    event = managed_event(event_id)
    form = WalkInForm()
    now = utcnow()
    closed_reason = walkins.door_closed_reason(event, now)
    companies = [] if closed_reason else walkins.eligible_companies(event, now)
    form.company_id.choices = [(0, _("— 외부 기업 (아래에 입력) —"))] + [(c.id, c.name) for c in companies]
    form.role.choices = walkins.role_choices(event)
    page = dict(event=event, form=form, consent=consent, closed_reason=closed_reason, companies=companies)
    if request.method == "POST" and closed_reason:
        flash(closed_reason, "error")
        return render_template("checkin/walkin.html", **page), 400
    if request.method == "POST" and form.validate_on_submit():
        company = db.session.get(Company, form.company_id.data) if form.company_id.data else None
        attendee = AttendeeData(
            name=form.name.data or "",
            email=form.email.data or "",
            mobile=form.mobile.data,
            job_title=form.job_title.data,
            role=form.role.data,
        )
        try:
            registration = walkins.register_and_admit(
                event,
                attendee,
                company=company,
                guest_company_name=form.guest_company_name.data,
                guest_brn=form.guest_brn.data,
                consent_version=consent.CONSENT_VERSION if form.consent.data else None,
                staff=current_user._get_current_object(),
                gate=form.gate.data or None,
                now=now,
            )
        except RegistrationError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return render_template("checkin/walkin.html", **page), 400
        name, registration_id = registration.name, registration.id
        db.session.commit()
        flash(_("%(name)s님을 현장 등록하고 체크인했습니다.", name=name), "success")
        return redirect(url_for("checkin.walk_in_done", event_id=event.id, registration_id=registration_id))
    status = 400 if request.method == "POST" else 200
    return render_template("checkin/walkin.html", **page), status


@bp.get("/staff/events/<int:event_id>/walk-in/<int:registration_id>")
@staff_required
def walk_in_done(event_id: int, registration_id: int):
    event = managed_event(event_id)
    registration = event_registration_or_404(event, registration_id)
    checkin = db.session.scalar(select(CheckIn).where(CheckIn.registration_id == registration.id))
    return render_template(
        "checkin/walkin_done.html",
        event=event,
        registration=registration,
        checkin=checkin,
    )


# --- scan log ---------------------------------------------------------------------------------


@bp.get("/staff/events/<int:event_id>/scans")
@staff_required
def scan_log(event_id: int):
    event = managed_event(event_id)
    page = page_arg(request.args)
    # ?conflicts=1: only second admissions found in offline uploads (app/checkin/uploads.py).
    only_conflicts = request.args.get("conflicts") == "1"
    where = [ScanLog.event_id == event.id]
    conflicts = (
        db.session.scalar(
            select(db.func.count()).select_from(ScanLog).where(*where, ScanLog.conflict_with_id.is_not(None))
        )
        or 0
    )
    if only_conflicts:
        where.append(ScanLog.conflict_with_id.is_not(None))
    total = db.session.scalar(select(db.func.count()).select_from(ScanLog).where(*where)) or 0
    pages = max((total + SCAN_LOG_PER_PAGE - 1) // SCAN_LOG_PER_PAGE, 1)
    page = min(page, pages)
    first = aliased(ScanLog)
    rows = db.session.execute(
        select(ScanLog, Registration.name, DoorDevice.gate, User.name, first.scanned_at, first.gate)
        .outerjoin(Registration, Registration.id == ScanLog.registration_id)
        .outerjoin(DoorDevice, DoorDevice.id == ScanLog.device_id)
        .outerjoin(User, User.id == ScanLog.user_id)
        .outerjoin(first, first.id == ScanLog.conflict_with_id)
        .where(*where)
        .order_by(ScanLog.scanned_at.desc(), ScanLog.id.desc())
        .limit(SCAN_LOG_PER_PAGE)
        .offset((page - 1) * SCAN_LOG_PER_PAGE)
    ).all()
    return render_template(
        "checkin/scans.html",
        event=event,
        rows=rows,
        page=page,
        pages=pages,
        total=total,
        conflicts=conflicts,
        only_conflicts=only_conflicts,
        result_labels=answers.RESULT_LABELS,
        result_tone=answers.result_tone,
        scan_method_label=scan_method_label,
    )
