"""Door check-in: redeem a ticket code (or a searched registration) once, with a reason for every no.

One scan is one short write transaction: look the code up by its hash, insert the CheckIn
with ON CONFLICT DO NOTHING (the unique registration_id admits a badge once however many
devices scan it at the same moment), and log the scan with its client nonce under a unique
(event, nonce) key. A retried request whose nonce is already logged gets the logged answer
back instead of a second check-in. On SQLite the transaction starts with BEGIN IMMEDIATE
(begin_write), so concurrent writers queue rather than fail.

Services never commit; the view commits once. A nonce race (the same scan arriving twice at
once) rolls this transaction back and replays the winner's answer.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, or_, select, text, update

from app.events.tickets import normalize_code
from app.database import begin_write
from app.extensions import db
from app.i18n import format_kst, kst_hhmm
from app.models import (
    CheckIn, Cluster, Company, DoorDevice, Event, EventStatus, Registration, RegistrationStatus,
    ScanLog, role_tag_label,
)
from app.models.registration import ROLE_TAG_LABELS
from app.tokens import hash_token

# Reasons a scan can end with. The scanner colours them: ok green, the AMBER ones amber, the rest red.
OK = "ok"
ALREADY_CHECKED_IN = "already_checked_in"
NOT_CHECKED_IN = "not_checked_in"
ALREADY_CHECKED_OUT = "already_checked_out"
UNKNOWN_CODE = "unknown_code"
WRONG_EVENT = "wrong_event"
CANCELLED = "cancelled"
WAITLISTED = "waitlisted"
NOT_OPEN = "not_open"
UNDONE = "undone"
RESULTS = (OK, ALREADY_CHECKED_IN, NOT_CHECKED_IN, ALREADY_CHECKED_OUT, UNKNOWN_CODE, WRONG_EVENT,
           CANCELLED, WAITLISTED, NOT_OPEN, UNDONE)
AMBER = frozenset({ALREADY_CHECKED_IN, NOT_CHECKED_IN, ALREADY_CHECKED_OUT})


def result_tone(result: str) -> str:
    """The colour of an answer on the scanner, the scan log and the dashboard: ok, warn or error."""
    if result in (OK, UNDONE):
        return "ok"
    return "warn" if result in AMBER else "error"

RESULT_LABELS = {
    OK: _l("체크인 완료"),
    ALREADY_CHECKED_IN: _l("이미 체크인"),
    NOT_CHECKED_IN: _l("체크인 기록 없음"),
    ALREADY_CHECKED_OUT: _l("이미 퇴장"),
    UNKNOWN_CODE: _l("등록되지 않은 코드"),
    WRONG_EVENT: _l("다른 행사"),
    CANCELLED: _l("취소된 신청"),
    WAITLISTED: _l("대기자"),
    NOT_OPEN: _l("체크인 시간 아님"),
    UNDONE: _l("체크인 취소"),
}

MODES = ("in", "out")
METHODS = ("qr", "hid", "manual", "walkin")
NONCE_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")

def doors_open_at(event: Event) -> dt.datetime:
    return event.starts_at - dt.timedelta(minutes=current_app.config["CHECKIN_OPENS_MINUTES_BEFORE"])


def checkout_closes_at(event: Event) -> dt.datetime:
    # People leaving are recorded a while after the official end (the reception runs late).
    return event.ends_at + dt.timedelta(minutes=current_app.config["CHECKOUT_GRACE_MINUTES"])


@dataclasses.dataclass
class Attendee:
    registration_id: int
    name: str
    company: str
    cluster: str
    role: str
    role_label: str

    def as_json(self) -> dict:
        return dataclasses.asdict(self)


@dataclasses.dataclass
class ScanAnswer:
    result: str
    mode: str
    attendee: Attendee | None = None
    at: dt.datetime | None = None  # check-in (or check-out) time the answer is about
    gate: str | None = None
    other_event: Event | None = None
    replayed: bool = False

    @property
    def message(self) -> str:
        return answer_message(self)

    @property
    def tone(self) -> str:
        return result_tone(self.result)

    def as_json(self) -> dict:
        other = None
        if self.other_event is not None:
            other = {
                "id": self.other_event.id,
                "title": self.other_event.title,
                "starts_at_label": format_kst(self.other_event.starts_at),
            }
        return {
            "result": self.result,
            "tone": self.tone,
            "message": self.message,
            "mode": self.mode,
            "attendee": self.attendee.as_json() if self.attendee else None,
            "checked_in_at": self.at.isoformat() if self.at else None,
            "checked_in_at_label": hhmm(self.at),
            "gate": self.gate,
            "other_event": other,
            "replayed": self.replayed,
        }


def hhmm(value: dt.datetime | None) -> str | None:
    """The answer's clock time, 19:02, or None (JSON null) when it has none."""
    return kst_hhmm(value) or None


