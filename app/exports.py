"""Export pieces shared by every area: formula-safe cells, CSV for Excel, XLSX, download names and responses."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from collections.abc import Iterable
from urllib.parse import quote

# Characters Windows and macOS refuse in file names, and control characters.
_UNSAFE_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def safe_cell(value):
    """A cell starting with = + - @ (or tab/CR) would run as a formula in Excel (CSV injection):
    prefix it with an apostrophe so Excel shows it as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_bytes(header: list[str], rows: Iterable[list]) -> bytes:
    """CSV as UTF-8 with a byte-order mark (Excel in Korea reads UTF-8 only with one), every cell formula-safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(v) for v in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")


@dataclasses.dataclass(frozen=True)
class Sheet:
    """One sheet of a workbook: a bold frozen header, formula-safe rows, column widths in order.

    ``datetime_columns`` (letters) get a date-and-time format; ``autofilter`` adds filters.
    """

    title: str
    header: list[str]
    rows: Iterable[list]
    widths: Iterable[float] = ()
    datetime_columns: Iterable[str] = ()
    autofilter: bool = False


def workbook_bytes(sheets: Iterable[Sheet]) -> bytes:
    """A workbook of one or more sheets (see Sheet)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    for sheet in sheets:
        ws = wb.create_sheet(sheet.title[:31])
        ws.append([safe_cell(v) for v in sheet.header])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in sheet.rows:
            ws.append([safe_cell(v) for v in row])
        for column in sheet.datetime_columns:
            for cell in ws[column][1:]:
                cell.number_format = "yyyy-mm-dd hh:mm"
        ws.freeze_panes = "A2"
        if sheet.autofilter:
            ws.auto_filter.ref = ws.dimensions
        for index, width in enumerate(sheet.widths, start=1):
            ws.column_dimensions[get_column_letter(index)].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def xlsx_bytes(
    title: str,
    header: list[str],
    rows: Iterable[list],
    widths: Iterable[float],
    *,
    datetime_columns: Iterable[str] = (),
    autofilter: bool = False,
) -> bytes:
    """A one-sheet workbook (see Sheet)."""
    return workbook_bytes([Sheet(title, header, rows, widths, datetime_columns, autofilter)])


def clean_filename(name: str, max_length: int = 120) -> str:
    """A file name safe on every desktop: no path separators or reserved characters, collapsed spaces."""
    name = _UNSAFE_FILENAME.sub(" ", name or "")
    name = re.sub(r"\s+", " ", name).strip(" .")
    return name[:max_length].strip(" .")


def attachment_disposition(filename: str, fallback: str) -> str:
    """Content-Disposition for a download with a (Korean) name: RFC 6266 / RFC 5987.

    ``filename`` is for browsers (percent-encoded UTF-8 in ``filename*``); ``fallback`` is an
    ASCII name for clients that do not read ``filename*``.
    """
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "-", fallback).strip("-") or "download"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def private_download(data: bytes, mimetype: str, filename: str, fallback: str, *, inline: bool = False):
    """A file of personal data (badges, certificates, attendance lists, reports) as a response.

    Saved under its Korean name; ``inline`` PDFs open in the browser's viewer, to print. No
    shared cache may keep it, and the page it came from is never sent on as a referrer.
    """
    from flask import Response

    response = Response(data, mimetype=mimetype)
    disposition = attachment_disposition(filename, fallback)
    if inline:
        disposition = disposition.replace("attachment", "inline", 1)
    response.headers["Content-Disposition"] = disposition
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def inline_pdf(data: bytes, names: tuple[str, str]):
    """A PDF to view and print: ``names`` is (Korean filename, ASCII fallback)."""
    return private_download(data, "application/pdf", *names, inline=True)
