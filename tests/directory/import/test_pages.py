"""The import pages: upload -> preview -> apply with CSRF, access rules, template download."""

from __future__ import annotations

import html
import importlib
import io
import json
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert

from app.directory import importer
from app.extensions import db
from app.models import Company
from tests.conftest import csrf_token
from tests.factories import PASSWORD, make_company, valid_brn
from tests.helpers import post_form
from tests.query_counter import count_queries

from .helpers import build_csv, build_xlsx, companies_named, company_rows, imports, upload

FORBIDDEN = "접근 권한이 없습니다"


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _cp949_file() -> tuple[bytes, list[str]]:
    brns = [valid_brn(), valid_brn()]
    rows = [
        ["(주)누리미디어", brns[0], "콘텐츠", "김담당", "kim@nuri.kr", "010-1234-5678", "Y"],
        ["가람이앤엠", brns[1], "공연기획", "", "", "", "N"],
        ["번호없는기업", "", "제조", "", "", "", ""],
    ]
    return build_csv(rows, encoding="cp949"), brns


def _import_id(response) -> int:
    match = re.fullmatch(r"/directory/import/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def _apply(client, import_id: int, skip_errors: bool = False, follow: bool = True):
    data = {"skip_errors": "y"} if skip_errors else {}
    return post_form(
        client,
        f"/directory/import/{import_id}/apply",
        data,
        token_from=f"/directory/import/{import_id}",
        follow_redirects=follow,
    )


@pytest.fixture
def staff_client(client, auth, world):
    assert auth.login("staff@example.com", PASSWORD).status_code == 302
    return client


def test_upload_preview_apply(world, staff_client):
    page = staff_client.get("/directory/import")
    assert page.status_code == 200
    body = _text(page)
    assert "상암 DMC" in body and "마곡" not in body  # only the clusters this staff manages
    assert 'enctype="multipart/form-data"' in body
    content, brns = _cp949_file()

    response = upload(staff_client, content, "기업목록.csv", world.dmc.id)

    assert response.status_code == 302
    import_id = _import_id(response)
    (record,) = imports()
    assert (record.id, record.cluster_id, record.filename, record.content) == (
        import_id,
        world.dmc.id,
        "기업목록.csv",
        content,
    )
    assert record.uploaded_by_id == world.staff.id and record.applied_at is None
    assert companies_named("(주)누리미디어") == []  # upload alone writes no company

    preview = _text(staff_client.get(f"/directory/import/{import_id}"))
    assert "(주)누리미디어" in preview and "가람이앤엠" in preview
    assert brns[0][:3] + "-" + brns[0][3:5] + "-" + brns[0][5:] in preview
    assert "신규 3" in preview
    assert "오류 행을 제외하고 반영" not in preview  # no errors: no checkbox

    done = _apply(staff_client, import_id)

    assert done.status_code == 200
    assert "기업 목록을 반영했습니다: 신규 3건, 수정 0건, 변경 없음 0건, 오류 0건" in _text(done)
    (nuri,) = companies_named("(주)누리미디어")
    assert nuri.cluster_id == world.dmc.id and nuri.contact_mobile == "010-1234-5678"
    (record,) = imports()
    assert record.applied_at is not None
    assert json.loads(record.summary) == {"new": 3, "update": 0, "unchanged": 0, "error": 0}


def test_reimport_through_the_pages_changes_nothing(world, staff_client):
    content = build_xlsx(
        [["누리", 1248100998, "콘텐츠", "김담당", "kim@nuri.kr", 1012345678, "Y"], ["다온", "", "AI", "", "", "", ""]]
    )
    _apply(staff_client, _import_id(upload(staff_client, content, "list.xlsx", world.dmc.id)))
    before = company_rows()

    second = _import_id(upload(staff_client, content, "list.xlsx", world.dmc.id))
    preview = _text(staff_client.get(f"/directory/import/{second}"))
    assert "변경 없음 2" in preview
    done = _text(_apply(staff_client, second))

    assert "신규 0건, 수정 0건, 변경 없음 2건" in done
    assert company_rows() == before


def test_post_without_csrf_is_rejected(world, staff_client):
    content, _ = _cp949_file()
    bare = staff_client.post(
        "/directory/import",
        data={"cluster_id": str(world.dmc.id), "file": (io.BytesIO(content), "list.csv")},
        content_type="multipart/form-data",
    )
    assert bare.status_code == 400
    assert imports() == []

    import_id = _import_id(upload(staff_client, content, "list.csv", world.dmc.id))
    response = staff_client.post(f"/directory/import/{import_id}/apply", data={})

    assert response.status_code == 400
    assert "보안 확인에 실패했습니다" in _text(response)
    assert imports()[0].applied_at is None
    assert companies_named("(주)누리미디어") == []


def test_errors_need_the_explicit_checkbox(world, staff_client):
    content = build_csv([["좋은기업", valid_brn()], ["", "1234"]], header=["기업명", "사업자등록번호"])
    import_id = _import_id(upload(staff_client, content, "list.csv", world.dmc.id))

    preview = _text(staff_client.get(f"/directory/import/{import_id}"))
    assert "오류 1" in preview
    assert "기업명이 비어 있습니다." in preview and "10자리 숫자여야 합니다" in preview
    assert "오류 행을 제외하고 반영" in preview

    refused = _text(_apply(staff_client, import_id))
    assert "아무것도 반영하지 않았습니다" in refused
    assert companies_named("좋은기업") == [] and imports()[0].applied_at is None

    done = _text(_apply(staff_client, import_id, skip_errors=True))
    assert "신규 1건, 수정 0건, 변경 없음 0건, 오류 1건" in done
    assert len(companies_named("좋은기업")) == 1


def test_a_file_without_one_good_row_is_not_applied_even_with_the_checkbox(world, staff_client):
    content = build_csv([["", "1234"], ["누리", "99"]], header=["기업명", "사업자등록번호"])
    import_id = _import_id(upload(staff_client, content, "list.csv", world.dmc.id))

    refused = _text(_apply(staff_client, import_id, skip_errors=True))

    assert "반영할 수 있는 행이 없습니다. 파일을 고쳐 다시 올려 주세요." in refused
    assert imports()[0].applied_at is None and companies_named("누리") == []


def test_an_applied_import_cannot_be_applied_again(world, staff_client):
    content, _ = _cp949_file()
    import_id = _import_id(upload(staff_client, content, "list.csv", world.dmc.id))
    _apply(staff_client, import_id)
    # Someone edits a company afterwards; a second apply of the old file must not undo it.
    (nuri,) = companies_named("(주)누리미디어")
    nuri.industry = "AI"
    db.session.commit()
    before = company_rows()

    again = _text(_apply(staff_client, import_id))

    assert "이미 반영된 파일입니다" in again
    assert company_rows() == before
    preview = _text(staff_client.get(f"/directory/import/{import_id}"))
    assert "반영한 파일입니다" in preview and "신규 3건" in preview


def test_conflict_during_apply_rolls_everything_back(world, staff_client, monkeypatch):
    existing = make_company(world.dmc, name="기존기업", industry="콘텐츠")
    db.session.commit()
    brns = [valid_brn(), valid_brn()]
    content = build_xlsx([["기존기업", existing.brn, "바이오"], ["새기업1", brns[0]], ["새기업2", brns[1]]])
    import_id = _import_id(upload(staff_client, content, "list.xlsx", world.dmc.id))
    before = company_rows()
    real_apply = importer.apply

    def apply_after_a_conflicting_insert(plan, skip_errors=False):
        # As if another session had written this number after the re-plan.
        db.session.execute(insert(Company.__table__).values(name="끼어든기업", brn=brns[1], cluster_id=world.dmc.id))
        return real_apply(plan, skip_errors=skip_errors)

    # Patched where run_import() looks it up: importer.apply is only the re-exported name.
    monkeypatch.setattr(
        importlib.import_module("app.directory.importer.apply"), "apply", apply_after_a_conflicting_insert
    )
    response = _apply(staff_client, import_id)

    assert response.status_code == 200
    assert "충돌해 아무것도 반영하지 않았습니다" in _text(response)
    assert company_rows() == before  # the update of 기존기업 is gone too
    assert imports()[0].applied_at is None


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"a,b", "list.xls", "지원하지 않는 파일 형식입니다"),
        (b"PK\x03\x04 not really", "list.xlsx", "엑셀 파일을 열 수 없습니다"),
        (b"x" * (5 * 1024 * 1024 + 1), "list.csv", "5MB 이하"),
        (build_csv([["누리"]], header=["회사"]), "list.csv", "'기업명' 열을 찾을 수 없습니다"),
    ],
    ids=["extension", "corrupt", "too-big", "no-name-column"],
)
def test_unreadable_files_are_refused_at_upload(world, staff_client, content, filename, message):
    response = upload(staff_client, content, filename, world.dmc.id)

    assert response.status_code == 400
    assert message in _text(response)
    assert imports() == []