def answer_message(answer: ScanAnswer) -> str:
    """The sentence the scanner shows, in the request's language."""
    r = answer.result
    if r == OK:
        if answer.mode == "out":
            return _("퇴장 기록 완료")
        return _("체크인 완료")
    if r == ALREADY_CHECKED_IN:
        if answer.gate:
            return _("이미 체크인됨 %(time)s · %(gate)s", time=hhmm(answer.at), gate=answer.gate)
        return _("이미 체크인됨 %(time)s", time=hhmm(answer.at))
    if r == ALREADY_CHECKED_OUT:
        return _("이미 퇴장 처리됨 %(time)s", time=hhmm(answer.at))
    if r == NOT_CHECKED_IN:
        return _("체크인 기록이 없습니다")
    if r == UNKNOWN_CODE:
        return _("등록되지 않은 코드입니다. 재발급된 명찰이거나 다른 QR일 수 있습니다.")
    if r == WRONG_EVENT:
        if answer.other_event is not None:
            return _("다른 행사의 명찰입니다: %(title)s (%(when)s)", title=answer.other_event.title,
                     when=format_kst(answer.other_event.starts_at))
        return _("다른 행사의 명찰입니다.")
    if r == CANCELLED:
        return _("취소된 신청입니다. 입장할 수 없습니다.")
    if r == WAITLISTED:
        return _("대기자 명단에 있는 신청입니다. 확정된 좌석이 없습니다.")
    if r == NOT_OPEN:
        return _("지금은 체크인 시간이 아닙니다 (입장 시작 전이거나 행사가 끝났습니다).")
    if r == UNDONE:
        return _("체크인을 취소했습니다")
    return r


class ScanRequestError(ValueError):
    """Input the API refuses with a 400 before anything is looked up or written."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _insert_ignoring_sql(table, conflict_columns: tuple[str, ...]):
    """INSERT ... ON CONFLICT (...) DO NOTHING RETURNING id, the same SQL on SQLite and PostgreSQL.

    Written as text with typed parameters because SQLAlchemy does not cache the compiled form
    of its dialect `on_conflict_do_nothing()` inserts, and a scan is on the door's hot path.
    """
    columns = [c for c in table.columns if c.name != "id"]
    sql = (
        f"INSERT INTO {table.name} ({', '.join(c.name for c in columns)}) "
        f"VALUES ({', '.join(':' + c.name for c in columns)}) "
        f"ON CONFLICT ({', '.join(conflict_columns)}) DO NOTHING RETURNING id"
    )
    return text(sql).bindparams(*(bindparam(c.name, type_=c.type) for c in columns))


_INSERT_CHECKIN = _insert_ignoring_sql(CheckIn.__table__, ("registration_id",))
_INSERT_SCAN_LOG = _insert_ignoring_sql(ScanLog.__table__, ("event_id", "nonce"))
_CHECKIN_DEFAULTS = {"checked_out_at": None, "checked_out_gate": None}


def _insert_ignoring_conflict(model, values: dict) -> int | None:
    """Insert a CheckIn or ScanLog row unless its unique key is taken: the new id, or None."""
    if model is CheckIn:
        return db.session.connection().execute(_INSERT_CHECKIN, {**_CHECKIN_DEFAULTS, **values}).scalar()
    return db.session.connection().execute(_INSERT_SCAN_LOG, values).scalar()


@dataclasses.dataclass(frozen=True)
class _EventFacts:
    """What a scan needs of its event, read once: ORM attributes would reload after begin_write."""

    id: int
    status: EventStatus
    starts_at: dt.datetime
    ends_at: dt.datetime


_ATTENDEE_COLUMNS = (
    Registration.id, Registration.event_id, Registration.status, Registration.role, Registration.name,
    Registration.company_id, Registration.guest_company_name, Company.name, Cluster.name_ko, Cluster.name_en,
)


def _attendee_from_row(row) -> Attendee:
    reg_id, _event_id, _status, role, name, company_id, guest_company, company_name, cl_ko, cl_en = row
    from flask_babel import get_locale

    cluster = (cl_en if str(get_locale()) == "en" and cl_en else cl_ko) or ""
    is_guest = company_id is None
    return Attendee(
        registration_id=reg_id,
        name=name,
        company=company_name or guest_company or "",
        cluster=cluster if not is_guest else str(ROLE_TAG_LABELS["guest"]),
        role=role.value,
        role_label=role_tag_label(role, is_guest),
    )


def _lookup_key(code: str | None, registration_id: int | None) -> tuple[str, object]:
    """Which registration a scan names: ("id", registration id) after a manual search, or
    ("hash", SHA-256 of the code); a text that cannot be one of our codes hashes to nothing."""
    if registration_id is not None:
        return "id", registration_id
    if code is None:
        raise ScanRequestError(_("코드나 신청 번호가 필요합니다."))
    normalized = normalize_code(code)
    return "hash", hash_token(normalized) if normalized is not None else ""


def _attendee_select(*leading, by: str, from_device: bool):
    """A prebuilt lookup (statements are built once: building a select costs more than running it)."""
    condition = (Registration.id == bindparam("key")) if by == "id" else (Registration.ticket_hash == bindparam("key"))
    if from_device:
        stmt = (
            select(*leading, *_ATTENDEE_COLUMNS)
            .select_from(DoorDevice)
            .join(Event, Event.id == DoorDevice.event_id)
            .outerjoin(Registration, condition)
        )
    else:
        stmt = select(*_ATTENDEE_COLUMNS).select_from(Registration)
    stmt = stmt.outerjoin(Company, Company.id == Registration.company_id).outerjoin(
        Cluster, Cluster.id == Company.cluster_id
    )
    if from_device:
        return stmt.where(DoorDevice.token_hash == bindparam("token_hash")).limit(1)
    return stmt.where(condition)


_DEVICE_COLUMNS = (DoorDevice.id, DoorDevice.event_id, DoorDevice.gate, DoorDevice.expires_at, DoorDevice.revoked_at,
                   DoorDevice.last_seen_at, Event.status, Event.starts_at, Event.ends_at)
_LOOKUPS = {
    (by, from_device): _attendee_select(*_DEVICE_COLUMNS, by=by, from_device=from_device)
    for by in ("id", "hash") for from_device in (False, True)
}


def _lookup_row(code: str | None, registration_id: int | None):
    by, key = _lookup_key(code, registration_id)
    return db.session.connection().execute(_LOOKUPS[(by, False)], {"key": key}).first()


_NOT_LOOKED_UP = object()


@dataclasses.dataclass(frozen=True)
class DeviceScan:
    """A door device's scan context, read in one query: the device, its event, the registration."""

    device_id: int
    device_event_id: int
    gate: str
    usable: bool
    last_seen_at: dt.datetime | None
    event: _EventFacts
    row: tuple | None


