"""The retention purge: personal data is destroyed RETENTION_DAYS after the event ends, as the consent says.

The consent every registrant gives (app/events/consent.py) says 행사 종료 후 1년간 보관 후 파기.
For every registration of an event that ended more than RETENTION_DAYS ago the purge erases the
person: name, e-mail, mobile, job title, a guest's BRN, the free text they or others wrote about
them (contact notes, meeting messages), and revokes every token (ticket and contact codes, the
guest's manage link). What the city's figures need survives without the person: the company or
guest firm, cluster, role, status, check-in and check-out times, scans, meetings and contact
pairs, so the activity report of a purged period gives the same figures as before.

Mail in the outbox older than the retention period goes too (it holds names and addresses), and
accounts deactivated more than RETENTION_DAYS ago (removed members, staff who left) lose their
name, e-mail, mobile and password. The purge works in batches, each its own transaction, is
idempotent (purged rows carry ``purged_at``), and logs its counts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import secrets

from flask import current_app
from sqlalchemy import String, cast, delete, func, literal, select, update

from app.extensions import db
from app.models import (
    Contact,
    Event,
    Meeting,
    OutboxMessage,
    Registration,
    User,
    utcnow,
)
from app.periodic import run_if_due

log = logging.getLogger(__name__)

PURGED_NAME = "(파기됨)"  # stored in place of a destroyed name; shown as is
BATCH = 500


def purged_email(kind: str, row_id: int) -> str:
    """A unique address that can never receive mail (RFC 2606 .invalid); registrations get
    the same shape from SQL ("purged-r-<id>@purged.invalid")."""
    return f"purged-{kind}-{row_id}@purged.invalid"


def retention_days() -> int:
    return int(current_app.config["RETENTION_DAYS"])


def cutoff(now: dt.datetime) -> dt.datetime:
    """Events that ended before this instant are due."""
    return now - dt.timedelta(days=retention_days())


@dataclasses.dataclass
class PurgeCounts:
    events: int = 0
    registrations: int = 0
    contact_notes: int = 0
    meeting_messages: int = 0
    outbox_messages: int = 0
    accounts: int = 0

    def as_dict(self) -> dict[str, int]:
        return dataclasses.asdict(self)

    @property
    def total(self) -> int:
        return self.registrations + self.outbox_messages + self.accounts


def _due_registrations(now: dt.datetime):
    return (
        select(Registration.id)
        .join(Event, Event.id == Registration.event_id)
        .where(Event.ends_at < cutoff(now), Registration.purged_at.is_(None))
        .order_by(Registration.id)
    )


def _due_accounts(now: dt.datetime):
    return (
        select(User.id)
        .where(
            User.is_active_account.is_(False),
            User.deactivated_at.is_not(None),
            User.deactivated_at < cutoff(now),
            User.purged_at.is_(None),
        )
        .order_by(User.id)
    )


def _due_outbox(now: dt.datetime):
    return select(OutboxMessage.id).where(OutboxMessage.created_at < cutoff(now)).order_by(OutboxMessage.id)


def plan(now: dt.datetime | None = None) -> PurgeCounts:
    """What a purge run now would destroy (the dry run), in a few counting queries."""
    now = now or utcnow()

    def count(query) -> int:
        return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0

    events = db.session.scalar(
        select(func.count(func.distinct(Registration.event_id)))
        .join(Event, Event.id == Registration.event_id)
        .where(Event.ends_at < cutoff(now), Registration.purged_at.is_(None))
    )
    return PurgeCounts(
        events=events or 0,
        registrations=count(_due_registrations(now)),
        outbox_messages=count(_due_outbox(now)),
        accounts=count(_due_accounts(now)),
    )


def erase_registrations(ids: list[int], now: dt.datetime, counts: PurgeCounts) -> None:
    """Destroy the persons of these registrations (the purge's rule; also a data subject's erasure)."""
    done = db.session.execute(
        update(Registration)
        .where(Registration.id.in_(ids))
        .values(
            # Unique per row (one active registration per event and address), never deliverable.
            email=literal("purged-r-") + cast(Registration.id, String) + literal("@purged.invalid"),
            name=PURGED_NAME,
            mobile=None,
            job_title=None,
            guest_brn=None,
            manage_token_hash=None,
            ticket_salt=None,
            ticket_hash=None,
            contact_hash=None,
            purged_at=now,
        )
    ).rowcount
    counts.contact_notes += db.session.execute(
        update(Contact)
        .where((Contact.owner_registration_id.in_(ids)) | (Contact.other_registration_id.in_(ids)), Contact.note != "")
        .values(note="")
    ).rowcount
    counts.meeting_messages += db.session.execute(
        update(Meeting)
        .where(
            (Meeting.requested_by_id.in_(ids)) | (Meeting.responded_by_id.in_(ids)),
            Meeting.message != "",
        )
        .values(message="")
    ).rowcount
    counts.registrations += done


def erase_accounts(ids: list[int], now: dt.datetime, counts: PurgeCounts) -> None:
    """Erase these accounts' persons; they can never sign in again."""
    for user_id in ids:
        db.session.execute(
            update(User)
            .where(User.id == user_id)
            .values(
                name=PURGED_NAME,
                email=purged_email("u", user_id),
                mobile=None,
                # A password nobody knows: the account can never sign in again.
                password_hash="!purged:" + secrets.token_hex(16),
                session_nonce=secrets.token_hex(8),
                is_active_account=False,
                purged_at=now,
            )
        )
    counts.accounts += len(ids)