def test_upload_without_a_file(world, staff_client):
    response = post_form(
        staff_client, "/directory/import", {"cluster_id": str(world.dmc.id)}, content_type="multipart/form-data"
    )

    assert response.status_code == 400
    assert "파일을 선택해 주세요." in _text(response)


def test_staff_cannot_upload_into_a_cluster_they_do_not_manage(world, staff_client):
    content, _ = _cp949_file()

    response = upload(staff_client, content, "list.csv", world.magok.id)

    assert response.status_code == 403
    assert imports() == []
    assert upload(staff_client, content, "list.csv", 999999).status_code == 404


def test_staff_of_another_cluster_can_neither_see_nor_apply(world, client, auth):
    auth.login("staff@example.com", PASSWORD)
    content, _ = _cp949_file()
    import_id = _import_id(upload(client, content, "list.csv", world.dmc.id))
    auth.logout()

    auth.login("magok-staff@example.com", PASSWORD)
    page = client.get(f"/directory/import/{import_id}")
    assert page.status_code == 403 and FORBIDDEN in _text(page)
    token = csrf_token(client, "/directory/import")
    assert client.post(f"/directory/import/{import_id}/apply", data={"csrf_token": token}).status_code == 403
    assert imports()[0].applied_at is None
    assert companies_named("(주)누리미디어") == []
    # Their own upload page lists only their clusters' imports.
    assert "list.csv" not in _text(client.get("/directory/import"))


