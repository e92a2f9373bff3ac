"""Printed attendance documents of an event: the attendance report (after) and the door sign-in sheet (before).

Both are one WeasyPrint document (app/pdf.py) in block layout: one small table per company,
kept on one page when it fits (`page-break-inside: avoid`), never one table across many
pages, which WeasyPrint lays out far more slowly. One document, not chunks, so that the
page numbers ("3 / 12 쪽") come from CSS page counters; benchmarks/reports.py measures a
2,000-attendee report within its time and memory targets this way.

Services only: no request, no commit.
"""

from __future__ import annotations

import datetime as dt

from flask import render_template
from flask_babel import gettext as _

from app.events.door import event_phase
from app.exports import clean_filename
from app.i18n import SEOUL, format_kst_range, to_kst
from app.models import Event
from app.pdf import render_pdf
from app.reports.attendance import AttendanceRow, AttendanceSummary, attendance_rows, attendance_summary

# Empty rows at the end of the sign-in sheet, for people who register at the door.
SIGN_IN_BLANK_ROWS = 15


def css_string(value: str) -> str:
    """A CSS string literal (for `content:` in @page margin boxes): quotes, backslashes and
    line breaks escaped, so no text can end the string or the rule."""
    escaped = (
        value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ").replace("\r", "").replace("<", "\\3c ")
    )
    return f'"{escaped}"'


def _document_context(event: Event, now: dt.datetime) -> dict:
    return {
        "event": event,
        "event_title": event.title,
        "event_kind": event.kind.label,
        "event_when": format_kst_range(event.starts_at, event.ends_at),
        "host_cluster": event.host_cluster.name,
        # Footer of every page: 3 / 12 쪽 on the right, when the document was made on the left.
        "page_suffix_css": css_string(" " + _("쪽")),
        "generated_css": css_string(_("생성: %(when)s (KST)", when=to_kst(now).strftime("%Y-%m-%d %H:%M"))),
    }


def attendance_report_html(
    event: Event, rows: list[AttendanceRow], summary: AttendanceSummary, now: dt.datetime
) -> str:
    # Before the end nobody is a no-show yet: the report says 진행 전/진행 중 instead.
    return render_template(
        "pdf/attendance_report.html", summary=summary, phase=event_phase(event, now), **_document_context(event, now)
    )


def attendance_report_pdf(event: Event, now: dt.datetime) -> bytes:
    """The attendance report of the event as PDF bytes (`now`, UTC, is printed as its generation time)."""
    rows = attendance_rows(event)
    return render_pdf(attendance_report_html(event, rows, attendance_summary(rows), now))


def sign_in_sheet_html(
    event: Event, rows: list[AttendanceRow], now: dt.datetime, blank_rows: int = SIGN_IN_BLANK_ROWS
) -> str:
    summary = attendance_summary(rows)
    return render_template(
        "pdf/sign_in_sheet.html",
        blocks=summary.by_company,
        total=summary.total.confirmed,
        blank_rows=blank_rows,
        **_document_context(event, now),
    )


def sign_in_sheet_pdf(event: Event, now: dt.datetime, blank_rows: int = SIGN_IN_BLANK_ROWS) -> bytes:
    return render_pdf(sign_in_sheet_html(event, attendance_rows(event), now, blank_rows))


def _filename(event: Event, label: str, ext: str, fallback: str) -> tuple[str, str]:
    """(Korean file name, ASCII fallback), e.g. 2026-12-03_DMC 네트워킹 나이트_출석 보고서.pdf."""
    day = event.starts_at.astimezone(SEOUL).date().isoformat()
    title = clean_filename(event.title_ko, max_length=80)
    return f"{day}_{title}_{label}.{ext}", f"moim-event-{event.id}-{day}-{fallback}.{ext}"


def report_filename(event: Event) -> tuple[str, str]:
    return _filename(event, _("출석 보고서"), "pdf", "attendance")


def sign_in_filename(event: Event) -> tuple[str, str]:
    return _filename(event, _("서명부"), "pdf", "sign-in-sheet")


def export_filename(event: Event, ext: str) -> tuple[str, str]:
    return _filename(event, _("출석 명단"), ext, "attendance")
