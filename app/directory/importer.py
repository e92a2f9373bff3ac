"""Company list import: read an uploaded .xlsx/.csv, plan each row against the directory, apply the plan.

Three steps, so that the preview and the apply see the same decisions:
``parse(content, filename)`` turns the file into rows (or raises ImportFileError),
``plan(rows, cluster, user)`` decides per row new / update / unchanged / error without
writing anything, and ``apply(plan)`` writes the good rows in the caller's transaction.
"""
from __future__ import annotations

import csv
import datetime as dt
import enum
import io
import json
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.i18n import SEOUL
from app.models import Cluster, Company, CompanyImport, User, utcnow
from app.validators import InvalidBRN, format_brn, normalize_brn, normalize_mobile

MAX_FILE_BYTES = 5 * 1024 * 1024
# A 1,000-company cluster list is the expected size; the cap keeps one preview request bounded.
MAX_ROWS = 10_000
MAX_COLUMNS = 50
# An .xlsx is a zip: refuse archives that would inflate far beyond any real company list.
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024
EXTENSIONS = (".xlsx", ".csv")
# Non-blank lines looked at for the header row (title lines may come first).
_HEADER_SEARCH_ROWS = 5
# Bound on values per IN (...) so that neither SQLite nor PostgreSQL hits a parameter limit.
_IN_CHUNK = 500

NAME_MAX = 200
INDUSTRY_MAX = 120
CONTACT_NAME_MAX = 100
EMAIL_MAX = 254

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

_COUNCIL_YES = {"y", "yes", "예", "네", "o", "1", "true", "회원"}
_COUNCIL_NO = {"n", "no", "아니오", "아니요", "x", "0", "false", "비회원"}


class ImportFileError(ValueError):
    """The file as a whole cannot be read; the message is Korean and shown as is."""


class ImportRefused(ValueError):
    """apply() was asked to write a plan that still has error rows."""


# ---------------------------------------------------------------------------
# Parsing


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

    unreadable = _("엑셀 파일을 열 수 없습니다. 파일이 손상되었거나 .xlsx 형식이 아닙니다. 엑셀에서 .xlsx로 다시 저장해 주세요.")
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
                _("행이 너무 많습니다. 한 번에 %(max)d행까지 가져올 수 있습니다. 파일을 나누어 올려 주세요.", max=MAX_ROWS)
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


# ---------------------------------------------------------------------------
# Planning


class Outcome(str, enum.Enum):
    NEW = "new"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    ERROR = "error"

    @property
    def label(self) -> str:
        return str(OUTCOME_LABELS[self])


OUTCOME_LABELS = {
    Outcome.NEW: _l("신규"),
    Outcome.UPDATE: _l("수정"),
    Outcome.UNCHANGED: _l("변경 없음"),
    Outcome.ERROR: _l("오류"),
}

FIELD_LABELS = {
    "name": _l("기업명"),
    "brn": _l("사업자등록번호"),
    "industry": _l("업종"),
    "contact_name": _l("담당자명"),
    "contact_email": _l("담당자 이메일"),
    "contact_mobile": _l("휴대전화"),
    "is_council_member": _l("협의회 회원"),
    "cluster_id": _l("소속 클러스터"),
}


@dataclass
class Change:
    field: str
    old: str
    new: str

    @property
    def label(self) -> str:
        return str(FIELD_LABELS[self.field])

    def __str__(self) -> str:
        none = _("(없음)")
        return f"{self.label}: {self.old or none} → {self.new or none}"


@dataclass
class RowPlan:
    line: int
    name: str
    raw_brn: str
    brn: str | None = None  # the 10 digits, when valid
    outcome: Outcome = Outcome.NEW
    errors: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    company: Company | None = None
    # Attribute -> value: every column for a new company, only what differs for an update.
    values: dict[str, Any] = field(default_factory=dict)
    # Cleaned cells; None where the cell was blank (blank leaves an existing value as it is).
    cells: dict[str, Any] = field(default_factory=dict)

    @property
    def brn_display(self) -> str:
        return format_brn(self.brn) if self.brn else self.raw_brn

    @property
    def detail(self) -> str:
        if self.errors:
            return " ".join(self.errors)
        return "; ".join(str(c) for c in self.changes)


@dataclass
class ImportPlan:
    cluster: Cluster
    rows: list[RowPlan]

    @property
    def counts(self) -> dict[str, int]:
        counts = {o.value: 0 for o in Outcome}
        for row in self.rows:
            counts[row.outcome.value] += 1
        return counts

    @property
    def has_errors(self) -> bool:
        return any(r.outcome is Outcome.ERROR for r in self.rows)

    @property
    def good_rows(self) -> int:
        return sum(1 for r in self.rows if r.outcome is not Outcome.ERROR)


