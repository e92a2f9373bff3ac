"""`flask badges`: an event's name badges as one PDF file, from the command line."""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask.cli import with_appcontext

from app.checkin import badges
from app.extensions import db
from app.models import Event, utcnow


@click.command("badges")
@click.argument("event_id", type=int)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    required=True,
    help="PDF file to write.",
)
@click.option(
    "--layout",
    type=click.Choice(badges.LAYOUTS),
    default="a6",
    show_default=True,
    help="a6: 4 A6 badges per A4 sheet; insert: 8 inserts of 90x60 mm per A4 sheet.",
)
@click.option(
    "--sort",
    type=click.Choice(badges.SORTS),
    default="company",
    show_default=True,
    help="company: by company (가나다), then name; name: by name.",
)
@click.option("--unprinted", is_flag=True, help="Only badges not printed yet.")
@click.option("--company-id", type=click.IntRange(min=1), default=None, help="Only this company's badges.")
@click.option(
    "--mark-printed/--no-mark-printed",
    default=True,
    show_default=True,
    help="Record the badges as printed (as the staff page does).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Rendering processes for large batches (default: PDF_WORKERS, else one per core up to 2).",
)
@with_appcontext
def badges_command(
    event_id: int,
    output: Path,
    layout: str,
    sort: str,
    unprinted: bool,
    company_id: int | None,
    mark_printed: bool,
    workers: int | None,
) -> None:
    """Write the name badges of event EVENT_ID (confirmed registrations) to a PDF file."""
    event = db.session.get(Event, event_id)
    if event is None:
        raise click.ClickException(f"행사 {event_id}을(를) 찾을 수 없습니다 (no event {event_id}).")
    options = badges.BadgeOptions(layout=layout, sort=sort, unprinted=unprinted, company_id=company_id)
    started = time.perf_counter()
    registrations = badges.select_badges(event, options)
    if not registrations:
        raise click.ClickException("인쇄할 명찰이 없습니다 (no badges match).")
    click.echo(f"{len(registrations)} badge(s), layout {layout}, sorted by {sort}: rendering...")
    data = badges.badge_pdf(event, registrations, layout, workers=workers)
    output.write_bytes(data)
    if mark_printed:
        badges.mark_printed(registrations, utcnow())
    db.session.commit()  # codes issued to old rows, and the printed marks
    sheets = -(-len(registrations) // badges.BADGES_PER_PAGE[layout])
    click.echo(
        f"Wrote {output} ({len(registrations)} badges, {sheets} page(s), {len(data) / 1024:.0f} KiB) "
        f"in {time.perf_counter() - started:.1f} s" + ("; marked as printed." if mark_printed else ".")
    )