def device_scan_context(token: str, *, code: str | None, registration_id: int | None,
                        now: dt.datetime) -> DeviceScan | None:
    """Device, event and scanned registration in one query (the door's hot path); None for an
    unknown token. The caller refuses a device that is not usable or not of this event."""
    if not token or len(token) > 100:
        return None
    by, key = _lookup_key(code, registration_id)
    row = db.session.connection().execute(
        _LOOKUPS[(by, True)], {"key": key, "token_hash": hash_token(token)}
    ).first()
    if row is None:
        return None
    attendee_row = tuple(row[9:])
    return DeviceScan(
        device_id=row[0], device_event_id=row[1], gate=row[2],
        usable=row[4] is None and row[3] > now, last_seen_at=row[5],
        event=_EventFacts(row[1], row[6], row[7], row[8]),
        row=attendee_row if attendee_row[0] is not None else None,
    )


def scan(
    event,
    *,
    code: str | None = None,
    registration_id: int | None = None,
    nonce: str | None,
    mode: str = "in",
    gate: str | None = None,
    method: str = "qr",
    device_id: int | None = None,
    user_id: int | None = None,
    now: dt.datetime,
    row=_NOT_LOOKED_UP,
) -> ScanAnswer:
    """Redeem a code (or a registration found by search) at the door of `event` (an Event or
    the facts of one). ``row``: the registration's attendee row when the caller already read
    it (device_scan_context), None when there is none."""
    if mode not in MODES:
        raise ScanRequestError(_("알 수 없는 모드입니다."))
    if nonce is not None and not NONCE_RE.match(nonce):
        raise ScanRequestError(_("nonce 형식이 올바르지 않습니다."))
    facts = event if isinstance(event, _EventFacts) else _EventFacts(event.id, event.status, event.starts_at,
                                                                      event.ends_at)
    begin_write()
    if row is _NOT_LOOKED_UP:
        row = _lookup_row(code, registration_id)

    answer = _decide(facts, row, mode=mode, gate=gate, method=method, device_id=device_id,
                     user_id=user_id, now=now)
    logged = _insert_ignoring_conflict(
        ScanLog,
        {
            "event_id": facts.id,
            "registration_id": answer.attendee.registration_id if answer.attendee else None,
            "scanned_at": now,
            "mode": mode,
            "result": answer.result,
            "method": method,
            "gate": gate,
            "device_id": device_id,
            "user_id": user_id,
            "nonce": nonce,
            "other_event_id": answer.other_event.id if answer.other_event else None,
        },
    )
    if logged is None:
        # The same scan (same nonce) got here first: undo this attempt, answer as it was answered.
        db.session.rollback()
        replay = replay_answer(facts.id, nonce)
        if replay is not None:
            return replay
        raise ScanRequestError(_("같은 nonce의 요청을 처리하지 못했습니다. 다시 시도해 주세요."))
    return answer


