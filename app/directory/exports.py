"""Company list exports: XLSX and CSV (UTF-8 with BOM, so Excel reads Korean)."""
from __future__ import annotations

import io

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from app.directory.queries import CompanyRow
from app.exports import csv_bytes
from app.exports import safe_cell as _safe_cell


def _headers() -> list[str]:
    return [_("기업명"), _("영문 기업명"), _("클러스터"), _("사업자등록번호"), _("업종"), _("협의회 회원"),
            _("협의회 가입일"), _("연구회"), _("담당자명"), _("담당자 이메일"), _("담당자 휴대전화"),
            _("회원 수"), _("상태")]


def _values(row: CompanyRow) -> list:
    c = row.company
    cluster = c.cluster.name if c.cluster else ""
    status = _("활성") if c.is_active else _("비활성")
    if not row.private:
        # Another cluster's company: only the public facts.
        return [c.name, c.name_en or "", cluster, "", "", "", "", "", "", "", "", "", status]
    return [
        c.name, c.name_en or "", cluster, c.brn_display, c.industry,
        "Y" if c.is_council_member else "N",
        c.council_joined_on.isoformat() if c.council_joined_on else "",
        ", ".join(row.group_names), c.contact_name or "", c.contact_email or "", c.contact_mobile or "",
        row.member_count, status,
    ]


def companies_csv(rows: list[CompanyRow]) -> bytes:
    return csv_bytes(_headers(), (_values(row) for row in rows))


def companies_xlsx(rows: list[CompanyRow]) -> bytes:
    wb = Workbook(write_only=False)
    ws = wb.active
    ws.title = _("기업 목록")
    ws.append(_headers())
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([_safe_cell(v) for v in _values(row)])
    ws.freeze_panes = "A2"
    for column, width in zip("ABCDEFGHIJKLM", (28, 24, 22, 15, 20, 10, 13, 20, 12, 26, 15, 8, 8)):
        ws.column_dimensions[column].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
