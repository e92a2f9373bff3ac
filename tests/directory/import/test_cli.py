"""`flask import-companies FILE --cluster SLUG [--dry-run] [--skip-errors]`."""

from __future__ import annotations

import importlib
import json

from sqlalchemy import insert

from app.directory import importer
from app.extensions import db
from app.models import Company
from tests.factories import make_company, valid_brn

from .helpers import build_csv, build_xlsx, companies_named, company_rows, imports


def _write(tmp_path, name: str, content: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


def _good_file(tmp_path, existing_brn: str) -> str:
    rows = [
        ["(주)누리미디어", valid_brn(), "콘텐츠", "김담당", "kim@nuri.kr", "01012345678", "Y"],
        ["기존기업", existing_brn, "바이오", "", "", "", ""],
    ]
    return _write(tmp_path, "기업목록.csv", build_csv(rows, encoding="cp949"))


def test_dry_run_prints_outcomes_and_changes_nothing(world, runner, tmp_path):
    existing = make_company(world.dmc, name="기존기업", industry="콘텐츠")
    db.session.commit()
    before = company_rows()

    result = runner.invoke(
        args=["import-companies", _good_file(tmp_path, existing.brn), "--cluster", "dmc", "--dry-run"]
    )

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split("\t")[:2] == ["2", "신규"] and "(주)누리미디어" in lines[0]
    assert lines[1].split("\t")[:2] == ["3", "수정"] and "업종: 콘텐츠 → 바이오" in lines[1]
    assert "신규 1건, 수정 1건, 변경 없음 0건, 오류 0건" in result.output
    assert "시험 실행" in result.output
    assert company_rows() == before
    assert imports() == []


def test_apply_from_the_command_line(world, runner, tmp_path):
    existing = make_company(world.dmc, name="기존기업", industry="콘텐츠")
    db.session.commit()
    path = _good_file(tmp_path, existing.brn)

    result = runner.invoke(args=["import-companies", path, "--cluster", "dmc"])

    assert result.exit_code == 0, result.output
    assert "반영했습니다: 신규 1건, 수정 1건" in result.output
    (nuri,) = companies_named("(주)누리미디어")
    assert nuri.cluster_id == world.dmc.id and nuri.contact_mobile == "010-1234-5678" and nuri.is_council_member
    assert companies_named("기존기업")[0].industry == "바이오"
    (record,) = imports()
    assert record.filename == "기업목록.csv" and record.uploaded_by_id is None and record.applied_at is not None
    assert json.loads(record.summary)["new"] == 1

    # Running it again changes nothing.
    before = company_rows()
    again = runner.invoke(args=["import-companies", path, "--cluster", "dmc"])
    assert again.exit_code == 0, again.output
    assert "변경 없음 2건" in again.output
    assert company_rows() == before


def test_refuses_on_errors_without_skip_errors(world, runner, tmp_path):
    path = _write(tmp_path, "list.xlsx", build_xlsx([["좋은기업", valid_brn()], ["", "123"]]))

    result = runner.invoke(args=["import-companies", path, "--cluster", "dmc"])

    assert result.exit_code == 1
    assert "오류" in result.output and "기업명이 비어 있습니다." in result.output
    assert "--skip-errors" in result.output
    assert companies_named("좋은기업") == [] and imports() == []

    dry = runner.invoke(args=["import-companies", path, "--cluster", "dmc", "--dry-run"])
    assert dry.exit_code == 1
    assert companies_named("좋은기업") == []

    skipped = runner.invoke(args=["import-companies", path, "--cluster", "dmc", "--skip-errors"])
    assert skipped.exit_code == 0, skipped.output
    assert len(companies_named("좋은기업")) == 1


def test_unknown_cluster_and_unreadable_file(world, runner, tmp_path):
    path = _write(tmp_path, "list.csv", build_csv([["누리"]], header=["기업명"]))

    unknown = runner.invoke(args=["import-companies", path, "--cluster", "nowhere"])
    assert unknown.exit_code == 1 and "클러스터를 찾을 수 없습니다: nowhere" in unknown.output

    bad = runner.invoke(args=["import-companies", _write(tmp_path, "list.xls", b"xx"), "--cluster", "dmc"])
    assert bad.exit_code == 1 and "지원하지 않는 파일 형식" in bad.output

    assert companies_named("누리") == []


def test_skip_errors_on_a_file_without_one_good_row(world, runner, tmp_path):
    """Applied with nothing written and recorded, as this command has always done (the page refuses)."""
    path = _write(tmp_path, "list.csv", build_csv([["", "1234"], ["누리", "99"]], header=["기업명", "사업자등록번호"]))
    before = company_rows()

    result = runner.invoke(args=["import-companies", path, "--cluster", "dmc", "--skip-errors"])

    assert result.exit_code == 0, result.output
    assert "반영했습니다: 신규 0건, 수정 0건, 변경 없음 0건, 오류 2건" in result.output
    assert company_rows() == before
    (record,) = imports()
    assert json.loads(record.summary) == {"new": 0, "update": 0, "unchanged": 0, "error": 2}


def test_conflict_while_applying_lists_the_rows_and_writes_nothing(world, runner, tmp_path, monkeypatch):
    brn = valid_brn()
    path = _write(
        tmp_path,
        "list.csv",
        build_csv([["충돌기업", brn], ["다른기업", valid_brn()]], header=["기업명", "사업자등록번호"]),
    )
    before = company_rows()
    real_apply = importer.apply

    def apply_after_a_conflicting_insert(plan, skip_errors=False):
        db.session.execute(insert(Company.__table__).values(name="끼어든기업", brn=brn, cluster_id=world.dmc.id))
        return real_apply(plan, skip_errors=skip_errors)

    # Patched where run_import() looks it up: importer.apply is only the re-exported name.
    monkeypatch.setattr(
        importlib.import_module("app.directory.importer.apply"), "apply", apply_after_a_conflicting_insert
    )
    result = runner.invoke(args=["import-companies", path, "--cluster", "dmc"])

    assert result.exit_code == 1
    assert result.output.splitlines()[0].split("\t")[:2] == ["2", "신규"]
    assert "Error: 반영하는 중에 다른 변경과 충돌해 아무것도 반영하지 않았습니다. 다시 실행해 주세요." in result.output
    assert company_rows() == before and imports() == []
