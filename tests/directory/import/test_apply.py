"""Applying a plan: what gets written, idempotent re-import, all-or-nothing on failure, run_import()."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import DBAPIError

from app.directory import importer
from app.directory.importer import Outcome
from app.extensions import db
from app.i18n import SEOUL
from app.models import Company
from tests.factories import make_company, valid_brn

from .helpers import build_csv, build_xlsx, companies_named, company_rows, imports, plan_file


def _file(existing_brn: str) -> tuple[bytes, list[str]]:
    brns = [valid_brn() for _ in range(4)]
    rows = [
        ["(주)누리미디어", brns[0], "콘텐츠", "김담당", "Kim@Nuri.kr", "01012345678", "Y"],
        ["다온랩", brns[1], "AI", "", "", "", "N"],
        ["기존기업", existing_brn, "바이오", "", "", "", ""],  # an update
        ["한빛소프트", brns[2], "SW", "", "", "", ""],
        ["번호없는기업", "", "제조", "", "", "", ""],
        ["마지막기업", brns[3], "", "", "", "", ""],
    ]
    return build_xlsx(rows), brns


def _count_companies() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Company))


def test_apply_writes_new_and_changed_companies(world):
    existing = make_company(world.dmc, name="기존기업", industry="콘텐츠")
    db.session.commit()
    content, brns = _file(existing.brn)

    plan = plan_file(content, "list.xlsx", world.dmc, world.staff)
    counts = importer.apply(plan)
    db.session.commit()

    assert counts == {"new": 5, "update": 1, "unchanged": 0, "error": 0}
    (nuri,) = companies_named("(주)누리미디어")
    assert (nuri.brn, nuri.cluster_id, nuri.industry) == (brns[0], world.dmc.id, "콘텐츠")
    assert (nuri.contact_name, nuri.contact_email, nuri.contact_mobile) == ("김담당", "kim@nuri.kr", "010-1234-5678")
    assert nuri.is_council_member and nuri.council_joined_on == dt.datetime.now(SEOUL).date()
    assert nuri.sort_name == "누리미디어"
    (daon,) = companies_named("다온랩")
    assert not daon.is_council_member and daon.council_joined_on is None
    (updated,) = companies_named("기존기업")
    assert updated.id == existing.id and updated.industry == "바이오"
    (no_number,) = companies_named("번호없는기업")
    assert no_number.brn is None and no_number.industry == "제조"


def test_apply_refuses_a_plan_with_errors_unless_told(world):
    content = build_csv([["좋은기업", valid_brn()], ["", "12"]], header=["기업명", "사업자등록번호"])
    plan = plan_file(content, "list.csv", world.dmc, world.staff)

    with pytest.raises(importer.ImportRefused):
        importer.apply(plan)
    assert not db.session.new

    counts = importer.apply(plan, skip_errors=True)
    db.session.commit()
    assert counts["new"] == 1 and counts["error"] == 1
    assert [c.name for c in companies_named("좋은기업")] == ["좋은기업"]


def test_reimport_of_the_same_file_changes_nothing(world):
    existing = make_company(
        world.dmc, name="기존기업", industry="콘텐츠", is_council_member=True, council_joined_on=dt.date(2023, 5, 1)
    )
    db.session.commit()
    content, _brns = _file(existing.brn)
    importer.apply(plan_file(content, "list.xlsx", world.dmc, world.staff))
    db.session.commit()
    before = company_rows()

    again = plan_file(content, "list.xlsx", world.dmc, world.staff)

    assert [r.outcome for r in again.rows] == [Outcome.UNCHANGED] * 6
    importer.apply(again)
    db.session.commit()
    assert company_rows() == before  # every column, updated_at included


def test_reimport_as_cp949_csv_is_also_unchanged(world):
    rows = [
        ["한글기업", valid_brn(), "제조", "박담당", "park@hangul.kr", "010-2222-3333", "예"],
        ["번호없음", "", "유통", "", "", "", "아니오"],
    ]
    importer.apply(plan_file(build_xlsx(rows), "list.xlsx", world.dmc, world.staff))
    db.session.commit()
    before = company_rows()

    again = plan_file(build_csv(rows, encoding="cp949"), "list.csv", world.dmc, world.staff)

    assert again.counts["unchanged"] == 2
    importer.apply(again)
    db.session.commit()
    assert company_rows() == before


def test_failure_midway_writes_nothing(world):
    """The update runs, then an insert fails: the update must be undone as well."""
    existing = make_company(world.dmc, name="기존기업", industry="콘텐츠")
    db.session.commit()
    before = company_rows()
    content, brns = _file(existing.brn)
    plan = plan_file(content, "list.xlsx", world.dmc, world.staff)
    # Between plan and apply a company with the number of a later row appears in this transaction.
    db.session.execute(insert(Company.__table__).values(name="끼어든기업", brn=brns[2], cluster_id=world.magok.id))

    with pytest.raises(DBAPIError):
        importer.apply(plan)
    db.session.rollback()

    assert company_rows() == before


def test_concurrent_writer_makes_the_whole_apply_fail(world, app):
    """Another connection commits a company with a number from the file after the preview."""
    existing = make_company(world.dmc, name="기존기업", industry="콘텐츠")
    db.session.commit()
    content, brns = _file(existing.brn)
    plan = plan_file(content, "list.xlsx", world.dmc, world.staff)

    with db.engine.begin() as other:
        other.execute(insert(Company.__table__).values(name="동시등록기업", brn=brns[3], cluster_id=world.dmc.id))

    # PostgreSQL: unique violation. SQLite: this transaction's snapshot is stale, so it may not write.
    with pytest.raises(DBAPIError):
        importer.apply(plan)
    db.session.rollback()

    assert _count_companies() == 3  # the member's company, the existing one, the concurrent one
    assert companies_named("기존기업")[0].industry == "콘텐츠"
    assert companies_named("(주)누리미디어", "다온랩", "한빛소프트", "번호없는기업", "마지막기업") == []


def test_replanning_after_the_concurrent_write_sees_it(world):
    content = build_xlsx([["누리", "124-81-00998"]])
    db.session.add(Company(name="누리", brn="1248100998", cluster=world.dmc, industry="콘텐츠"))
    db.session.commit()

    plan = plan_file(content, "list.xlsx", world.dmc, world.staff)

    assert plan.rows[0].outcome is Outcome.UNCHANGED


def test_create_import_and_mark_applied(world):
    record = importer.create_import(world.dmc, world.staff, "C:\\Users\\kim\\기업목록.xlsx", b"data")
    importer.mark_applied(record, {"new": 2, "update": 1, "unchanged": 0, "error": 0})
    db.session.commit()

    assert record.filename == "기업목록.xlsx"
    assert record.uploaded_by_id == world.staff.id
    assert record.applied_at is not None
    assert importer.applied_counts(record) == {"new": 2, "update": 1, "unchanged": 0, "error": 0}


def test_run_import_writes_and_records_the_file_but_never_commits(world):
    existing = make_company(world.dmc, name="기존기업", industry="콘텐츠")
    db.session.commit()
    content, _brns = _file(existing.brn)
    record = importer.new_import(world.dmc, None, "C:\\data\\list.xlsx", content)
    assert record not in db.session

    result = importer.run_import(record, None)

    assert result.refusal is None
    assert result.counts == {"new": 5, "update": 1, "unchanged": 0, "error": 0}
    assert record in db.session and record.applied_at is not None and record.filename == "list.xlsx"
    db.session.rollback()
    assert companies_named("(주)누리미디어") == [] and imports() == []


def test_run_import_refusals_write_nothing(world):
    content = build_csv([["좋은기업", valid_brn()], ["", "12"]], header=["기업명", "사업자등록번호"])
    record = importer.create_import(world.dmc, world.staff, "list.csv", content)
    only_errors = importer.create_import(
        world.dmc, world.staff, "bad.csv", build_csv([["", "12"]], header=["기업명", "사업자등록번호"])
    )
    db.session.commit()

    errors = importer.run_import(record, world.staff)
    assert errors.refusal is importer.Refusal.ROW_ERRORS and errors.plan.counts["error"] == 1
    dry = importer.run_import(record, world.staff, skip_errors=True, dry_run=True)
    assert (dry.refusal, dry.counts, dry.plan.counts["new"]) == (None, None, 1)
    empty = importer.run_import(only_errors, world.staff, skip_errors=True)
    assert empty.refusal is importer.Refusal.NOTHING_TO_APPLY
    assert not db.session.new and not db.session.dirty
    assert record.applied_at is None and only_errors.applied_at is None

    # What the command asks for: such a file is applied (nothing written) and recorded.
    applied = importer.run_import(only_errors, None, skip_errors=True, allow_empty=True)
    assert applied.refusal is None and applied.counts == {"new": 0, "update": 0, "unchanged": 0, "error": 1}
    db.session.commit()

    again = importer.run_import(only_errors, world.staff)
    assert (again.refusal, again.plan) == (importer.Refusal.ALREADY_APPLIED, None)
    assert companies_named("좋은기업") == []


def test_run_import_turns_a_conflicting_write_into_a_refusal(world, monkeypatch):
    content, brns = _file(make_company(world.dmc, name="기존기업").brn)
    db.session.commit()
    before = company_rows()
    record = importer.new_import(world.dmc, None, "list.xlsx", content)
    real_apply = importer.apply

    def apply_after_a_conflicting_insert(plan, skip_errors=False):
        # As if another session had written this number between the plan and the write.
        db.session.execute(insert(Company.__table__).values(name="끼어든기업", brn=brns[2], cluster_id=world.dmc.id))
        return real_apply(plan, skip_errors=skip_errors)

    # Patched where run_import() looks it up: importer.apply is only the re-exported name.
    monkeypatch.setattr(
        importlib.import_module("app.directory.importer.apply"), "apply", apply_after_a_conflicting_insert
    )
    result = importer.run_import(record, None)

    assert result.refusal is importer.Refusal.CONFLICT and result.counts is None
    assert result.plan.counts["new"] == 5  # still there for the caller to show
    db.session.rollback()
    assert company_rows() == before and imports() == []
