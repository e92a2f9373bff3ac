"""Company list exports: XLSX and CSV (UTF-8 with BOM, so Excel reads Korean)."""

from __future__ import annotations

from flask_babel import gettext as _

from app.directory.queries import CompanyRow
from app.exports import csv_bytes, xlsx_bytes


def _headers() -> list[str]:
    return [
        _("기업명"),
        _("영문 기업명"),
        _("클러스터"),
        _("사업자등록번호"),
        _("업종"),
        _("협의회 회원"),
        _("협의회 가입일"),
        _("연구회"),
        _("담당자명"),
        _("담당자 이메일"),
        _("담당자 휴대전화"),
        _("회원 수"),
        _("상태"),
    ]


def _values(row: CompanyRow) -> list:
    c = row.company
    cluster = c.cluster.name if c.cluster else ""
    status = _("활성") if c.is_active else _("비활성")
    if not row.private:
        # Another cluster's company: only the public facts.
        return [c.name, c.name_en or "", cluster, "", "", "", "", "", "", "", "", "", status]
    return [
        c.name,
        c.name_en or "",
        cluster,
        c.brn_display,
        c.industry,
        "Y" if c.is_council_member else "N",
        c.council_joined_on.isoformat() if c.council_joined_on else "",
        ", ".join(row.group_names),
        c.contact_name or "",
        c.contact_email or "",
        c.contact_mobile or "",
        row.member_count,
        status,
    ]


def companies_csv(rows: list[CompanyRow]) -> bytes:
    return csv_bytes(_headers(), (_values(row) for row in rows))


def companies_xlsx(rows: list[CompanyRow]) -> bytes:
    return xlsx_bytes(
        _("기업 목록"), _headers(), (_values(row) for row in rows), (28, 24, 22, 15, 20, 10, 13, 20, 12, 26, 15, 8, 8)
    )
