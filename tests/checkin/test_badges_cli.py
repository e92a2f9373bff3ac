"""`flask badges`: an event's badges to a PDF file from the command line."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Registration
from tests.checkin.badge_helpers import CONFIRMED, badge_texts, make_world
from tests.helpers import pdf_pages


@pytest.fixture
def world(app):
    w = make_world()
    db.session.commit()
    return w


def printed_names() -> set[str]:
    db.session.rollback()
    return {r.name for r in db.session.query(Registration).filter(Registration.badge_printed_at.isnot(None))}


def test_writes_the_pdf_and_marks_printed(runner, world, tmp_path):
    out = tmp_path / "명찰.pdf"
    result = runner.invoke(args=["badges", str(world.event.id), "-o", str(out), "--layout", "insert", "--sort", "name"])
    assert result.exit_code == 0, result.output
    assert "9 badge(s)" in result.output and "marked as printed" in result.output
    assert " s" in result.output.splitlines()[-1]  # the time taken
    data = out.read_bytes()
    assert len(pdf_pages(data)) == 2
    assert [next(n for n in CONFIRMED if n in t) for t in badge_texts(data, "insert")] == sorted(CONFIRMED)
    assert printed_names() == set(CONFIRMED)


def test_unprinted_company_filter_and_no_marking(runner, world, tmp_path):
    out = tmp_path / "daon.pdf"
    result = runner.invoke(
        args=[
            "badges",
            str(world.event.id),
            "-o",
            str(out),
            "--unprinted",
            "--company-id",
            str(world.companies["다온"].id),
            "--no-mark-printed",
        ]
    )
    assert result.exit_code == 0, result.output
    assert len(pdf_pages(out.read_bytes())) == 1
    assert printed_names() == set()


def test_unknown_event_and_empty_selection_fail_clearly(runner, world, tmp_path):
    out = tmp_path / "x.pdf"
    unknown = runner.invoke(args=["badges", "999999", "-o", str(out)])
    assert unknown.exit_code != 0
    assert "999999" in unknown.output and "찾을 수 없습니다" in unknown.output
    runner.invoke(args=["badges", str(world.event.id), "-o", str(out)])
    empty = runner.invoke(args=["badges", str(world.event.id), "-o", str(tmp_path / "y.pdf"), "--unprinted"])
    assert empty.exit_code != 0
    assert "인쇄할 명찰이 없습니다" in empty.output
    assert not (tmp_path / "y.pdf").exists()


def test_bad_layout_is_refused(runner, world, tmp_path):
    result = runner.invoke(args=["badges", str(world.event.id), "-o", str(tmp_path / "x.pdf"), "--layout", "a4"])
    assert result.exit_code == 2
    assert "a6" in result.output and "insert" in result.output
