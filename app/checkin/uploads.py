"""Offline scans uploaded in one batch (POST /api/checkin/events/<id>/scans, docs/CHECKIN_API.md).

Each scan is recorded once, by its nonce, at the time it was made (``scanned_at``), and decided as
of that time: doors open then, the check-in it makes carries that time. Two gates that admitted
the same badge while apart are both recorded; the later admission is flagged as a conflict
(``ScanLog.conflict_with_id`` names the other admission's log), whichever upload arrives first.

The batch is checked whole before anything is written: one malformed or forged scan refuses it
all (ScanRequestError). Uploads of one event are serialized (SQLite: BEGIN IMMEDIATE; PostgreSQL:
a transaction-level advisory lock), so two batches holding the same badges cannot deadlock.
Services never commit; the view commits once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import select, text, update

from app.checkin import service
from app.checkin.answers import (
    ALREADY_CHECKED_IN,
    ALREADY_CHECKED_OUT,
    CANCELLED,
    LINK_EXPIRED,
    NOT_CHECKED_IN,
    NOT_OPEN,
    OK,
    UNKNOWN_CODE,
    WAITLISTED,
    WRONG_EVENT,
    ScanAnswer,
    ScanRequestError,
    hhmm,
)
from app.database import begin_write
from app.extensions import db
from app.models import CheckIn, ScanLog
from app.routing import json_int

MAX_BATCH = 100
# A phone's clock may run a little ahead of the server's, or a scan be made just as a link is made.
CLOCK_SKEW = dt.timedelta(minutes=5)
FIELDS = frozenset({"nonce", "code", "registration_id", "mode", "method", "scanned_at", "local_result", "gate"})
# What a device may have answered offline (roster.js): the server's own result codes.
LOCAL_RESULTS = frozenset(
    {
        OK,
        ALREADY_CHECKED_IN,
        NOT_CHECKED_IN,
        ALREADY_CHECKED_OUT,
        UNKNOWN_CODE,
        WRONG_EVENT,
        CANCELLED,
        WAITLISTED,
        NOT_OPEN,
    }
)
# pg_advisory_xact_lock(class, event id): the class keeps this lock apart from any other use.
_UPLOAD_LOCK_CLASS = 1401


class NonceRace(Exception):
    """A scan of this batch was logged by a concurrent request meanwhile: roll back, run again."""


@dataclasses.dataclass(frozen=True)
class UploadedScan:
    nonce: str
    code: str | None
    registration_id: int | None
    mode: str
    method: str
    scanned_at: dt.datetime
    local_result: str | None
    gate: str | None


@dataclasses.dataclass(frozen=True)
class Uploader:
    """Who uploads: a door device (its gate; scans count until its link expired) or a staff member."""

    device_id: int | None
    user_id: int | None
    gate: str | None
    valid_from: dt.datetime
    valid_until: dt.datetime | None


# --- checking the batch ------------------------------------------------------------------------


def _text(item: dict, key: str, limit: int, n: int) -> str | None:
    value = item.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit or "\x00" in value:
        raise ScanRequestError(_("%(n)d번째 스캔의 %(field)s 값이 올바르지 않습니다.", n=n, field=key))
    return value.strip() or None


def _time(item: dict, n: int) -> dt.datetime:
    value = item.get("scanned_at")
    try:
        if not isinstance(value, str) or len(value) > 40:
            raise ValueError(value)
        at = dt.datetime.fromisoformat(value)
        if at.tzinfo is not None and at.utcoffset() is not None:
            at = at.astimezone(dt.UTC)  # the year 1 east of Greenwich has no UTC: OverflowError
    except (ValueError, OverflowError):
        raise ScanRequestError(
            _("%(n)d번째 스캔의 scanned_at 값이 올바르지 않습니다 (시간대가 있는 ISO 8601 시각).", n=n)
        ) from None
    if at.tzinfo is None or at.utcoffset() is None:
        raise ScanRequestError(_("%(n)d번째 스캔의 scanned_at 값에 시간대가 없습니다.", n=n))
    return at


def _device_clock_shift(body: dict, now: dt.datetime) -> dt.timedelta:
    """How far the device's clock is off, from ``sent_at`` (its clock when it sent the batch).

    A phone whose clock runs minutes fast or slow would have every queued scan refused as "in the
    future" (or before its link) and lose them: off by more than CLOCK_SKEW, its scan times are moved
    by the difference. Within CLOCK_SKEW (network delay, ordinary drift) they are kept as sent."""
    if "sent_at" not in body:
        return dt.timedelta(0)
    value = body["sent_at"]
    try:
        if not isinstance(value, str) or len(value) > 40:
            raise ValueError(value)
        sent = dt.datetime.fromisoformat(value)
        if sent.tzinfo is None or sent.utcoffset() is None:
            raise ValueError(value)
        sent = sent.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        raise ScanRequestError(_("sent_at 값이 올바르지 않습니다 (시간대가 있는 ISO 8601 시각).")) from None
    shift = now - sent
    return shift if abs(shift) > CLOCK_SKEW else dt.timedelta(0)


def parse_batch(body: dict, *, now: dt.datetime, earliest: dt.datetime, staff: bool) -> list[UploadedScan]:
    """The batch's scans, checked whole; ScanRequestError (a Korean sentence) for the first fault.

    ``earliest``: no scan can be older (the device link was made then, or the event for staff).
    """
    scans = body.get("scans")
    if not isinstance(scans, list):
        raise ScanRequestError(_("scans 목록이 필요합니다."))
    if len(scans) > MAX_BATCH:
        raise ScanRequestError(_("한 번에 최대 %(max)d건까지 업로드할 수 있습니다.", max=MAX_BATCH))
    if set(body) - {"scans", "sent_at"}:
        raise ScanRequestError(
            _("알 수 없는 항목이 있습니다: %(fields)s", fields=", ".join(sorted(set(body) - {"scans", "sent_at"})))
        )
    shift = _device_clock_shift(body, now)
    parsed: list[UploadedScan] = []
    seen: set[str] = set()
    for n, item in enumerate(scans, start=1):
        if not isinstance(item, dict):
            raise ScanRequestError(_("%(n)d번째 스캔이 JSON 객체가 아닙니다.", n=n))
        unknown = set(item) - FIELDS
        if unknown:
            raise ScanRequestError(
                _("%(n)d번째 스캔에 알 수 없는 항목이 있습니다: %(fields)s", n=n, fields=", ".join(sorted(unknown)))
            )
        nonce = item.get("nonce")
        if not isinstance(nonce, str) or not service.NONCE_RE.match(nonce):
            raise ScanRequestError(_("%(n)d번째 스캔의 nonce 형식이 올바르지 않습니다.", n=n))
        if nonce in seen:
            raise ScanRequestError(_("%(n)d번째 스캔의 nonce가 같은 업로드에 두 번 있습니다.", n=n))
        seen.add(nonce)
        code = _text(item, "code", 200, n)
        try:
            registration_id = json_int(item, "registration_id")
        except ValueError:
            raise ScanRequestError(_("%(n)d번째 스캔의 registration_id 값이 올바르지 않습니다.", n=n)) from None
        if code is None and registration_id is None:
            raise ScanRequestError(_("%(n)d번째 스캔에 코드나 신청 번호가 없습니다.", n=n))
        mode = _text(item, "mode", 8, n) or "in"
        if mode not in service.MODES:
            raise ScanRequestError(_("%(n)d번째 스캔의 mode 값이 올바르지 않습니다.", n=n))
        method = _text(item, "method", 16, n) or ("manual" if registration_id else "qr")
        if method not in service.METHODS or method == "walkin":
            raise ScanRequestError(_("%(n)d번째 스캔의 method 값이 올바르지 않습니다.", n=n))
        local_result = _text(item, "local_result", 32, n)
        if local_result is not None and local_result not in LOCAL_RESULTS:
            raise ScanRequestError(_("%(n)d번째 스캔의 local_result 값이 올바르지 않습니다.", n=n))
        gate = _text(item, "gate", 60, n)  # checked for a device too; only staff choose theirs
        scanned_at = _time(item, n) + shift
        if scanned_at > now + CLOCK_SKEW:
            raise ScanRequestError(_("%(n)d번째 스캔의 시각이 미래입니다. 기기의 시계를 확인해 주세요.", n=n))
        if scanned_at < earliest - CLOCK_SKEW:
            raise ScanRequestError(_("%(n)d번째 스캔의 시각이 이 스캐너 링크(또는 행사)가 만들어지기 전입니다.", n=n))
        parsed.append(
            UploadedScan(nonce, code, registration_id, mode, method, scanned_at, local_result, gate if staff else None)
        )
    return parsed


# --- recording ---------------------------------------------------------------------------------


def _serialize_uploads(event_id: int) -> None:
    begin_write()  # SQLite: BEGIN IMMEDIATE
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            text("SELECT pg_advisory_xact_lock(:cls, :event_id)"), {"cls": _UPLOAD_LOCK_CLASS, "event_id": event_id}
        )


def _other_admission(registration_id: int, *, at_or_before: dt.datetime) -> int | None:
    """The log of the admission that had this badge in at a time: the latest ok entry until then."""
    return db.session.scalar(
        select(ScanLog.id)
        .where(
            ScanLog.registration_id == registration_id,
            ScanLog.mode == "in",
            ScanLog.result == OK,
            ScanLog.scanned_at <= at_or_before,
        )
        .order_by(ScanLog.scanned_at.desc(), ScanLog.id.desc())
        .limit(1)
    )


def _move_admission_earlier(
    registration_id: int, *, was_at: dt.datetime, scan: UploadedScan, uploader: Uploader
) -> bool:
    """This offline admission came first: the check-in takes its time and gate (compare-and-set)."""
    return bool(
        db.session.execute(
            update(CheckIn)
            .where(CheckIn.registration_id == registration_id, CheckIn.checked_in_at == was_at)
            .values(
                checked_in_at=scan.scanned_at,
                gate=uploader.gate or scan.gate,
                device_id=uploader.device_id,
                checked_in_by_id=uploader.user_id,
                method=scan.method,
            )
        ).rowcount
    )


def _flag_later_admission(registration_id: int, *, since: dt.datetime, exclude: int, conflict_with: int) -> None:
    """The admission that the check-in carried until now was the second one: flag it."""
    later = db.session.scalar(
        select(ScanLog.id)
        .where(
            ScanLog.registration_id == registration_id,
            ScanLog.mode == "in",
            ScanLog.result == OK,
            ScanLog.scanned_at >= since,
            ScanLog.conflict_with_id.is_(None),
            ScanLog.id != exclude,
        )
        .order_by(ScanLog.scanned_at, ScanLog.id)
        .limit(1)
    )
    if later is not None:
        db.session.execute(update(ScanLog).where(ScanLog.id == later).values(conflict_with_id=conflict_with))


def _log(event_id: int, scan: UploadedScan, answer: ScanAnswer, *, uploader: Uploader, now, conflict_with):
    logged = service._insert_ignoring_conflict(
        ScanLog,
        {
            "event_id": event_id,
            "registration_id": answer.attendee.registration_id if answer.attendee else None,
            "scanned_at": scan.scanned_at,
            "mode": scan.mode,
            "result": answer.result,
            "method": scan.method,
            "gate": uploader.gate or scan.gate,
            "device_id": uploader.device_id,
            "user_id": uploader.user_id,
            "nonce": scan.nonce,
            "other_event_id": answer.other_event.id if answer.other_event else None,
            "local_result": scan.local_result,
            "uploaded_at": now,
            "conflict_with_id": conflict_with,
        },
    )
    if logged is None:
        raise NonceRace(scan.nonce)
    return logged


def _record(event, scan: UploadedScan, *, uploader: Uploader, now: dt.datetime) -> ScanAnswer:
    """Decide one new scan as of its own time and log it (a second admission with its conflict)."""
    if uploader.valid_until is not None and scan.scanned_at >= uploader.valid_until:
        answer = ScanAnswer(LINK_EXPIRED, scan.mode)
        _log(event.id, scan, answer, uploader=uploader, now=now, conflict_with=None)
        return answer
    gate = uploader.gate or scan.gate
    row = service._lookup_row(scan.code, scan.registration_id)
    answer = service._decide(
        event,
        row,
        mode=scan.mode,
        gate=gate,
        method=scan.method,
        device_id=uploader.device_id,
        user_id=uploader.user_id,
        now=scan.scanned_at,
    )
    # Only an admission the device itself made (green offline) can be a second admission.
    admitted_here = scan.mode == "in" and scan.local_result == OK and answer.result == ALREADY_CHECKED_IN
    if not admitted_here:
        _log(event.id, scan, answer, uploader=uploader, now=now, conflict_with=None)
        return answer
    registration_id = answer.attendee.registration_id
    if answer.at is not None and answer.at > scan.scanned_at:
        if _move_admission_earlier(registration_id, was_at=answer.at, scan=scan, uploader=uploader):
            first = ScanAnswer(OK, "in", answer.attendee, at=scan.scanned_at, gate=gate)
            log_id = _log(event.id, scan, first, uploader=uploader, now=now, conflict_with=None)
            _flag_later_admission(registration_id, since=answer.at, exclude=log_id, conflict_with=log_id)
            return first
    other = _other_admission(registration_id, at_or_before=scan.scanned_at)
    _log(event.id, scan, answer, uploader=uploader, now=now, conflict_with=other)
    return answer


def _conflict_json(log_ids: set[int]) -> dict[int, dict]:
    if not log_ids:
        return {}
    rows = db.session.execute(select(ScanLog.id, ScanLog.gate, ScanLog.scanned_at).where(ScanLog.id.in_(log_ids))).all()
    return {
        log_id: {"gate": gate, "scanned_at": at.isoformat(), "scanned_at_label": hhmm(at)} for log_id, gate, at in rows
    }


def record_batch(event, scans: list[UploadedScan], *, uploader: Uploader, now: dt.datetime) -> list[dict]:
    """Record the scans not logged before, oldest first; every scan's answer, in the batch's order.

    ``event``: the facts of the event (service._EventFacts). Raises NonceRace when a concurrent
    request logged one of these nonces meanwhile (the caller rolls back and runs it again: then
    it is replayed).
    """
    _serialize_uploads(event.id)
    nonces = [s.nonce for s in scans]
    if not nonces:
        return []
    known = set(
        db.session.scalars(select(ScanLog.nonce).where(ScanLog.event_id == event.id, ScanLog.nonce.in_(nonces)))
    )
    answers: dict[str, ScanAnswer] = {}
    # Oldest first: a device's check-in before its check-out, the first of two admissions first.
    for scan in sorted((s for s in scans if s.nonce not in known), key=lambda s: s.scanned_at):
        answers[scan.nonce] = _record(event, scan, uploader=uploader, now=now)
    for nonce in known:
        answers[nonce] = service.replay_answer(event.id, nonce)
    # Conflicts as known now: a replayed admission may since have been found to be the second one.
    flagged = dict(
        db.session.execute(
            select(ScanLog.nonce, ScanLog.conflict_with_id).where(
                ScanLog.event_id == event.id, ScanLog.nonce.in_(nonces), ScanLog.conflict_with_id.is_not(None)
            )
        ).all()
    )
    partners = _conflict_json(set(flagged.values()))
    results = []
    for scan in scans:
        partner = partners.get(flagged.get(scan.nonce))
        results.append(
            {
                **answers[scan.nonce].as_json(),
                "nonce": scan.nonce,
                "scanned_at": scan.scanned_at.isoformat(),
                "local_result": scan.local_result,
                "conflict": partner is not None,
                "conflict_with": partner,
            }
        )
    return results
