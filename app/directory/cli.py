"""`flask import-companies`: the company list import from the command line."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from app.database import begin_write
from app.directory import importer
from app.extensions import db
from app.models import Cluster


def _echo_plan(plan: importer.ImportPlan) -> None:
    for row in plan.rows:
        click.echo("\t".join([str(row.line), row.outcome.label, row.brn_display or "-", row.name or "-", row.detail]))
    click.echo(importer.summary_text(plan.counts))


@click.command("import-companies")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--cluster", "cluster_slug", required=True, help="Slug of the cluster to import into (dmc, magok, ...).")
@click.option("--dry-run", is_flag=True, help="Print each row's outcome and change nothing.")
@click.option("--skip-errors", is_flag=True, help="Apply the good rows even when some rows have errors.")
@with_appcontext
def import_companies(file: Path, cluster_slug: str, dry_run: bool, skip_errors: bool) -> None:
    """Import companies from an .xlsx or .csv file into a cluster.

    Prints one tab-separated line per row (row, outcome, BRN, name, reason or changes).
    When any row has an error nothing is applied and the exit status is 1, also with
    --dry-run, unless --skip-errors is given.
    """
    with file.open("rb") as f:
        content = f.read(importer.MAX_FILE_BYTES + 1)
    try:
        parsed = importer.parse(content, file.name)
    except importer.ImportFileError as exc:
        raise click.ClickException(str(exc)) from None
    if not dry_run:
        # Plan and apply see one state of the database: no writer slips in between (SQLite).
        begin_write()
    cluster = db.session.scalar(select(Cluster).where(Cluster.slug == cluster_slug))
    if cluster is None:
        raise click.ClickException(_("클러스터를 찾을 수 없습니다: %(slug)s", slug=cluster_slug))

    plan = importer.plan(parsed.rows, cluster, None)
    _echo_plan(plan)
    if plan.has_errors and not skip_errors:
        db.session.rollback()
        raise click.ClickException(
            _("오류가 있는 행이 있어 아무것도 반영하지 않았습니다. 오류 행을 빼고 반영하려면 --skip-errors를 붙여 주세요.")
        )
    if dry_run:
        db.session.rollback()
        click.echo(_("시험 실행이므로 아무것도 반영하지 않았습니다."))
        return
    try:
        counts = importer.apply(plan, skip_errors=skip_errors)
        record = importer.create_import(cluster, None, file.name, content)
        importer.mark_applied(record, counts)
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        raise click.ClickException(
            _("반영하는 중에 다른 변경과 충돌해 아무것도 반영하지 않았습니다. 다시 실행해 주세요.")
        ) from None
    click.echo(_("반영했습니다: %(summary)s", summary=importer.summary_text(counts)))
