"""Staff downloads of an event's attendance: the reports page, attendance report and sign-in sheet PDFs, CSV and XLSX.

Host-cluster staff and admins only (`managed_event`: 404 unknown event, 403 otherwise); read
only, so plain GETs (no state changes, nothing to protect with CSRF).
"""

from __future__ import annotations

from flask import redirect, render_template, url_for

from app.audit import record_access
from app.auth.decorators import staff_required
from app.events.access import managed_event
from app.events.door import event_phase
from app.exports import inline_pdf, private_download
from app.extensions import db
from app.jobs import threshold
from app.models import utcnow
from app.reports import attendance, attendance_exports, attendance_pdf, report_jobs
from app.reports.blueprint import bp

_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/staff/events/<int:event_id>/reports")
@staff_required
def event_reports(event_id: int):
    event = managed_event(event_id)
    return render_template(
        "reports/event_reports.html",
        event=event,
        counts=attendance.attendance_counts(event),
        phase=event_phase(event, utcnow()),
        blank_rows=attendance_pdf.SIGN_IN_BLANK_ROWS,
    )


@bp.get("/staff/events/<int:event_id>/attendance.pdf")
@staff_required
def attendance_report(event_id: int):
    event = managed_event(event_id)
    if report_jobs.count_attendees(event) >= threshold("JOB_REPORT_FROM"):
        # A large report is made by a job, after a confirming POST (reports/job_routes.py).
        return redirect(url_for("reports.start_attendance_report", event_id=event.id))
    data = attendance_pdf.attendance_report_pdf(event, utcnow())
    return inline_pdf(data, attendance_pdf.report_filename(event))


@bp.get("/staff/events/<int:event_id>/sign-in-sheet.pdf")
@staff_required
def sign_in_sheet(event_id: int):
    event = managed_event(event_id)
    data = attendance_pdf.sign_in_sheet_pdf(event, utcnow())
    return inline_pdf(data, attendance_pdf.sign_in_filename(event))


@bp.get("/staff/events/<int:event_id>/attendance.csv")
@staff_required
def attendance_csv(event_id: int):
    event = managed_event(event_id)
    rows = attendance.attendance_rows(event)
    data = attendance_exports.attendance_csv(rows)
    record_access("attendance CSV", cluster_id=event.host_cluster_id, count=len(rows))
    db.session.commit()
    return private_download(data, "text/csv", *attendance_pdf.export_filename(event, "csv"))


@bp.get("/staff/events/<int:event_id>/attendance.xlsx")
@staff_required
def attendance_xlsx(event_id: int):
    event = managed_event(event_id)
    rows = attendance.attendance_rows(event)
    data = attendance_exports.attendance_xlsx(rows)
    record_access("attendance XLSX", cluster_id=event.host_cluster_id, count=len(rows))
    db.session.commit()
    return private_download(data, _XLSX, *attendance_pdf.export_filename(event, "xlsx"))
