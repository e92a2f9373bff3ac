"""Large certificate batches and attendance reports as background jobs (app/jobs).

From JOB_CERTIFICATES_FROM certificates, or JOB_REPORT_FROM confirmed attendees, the PDF link
leads to a confirming page whose POST starts a job (reports/job_routes.py); the job's page then
shows the pages rendered and offers the file.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.extensions import db
from app.jobs import JobError, JobResult, create_job, job_kind
from app.models import CheckIn, Event, Job, Registration, RegistrationStatus, User, utcnow
from app.reports import attendance_pdf, certificates

NO_CERTIFICATES = _l("체크인한 참가자가 없어 발급할 참가확인서가 없습니다.")
NO_EVENT = _l("행사가 삭제되어 파일을 만들 수 없습니다.")


def company_id_arg(raw: str | None) -> int | None:
    """An optional company id from a form or query string; ValueError when it is not one."""
    raw = (raw or "").strip()
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9 or int(raw) < 1:
        raise ValueError("company_id")
    return int(raw)


def count_certificates(event: Event, company_id: int | None = None) -> int:
    """Checked-in, not cancelled registrations (the certificate batch's pages); one query."""
    query = (
        select(func.count(Registration.id))
        .join(CheckIn, CheckIn.registration_id == Registration.id)
        .where(Registration.event_id == event.id, Registration.status != RegistrationStatus.CANCELLED)
    )
    if company_id is not None:
        query = query.where(Registration.company_id == company_id)
    return db.session.scalar(query) or 0


def count_attendees(event: Event) -> int:
    """Confirmed registrations: the people the attendance report lists; one query."""
    query = select(func.count(Registration.id)).where(
        Registration.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED
    )
    return db.session.scalar(query) or 0


def certificates_job(user: User, event: Event, company_id: int | None, count: int) -> Job:
    title = _("참가확인서 %(n)d장: %(event)s", n=count, event=event.title)
    return create_job("certificates", user, event, title, {"company_id": company_id}, total=count)


def attendance_report_job(user: User, event: Event) -> Job:
    return create_job("attendance_report", user, event, _("출석 보고서: %(event)s", event=event.title), {})


def _event_of(job: Job) -> Event:
    if job.event is None:
        raise JobError(NO_EVENT)
    return job.event


def _public_verify_url() -> Callable[[str], str]:
    """Absolute verification URLs without a request: the configured public address."""
    adapter = current_app.url_map.bind("localhost")
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return lambda code: base + adapter.build("reports.verify_certificate", {"code": code})


@job_kind("certificates")
def run_certificates(job: Job, params: dict, progress) -> JobResult:
    event = _event_of(job)
    pairs = certificates.event_certificates(event, params.get("company_id"))
    if not pairs:
        raise JobError(NO_CERTIFICATES)
    total = len(pairs)
    progress(0, total)
    data = certificates.certificates_pdf(pairs, _public_verify_url(), progress=lambda done: progress(done, total))
    name, fallback = certificates.batch_filename(event)
    return JobResult(data, "application/pdf", name, fallback, total)


@job_kind("attendance_report")
def run_attendance_report(job: Job, params: dict, progress) -> JobResult:
    """One document (its page numbers come from CSS counters), so the number of pages is known
    only at the end: the page shows a moving bar without a count until then."""
    from pypdf import PdfReader

    event = _event_of(job)
    progress(0, 0)
    data = attendance_pdf.attendance_report_pdf(event, utcnow())
    name, fallback = attendance_pdf.report_filename(event)
    return JobResult(data, "application/pdf", name, fallback, len(PdfReader(io.BytesIO(data)).pages))
