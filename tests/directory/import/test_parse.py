"""Reading the uploaded file: headers, encodings, Excel number cells and file-level errors."""

from __future__ import annotations

import importlib
import io
import zipfile

import pytest
from openpyxl import Workbook

from app.directory import importer
from app.directory.importer import ImportFileError, parse

from .helpers import HEADER, build_csv, build_xlsx

# The module itself, whose limits parse() reads (importer.parse is the function).
parse_module = importlib.import_module("app.directory.importer.parse")

ROW = ["(주)누리미디어", "124-81-00998", "콘텐츠", "김담당", "Kim@Nuri.co.kr", "010-1234-5678", "Y"]


def test_korean_headers_map_every_column(app):
    parsed = parse(build_xlsx([ROW]), "list.xlsx")

    assert parsed.columns == importer.COLUMNS
    assert len(parsed.rows) == 1
    assert parsed.rows[0].line == 2
    assert parsed.rows[0].values == {
        "name": "(주)누리미디어",
        "brn": "124-81-00998",
        "industry": "콘텐츠",
        "contact_name": "김담당",
        "contact_email": "Kim@Nuri.co.kr",
        "mobile": "010-1234-5678",
        "council_member": "Y",
    }


def test_english_headers_with_spaces_and_unknown_columns(app):
    header = [
        "  name ",
        "비고",
        "BRN",
        "industry",
        "contact_name",
        "contact_email",
        "mobile",
        " council_member",
        "address",
    ]
    row = ["Nuri", "메모", "1248100998", "Media", "Kim", "k@nuri.kr", "01012345678", "N", "Seoul"]

    parsed = parse(build_csv([row], header=header), "list.csv")

    values = parsed.rows[0].values
    assert values["name"] == "Nuri"
    assert values["brn"] == "1248100998"
    assert values["council_member"] == "N"
    assert "비고" not in values and "address" not in values
    assert set(values) == set(importer.COLUMNS)


def test_only_the_name_column_is_required(app):
    parsed = parse(build_csv([["누리"]], header=["기업명"]), "list.csv")

    assert parsed.columns == ("name",)
    assert parsed.rows[0].values == {"name": "누리"}


def test_missing_name_column_is_a_korean_file_error(app):
    with pytest.raises(ImportFileError, match="'기업명' 열을 찾을 수 없습니다"):
        parse(build_csv([["124-81-00998", "콘텐츠"]], header=["사업자등록번호", "업종"]), "list.csv")


def test_a_column_given_twice_is_a_file_error(app):
    with pytest.raises(ImportFileError, match="'기업명' 열이 두 번 있습니다"):
        parse(build_csv([["가", "나"]], header=["기업명", "name"]), "list.csv")


def test_blank_rows_are_skipped_and_row_numbers_follow_the_file(app):
    rows = [ROW, ["", "", ""], [], ["두번째기업"] + [""] * 6]

    parsed = parse(build_xlsx(rows), "list.xlsx")

    assert [(r.line, r.get("name")) for r in parsed.rows] == [(2, "(주)누리미디어"), (5, "두번째기업")]


def test_cp949_csv_as_korean_excel_saves_it(app):
    content = build_csv([ROW, ["한글기업", "", "제조", "박담당", "", "", "N"]], encoding="cp949")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")  # really not UTF-8

    parsed = parse(content, "기업목록.csv")

    assert [r.get("name") for r in parsed.rows] == ["(주)누리미디어", "한글기업"]
    assert parsed.rows[1].get("contact_name") == "박담당"


def test_utf8_with_bom_csv(app):
    content = b"\xef\xbb\xbf" + build_csv([ROW])

    parsed = parse(content, "list.csv")

    assert parsed.columns[0] == "name"  # the BOM did not end up in the first header
    assert parsed.rows[0].get("name") == "(주)누리미디어"


def test_csv_that_is_neither_utf8_nor_cp949_is_refused_in_korean(app):
    content = "기업명\n누리\n".encode() + b"\xff\xfe\xff"

    with pytest.raises(ImportFileError, match="문자 인코딩"):
        parse(content, "list.csv")


