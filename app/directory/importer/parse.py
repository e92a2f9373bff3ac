"""Reading an uploaded company list (.xlsx, or .csv in UTF-8, UTF-8 with BOM or CP949) into cleaned rows."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

MAX_FILE_BYTES = 5 * 1024 * 1024
# A 1,000-company cluster list is the expected size; the cap keeps one preview request bounded.
MAX_ROWS = 10_000
MAX_COLUMNS = 50
# An .xlsx is a zip: refuse archives that would inflate far beyond any real company list.
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024
EXTENSIONS = (".xlsx", ".csv")
# Non-blank lines looked at for the header row (title lines may come first).
_HEADER_SEARCH_ROWS = 5

# Column keys in file order, with the Korean header the template uses.
COLUMNS = ("name", "brn", "industry", "contact_name", "contact_email", "mobile", "council_member")
KOREAN_HEADERS = {
    "name": "기업명",
    "brn": "사업자등록번호",
    "industry": "업종",
    "contact_name": "담당자명",
    "contact_email": "담당자 이메일",
    "mobile": "휴대전화",
    "council_member": "협의회 회원 (Y/N)",
}
# Accepted headers after _header_key() (spaces, _ and - removed, lower-cased, "(y/n)" dropped).
_HEADER_ALIASES = {
    "name": ("기업명", "회사명", "기업이름", "상호", "name", "companyname", "company"),
    "brn": ("사업자등록번호", "사업자번호", "brn"),
    "industry": ("업종", "industry"),
    "contact_name": ("담당자명", "담당자", "담당자이름", "contactname"),
    "contact_email": ("담당자이메일", "이메일", "contactemail", "email"),
    "mobile": ("휴대전화", "휴대전화번호", "휴대폰", "담당자휴대전화", "mobile", "contactmobile"),
    "council_member": ("협의회회원", "협의회", "councilmember", "council"),
}
_HEADER_TO_KEY = {alias: key for key, aliases in _HEADER_ALIASES.items() for alias in aliases}


class ImportFileError(ValueError):
    """The file as a whole cannot be read; the message is Korean and shown as is."""


@dataclass
class ImportRow:
    """One data row of the file: its row number (as Excel shows it) and its cells as text."""

    line: int
    values: dict[str, str]

    def get(self, key: str) -> str:
        return self.values.get(key, "")


@dataclass
class ParsedFile:
    rows: list[ImportRow]
    columns: tuple[str, ...]


def clean_filename(filename: str | None) -> str:
    """The file's own name without any client path; Korean names are kept (shown escaped)."""
    name = re.split(r"[\\/]", filename or "")[-1].strip()
    return name[-255:] or "upload"


def file_extension(filename: str) -> str:
    name = (filename or "").lower()
    dot = name.rfind(".")
    return name[dot:] if dot >= 0 else ""


def check_upload(content: bytes, filename: str) -> None:
    """Extension and size, the checks that do not need to open the file."""
    if file_extension(filename) not in EXTENSIONS:
        raise ImportFileError(_("지원하지 않는 파일 형식입니다. 엑셀(.xlsx) 또는 CSV(.csv) 파일을 올려 주세요."))
    if len(content) > MAX_FILE_BYTES:
        raise ImportFileError(_("파일이 너무 큽니다. 5MB 이하의 파일만 올릴 수 있습니다."))
    if not content:
        raise ImportFileError(_("빈 파일입니다. 내용이 있는 파일을 올려 주세요."))


def parse(content: bytes, filename: str) -> ParsedFile:
    """Rows of an .xlsx (first sheet) or .csv (UTF-8, UTF-8 with BOM or CP949) company list."""
    check_upload(content, filename)
    if file_extension(filename) == ".xlsx":
        records = _xlsx_records(content)
    else:
        records = _csv_records(content)
    return _rows_from_records(records)


def _xlsx_records(content: bytes) -> Iterator[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    unreadable = _(
        "엑셀 파일을 열 수 없습니다. 파일이 손상되었거나 .xlsx 형식이 아닙니다. 엑셀에서 .xlsx로 다시 저장해 주세요."
    )
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise ImportFileError(unreadable) from None
    if inflated > MAX_UNZIPPED_BYTES:
        raise ImportFileError(_("엑셀 파일의 내용이 너무 큽니다. 행 수를 줄여 나누어 올려 주세요."))
    try:
        # data_only: formulas give their last computed value, as Excel shows them.
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds (KeyError, XML errors, ...) on a damaged file
        raise ImportFileError(unreadable) from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise ImportFileError(unreadable)
        try:
            for number, values in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1):
                yield number, list(values)
        except ImportFileError:
            raise
        except Exception:
            raise ImportFileError(unreadable) from None
    finally:
        workbook.close()