def _decide(event, row, *, mode, gate, method, device_id, user_id, now) -> ScanAnswer:
    if row is None:
        return ScanAnswer(UNKNOWN_CODE, mode)
    reg_event_id, status = row[1], row[2]
    if reg_event_id != event.id:
        return ScanAnswer(WRONG_EVENT, mode, other_event=db.session.get(Event, reg_event_id))
    attendee = _attendee_from_row(row)
    if status == RegistrationStatus.CANCELLED or event.status == EventStatus.CANCELLED:
        return ScanAnswer(CANCELLED, mode, attendee)
    if status == RegistrationStatus.WAITLISTED:
        return ScanAnswer(WAITLISTED, mode, attendee)
    if event.status != EventStatus.PUBLISHED:
        return ScanAnswer(NOT_OPEN, mode, attendee)
    if mode == "out":
        return _check_out(event, attendee, gate=gate, now=now)
    if now < doors_open_at(event) or now > event.ends_at:
        return ScanAnswer(NOT_OPEN, mode, attendee)
    inserted = _insert_ignoring_conflict(
        CheckIn,
        {
            "registration_id": attendee.registration_id,
            "event_id": event.id,
            "checked_in_at": now,
            "checked_in_by_id": user_id,
            "device_id": device_id,
            "gate": gate,
            "method": method,
        },
    )
    if inserted is not None:
        return ScanAnswer(OK, mode, attendee, at=now, gate=gate)
    existing = db.session.execute(
        select(CheckIn.id, CheckIn.checked_in_at, CheckIn.gate, CheckIn.checked_out_at)
        .where(CheckIn.registration_id == attendee.registration_id)
    ).one()
    if existing.checked_out_at is not None:
        # Coming back after a check-out: admitted again; the first arrival time is kept.
        db.session.execute(
            update(CheckIn).where(CheckIn.id == existing.id)
            .values(checked_out_at=None, checked_out_gate=None)
        )
        return ScanAnswer(OK, mode, attendee, at=existing.checked_in_at, gate=existing.gate)
    return ScanAnswer(ALREADY_CHECKED_IN, mode, attendee, at=existing.checked_in_at, gate=existing.gate)


def _check_out(event, attendee, *, gate, now) -> ScanAnswer:
    if now < doors_open_at(event) or now > checkout_closes_at(event):
        return ScanAnswer(NOT_OPEN, "out", attendee)
    done = db.session.execute(
        update(CheckIn)
        .where(CheckIn.registration_id == attendee.registration_id, CheckIn.checked_out_at.is_(None))
        .values(checked_out_at=now, checked_out_gate=gate)
    ).rowcount
    if done:
        return ScanAnswer(OK, "out", attendee, at=now, gate=gate)
    existing = db.session.execute(
        select(CheckIn.checked_out_at, CheckIn.checked_out_gate)
        .where(CheckIn.registration_id == attendee.registration_id)
    ).first()
    if existing is None:
        return ScanAnswer(NOT_CHECKED_IN, "out", attendee)
    return ScanAnswer(ALREADY_CHECKED_OUT, "out", attendee, at=existing[0], gate=existing[1])


def replay_answer(event_id: int, nonce: str | None) -> ScanAnswer | None:
    """The answer a logged scan gave, rebuilt from the log; None when the nonce is new."""
    if not nonce:
        return None
    log = db.session.execute(
        select(ScanLog).where(ScanLog.event_id == event_id, ScanLog.nonce == nonce)
    ).scalar_one_or_none()
    if log is None:
        return None
    attendee = None
    at = gate = None
    if log.registration_id is not None:
        row = _lookup_row(None, log.registration_id)
        attendee = _attendee_from_row(row) if row is not None else None
        if log.result == OK:
            at, gate = log.scanned_at, log.gate
        elif log.result in AMBER:
            checkin = db.session.execute(
                select(CheckIn).where(CheckIn.registration_id == log.registration_id)
            ).scalar_one_or_none()
            if checkin is not None:
                if log.result == ALREADY_CHECKED_OUT:
                    at, gate = checkin.checked_out_at, checkin.checked_out_gate
                else:
                    at, gate = checkin.checked_in_at, checkin.gate
    other = db.session.get(Event, log.other_event_id) if log.other_event_id else None
    return ScanAnswer(log.result, log.mode, attendee, at=at, gate=gate, other_event=other, replayed=True)