def purge(now: dt.datetime | None = None, *, batch: int = BATCH) -> PurgeCounts:
    """Destroy what is due, one batch per transaction (commits: it is a command, not a service)."""
    now = now or utcnow()
    counts = PurgeCounts(events=plan(now).events)
    while ids := list(db.session.scalars(_due_registrations(now).limit(batch))):
        erase_registrations(ids, now, counts)
        db.session.commit()
    while ids := list(db.session.scalars(_due_outbox(now).limit(batch))):
        counts.outbox_messages += db.session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(ids))).rowcount
        db.session.commit()
    while ids := list(db.session.scalars(_due_accounts(now).limit(batch))):
        erase_accounts(ids, now, counts)
        db.session.commit()
    log.info("retention purge (%d days): %s", retention_days(), counts.as_dict())
    if counts.total:
        from app.audit import record

        record("privacy.purge", ", ".join(f"{k} {v}" for k, v in counts.as_dict().items()))
        db.session.commit()
    return counts


@dataclasses.dataclass(frozen=True)
class DueEvent:
    event: Event
    purge_on: dt.datetime  # when its people's data is destroyed
    people: int  # registrations not yet purged


def upcoming(cluster_ids: list[int] | None, now: dt.datetime | None = None, limit: int = 50) -> list[DueEvent]:
    """Ended events whose people are not yet purged, soonest purge first (the staff page).

    ``cluster_ids`` None: every cluster (an administrator).
    """
    now = now or utcnow()
    query = (
        select(Event, func.count(Registration.id))
        .join(Registration, Registration.event_id == Event.id)
        .where(Event.ends_at < now, Registration.purged_at.is_(None))
        .group_by(Event.id)
        .order_by(Event.ends_at, Event.id)
        .limit(limit)
    )
    if cluster_ids is not None:
        query = query.where(Event.host_cluster_id.in_(cluster_ids))
    days = dt.timedelta(days=retention_days())
    return [DueEvent(event, event.ends_at + days, people) for event, people in db.session.execute(query)]


DAY = dt.timedelta(days=1)


def purge_if_due(last_run: dt.datetime | None, now: dt.datetime | None = None) -> dt.datetime | None:
    """The worker's daily run: purge when a day has passed since ``last_run`` (or never ran);
    returns the time of this run, or ``last_run`` when it was not due."""
    return run_if_due(last_run, now, DAY, purge)
