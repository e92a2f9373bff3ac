"""A job's page (progress bar, then the download), its JSON status and its file.

Only the job's owner, the staff of its event's host cluster and admins see a job (404 unknown,
403 anyone else). The file is kept JOB_FILE_HOURS; after that its page and its download say
so with a 410, never a 500.
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import undefer

from app import jobs
from app.exports import private_download
from app.extensions import db
from app.jobs import sweep
from app.models import Job, JobStatus, utcnow

bp = Blueprint("jobs", __name__)


def _visible_job(job_id: int, *, with_file: bool = False) -> Job:
    options = [undefer(Job.file_data)] if with_file else []
    job = db.session.get(Job, job_id, options=options)
    if job is None:
        abort(404)
    if not jobs.job_visible_to(current_user, job):
        abort(403)
    return job


def _expired_page(job: Job):
    return render_template(
        "errors/error.html",
        status=410,
        title=_("파일 보관 기간이 지났습니다"),
        message=_(
            "이 파일은 만든 뒤 %(hours)s시간 동안만 보관되어 지금은 삭제되었습니다. "
            "필요하면 같은 화면에서 다시 만들어 주세요.",
            hours=f"{jobs.file_hours():g}",
        ),
    ), 410


def status_of(job: Job) -> dict:
    """What the page's script needs: status, rendered pages / total, the download or the error."""
    expired = job.has_expired(utcnow())
    return {
        "id": job.id,
        "status": "expired" if expired else job.status,
        "done": job.done,
        "total": job.total,
        "percent": (100 * job.done // job.total) if job.total else (100 if job.status == JobStatus.DONE else None),
        "label": _progress_label(job, expired),
        "error": jobs.message_of(job),
        "download_url": url_for("jobs.download", job_id=job.id)
        if job.status == JobStatus.DONE and not expired
        else None,
    }


def _progress_label(job: Job, expired: bool) -> str:
    if expired:
        return _("보관 기간이 지나 파일이 삭제되었습니다.")
    if job.status == JobStatus.QUEUED:
        return _("대기 중입니다. 앞의 작업이 끝나면 시작합니다.")
    if job.status == JobStatus.FAILED:
        return _("실패했습니다.")
    rows = jobs.UNITS.get(job.kind) == "rows"
    if job.status == JobStatus.DONE:
        return _("완료: %(n)d행", n=job.total) if rows else _("완료: %(n)d쪽", n=job.total)
    if job.total and not rows:
        return _("%(done)d / %(total)d쪽 만드는 중", done=job.done, total=job.total)
    return _("반영하는 중입니다…") if rows else _("만드는 중입니다…")


@bp.get("/jobs/<int:job_id>")
@login_required
def job_page(job_id: int):
    job = _visible_job(job_id)
    sweep.revive(job)
    if job.has_expired(utcnow()):
        return _expired_page(job)
    return render_template("jobs/job.html", job=job, status=status_of(job), hours=f"{jobs.file_hours():g}")


@bp.get("/jobs/<int:job_id>/status")
@login_required
def job_status(job_id: int):
    job = _visible_job(job_id)
    sweep.revive(job)
    response = jsonify(status_of(job))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/jobs/<int:job_id>/download")
@login_required
def download(job_id: int):
    job = _visible_job(job_id, with_file=True)
    if job.has_expired(utcnow()) or (job.status == JobStatus.DONE and job.file_data is None):
        return _expired_page(job)
    if job.status != JobStatus.DONE:
        return redirect(url_for("jobs.job_page", job_id=job.id))
    return private_download(
        job.file_data,
        job.content_type,
        job.filename,
        job.fallback_filename,
        inline=job.content_type == "application/pdf",
    )