def undo(event: Event, registration_id: int, *, nonce: str | None, user_id: int | None,
         gate: str | None, now: dt.datetime) -> ScanAnswer:
    """Staff take back a check-in (a wrong person admitted, a badge scanned by mistake)."""
    if nonce is not None and not NONCE_RE.match(nonce):
        raise ScanRequestError(_("nonce 형식이 올바르지 않습니다."))
    begin_write()
    row = _lookup_row(None, registration_id)
    if row is None or row[1] != event.id:  # row[1]: the registration's event
        raise LookupError(registration_id)
    attendee = _attendee_from_row(row)
    removed = db.session.execute(
        CheckIn.__table__.delete().where(CheckIn.__table__.c.registration_id == registration_id)
    ).rowcount
    result = UNDONE if removed else NOT_CHECKED_IN
    logged = _insert_ignoring_conflict(
        ScanLog,
        {"event_id": event.id, "registration_id": registration_id, "scanned_at": now, "mode": "undo",
         "result": result, "method": "manual", "gate": gate, "user_id": user_id, "nonce": nonce,
         "device_id": None, "other_event_id": None},
    )
    if logged is None:
        db.session.rollback()
        replay = replay_answer(event.id, nonce)
        if replay is not None:
            return replay
    return ScanAnswer(result, "undo", attendee)


# --- search at the door ---------------------------------------------------------------------

SEARCH_LIMIT = 20
_DIGITS = re.compile(r"^\d{4}$")


@dataclasses.dataclass
class SearchHit:
    attendee: Attendee
    status: RegistrationStatus
    checked_in_at: dt.datetime | None
    checked_out_at: dt.datetime | None
    mobile_last4: str | None

    def as_json(self) -> dict:
        return {
            **self.attendee.as_json(),
            "status": self.status.value,
            "status_label": self.status.label,
            "checked_in": self.checked_in_at is not None and self.checked_out_at is None,
            "checked_in_at_label": hhmm(self.checked_in_at),
            "checked_out_at_label": hhmm(self.checked_out_at),
            "mobile_last4": self.mobile_last4,
        }


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search(event: Event, query: str) -> list[SearchHit]:
    """People of one event by part of a name or company, or the last 4 digits of a mobile.

    Confirmed first, then waitlisted, then cancelled (so the door can say why), 가나다 order.
    """
    query = (query or "").strip()
    if len(query) < 2 or len(query) > 100:
        raise ScanRequestError(_("검색어를 2자 이상 100자 이하로 입력해 주세요."))
    if _DIGITS.match(query):
        condition = func.replace(Registration.mobile, "-", "").like(f"%{query}")
    else:
        pattern = f"%{_like_escape(query.lower())}%"
        condition = or_(
            func.lower(Registration.name).like(pattern, escape="\\"),
            func.lower(Company.name).like(pattern, escape="\\"),
            func.lower(Registration.guest_company_name).like(pattern, escape="\\"),
        )
    # Status order is applied in Python below, over at most SEARCH_LIMIT * 3 rows.
    rows = db.session.execute(
        select(*_ATTENDEE_COLUMNS, Registration.mobile, CheckIn.checked_in_at, CheckIn.checked_out_at)
        .outerjoin(Company, Company.id == Registration.company_id)
        .outerjoin(Cluster, Cluster.id == Company.cluster_id)
        .outerjoin(CheckIn, CheckIn.registration_id == Registration.id)
        .where(Registration.event_id == event.id, condition)
        .order_by(Registration.name, Registration.id)
        .limit(SEARCH_LIMIT * 3)
    ).all()
    rank = {RegistrationStatus.CONFIRMED: 0, RegistrationStatus.WAITLISTED: 1, RegistrationStatus.CANCELLED: 2}
    hits = [
        SearchHit(
            attendee=_attendee_from_row(row[:10]),
            status=row[2],
            checked_in_at=row[11],
            checked_out_at=row[12],
            mobile_last4=(row[10] or "").replace("-", "")[-4:] or None,
        )
        for row in rows
    ]
    hits.sort(key=lambda h: rank[h.status])
    return hits[:SEARCH_LIMIT]
