"""`flask attendance-report`: an event's attendance report (or door sign-in sheet) as a PDF file."""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask.cli import with_appcontext

from app.extensions import db
from app.models import Event, utcnow
from app.pdf import render_pdf
from app.reports import attendance, attendance_pdf


@click.command("attendance-report")
@click.argument("event_id", type=int)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    required=True,
    help="PDF file to write.",
)
@click.option(
    "--sign-in-sheet",
    "sign_in",
    is_flag=True,
    help="The door sign-in sheet (before the event) instead of the attendance report.",
)
@with_appcontext
def attendance_report_command(event_id: int, output: Path, sign_in: bool) -> None:
    """Write the attendance report of event EVENT_ID to a PDF file."""
    event = db.session.get(Event, event_id)
    if event is None:
        raise click.ClickException(f"행사 {event_id}을(를) 찾을 수 없습니다 (no event {event_id}).")
    started = time.perf_counter()
    rows = attendance.attendance_rows(event)
    summary = attendance.attendance_summary(rows)
    now = utcnow()
    if sign_in:
        html = attendance_pdf.sign_in_sheet_html(event, rows, now)
    else:
        html = attendance_pdf.attendance_report_html(event, rows, summary, now)
    data = render_pdf(html)
    output.write_bytes(data)
    totals = summary.total
    click.echo(
        f"Wrote {output} ({'sign-in sheet' if sign_in else 'attendance report'}; confirmed {totals.confirmed}, "
        f"attended {totals.attended}, no-show rate {totals.no_show_percent}, walk-ins {totals.walkins}; "
        f"{len(data) / 1024:.0f} KiB) in {time.perf_counter() - started:.1f} s"
    )
