"""Planning an import: match each row to the directory and decide new / update / unchanged / error, writing nothing."""

from __future__ import annotations

import datetime as dt
import enum
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.directory.importer.parse import ImportRow
from app.extensions import db
from app.i18n import SEOUL
from app.models import Cluster, Company, User
from app.validators import InvalidBRN, format_brn, normalize_brn, normalize_mobile

# Bound on values per IN (...) so that neither SQLite nor PostgreSQL hits a parameter limit.
_IN_CHUNK = 500

NAME_MAX = 200
INDUSTRY_MAX = 120
CONTACT_NAME_MAX = 100
EMAIL_MAX = 254

_COUNCIL_YES = {"y", "yes", "예", "네", "o", "1", "true", "회원"}
_COUNCIL_NO = {"n", "no", "아니오", "아니요", "x", "0", "false", "비회원"}


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
            p.errors.append(_("협의회 회원 칸에는 Y 또는 N을 적어 주세요 (입력값: %(value)s).", value=council[:20]))
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
        yield ordered[start : start + _IN_CHUNK]


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
        p.errors.append(_("이 클러스터에 같은 이름의 기업이 여러 개 있습니다. 사업자등록번호를 적어 구분해 주세요."))
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
        changes.append(
            Change(
                attr, shown_old if shown_old is not None else (old or ""), shown_new if shown_new is not None else new
            )
        )

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
