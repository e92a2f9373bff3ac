"""Planning: each row's outcome (new / update / unchanged / error) and every error kind."""

from __future__ import annotations

import datetime as dt

import pytest

from app.directory import importer
from app.directory.importer import Outcome
from app.extensions import db
from app.i18n import SEOUL
from app.models import Company
from app.validators import format_brn
from tests.factories import make_company, valid_brn
from tests.query_counter import count_queries

from .helpers import bad_check_digit, build_csv, build_xlsx, by_line, plan_file


def row(name="", brn="", industry="", contact="", email="", mobile="", council=""):
    return [name, brn, industry, contact, email, mobile, council]


def plan_rows(rows, cluster, user, fmt="xlsx"):
    content = build_xlsx(rows) if fmt == "xlsx" else build_csv(rows)
    return plan_file(content, f"list.{fmt}", cluster, user)


# --- error kinds: each in a file with a good row, which must stay good -------------------

GOOD = row("멀쩡한기업", "123-45-67891", "콘텐츠")


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        pytest.param(row("", valid_brn(), "콘텐츠"), "기업명이 비어 있습니다", id="missing-name"),
        pytest.param(row("형식오류", "12345"), "10자리 숫자여야 합니다", id="brn-format"),
        pytest.param(row("형식오류", "12a-45-67891"), "10자리 숫자여야 합니다", id="brn-letters"),
        pytest.param(row("검증오류", bad_check_digit("1248100998")), "검증번호가 맞지 않습니다", id="brn-check-digit"),
        pytest.param(row("이메일오류", email="kim@"), "담당자 이메일 형식이 올바르지 않습니다", id="email"),
        pytest.param(row("휴대전화오류", mobile="010-1234-567"), "휴대전화 번호 형식이 올바르지 않습니다", id="mobile"),
        pytest.param(row("협의회오류", council="maybe"), "협의회 회원 칸에는 Y 또는 N", id="council"),
        pytest.param(row("가" * 201), "기업명이 너무 깁니다", id="name-too-long"),
        pytest.param(row("업종오류", industry="가" * 121), "업종이 너무 깁니다", id="industry-too-long"),
    ],
)
def test_row_error_kinds(world, bad, reason):
    plan = plan_rows([GOOD, bad], world.dmc, world.staff)

    rows = by_line(plan)
    assert rows[2].outcome is Outcome.NEW, rows[2].errors
    assert rows[3].outcome is Outcome.ERROR
    assert reason in rows[3].detail
    assert plan.has_errors
    assert plan.counts == {"new": 1, "update": 0, "unchanged": 0, "error": 1}


def test_name_of_exactly_200_characters_is_fine(world):
    plan = plan_rows([row("가" * 200)], world.dmc, world.staff)

    assert plan.rows[0].outcome is Outcome.NEW


def test_duplicate_brn_in_file_refuses_every_copy(world):
    brn = valid_brn()
    # Same number written two ways: still the same company.
    plan = plan_rows([GOOD, row("첫째", brn), row("둘째", format_brn(brn))], world.dmc, world.staff)

    rows = by_line(plan)
    assert rows[2].outcome is Outcome.NEW
    assert rows[3].outcome is rows[4].outcome is Outcome.ERROR
    assert "사업자등록번호가 중복됩니다 (4행)" in rows[3].detail
    assert "사업자등록번호가 중복됩니다 (3행)" in rows[4].detail


def test_duplicate_name_in_file_without_brn(world):
    plan = plan_rows([GOOD, row("같은이름", industry="A"), row("같은이름", industry="B")], world.dmc, world.staff)

    rows = by_line(plan)
    assert rows[2].outcome is Outcome.NEW
    assert rows[3].outcome is rows[4].outcome is Outcome.ERROR
    assert "기업명이 같은 행이 있습니다 (4행)" in rows[3].detail


def test_same_name_with_different_brns_in_file_is_two_companies(world):
    plan = plan_rows([row("같은이름", valid_brn()), row("같은이름", valid_brn())], world.dmc, world.staff)

    assert [r.outcome for r in plan.rows] == [Outcome.NEW, Outcome.NEW]


def test_brn_of_another_clusters_company(world):
    theirs = make_company(world.magok, name="마곡기업")
    db.session.commit()

    plan = plan_rows([GOOD, row("마곡기업", theirs.brn, "바이오")], world.dmc, world.staff)

    rows = by_line(plan)
    assert rows[2].outcome is Outcome.NEW
    assert rows[3].outcome is Outcome.ERROR
    assert "다른 클러스터 소속 기업입니다 (마곡)" in rows[3].detail


