"""`flask privacy purge [--dry-run]`: destroy the personal data whose retention period is over."""

from __future__ import annotations

import click
from flask.cli import AppGroup

privacy_cli = AppGroup("privacy", help="Personal data retention (PIPA).")


@privacy_cli.command("purge")
@click.option("--dry-run", is_flag=True, help="Only count what would be destroyed.")
def purge_command(dry_run: bool) -> None:
    """Destroy personal data of events that ended more than RETENTION_DAYS ago (idempotent)."""
    from app.privacy.retention import plan, purge, retention_days

    if dry_run:
        counts = plan()
        click.echo(
            f"Would purge (retention {retention_days()} days): {counts.registrations} registration(s) of "
            f"{counts.events} event(s), {counts.outbox_messages} old mail(s), {counts.accounts} account(s)."
        )
        return
    counts = purge()
    summary = ", ".join(f"{k}={v}" for k, v in counts.as_dict().items())
    click.echo(f"Purged (retention {retention_days()} days): {summary}.")
