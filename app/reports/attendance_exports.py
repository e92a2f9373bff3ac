"""An event's attendance list for Excel: CSV (UTF-8 with BOM, formula-safe) and XLSX, a row per confirmed person.

Walk-ins are confirmed registrations made at the door, so they are rows like any other
(method 현장 등록). Times are Seoul wall-clock times: in the CSV as text `2026-12-03 19:02`
(Excel reads it as a date and time), in the XLSX as real date-time cells without a time zone
(Excel has none) with a yyyy-mm-dd hh:mm format, so staff can sort and subtract them.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _

from app.exports import csv_bytes, xlsx_bytes
from app.i18n import to_kst
from app.models import RegistrationStatus
from app.models.checkin import scan_method_label
from app.reports.attendance import AttendanceRow

_WIDTHS = (28, 24, 12, 12, 28, 15, 8, 10, 17, 17, 12, 12)


def _header() -> list[str]:
    return [
        _("기업명"),
        _("클러스터"),
        _("이름"),
        _("구분"),
        _("이메일"),
        _("휴대전화"),
        _("상태"),
        _("출석 여부"),
        _("입장 시각 (KST)"),
        _("퇴장 시각 (KST)"),
        _("출입구"),
        _("체크인 방법"),
    ]


def _kst_naive(value: dt.datetime | None) -> dt.datetime | None:
    return to_kst(value).replace(tzinfo=None) if value else None


def _values(row: AttendanceRow) -> list:
    return [
        row.company_name,
        row.cluster_name,
        row.name,
        row.role_label,
        row.email,
        row.mobile,
        RegistrationStatus.CONFIRMED.label,
        _("예") if row.attended else _("아니오"),
        _kst_naive(row.checked_in_at),
        _kst_naive(row.checked_out_at),
        row.gate,
        scan_method_label(row.method),
    ]


def _csv_value(value):
    return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, dt.datetime) else value


def attendance_csv(rows: list[AttendanceRow]) -> bytes:
    return csv_bytes(_header(), ([_csv_value(v) for v in _values(row)] for row in rows))


def attendance_xlsx(rows: list[AttendanceRow]) -> bytes:
    # Columns I and J: check-in and check-out times (real datetimes, KST).
    return xlsx_bytes(
        _("출석 명단"), _header(), (_values(row) for row in rows), _WIDTHS, datetime_columns=("I", "J"), autofilter=True
    )
