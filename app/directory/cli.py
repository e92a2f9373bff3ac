"""`flask import-companies`: the company list import from the command line."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from app.database import begin_write
from app.directory import importer
from app.extensions import db
from app.models import Cluster

# The only refusals a new file applied from here can meet (it was never applied, and
# allow_empty lets a file without good rows through).
_REFUSALS = {
    importer.Refusal.ROW_ERRORS: _l(
        "오류가 있는 행이 있어 아무것도 반영하지 않았습니다. 오류 행을 빼고 반영하려면 --skip-errors를 붙여 주세요."
    ),
    importer.Refusal.CONFLICT: _l("반영하는 중에 다른 변경과 충돌해 아무것도 반영하지 않았습니다. 다시 실행해 주세요."),
}


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
        # Begun before the cluster lookup, so run_import() finds the write already begun.
        begin_write()
    cluster = db.session.scalar(select(Cluster).where(Cluster.slug == cluster_slug))
    if cluster is None:
        raise click.ClickException(_("클러스터를 찾을 수 없습니다: %(slug)s", slug=cluster_slug))

    # The file is recorded as an import only if it is applied. allow_empty: --skip-errors on a
    # file without one good row applies nothing and says so, as this command always has.
    record = importer.new_import(cluster, None, file.name, content)
    result = importer.run_import(
        record, None, parsed=parsed, skip_errors=skip_errors, dry_run=dry_run, allow_empty=True
    )
    _echo_plan(result.plan)
    refusal = result.refusal
    if refusal is None and not dry_run:
        try:
            db.session.commit()
        except SQLAlchemyError:
            refusal = importer.Refusal.CONFLICT
    if refusal is not None:
        db.session.rollback()
        raise click.ClickException(str(_REFUSALS[refusal]))
    if dry_run:
        db.session.rollback()
        click.echo(_("시험 실행이므로 아무것도 반영하지 않았습니다."))
        return
    click.echo(_("반영했습니다: %(summary)s", summary=importer.summary_text(result.counts)))