def _csv_records(content: bytes) -> Iterator[tuple[int, list[Any]]]:
    # Korean Excel saves "CSV (쉼표로 분리)" in CP949; other tools write UTF-8, Excel's
    # "CSV UTF-8" adds a byte-order mark, which utf-8-sig removes.
    for encoding in ("utf-8-sig", "cp949"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError(
            _("파일의 문자 인코딩을 읽을 수 없습니다. CSV는 UTF-8 또는 CP949(엑셀 기본 저장 형식)로 저장해 주세요.")
        )
    if "\x00" in text:
        raise ImportFileError(_("CSV 파일을 읽을 수 없습니다. 파일 내용을 확인해 주세요."))
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    # Some tools save "CSV" with tabs (Excel's "텍스트 (탭으로 분리)" renamed to .csv).
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, values in enumerate(reader, start=1):
            yield number, values[:MAX_COLUMNS]
    except csv.Error:
        raise ImportFileError(_("CSV 파일을 읽을 수 없습니다. 파일 내용을 확인해 주세요.")) from None


def _header_key(value: Any) -> str:
    text = _cell_text(value).lower()
    text = re.sub(r"[\s_\-]+", "", text)
    return text.replace("(y/n)", "").replace("(예/아니오)", "")


def _cell_text(value: Any) -> str:
    """A cell as the text a person typed: 1248100998.0 (Excel number) becomes "1248100998"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return str(value).strip()


def _mobile_text(value: Any) -> str:
    # Excel turns a typed 01012345678 into the number 1012345678: give the 0 back.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        text = _cell_text(value)
        return "0" + text if text.startswith("1") else text
    return _cell_text(value)


def _rows_from_records(records: Iterable[tuple[int, list[Any]]]) -> ParsedFile:
    header: dict[int, str] | None = None
    rows: list[ImportRow] = []
    seen_before_header = 0
    for number, values in records:
        if not any(_cell_text(v) for v in values):
            continue  # blank rows (and blank lines above the header) are skipped
        if header is None:
            # Lists exported from other systems often start with a title line or two.
            header = _read_header(values)
            seen_before_header += 1
            if header is None and seen_before_header >= _HEADER_SEARCH_ROWS:
                break
            continue
        cells: dict[str, str] = {}
        for index, key in header.items():
            value = values[index] if index < len(values) else None
            cells[key] = _mobile_text(value) if key == "mobile" else _cell_text(value)
        if not any(cells.values()):
            continue  # text only in unknown columns: nothing to import
        rows.append(ImportRow(line=number, values=cells))
        if len(rows) > MAX_ROWS:
            raise ImportFileError(
                _(
                    "행이 너무 많습니다. 한 번에 %(max)d행까지 가져올 수 있습니다. 파일을 나누어 올려 주세요.",
                    max=MAX_ROWS,
                )
            )
    if header is None:
        if seen_before_header:
            raise ImportFileError(_missing_name_column_message())
        raise ImportFileError(_("파일에 내용이 없습니다. 양식 파일을 내려받아 기업 목록을 입력해 주세요."))
    if not rows:
        raise ImportFileError(_("가져올 기업 행이 없습니다. 열 이름 아래 줄부터 기업을 입력해 주세요."))
    return ParsedFile(rows=rows, columns=tuple(k for k in COLUMNS if k in header.values()))


def _missing_name_column_message() -> str:
    return _(
        "'기업명' 열을 찾을 수 없습니다. 첫 줄에 열 이름(기업명, 사업자등록번호, 업종, 담당자명, "
        "담당자 이메일, 휴대전화, 협의회 회원)을 적어 주세요. 양식 파일을 내려받아 쓰면 편합니다."
    )


def _read_header(values: list[Any]) -> dict[int, str] | None:
    """Column index -> key when this row is the header (it names the 기업명 column), else None."""
    header: dict[int, str] = {}
    duplicate = None
    for index, value in enumerate(values):
        key = _HEADER_TO_KEY.get(_header_key(value))
        if key is None:
            continue  # unknown columns (비고, 주소, ...) are ignored
        if key in header.values():
            duplicate = duplicate or key
            continue
        header[index] = key
    if "name" not in header.values():
        return None
    if duplicate:
        raise ImportFileError(
            _("'%(column)s' 열이 두 번 있습니다. 하나만 남겨 주세요.", column=KOREAN_HEADERS[duplicate])
        )
    return header