def test_admin_sees_and_applies_any_import(world, client, auth):
    auth.login("staff@example.com", PASSWORD)
    content, _ = _cp949_file()
    import_id = _import_id(upload(client, content, "list.csv", world.dmc.id))
    auth.logout()

    auth.login("admin@example.com", PASSWORD)
    assert "마곡" in _text(client.get("/directory/import"))
    assert client.get(f"/directory/import/{import_id}").status_code == 200
    assert "신규 3건" in _text(_apply(client, import_id))


def test_member_is_forbidden(world, client, auth):
    auth.login("member@example.com", PASSWORD)
    content, _ = _cp949_file()

    for path in ("/directory/import", "/directory/import/template.xlsx"):
        assert client.get(path).status_code == 403
    token = csrf_token(client, "/")
    response = client.post(
        "/directory/import",
        data={"csrf_token": token, "cluster_id": str(world.dmc.id), "file": (io.BytesIO(content), "list.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403
    assert imports() == []


def test_member_cannot_see_or_apply_an_existing_import(world, client, auth):
    record = importer.create_import(world.dmc, world.staff, "list.csv", _cp949_file()[0])
    db.session.commit()
    auth.login("member@example.com", PASSWORD)

    assert client.get(f"/directory/import/{record.id}").status_code == 403
    token = csrf_token(client, "/")
    assert client.post(f"/directory/import/{record.id}/apply", data={"csrf_token": token}).status_code == 403
    assert companies_named("(주)누리미디어") == []


@pytest.mark.parametrize("path", ["/directory/import", "/directory/import/1", "/directory/import/template.xlsx"])
def test_anonymous_is_sent_to_login(world, client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")


def test_unknown_import_is_404(world, staff_client):
    assert staff_client.get("/directory/import/424242").status_code == 404


def test_template_download_opens_and_reimports_cleanly(world, staff_client):
    response = staff_client.get("/directory/import/template.xlsx")

    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames[1] == "안내"
    header = [c.value for c in workbook.worksheets[0][1]]
    assert header == ["기업명", "사업자등록번호", "업종", "담당자명", "담당자 이메일", "휴대전화", "협의회 회원 (Y/N)"]
    guide = " ".join(str(c.value) for row in workbook["안내"].iter_rows() for c in row if c.value)
    for column in header:
        assert column in guide

    import_id = _import_id(upload(staff_client, response.data, "template.xlsx", world.dmc.id))
    preview = _text(staff_client.get(f"/directory/import/{import_id}"))
    assert "신규 1" in preview and "오류 0" in preview
    assert "신규 1건" in _text(_apply(staff_client, import_id))


def test_preview_of_a_thousand_rows_is_paginated_and_filterable(world, staff_client):
    rows = [[f"기업{i:04d}", valid_brn(i + 1)] for i in range(1000)]
    rows[500][1] = "12345"  # one error
    content = build_xlsx(rows, header=["기업명", "사업자등록번호"])
    import_id = _import_id(upload(staff_client, content, "big.xlsx", world.dmc.id))

    first = _text(staff_client.get(f"/directory/import/{import_id}"))
    assert "기업0000" in first and "기업0099" in first and "기업0100" not in first
    assert "1 / 10 페이지" in first
    page3 = _text(staff_client.get(f"/directory/import/{import_id}?page=3"))
    assert "기업0200" in page3 and "기업0099" not in page3
    errors = _text(staff_client.get(f"/directory/import/{import_id}?show=error"))
    assert "기업0500" in errors and "기업0000" not in errors
    assert staff_client.get(f"/directory/import/{import_id}?page=abc&show=nonsense").status_code == 200


def test_preview_queries_do_not_grow_with_the_file(world, staff_client):
    existing = [make_company(world.dmc, name=f"기존{i:03d}") for i in range(150)]
    db.session.commit()

    def queries_for(n: int) -> int:
        rows = [[c.name, c.brn, "새업종"] for c in existing[: n // 2]]
        rows += [[f"새기업{n}-{i}", valid_brn()] for i in range(n - n // 2)]
        import_id = _import_id(upload(staff_client, build_xlsx(rows), "list.xlsx", world.dmc.id))
        with count_queries(db.engine) as statements:
            assert staff_client.get(f"/directory/import/{import_id}").status_code == 200
        return len(statements)

    assert queries_for(10) == queries_for(300)


def test_pages_work_in_english(world, staff_client):
    token = csrf_token(staff_client, "/")
    staff_client.post("/language", data={"locale": "en", "csrf_token": token})
    content = build_xlsx([["누리", valid_brn()], ["", "12"]])
    import_id = _import_id(upload(staff_client, content, "list.xlsx", world.dmc.id))

    assert staff_client.get("/directory/import").status_code == 200
    page = staff_client.get(f"/directory/import/{import_id}")
    assert page.status_code == 200 and '<html lang="en"' in _text(page)