def test_brn_of_an_outside_company_without_cluster(world):
    guest = Company(name="외부기업", brn=valid_brn(), cluster=None)
    db.session.add(guest)
    db.session.commit()

    plan = plan_rows([row("외부기업", guest.brn)], world.dmc, world.staff)

    assert plan.rows[0].outcome is Outcome.ERROR
    assert "외부 기업" in plan.rows[0].detail


def test_same_name_company_with_a_different_brn(world):
    existing = make_company(world.dmc, name="누리")
    db.session.commit()

    plan = plan_rows([GOOD, row("누리", valid_brn())], world.dmc, world.staff)

    rows = by_line(plan)
    assert rows[2].outcome is Outcome.NEW
    assert rows[3].outcome is Outcome.ERROR
    assert f"다른 사업자등록번호({existing.brn_display})" in rows[3].detail


def test_two_companies_of_that_name_in_the_cluster(world):
    make_company(world.dmc, name="누리", brn=None)
    make_company(world.dmc, name="누리", brn=None)
    db.session.commit()

    plan = plan_rows([row("누리", industry="AI")], world.dmc, world.staff)

    assert plan.rows[0].outcome is Outcome.ERROR
    assert "같은 이름의 기업이 여러 개" in plan.rows[0].detail


def test_two_rows_that_reach_one_company(world):
    existing = make_company(world.dmc, name="누리")
    db.session.commit()
    # Row 2 finds it by number (and renames it), row 3 by its current name.
    plan = plan_rows([row("새이름", existing.brn), row("누리", industry="AI")], world.dmc, world.staff)

    assert [r.outcome for r in plan.rows] == [Outcome.ERROR, Outcome.ERROR]
    assert "같은 기업을 가리킵니다" in plan.rows[0].detail


def test_several_problems_in_one_row_are_all_reported(world):
    plan = plan_rows([row("", "12345", email="x", mobile="02-123-4567")], world.dmc, world.staff)

    detail = plan.rows[0].detail
    for reason in ("기업명이 비어", "10자리", "이메일", "휴대전화"):
        assert reason in detail


# --- new / update / unchanged ---------------------------------------------------------------


def test_new_company_values_are_normalized(world):
    plan = plan_rows(
        [row("  (주)누리  ", "124 81 00998", "콘텐츠", "김담당", "Kim@Nuri.CO.KR", "010 1234 5678", "예")],
        world.dmc,
        world.staff,
        fmt="csv",
    )

    p = plan.rows[0]
    assert p.outcome is Outcome.NEW
    assert p.brn == "1248100998"
    assert p.values["name"] == "(주)누리"
    assert p.values["contact_email"] == "kim@nuri.co.kr"
    assert p.values["contact_mobile"] == "010-1234-5678"
    assert p.values["is_council_member"] is True
    assert p.values["council_joined_on"] == dt.datetime.now(SEOUL).date()


def test_matching_by_brn_first_lists_the_changed_fields(world):
    existing = make_company(world.dmc, name="옛이름", industry="콘텐츠", contact_email="a@nuri.kr")
    db.session.commit()

    plan = plan_rows([row("새이름", existing.brn, "AI", "", "A@nuri.kr")], world.dmc, world.staff)

    p = plan.rows[0]
    assert p.outcome is Outcome.UPDATE
    assert p.company.id == existing.id
    assert {c.field for c in p.changes} == {"name", "industry"}
    assert "기업명: 옛이름 → 새이름" in p.detail
    assert "업종: 콘텐츠 → AI" in p.detail


def test_matching_by_name_when_the_row_has_no_brn(world):
    existing = make_company(world.dmc, name="누리", industry="콘텐츠")
    make_company(world.magok, name="누리", industry="바이오")  # another cluster's namesake is not a match
    db.session.commit()

    plan = plan_rows([row("누리", "", "AI")], world.dmc, world.staff)

    assert plan.rows[0].outcome is Outcome.UPDATE
    assert plan.rows[0].company.id == existing.id


def test_name_match_gives_a_company_without_brn_its_number(world):
    existing = make_company(world.dmc, name="누리", brn=None)
    db.session.commit()
    brn = valid_brn()

    plan = plan_rows([row("누리", brn)], world.dmc, world.staff)

    p = plan.rows[0]
    assert p.outcome is Outcome.UPDATE
    assert p.company.id == existing.id
    assert p.values == {"brn": brn}