def plan(rows: list[ImportRow], cluster: Cluster, user: User | None) -> ImportPlan:
    """Decide every row's outcome against the current database; writes nothing.

    ``user`` is whoever imports (None: the command line, which may touch every cluster).
    The database is read in a bounded number of queries, whatever the number of rows.
    """
    today = dt.datetime.now(SEOUL).date()
    planned = [_validate_row(row) for row in rows]
    _flag_duplicates_in_file(planned)

    valid = [p for p in planned if not p.errors]
    by_brn = _companies_by_brn({p.brn for p in valid if p.brn})
    by_name = _companies_by_name(cluster.id, {p.name for p in valid})
    clusters = {c.id: c for c in db.session.scalars(select(Cluster))}

    for p in valid:
        _match(p, cluster, user, by_brn, by_name, clusters)
    _flag_same_target(planned)
    for p in planned:
        if p.errors:
            p.outcome = Outcome.ERROR
            p.company = None
            p.values = {}
        elif p.company is None:
            p.outcome = Outcome.NEW
            p.values = _new_values(p, today)
        else:
            _diff(p, cluster, clusters, today)
    return ImportPlan(cluster=cluster, rows=planned)


def _validate_row(row: ImportRow) -> RowPlan:
    name = row.get("name").strip()
    p = RowPlan(line=row.line, name=name, raw_brn=row.get("brn"))
    cells: dict[str, Any] = {"name": name}

    if not name:
        p.errors.append(_("기업명이 비어 있습니다."))
    elif len(name) > NAME_MAX:
        p.errors.append(_("기업명이 너무 깁니다 (%(max)d자 이하).", max=NAME_MAX))

    if p.raw_brn:
        try:
            p.brn = normalize_brn(p.raw_brn)
        except InvalidBRN as exc:
            p.errors.append(str(exc))
    cells["brn"] = p.brn

    industry = row.get("industry")
    if len(industry) > INDUSTRY_MAX:
        p.errors.append(_("업종이 너무 깁니다 (%(max)d자 이하).", max=INDUSTRY_MAX))
    cells["industry"] = industry or None

    contact_name = row.get("contact_name")
    if len(contact_name) > CONTACT_NAME_MAX:
        p.errors.append(_("담당자명이 너무 깁니다 (%(max)d자 이하).", max=CONTACT_NAME_MAX))
    cells["contact_name"] = contact_name or None

    email = row.get("contact_email").lower()
    cells["contact_email"] = email or None
    if email:
        try:
            validate_email(email, check_deliverability=False)
            if len(email) > EMAIL_MAX:
                raise EmailNotValidError("too long")
        except EmailNotValidError:
            p.errors.append(_("담당자 이메일 형식이 올바르지 않습니다 (예: name@example.com)."))

    mobile = row.get("mobile")
    cells["contact_mobile"] = None
    if mobile:
        try:
            cells["contact_mobile"] = normalize_mobile(mobile)
        except ValueError as exc:
            p.errors.append(str(exc))

    council = row.get("council_member")
    cells["council"] = None
    if council:
        key = council.strip().lower()
        if key in _COUNCIL_YES:
            cells["council"] = True
        elif key in _COUNCIL_NO:
            cells["council"] = False
        else:
            p.errors.append(
                _("협의회 회원 칸에는 Y 또는 N을 적어 주세요 (입력값: %(value)s).", value=council[:20])
            )
    p.cells = cells
    return p


def _lines(rows: list[RowPlan], exclude: RowPlan) -> str:
    return ", ".join(str(r.line) for r in rows if r is not exclude)


def _flag_duplicates_in_file(planned: list[RowPlan]) -> None:
    by_brn: dict[str, list[RowPlan]] = defaultdict(list)
    by_name: dict[str, list[RowPlan]] = defaultdict(list)
    for p in planned:
        if p.brn:
            by_brn[p.brn].append(p)
        if p.name:
            by_name[p.name].append(p)
    # Which of two rows with one number is right cannot be told: both are refused.
    for group in by_brn.values():
        if len(group) > 1:
            for p in group:
                p.errors.append(_("파일 안에서 사업자등록번호가 중복됩니다 (%(lines)s행).", lines=_lines(group, p)))
    # A row without a number is found by its name; another row of that name makes it ambiguous.
    for group in by_name.values():
        if len(group) > 1:
            for p in group:
                if not p.brn and not p.raw_brn:
                    p.errors.append(
                        _(
                            "파일 안에 기업명이 같은 행이 있습니다 (%(lines)s행). 사업자등록번호를 적어 구분해 주세요.",
                            lines=_lines(group, p),
                        )
                    )


