"""Large badge batches as background jobs (app/jobs): the job's row, and what its worker renders.

From JOB_BADGES_FROM badges the print form starts a job instead of answering with the PDF;
the job's page shows the sheets rendered so far. The badges count as printed when the file is
stored, in the same commit, as the inline batch marks them with its response.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.checkin import badges
from app.events.tickets import ensure_tickets
from app.jobs import JobError, JobResult, create_job, job_kind
from app.models import Event, Job, User, utcnow

NO_BADGES = _l("인쇄할 명찰이 없습니다. 그사이 신청이 취소되었거나 이미 모두 인쇄되었을 수 있습니다.")
NO_EVENT = _l("행사가 삭제되어 파일을 만들 수 없습니다.")


def badges_job(user: User, event: Event, options: badges.BadgeOptions, count: int, *, mark_printed: bool) -> Job:
    """A queued job for the batch the options select (``count`` badges); the caller commits."""
    params = {
        "layout": options.layout,
        "sort": options.sort,
        "unprinted": options.unprinted,
        "company_id": options.company_id,
        "mark_printed": mark_printed,
    }
    sheets = -(-count // badges.BADGES_PER_PAGE[options.layout])
    title = _("명찰 PDF %(n)d장: %(event)s", n=count, event=event.title)
    return create_job("badges", user, event, title, params, total=sheets)


@job_kind("badges")
def run_badges(job: Job, params: dict, progress) -> JobResult:
    if job.event is None:
        raise JobError(NO_EVENT)
    event = job.event
    options = badges.BadgeOptions(
        layout=params.get("layout", "a6"),
        sort=params.get("sort", "company"),
        unprinted=bool(params.get("unprinted")),
        company_id=params.get("company_id"),
    )
    registrations = badges.select_badges(event, options)
    if not registrations:
        raise JobError(NO_BADGES)
    per_page = badges.BADGES_PER_PAGE.get(options.layout, 1)
    sheets = -(-len(registrations) // per_page)
    # Codes for rows older than hashed codes: committed with the first progress, before any page.
    ensure_tickets(registrations)
    progress(0, sheets)
    data = badges.badge_pdf(
        event, registrations, options.layout, progress=lambda done: progress(-(-done // per_page), sheets)
    )
    ids = [r.id for r in registrations]
    finalize = (lambda: badges.mark_printed_ids(ids, utcnow())) if params.get("mark_printed") else None
    name, fallback = badges.batch_filename(event)
    return JobResult(data, "application/pdf", name, fallback, sheets, finalize)
