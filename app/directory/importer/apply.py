"""Applying an import: run_import(), the apply flow the page and the command share, and what it writes."""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import SQLAlchemyError

from app.database import begin_write
from app.directory.importer.parse import ParsedFile, clean_filename, parse
from app.directory.importer.plan import ImportPlan, Outcome, plan
from app.extensions import db
from app.models import Cluster, Company, CompanyImport, User, utcnow


class ImportRefused(ValueError):
    """apply() was asked to write a plan that still has error rows."""


class Refusal(str, enum.Enum):
    """Why run_import() wrote nothing; the page and the command each word it for their users."""

    ALREADY_APPLIED = "already_applied"
    ROW_ERRORS = "row_errors"
    NOTHING_TO_APPLY = "nothing_to_apply"
    # Writing hit a change made meanwhile (the same 사업자등록번호, ...): the caller must roll back.
    CONFLICT = "conflict"


# How the import page and its job word a refusal (the command line words its own).
REFUSAL_MESSAGES = {
    Refusal.ALREADY_APPLIED: _l("이미 반영된 파일입니다. 다시 반영하려면 파일을 새로 올려 주세요."),
    Refusal.ROW_ERRORS: _l(
        "오류가 있는 행이 있어 아무것도 반영하지 않았습니다. "
        "오류 행을 빼고 반영하려면 '오류 행을 제외하고 반영'을 선택해 주세요."
    ),
    Refusal.NOTHING_TO_APPLY: _l("반영할 수 있는 행이 없습니다. 파일을 고쳐 다시 올려 주세요."),
    Refusal.CONFLICT: _l(
        "반영하는 중에 다른 변경과 충돌해 아무것도 반영하지 않았습니다. 미리보기를 다시 확인한 뒤 반영해 주세요."
    ),
}


@dataclass
class ImportResult:
    """What run_import() did: its plan (None when the file was applied before) and the counts
    written, or the reason nothing was. A dry run has neither counts nor a refusal."""

    plan: ImportPlan | None
    counts: dict[str, int] | None = None
    refusal: Refusal | None = None


def run_import(
    record: CompanyImport,
    user: User | None,
    *,
    parsed: ParsedFile | None = None,
    skip_errors: bool = False,
    dry_run: bool = False,
    allow_empty: bool = False,
) -> ImportResult:
    """Plan the record's file against the directory as it is now and, unless refused, write it.

    The one apply flow of the import page and ``flask import-companies``; it never commits.
    ``record`` is either the page's stored upload, loaded with FOR UPDATE after begin_write()
    (a second click waits, then finds it applied), or the command's new_import(), which joins
    the session only once its file is written. ``user`` is whoever applies (None: the command
    line, which may touch every cluster). ``parsed`` is the record's file when the caller has
    read it already (the command does, before it touches the database); otherwise it is read
    here and an unreadable file raises ImportFileError. ``dry_run`` plans and refuses as a
    real run would but writes nothing. ``allow_empty``: with ``skip_errors``, a file whose
    every row is an error is still applied (nothing written, the import recorded), as the
    command has always done; the page refuses it.
    """
    if not dry_run:
        # Planning and writing must see one state of the database. A no-op when the caller
        # began the write before its own lookups, as the page and the command do.
        begin_write()
    if record.applied_at is not None:
        return ImportResult(plan=None, refusal=Refusal.ALREADY_APPLIED)
    if parsed is None:
        parsed = parse(record.content, record.filename)
    # Planned against the database as it is now, inside this transaction: the page's preview
    # may be out of date by the time someone applies it.
    import_plan = plan(parsed.rows, record.cluster, user)
    if import_plan.has_errors and not skip_errors:
        return ImportResult(import_plan, refusal=Refusal.ROW_ERRORS)
    if import_plan.good_rows == 0 and not allow_empty:
        return ImportResult(import_plan, refusal=Refusal.NOTHING_TO_APPLY)
    if dry_run:
        return ImportResult(import_plan)
    try:
        counts = apply(import_plan, skip_errors=skip_errors)
        if record not in db.session:
            db.session.add(record)
            # Flushed here, as create_import() does, so that a failure to record it is a
            # conflict like any other rather than a surprise at the caller's commit.
            db.session.flush()
        mark_applied(record, counts)
    except SQLAlchemyError:
        return ImportResult(import_plan, refusal=Refusal.CONFLICT)
    return ImportResult(import_plan, counts=counts)


def apply(import_plan: ImportPlan, skip_errors: bool = False) -> dict[str, int]:
    """Write the plan's new and changed companies in the caller's transaction; returns the counts.

    Flushes, so that a conflict (a company with the same 사업자등록번호 written meanwhile by
    someone else) raises here and the caller can roll the whole import back.
    """
    if import_plan.has_errors and not skip_errors:
        raise ImportRefused(_("오류가 있는 행이 있어 반영하지 않았습니다."))
    for p in import_plan.rows:
        if p.outcome is Outcome.NEW:
            company = Company(cluster=import_plan.cluster, **p.values)
            db.session.add(company)
            p.company = company
        elif p.outcome is Outcome.UPDATE:
            assert p.company is not None
            for attr, value in p.values.items():
                if attr == "cluster_id":
                    p.company.cluster = import_plan.cluster
                else:
                    setattr(p.company, attr, value)
    db.session.flush()
    return import_plan.counts


def new_import(cluster: Cluster, user: User | None, filename: str, content: bytes) -> CompanyImport:
    """A record of an uploaded file, not yet in the session: create_import() keeps it at once
    (the page), run_import() only once the file is written (the command line)."""
    return CompanyImport(
        # The object as well as its id: a record outside the session cannot load it.
        cluster=cluster,
        cluster_id=cluster.id,
        uploaded_by_id=user.id if user is not None else None,
        filename=clean_filename(filename),
        content=content,
    )


def create_import(cluster: Cluster, user: User | None, filename: str, content: bytes) -> CompanyImport:
    """Keep an uploaded file until it is previewed and applied (and as a record afterwards)."""
    record = new_import(cluster, user, filename, content)
    db.session.add(record)
    db.session.flush()
    return record


def mark_applied(record: CompanyImport, counts: dict[str, int]) -> None:
    record.applied_at = utcnow()
    record.summary = json.dumps(counts)


def applied_counts(record: CompanyImport) -> dict[str, int]:
    try:
        data = json.loads(record.summary or "{}")
    except ValueError:
        data = {}
    return {o.value: int(data.get(o.value, 0)) for o in Outcome}


def summary_text(counts: dict[str, int]) -> str:
    return _(
        "신규 %(new)d건, 수정 %(update)d건, 변경 없음 %(unchanged)d건, 오류 %(error)d건",
        new=counts.get("new", 0),
        update=counts.get("update", 0),
        unchanged=counts.get("unchanged", 0),
        error=counts.get("error", 0),
    )
