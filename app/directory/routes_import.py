"""Company list import pages: upload a file, preview each row's outcome, apply it, get the template."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from wtforms import BooleanField, SubmitField

from app.auth.decorators import staff_required
from app.database import begin_write
from app.directory import import_jobs, importer
from app.directory.access import can_manage_cluster, require
from app.directory.blueprint import bp
from app.events.access import managed_clusters
from app.extensions import db
from app.forms import ChoiceField, Form
from app.jobs import threshold
from app.models import Cluster, CompanyImport
from app.routing import db_id, page_arg

PREVIEW_PER_PAGE = 100
RECENT_IMPORTS = 20


class ImportUploadForm(Form):
    cluster_id = ChoiceField(_l("가져올 클러스터"), coerce=db_id, validate_choice=False)
    file = FileField(_l("기업 목록 파일 (.xlsx 또는 .csv)"), validators=[FileRequired(_l("파일을 선택해 주세요."))])
    submit = SubmitField(_l("올리고 미리보기"))


class ImportApplyForm(Form):
    skip_errors = BooleanField(_l("오류 행을 제외하고 반영"))
    submit = SubmitField(_l("반영하기"))


@dataclass
class _Page:
    """The slice of preview rows on one page, shaped for the pager macro in _forms.html."""

    page: int
    pages: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def _manageable_clusters() -> list[Cluster]:
    # Admins import into launched clusters only; staff into any of their own.
    clusters = managed_clusters(current_user)
    return [c for c in clusters if c.is_active] if current_user.is_admin else clusters


def _recent_imports(clusters: list[Cluster]) -> list[CompanyImport]:
    if not clusters:
        return []
    query = (
        select(CompanyImport)
        .where(CompanyImport.cluster_id.in_([c.id for c in clusters]))
        .order_by(CompanyImport.id.desc())
        .limit(RECENT_IMPORTS)
    )
    return list(db.session.scalars(query))


def _render_upload(form: ImportUploadForm, clusters: list[Cluster], status: int = 200):
    return render_template(
        "directory/import_upload.html", form=form, clusters=clusters, recent=_recent_imports(clusters)
    ), status


@bp.route("/import", methods=["GET", "POST"])
@staff_required
def import_upload():
    clusters = _manageable_clusters()
    form = ImportUploadForm()
    form.cluster_id.choices = [(c.id, c.name) for c in clusters]
    if not clusters:
        flash(_("관리하는 클러스터가 없어 기업 목록을 가져올 수 없습니다."), "info")
    if form.validate_on_submit():
        cluster = db.session.get(Cluster, form.cluster_id.data)
        if cluster is None:
            abort(404)
        require(can_manage_cluster(current_user, cluster.id))
        upload = form.file.data
        content = upload.stream.read(importer.MAX_FILE_BYTES + 1)
        filename = importer.clean_filename(upload.filename)
        try:
            # Refuse what cannot be read at all now, rather than keep it for a broken preview.
            importer.parse(content, filename)
        except importer.ImportFileError as exc:
            form.file.errors = [str(exc)]
            return _render_upload(form, clusters, 400)
        record = importer.create_import(cluster, current_user, filename, content)
        db.session.commit()
        return redirect(url_for("directory.import_preview", import_id=record.id))
    return _render_upload(form, clusters, 400 if form.errors else 200)


def _load_import(import_id: int, for_update: bool = False) -> CompanyImport:
    query = select(CompanyImport).where(CompanyImport.id == import_id)
    if for_update:
        query = query.with_for_update()
    record = db.session.scalar(query)
    if record is None:
        abort(404)
    require(can_manage_cluster(current_user, record.cluster_id))
    return record


def _page_arg() -> int:
    return page_arg(request.args)


@bp.get("/import/<int:import_id>")
@staff_required
def import_preview(import_id: int):
    record = _load_import(import_id)
    context: dict = {"record": record, "form": ImportApplyForm(), "file_error": None, "plan": None}
    if record.applied_at is not None:
        context["applied_counts"] = importer.applied_counts(record)
        return render_template("directory/import_preview.html", **context)
    try:
        parsed = importer.parse(record.content, record.filename)
    except importer.ImportFileError as exc:
        context["file_error"] = str(exc)
        return render_template("directory/import_preview.html", **context)
    plan = importer.plan(parsed.rows, record.cluster, current_user)
    show = request.args.get("show", "all")
    if show not in {o.value for o in importer.Outcome}:
        show = "all"
    rows = plan.rows if show == "all" else [r for r in plan.rows if r.outcome.value == show]
    pages = max(math.ceil(len(rows) / PREVIEW_PER_PAGE), 1)
    page = min(_page_arg(), pages)
    start = (page - 1) * PREVIEW_PER_PAGE
    context.update(
        plan=plan,
        counts=plan.counts,
        show=show,
        rows=rows[start : start + PREVIEW_PER_PAGE],
        pagination=_Page(page=page, pages=pages),
        outcomes=list(importer.Outcome),
    )
    return render_template("directory/import_preview.html", **context)


@bp.post("/import/<int:import_id>/apply")
@staff_required
def import_apply(import_id: int):
    # One writer at a time (SQLite) and a lock on the import row (PostgreSQL): a second
    # click or a colleague applying the same file waits, then sees it already applied.
    begin_write()
    record = _load_import(import_id, for_update=True)
    preview = url_for("directory.import_preview", import_id=record.id)
    form = ImportApplyForm()
    if not form.validate_on_submit():
        abort(400)
    skip_errors = bool(form.skip_errors.data)
    if record.applied_at is None:
        try:
            rows = import_jobs.row_count(record)
        except importer.ImportFileError as exc:
            flash(str(exc), "error")
            return redirect(preview)
        if rows >= threshold("JOB_IMPORT_FROM"):
            # A large file is applied by a job; its page shows when it is done and offers the
            # row-by-row result (app/directory/import_jobs.py).
            job = import_jobs.active_job(record) or import_jobs.import_job(current_user, record, rows, skip_errors)
            db.session.commit()
            return redirect(url_for("jobs.job_page", job_id=job.id))
    try:
        result = importer.run_import(record, current_user, skip_errors=skip_errors)
    except importer.ImportFileError as exc:
        flash(str(exc), "error")
        return redirect(preview)
    refusal = result.refusal
    if refusal is None:
        try:
            db.session.commit()
        except SQLAlchemyError:
            refusal = importer.Refusal.CONFLICT
    if refusal is not None:
        if refusal is importer.Refusal.CONFLICT:
            # The failed write left the session unusable. The other refusals wrote nothing,
            # and the request's end rolls back (sooner would expire current_user for nothing).
            db.session.rollback()
        flash(str(importer.REFUSAL_MESSAGES[refusal]), "error")
        return redirect(preview)
    flash(_("기업 목록을 반영했습니다: %(summary)s", summary=importer.summary_text(result.counts)), "success")
    return redirect(preview)


@bp.get("/import/template.xlsx")
@staff_required
def import_template():
    return send_file(
        io.BytesIO(importer.template_workbook()),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name="기업목록_가져오기_양식.xlsx",
        max_age=0,
    )