def test_unknown_brn_and_unknown_name_is_new(world):
    make_company(world.dmc, name="누리")
    db.session.commit()

    plan = plan_rows([row("다온", valid_brn())], world.dmc, world.staff)

    assert plan.rows[0].outcome is Outcome.NEW


def test_same_values_are_unchanged_and_blank_cells_change_nothing(world):
    existing = make_company(
        world.dmc,
        name="누리",
        industry="콘텐츠",
        contact_name="김담당",
        contact_email="kim@nuri.kr",
        contact_mobile="010-1234-5678",
    )
    db.session.commit()

    full = row("누리", existing.brn, "콘텐츠", "김담당", "KIM@nuri.kr", "01012345678", "N")
    blank = row("누리", existing.brn)

    assert plan_rows([full], world.dmc, world.staff).rows[0].outcome is Outcome.UNCHANGED
    assert plan_rows([blank], world.dmc, world.staff).rows[0].outcome is Outcome.UNCHANGED


def test_council_values(world):
    today = dt.datetime.now(SEOUL).date()
    joined = dt.date(2024, 3, 1)
    member = make_company(world.dmc, name="회원사", is_council_member=True, council_joined_on=joined)
    other = make_company(world.dmc, name="비회원사")
    db.session.commit()

    plan = plan_rows(
        [row("회원사", member.brn, council="Y"), row("비회원사", other.brn, council="o")], world.dmc, world.staff
    )
    assert plan.rows[0].outcome is Outcome.UNCHANGED  # still a member, joining date kept
    assert plan.rows[1].values == {"is_council_member": True, "council_joined_on": today}

    plan = plan_rows([row("회원사", member.brn, council="아니오")], world.dmc, world.staff)
    assert plan.rows[0].values == {"is_council_member": False, "council_joined_on": None}
    assert "협의회 회원: 예 → 아니오" in plan.rows[0].detail

    plan = plan_rows([row("회원사", member.brn, council="")], world.dmc, world.staff)
    assert plan.rows[0].outcome is Outcome.UNCHANGED


@pytest.mark.parametrize("value", ["Y", "y", "yes", "예", "O", "1", "true", "TRUE"])
def test_council_yes_spellings(world, value):
    assert plan_rows([row("누리", council=value)], world.dmc, world.staff).rows[0].values["is_council_member"] is True


@pytest.mark.parametrize("value", ["N", "no", "아니오", "X", "0", "false", ""])
def test_council_no_spellings_and_blank_for_new(world, value):
    assert (
        plan_rows([row("누리", council=value)], world.dmc, world.staff, fmt="csv").rows[0].values["is_council_member"]
        is False
    )


def test_admin_importing_another_clusters_company_moves_it(world):
    theirs = make_company(world.magok, name="이사온기업")
    db.session.commit()

    for user in (world.admin, world.both_staff):
        plan = plan_rows([row("이사온기업", theirs.brn)], world.dmc, user)
        p = plan.rows[0]
        assert p.outcome is Outcome.UPDATE
        assert p.values == {"cluster_id": world.dmc.id}
        assert "소속 클러스터: 마곡 → 상암 DMC" in p.detail

    # The command line (no user) may do the same.
    assert plan_rows([row("이사온기업", theirs.brn)], world.dmc, None).rows[0].outcome is Outcome.UPDATE


def test_plan_writes_nothing(world, app):
    existing = make_company(world.dmc, name="누리")
    db.session.commit()

    with count_queries(db.engine) as statements:
        plan_rows([row("누리", existing.brn, "AI"), row("새기업")], world.dmc, world.staff)

    assert not [s for s in statements if not s.lstrip().upper().startswith("SELECT")]
    assert not db.session.dirty and not db.session.new


def test_plan_queries_do_not_grow_with_rows(world, app):
    existing = [make_company(world.dmc, name=f"기존기업{i}") for i in range(120)]
    db.session.commit()

    def queries_for(n: int) -> int:
        rows = []
        for i in range(n):
            if i % 2:
                rows.append(row(existing[i].name, existing[i].brn, "AI"))  # by number
            elif i % 4 == 0:
                rows.append(row(existing[i].name, "", "AI"))  # by name
            else:
                rows.append(row(f"새기업{i}", valid_brn()))
        content = build_xlsx(rows)
        parsed = importer.parse(content, "list.xlsx")
        db.session.rollback()
        with count_queries(db.engine) as statements:
            importer.plan(parsed.rows, world.dmc, world.staff)
        return len(statements)

    small, large = queries_for(10), queries_for(120)
    assert large == small
    assert large <= 6