def _in_chunks(values: set[str]) -> Iterator[list[str]]:
    ordered = sorted(values)
    for start in range(0, len(ordered), _IN_CHUNK):
        yield ordered[start:start + _IN_CHUNK]


def _companies_by_brn(brns: set[str]) -> dict[str, Company]:
    found: dict[str, Company] = {}
    for chunk in _in_chunks(brns):
        for company in db.session.scalars(select(Company).where(Company.brn.in_(chunk))):
            found[company.brn] = company
    return found


def _companies_by_name(cluster_id: int, names: set[str]) -> dict[str, list[Company]]:
    found: dict[str, list[Company]] = defaultdict(list)
    for chunk in _in_chunks(names):
        query = select(Company).where(Company.cluster_id == cluster_id, Company.name.in_(chunk)).order_by(Company.id)
        for company in db.session.scalars(query):
            found[company.name].append(company)
    return found


def _may_manage(user: User | None, cluster_id: int | None) -> bool:
    return user is None or user.can_manage_cluster(cluster_id)


def _match(
    p: RowPlan,
    cluster: Cluster,
    user: User | None,
    by_brn: dict[str, Company],
    by_name: dict[str, list[Company]],
    clusters: dict[int, Cluster],
) -> None:
    if p.brn and p.brn in by_brn:
        company = by_brn[p.brn]
        if company.cluster_id != cluster.id and not _may_manage(user, company.cluster_id):
            if company.cluster_id is None:
                p.errors.append(
                    _("클러스터 밖의 외부 기업으로 이미 등록된 사업자등록번호입니다. 관리자에게 문의해 주세요.")
                )
            else:
                p.errors.append(
                    _(
                        "다른 클러스터 소속 기업입니다 (%(cluster)s). 해당 클러스터 담당자에게 문의해 주세요.",
                        cluster=clusters[company.cluster_id].name,
                    )
                )
            return
        p.company = company
        return
    candidates = by_name.get(p.name, [])
    if len(candidates) > 1:
        p.errors.append(
            _("이 클러스터에 같은 이름의 기업이 여러 개 있습니다. 사업자등록번호를 적어 구분해 주세요.")
        )
        return
    if candidates:
        company = candidates[0]
        if p.brn and company.brn and company.brn != p.brn:
            p.errors.append(
                _(
                    "같은 이름의 기업이 다른 사업자등록번호(%(brn)s)로 등록되어 있습니다. 번호를 확인해 주세요.",
                    brn=format_brn(company.brn),
                )
            )
            return
        p.company = company


def _flag_same_target(planned: list[RowPlan]) -> None:
    by_company: dict[int, list[RowPlan]] = defaultdict(list)
    for p in planned:
        if p.company is not None and not p.errors:
            by_company[p.company.id].append(p)
    for group in by_company.values():
        if len(group) > 1:
            for p in group:
                p.errors.append(_("파일 안의 다른 행(%(lines)s행)과 같은 기업을 가리킵니다.", lines=_lines(group, p)))


def _council_values(member: bool, today: dt.date) -> dict[str, Any]:
    if member:
        return {"is_council_member": True, "council_joined_on": today}
    return {"is_council_member": False, "council_joined_on": None}


def _new_values(p: RowPlan, today: dt.date) -> dict[str, Any]:
    cells = p.cells
    values: dict[str, Any] = {
        "name": p.name,
        "brn": p.brn,
        "industry": cells["industry"] or "",
        "contact_name": cells["contact_name"],
        "contact_email": cells["contact_email"],
        "contact_mobile": cells["contact_mobile"],
    }
    values.update(_council_values(bool(cells["council"]), today))
    return values


def _yes_no(value: bool) -> str:
    return _("예") if value else _("아니오")


