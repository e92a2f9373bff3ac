"""Helpers of the staff registrations tests: sign-in, fixed times, reading the page."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from app.extensions import db
from app.models import Registration, RegistrationStatus
from tests.helpers import see_committed

UTC = dt.UTC
T0 = dt.datetime(2030, 11, 1, 1, 0, tzinfo=UTC)  # 2030-11-01 10:00 KST
CONFIRMED, WAITLISTED, CANCELLED = (
    RegistrationStatus.CONFIRMED,
    RegistrationStatus.WAITLISTED,
    RegistrationStatus.CANCELLED,
)


def at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def page_url(event_id, **args) -> str:
    query = "&".join(f"{k}={v}" for k, v in args.items())
    return f"/staff/events/{event_id}/registrations" + (f"?{query}" if query else "")


def reload(registration) -> Registration:
    see_committed()
    return db.session.scalars(select(Registration).where(Registration.id == registration.id)).one()


def row_html(html: str, registration) -> str:
    match = re.search(rf'<tr id="registration-{registration.id}">(.*?)</tr>', html, re.S)
    assert match, f"no row for {registration.name}"
    return match.group(1)


def shown_names(html: str) -> list[str]:
    """Names in the registrations table, in page order."""
    table = html.split('<table class="striped registrations">', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<tr id="registration-\d+">\s*<td class="num">.*?</td>\s*<td>([^<]*)</td>', table, re.S)
