"""Large company-list imports applied as background jobs (app/jobs), with a row-by-row result file.

From JOB_IMPORT_FROM rows, "반영하기" on the import preview starts a job instead of writing
inside the request; the job's page shows that it is working and then offers an XLSX listing
each row's outcome (new, updated, unchanged, error and why). The job plans and writes in its
last transaction, against the directory as it is then (as the page does), so its file tells
what was really written. A refusal (errors without "skip errors", a conflict, already
applied) fails the job with the page's own Korean message and writes nothing.
"""

from __future__ import annotations

import json

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import audit
from app.directory import importer
from app.exports import Sheet, workbook_bytes
from app.extensions import db
from app.jobs import JobError, JobResult, create_job, job_kind
from app.models import CompanyImport, Job, JobStatus, User

KIND = "company_import"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NO_IMPORT = _l("가져오기 기록이 삭제되어 반영할 수 없습니다.")


def row_count(record: CompanyImport) -> int:
    """The file's data rows (the size that decides whether a job applies it); ImportFileError
    when it cannot be read."""
    return len(importer.parse(record.content, record.filename).rows)


def active_job(record: CompanyImport) -> Job | None:
    """A queued or running job already applying this file (a second click leads to it)."""
    candidates = db.session.scalars(
        select(Job).where(Job.kind == KIND, Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))
    )
    return next((job for job in candidates if json.loads(job.params or "{}").get("import_id") == record.id), None)


def import_job(user: User, record: CompanyImport, rows: int, skip_errors: bool) -> Job:
    title = _("기업 목록 가져오기 %(n)d행: %(file)s", n=rows, file=record.filename)
    return create_job(KIND, user, None, title, {"import_id": record.id, "skip_errors": skip_errors}, total=rows)


def result_workbook(import_plan: importer.ImportPlan) -> bytes:
    """Each row of the file with what became of it: the job's file."""
    header = [_("행"), _("기업명"), _("사업자등록번호"), _("결과"), _("내용")]
    rows = [[p.line, p.name, p.brn_display, str(p.outcome.label), p.detail] for p in import_plan.rows]
    counts = import_plan.counts
    summary = [[str(label), counts.get(outcome.value, 0)] for outcome, label in importer.OUTCOME_LABELS.items()]
    return workbook_bytes(
        [
            Sheet(_("가져오기 결과"), header, rows, widths=(8, 30, 16, 12, 60), autofilter=True),
            Sheet(_("요약"), [_("결과"), _("행 수")], summary, widths=(16, 10)),
        ]
    )


@job_kind(KIND, unit="rows")
def run_company_import(job: Job, params: dict, progress) -> JobResult:
    record = db.session.get(CompanyImport, params.get("import_id"))
    if record is None:
        raise JobError(NO_IMPORT)
    try:
        parsed = importer.parse(record.content, record.filename)
    except importer.ImportFileError as exc:
        raise JobError(str(exc)) from None
    total = len(parsed.rows)
    # Planning and writing happen together at the end (no partial import is ever committed),
    # so the page shows a moving bar until the counts are known.
    progress(0, 0)

    def write() -> JobResult:
        # In the runner's last transaction, as a writer: lock the record as the page does, so
        # a colleague's click (or a second job) waits and then finds the file applied.
        locked = db.session.scalar(select(CompanyImport).where(CompanyImport.id == record.id).with_for_update())
        if locked is None:
            raise JobError(NO_IMPORT)
        result = importer.run_import(locked, job.user, parsed=parsed, skip_errors=bool(params.get("skip_errors")))
        if result.refusal is not None:
            raise JobError(importer.REFUSAL_MESSAGES[result.refusal])
        audit.record(
            "directory.import_apply",
            f"{locked.filename}: {result.counts}",
            user=job.user,
            cluster_id=locked.cluster_id,
            object_type="company_import",
            object_id=locked.id,
        )
        stem = locked.filename.rsplit(".", 1)[0]
        return JobResult(
            result_workbook(result.plan),
            XLSX,
            f"가져오기결과_{stem}.xlsx",
            f"import-result-{locked.id}.xlsx",
            total,
        )

    return JobResult(b"", XLSX, "", "", total, finalize=write)