def _diff(p: RowPlan, cluster: Cluster, clusters: dict[int, Cluster], today: dt.date) -> None:
    """What the row would change on its matched company; blank cells change nothing."""
    company = p.company
    assert company is not None
    cells = p.cells
    values: dict[str, Any] = {}
    changes: list[Change] = []

    def compare(attr: str, new: Any, shown_old: str | None = None, shown_new: str | None = None) -> None:
        old = getattr(company, attr)
        if new is None or new == old:
            return
        values[attr] = new
        changes.append(Change(attr, shown_old if shown_old is not None else (old or ""),
                              shown_new if shown_new is not None else new))

    compare("name", p.name)
    if p.brn and p.brn != company.brn:
        compare("brn", p.brn, company.brn_display, format_brn(p.brn))
    compare("industry", cells["industry"])
    compare("contact_name", cells["contact_name"])
    compare("contact_email", cells["contact_email"])
    compare("contact_mobile", cells["contact_mobile"])
    if cells["council"] is not None and cells["council"] != bool(company.is_council_member):
        values.update(_council_values(cells["council"], today))
        changes.append(Change("is_council_member", _yes_no(bool(company.is_council_member)), _yes_no(cells["council"])))
    if company.cluster_id != cluster.id:
        # The importer manages both clusters (else _match refused the row): the file says
        # the company now belongs to this cluster.
        old_cluster = clusters.get(company.cluster_id) if company.cluster_id else None
        values["cluster_id"] = cluster.id
        changes.append(Change("cluster_id", old_cluster.name if old_cluster else "", cluster.name))

    p.values = values
    p.changes = changes
    p.outcome = Outcome.UPDATE if values else Outcome.UNCHANGED


# ---------------------------------------------------------------------------
# Applying


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


def create_import(cluster: Cluster, user: User | None, filename: str, content: bytes) -> CompanyImport:
    """Keep an uploaded file until it is previewed and applied (and as a record afterwards)."""
    record = CompanyImport(
        cluster_id=cluster.id,
        uploaded_by_id=user.id if user is not None else None,
        filename=clean_filename(filename),
        content=content,
    )
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


# ---------------------------------------------------------------------------
# The blank template


EXAMPLE_ROW = ("(주)모임예시", "123-45-67891", "콘텐츠 제작", "홍길동", "hong@example.com", "010-1234-5678", "Y")


def template_workbook() -> bytes:
    """An .xlsx with the header row, one example row and a sheet '안내' explaining each column."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(_("기업 목록"))
    sheet.append([KOREAN_HEADERS[k] for k in COLUMNS])
    sheet.append(list(EXAMPLE_ROW))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = (24, 16, 16, 12, 26, 16, 18)
    for index, width in enumerate(widths):
        letter = chr(ord("A") + index)
        sheet.column_dimensions[letter].width = width
        if COLUMNS[index] in ("brn", "mobile"):
            # Text format: Excel keeps the leading 0 of 010 and does not turn numbers into 1.2E+09.
            for row in range(2, 1002):
                sheet[f"{letter}{row}"].number_format = "@"
    sheet.freeze_panes = "A2"

    guide = workbook.create_sheet(str(_("안내")))
    guide.append([str(_("열")), str(_("필수")), str(_("설명"))])
    for cell in guide[1]:
        cell.font = Font(bold=True)
    lines = [
        (KOREAN_HEADERS["name"], _("예"), _("기업 이름 (200자 이하). 사업자등록번호가 없으면 이 클러스터에서 같은 이름의 기업을 찾아 수정합니다.")),
        (KOREAN_HEADERS["brn"], _("아니오"), _("10자리 숫자, 예: 123-45-67890. 이 번호로 기존 기업을 먼저 찾습니다. 검증번호가 맞아야 합니다.")),
        (KOREAN_HEADERS["industry"], _("아니오"), _("업종 (120자 이하).")),
        (KOREAN_HEADERS["contact_name"], _("아니오"), _("기업 담당자 이름 (100자 이하).")),
        (KOREAN_HEADERS["contact_email"], _("아니오"), _("담당자 이메일, 예: name@example.com.")),
        (KOREAN_HEADERS["mobile"], _("아니오"), _("담당자 휴대전화, 예: 010-1234-5678.")),
        (KOREAN_HEADERS["council_member"], _("아니오"), _("입주기업협의회 회원이면 Y, 아니면 N. 비워 두면 기존 기업은 그대로, 새 기업은 N입니다.")),
        ("", "", ""),
        (_("참고"), "", _("빈 칸은 기존 값을 바꾸지 않습니다. 빈 줄과 알 수 없는 열은 건너뜁니다.")),
        (_("참고"), "", _("2번째 줄의 예시 행은 지우고 입력해 주세요. CSV로 저장해도 됩니다 (UTF-8 또는 CP949).")),
    ]
    for line in lines:
        guide.append([str(v) for v in line])
    guide.column_dimensions["A"].width = 20
    guide.column_dimensions["B"].width = 8
    guide.column_dimensions["C"].width = 90

    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