def test_numeric_brn_and_mobile_cells_from_excel(app):
    # Excel stores a typed 1248100998 as a number, and 01012345678 as 1012345678.
    content = build_xlsx(
        [["누리", 1248100998, "", "", "", 1012345678, ""], ["다온", 1234567891.0, "", "", "", "", True]]
    )

    rows = parse(content, "list.xlsx").rows

    assert rows[0].get("brn") == "1248100998"
    assert rows[0].get("mobile") == "01012345678"
    assert rows[1].get("brn") == "1234567891"
    assert rows[1].get("council_member") == "Y"


def test_formula_cells_are_read_as_values_not_formulas(app):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(["누리", '="124-81-00998"'])
    out = io.BytesIO()
    workbook.save(out)

    rows = parse(out.getvalue(), "list.xlsx").rows

    # openpyxl stores no computed value, so the cell reads blank; Excel-saved files carry one.
    assert rows[0].get("brn") == ""


@pytest.mark.parametrize("filename", ["list.xls", "list.txt", "list", "list.xlsx.exe"])
def test_other_extensions_are_refused(app, filename):
    with pytest.raises(ImportFileError, match="지원하지 않는 파일 형식"):
        parse(build_xlsx([ROW]), filename)


def test_extension_is_case_insensitive(app):
    assert parse(build_xlsx([ROW]), "LIST.XLSX").rows


def test_file_over_5_mb_is_refused(app):
    content = build_csv([ROW]) + b"," * (importer.MAX_FILE_BYTES)

    with pytest.raises(ImportFileError, match="5MB"):
        parse(content, "list.csv")


@pytest.mark.parametrize(
    "content",
    [b"not a zip at all", b"PK\x03\x04broken", None],
    ids=["garbage", "broken-zip", "zip-without-workbook"],
)
def test_corrupt_xlsx_is_a_korean_error(app, content):
    if content is None:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            z.writestr("hello.txt", "hi")
        content = out.getvalue()

    with pytest.raises(ImportFileError, match="엑셀 파일을 열 수 없습니다"):
        parse(content, "list.xlsx")


def test_xlsx_that_inflates_too_much_is_refused(app, monkeypatch):
    monkeypatch.setattr(parse_module, "MAX_UNZIPPED_BYTES", 1000)

    with pytest.raises(ImportFileError, match="너무 큽니다"):
        parse(build_xlsx([ROW] * 50), "list.xlsx")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "빈 파일"),
        (b"\n\n,,\n", "파일에 내용이 없습니다"),
        ("기업명,업종\n".encode(), "가져올 기업 행이 없습니다"),
    ],
)
def test_empty_files(app, content, message):
    with pytest.raises(ImportFileError, match=message):
        parse(content, "list.csv")


def test_too_many_rows(app, monkeypatch):
    monkeypatch.setattr(parse_module, "MAX_ROWS", 3)

    with pytest.raises(ImportFileError, match="3행까지"):
        parse(build_csv([[f"기업{i}"] for i in range(4)], header=["기업명"]), "list.csv")


def test_nul_bytes_in_csv_are_a_korean_error(app):
    with pytest.raises(ImportFileError, match="CSV 파일을 읽을 수 없습니다"):
        parse("기업명\n누\x00리\n".encode(), "list.csv")


def test_title_lines_above_the_header_are_skipped(app):
    content = build_xlsx([["2026년 입주기업 명단"], [], HEADER, ROW], header=None)

    rows = parse(content, "list.xlsx").rows

    assert [(r.line, r.get("name")) for r in rows] == [(4, "(주)누리미디어")]


def test_header_is_looked_for_only_near_the_top(app):
    content = build_csv([[f"제목{i}"] for i in range(6)] + [HEADER, ROW], header=None)

    with pytest.raises(ImportFileError, match="'기업명' 열을 찾을 수 없습니다"):
        parse(content, "list.csv")


def test_tab_separated_csv(app):
    content = ("\t".join(HEADER) + "\n" + "\t".join(ROW) + "\n").encode("cp949")

    rows = parse(content, "list.csv").rows

    assert rows[0].get("brn") == "124-81-00998" and rows[0].get("council_member") == "Y"
