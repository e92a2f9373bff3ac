"""The confirming pages that start a large certificate batch or attendance report as a job (app/jobs).

GET shows what will be made; the POST (CSRF) creates the job and leads to its page. Host
cluster staff and admins only, as the PDFs themselves.
"""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.decorators import staff_required
from app.events.access import managed_event
from app.extensions import db
from app.forms import ConfirmForm
from app.reports import report_jobs
from app.reports.blueprint import bp


def _start_page(event, kind_title: str, count_text: str, action: str, form: ConfirmForm):
    return render_template(
        "jobs/start.html", event=event, kind_title=kind_title, count_text=count_text, action=action, form=form
    )


@bp.route("/staff/events/<int:event_id>/certificates/job", methods=["GET", "POST"])
@staff_required
def start_certificates(event_id: int):
    event = managed_event(event_id)
    try:
        company_id = report_jobs.company_id_arg(request.args.get("company_id"))
    except ValueError:
        message = _("기업 번호(company_id)가 올바르지 않습니다.")
        return render_template("errors/error.html", status=400, title=_("잘못된 요청입니다"), message=message), 400
    count = report_jobs.count_certificates(event, company_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        job = report_jobs.certificates_job(current_user, event, company_id, count)
        db.session.commit()
        return redirect(url_for("jobs.job_page", job_id=job.id))
    action = url_for("reports.start_certificates", event_id=event.id, company_id=company_id)
    return _start_page(event, _("참가확인서 일괄 PDF"), _("참가확인서 %(n)d장", n=count), action, form)


@bp.route("/staff/events/<int:event_id>/attendance/job", methods=["GET", "POST"])
@staff_required
def start_attendance_report(event_id: int):
    event = managed_event(event_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        job = report_jobs.attendance_report_job(current_user, event)
        db.session.commit()
        return redirect(url_for("jobs.job_page", job_id=job.id))
    count = report_jobs.count_attendees(event)
    action = url_for("reports.start_attendance_report", event_id=event.id)
    return _start_page(event, _("출석 보고서 PDF"), _("참가 확정 %(n)d명", n=count), action, form)
