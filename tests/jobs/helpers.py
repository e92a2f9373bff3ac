"""Shared pieces of the job tests: waiting for a job's row, starting a badge batch job, many registrations."""

from __future__ import annotations

import time

from app.events.tickets import issue_ticket
from app.extensions import db
from app.models import Job, JobStatus, Registration, RegistrationStatus
from tests.helpers import post_form, see_committed


def job_row(job_id: int) -> Job:
    see_committed()
    return db.session.get(Job, job_id, populate_existing=True)


def wait_for_job(job_id: int, statuses=(JobStatus.DONE, JobStatus.FAILED), timeout: float = 60.0) -> Job:
    """The job's row once its status is one of ``statuses`` (read fresh from the database)."""
    deadline = time.monotonic() + timeout
    while True:
        job = job_row(job_id)
        if job is not None and job.status in statuses:
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still {job.status if job else 'missing'} after {timeout} s")
        time.sleep(0.05)


def start_badge_job(client, event, **options) -> int:
    """Post the badge print form (as a browser does) and return the id of the job it started."""
    response = post_form(
        client,
        f"/staff/events/{event.id}/badges.pdf",
        {k: str(v) for k, v in options.items()},
        token_from=f"/staff/events/{event.id}/badges",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    location = response.headers["Location"]
    assert location.startswith("/jobs/"), location
    return int(location.rsplit("/", 1)[1])


def many_confirmed(world, n: int) -> None:
    """n more confirmed registrations, in one flush."""
    company = world.companies["다온"]
    rows = []
    for i in range(n):
        registration = Registration(
            event=world.event,
            company=company,
            name=f"참가자{i:04d}",
            email=f"bulk{i}@example.com",
            status=RegistrationStatus.CONFIRMED,
        )
        issue_ticket(registration)
        rows.append(registration)
    db.session.add_all(rows)
    db.session.commit()
