"""Flask commands: create-admin, seed-demo, events list, mail send, badges, attendance-report."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from app.extensions import db
from app.i18n import SEOUL


def register(app: Flask) -> None:
    app.cli.add_command(create_admin)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(demo_logins)
    app.cli.add_command(events_cli)
    app.cli.add_command(mail_cli)
    from app.directory.cli import import_companies

    app.cli.add_command(import_companies)
    from app.checkin.cli import badges_command

    app.cli.add_command(badges_command)
    from app.reports.cli import attendance_report_command

    app.cli.add_command(attendance_report_command)
    from app.privacy.cli import privacy_cli

    app.cli.add_command(privacy_cli)
    from app.backup import backup_cli

    app.cli.add_command(backup_cli)


@click.command("create-admin")
@click.argument("email")
@click.option("--name", default="관리자", show_default=True, help="Display name")
@click.password_option(help="Password (prompted when omitted)")
@with_appcontext
def create_admin(email: str, name: str, password: str) -> None:
    """Create an admin account, or make an existing account admin."""
    from app.auth.services import AccountError, check_password_strength, create_user, find_user_by_email
    from app.models import Role

    user = find_user_by_email(email)
    try:
        if user is None:
            create_user(email, name, password, Role.ADMIN)
            message = f"Created admin {email.strip().lower()}"
        else:
            check_password_strength(password, email)
            user.role = Role.ADMIN
            user.company = None
            user.set_password(password)
            message = f"Made {user.email} admin and set the password"
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(message)


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Only seed when the database has no clusters yet.")
@with_appcontext
def seed_demo_command(if_empty: bool) -> None:
    """Load the demo clusters, companies, accounts and events (idempotent)."""
    from app.seed import database_is_empty, seed_demo

    if if_empty and not database_is_empty():
        click.echo("Database already has data; demo seed skipped.")
        return
    created = seed_demo()
    db.session.commit()
    summary = ", ".join(f"{k}={v}" for k, v in created.items())
    click.echo(f"Demo data ready ({summary or 'nothing new'}).")


@click.command("demo-logins")
@with_appcontext
def demo_logins() -> None:
    """Print the demo accounts that exist in this database."""
    from app.models import User
    from app.seed import DEMO_LOGINS, DEMO_PASSWORD

    existing = set(db.session.scalars(select(User.email)).all())
    rows = [(email, role) for email, role in DEMO_LOGINS if email in existing]
    if not rows:
        click.echo("No demo accounts in this database.")
        return
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for email, role in rows:
        click.echo(f"  {email:<34} {role}")


events_cli = AppGroup("events", help="Event commands.")


@events_cli.command("list")
def list_events() -> None:
    """One line per event: id, start (KST), kind, cluster, confirmed count, title (tab-separated)."""
    from app.events.queries import all_events_for_listing

    for row in all_events_for_listing():
        e = row.event
        start = e.starts_at.astimezone(SEOUL).strftime("%Y-%m-%d %H:%M")
        click.echo("\t".join([str(e.id), start, e.kind.value, e.host_cluster.slug, str(row.confirmed), e.title_ko]))


mail_cli = AppGroup("mail", help="Outgoing mail.")


@mail_cli.command("send")
def send_mail() -> None:
    """Try every message still waiting in the outbox now (e.g. after an SMTP outage)."""
    from app.mail import send_all

    sent, failed = send_all()
    click.echo(f"Sent {sent} message(s).")
    if failed:
        click.echo(f"{failed} message(s) failed and stay in the outbox for a later try.", err=True)
        raise SystemExit(1)


@mail_cli.command("status")
def mail_status() -> None:
    """How many messages wait in the outbox, and how many of them have failed before."""
    from app.mail import pending_counts

    unsent, failing = pending_counts()
    click.echo(f"Waiting: {unsent} message(s), {failing} of them failed at least once.")


@mail_cli.command("lifecycle")
def mail_lifecycle() -> None:
    """Queue the reminders and thank-yous due now, once each (the worker does this every few minutes)."""
    from app.events.lifecycle import send_lifecycle_mail
    from app.extensions import db

    counts = send_lifecycle_mail()
    db.session.commit()
    click.echo("Queued: " + ", ".join(f"{kind} {n}" for kind, n in counts.items()))


@mail_cli.command("follow-ups")
def mail_follow_ups() -> None:
    """Queue the staged follow-ups (2 weeks, 6 and 12 months after an event) and reminders due now, once each."""
    from app.extensions import db
    from app.outcomes.followups import schedule_follow_ups

    counts = schedule_follow_ups()
    db.session.commit()
    click.echo(f"Queued: follow-ups {counts['sent']}, reminders {counts['reminded']}")


@mail_cli.command("worker")
@click.option("--interval", type=float, default=None, help="Seconds between polls when idle (MAIL_WORKER_INTERVAL).")
@click.option("--batch", type=int, default=50, show_default=True, help="Messages claimed per round.")
def mail_worker(interval: float | None, batch: int) -> None:
    """Send the outbox continuously, retrying failures with backoff, until SIGTERM or Ctrl-C."""
    import signal
    import threading

    from flask import current_app

    from app.events.lifecycle import lifecycle_if_due
    from app.extensions import db
    from app.mail import send_due
    from app.outcomes.followups import follow_ups_if_due
    from app.privacy.retention import purge_if_due

    interval = interval if interval is not None else current_app.config["MAIL_WORKER_INTERVAL"]
    stop = threading.Event()

    def _stop(signum, _frame):
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    click.echo(f"Mail worker started (backend {current_app.config['MAIL_BACKEND']}, poll every {interval:g} s).")
    last_purge = last_lifecycle = last_follow_ups = None
    while not stop.is_set():
        try:
            # The daily retention purge runs in this process too: no cron, nothing in requests.
            last_purge = purge_if_due(last_purge)
            # Reminders and thank-yous (app/events/lifecycle.py) every few minutes, each mail once.
            last_lifecycle = lifecycle_if_due(last_lifecycle)
            # Staged follow-ups after events (app/outcomes/followups.py), each once.
            last_follow_ups = follow_ups_if_due(last_follow_ups)
            sent = send_due(limit=batch)
        except Exception as exc:  # database away: keep running, try again after a pause
            db.session.rollback()
            click.echo(f"Mail worker: {type(exc).__name__}: {exc}", err=True)
            sent = 0
        finally:
            db.session.remove()
        if sent:
            click.echo(f"Sent {sent} message(s).")
        else:
            stop.wait(interval)
    click.echo("Mail worker stopped.")
