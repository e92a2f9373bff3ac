"""The downloadable .xlsx template for the company list import."""

from __future__ import annotations

import io

from flask_babel import gettext as _

from app.directory.importer.parse import COLUMNS, KOREAN_HEADERS

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
        (
            KOREAN_HEADERS["name"],
            _("예"),
            _("기업 이름 (200자 이하). 사업자등록번호가 없으면 이 클러스터에서 같은 이름의 기업을 찾아 수정합니다."),
        ),
        (
            KOREAN_HEADERS["brn"],
            _("아니오"),
            _("10자리 숫자, 예: 123-45-67890. 이 번호로 기존 기업을 먼저 찾습니다. 검증번호가 맞아야 합니다."),
        ),
        (KOREAN_HEADERS["industry"], _("아니오"), _("업종 (120자 이하).")),
        (KOREAN_HEADERS["contact_name"], _("아니오"), _("기업 담당자 이름 (100자 이하).")),
        (KOREAN_HEADERS["contact_email"], _("아니오"), _("담당자 이메일, 예: name@example.com.")),
        (KOREAN_HEADERS["mobile"], _("아니오"), _("담당자 휴대전화, 예: 010-1234-5678.")),
        (
            KOREAN_HEADERS["council_member"],
            _("아니오"),
            _("입주기업협의회 회원이면 Y, 아니면 N. 비워 두면 기존 기업은 그대로, 새 기업은 N입니다."),
        ),
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
