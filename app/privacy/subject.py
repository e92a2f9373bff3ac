"""Data subject requests (PIPA 열람·삭제): everything held about one e-mail address, exported or erased.

Staff see the registrations of their clusters' events; administrators also the account with that
address and the mail sent to it. Erasing applies the retention purge's rule to those rows at once
(``retention.erase_registrations`` / ``erase_accounts``): the person goes, the figures stay.
Services never commit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import joinedload

from app.exports import xlsx_bytes
from app.extensions import db
from app.i18n import SEOUL
from app.models import CheckIn, Contact, Event, Meeting, OutboxMessage, Registration, User
from app.privacy import retention

EMAIL_MAX = 254


def normalize_email(raw: str | None) -> str | None:
    """The address as stored (trimmed, lower case), or None when it cannot be one."""
    email = (raw or "").strip().lower()
    if not email or len(email) > EMAIL_MAX or "@" not in email or any(c.isspace() for c in email):
        return None
    return email


@dataclasses.dataclass
class RegistrationRecord:
    registration: Registration
    checked_in_at: dt.datetime | None
    contact_notes: list[str]  # notes this person wrote on cards they kept
    meeting_messages: list[str]  # messages of meetings this person asked or answered


@dataclasses.dataclass
class SubjectData:
    email: str
    registrations: list[RegistrationRecord]
    account: User | None  # administrators only
    mails: list[OutboxMessage]  # administrators only

    @property
    def empty(self) -> bool:
        return not self.registrations and self.account is None and not self.mails


def _scope(query, cluster_ids: list[int] | None):
    if cluster_ids is not None:
        query = query.where(Event.host_cluster_id.in_(cluster_ids or [-1]))
    return query


def find(email: str, cluster_ids: list[int] | None) -> SubjectData:
    """What is held about ``email`` (already normalized) within the viewer's scope; bounded queries."""
    regs = list(
        db.session.scalars(
            _scope(
                select(Registration)
                .join(Event, Event.id == Registration.event_id)
                .where(func.lower(Registration.email) == email, Registration.purged_at.is_(None))
                .options(joinedload(Registration.event), joinedload(Registration.company))
                .order_by(Event.starts_at, Registration.id),
                cluster_ids,
            )
        ).unique()
    )
    ids = [r.id for r in regs]
    checkins = dict(
        db.session.execute(
            select(CheckIn.registration_id, CheckIn.checked_in_at).where(CheckIn.registration_id.in_(ids))
        )
        .tuples()
        .all()
    )
    notes: dict[int, list[str]] = {}
    for owner, note in db.session.execute(
        select(Contact.owner_registration_id, Contact.note).where(
            Contact.owner_registration_id.in_(ids), Contact.note != ""
        )
    ):
        notes.setdefault(owner, []).append(note)
    messages: dict[int, list[str]] = {}
    for asked, answered, message in db.session.execute(
        select(Meeting.requested_by_id, Meeting.responded_by_id, Meeting.message).where(
            or_(Meeting.requested_by_id.in_(ids), Meeting.responded_by_id.in_(ids)), Meeting.message != ""
        )
    ):
        for reg_id in {asked, answered} & set(ids):
            messages.setdefault(reg_id, []).append(message)
    records = [RegistrationRecord(r, checkins.get(r.id), notes.get(r.id, []), messages.get(r.id, [])) for r in regs]
    account = mails = None
    if cluster_ids is None:
        account = db.session.scalar(select(User).where(func.lower(User.email) == email, User.purged_at.is_(None)))
        mails = list(
            db.session.scalars(
                select(OutboxMessage).where(func.lower(OutboxMessage.recipient) == email).order_by(OutboxMessage.id)
            )
        )
    return SubjectData(email, records, account, mails or [])


def _when(value: dt.datetime | None) -> str | None:
    return value.astimezone(SEOUL).isoformat(timespec="minutes") if value else None


def as_json(data: SubjectData) -> bytes:
    """Everything found, as one JSON document (UTF-8, Seoul times)."""
    doc = {
        "email": data.email,
        "registrations": [
            {
                "event": rec.registration.event.title_ko,
                "event_starts_at": _when(rec.registration.event.starts_at),
                "name": rec.registration.name,
                "email": rec.registration.email,
                "mobile": rec.registration.mobile,
                "job_title": rec.registration.job_title,
                "company": rec.registration.company_name,
                "guest_brn": rec.registration.guest_brn,
                "role": rec.registration.role.value,
                "status": rec.registration.status.value,
                "registered_at": _when(rec.registration.created_at),
                "consent_version": rec.registration.consent_version,
                "consented_at": _when(rec.registration.consented_at),
                "networking_consent_at": _when(rec.registration.networking_consent_at),
                "checked_in_at": _when(rec.checked_in_at),
                "contact_notes": rec.contact_notes,
                "meeting_messages": rec.meeting_messages,
            }
            for rec in data.registrations
        ],
    }
    if data.account is not None:
        doc["account"] = {
            "name": data.account.name,
            "email": data.account.email,
            "mobile": data.account.mobile,
            "role": data.account.role.value,
            "company": data.account.company.name if data.account.company else None,
            "created_at": _when(data.account.created_at),
            "last_login_at": _when(data.account.last_login_at),
        }
    if data.mails:
        doc["mails"] = [{"subject": m.subject, "created_at": _when(m.created_at)} for m in data.mails]
    return json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8")


XLSX_HEADER = [
    "행사",
    "행사 일시",
    "이름",
    "이메일",
    "휴대전화",
    "직함",
    "소속",
    "역할",
    "상태",
    "신청 일시",
    "입장 일시",
    "명함 메모",
    "미팅 메시지",
]


def as_xlsx(data: SubjectData) -> bytes:
    """The registrations as a workbook (the account and mails are in the JSON export)."""
    rows = [
        [
            rec.registration.event.title_ko,
            rec.registration.event.starts_at.astimezone(SEOUL).replace(tzinfo=None),
            rec.registration.name,
            rec.registration.email,
            rec.registration.mobile or "",
            rec.registration.job_title or "",
            rec.registration.company_name,
            rec.registration.role.label,
            rec.registration.status.label,
            rec.registration.created_at.astimezone(SEOUL).replace(tzinfo=None),
            rec.checked_in_at.astimezone(SEOUL).replace(tzinfo=None) if rec.checked_in_at else "",
            " / ".join(rec.contact_notes),
            " / ".join(rec.meeting_messages),
        ]
        for rec in data.registrations
    ]
    return xlsx_bytes(
        "개인정보 열람",
        XLSX_HEADER,
        rows,
        (30, 18, 12, 28, 15, 12, 24, 10, 10, 18, 18, 30, 30),
        datetime_columns=("B", "J", "K"),
    )


def erase(data: SubjectData, now: dt.datetime) -> retention.PurgeCounts:
    """Erase what ``data`` found, with the retention purge's rule; the caller commits."""
    counts = retention.PurgeCounts()
    ids = [rec.registration.id for rec in data.registrations]
    if ids:
        counts.events = len({rec.registration.event_id for rec in data.registrations})
        retention.erase_registrations(ids, now, counts)
    if data.account is not None:
        retention.erase_accounts([data.account.id], now, counts)
    if data.mails:
        counts.outbox_messages = db.session.execute(
            delete(OutboxMessage).where(OutboxMessage.id.in_([m.id for m in data.mails]))
        ).rowcount
    return counts
