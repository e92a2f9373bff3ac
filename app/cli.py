"""Flask commands: create-admin, seed-demo, events list, mail send."""
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
    """Send mail still waiting in the outbox (e.g. after an SMTP outage)."""
    from app.mail import deliver_pending

    total = 0
    while True:
        sent = deliver_pending(limit=100)
        total += sent
        if sent == 0:
            break
    click.echo(f"Sent {total} message(s).")
