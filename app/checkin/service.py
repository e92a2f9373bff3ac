"""Door check-in: redeem a ticket code (or a searched registration) once, with a reason for every no.

One scan is one short write transaction: look the code up by its hash, insert the CheckIn
with ON CONFLICT DO NOTHING (the unique registration_id admits a badge once however many
devices scan it at the same moment), and log the scan with its client nonce under a unique
(event, nonce) key. A retried request whose nonce is already logged gets the logged answer
back instead of a second check-in. On SQLite the transaction starts with BEGIN IMMEDIATE
(begin_write), so concurrent writers queue rather than fail.

A staff member's scan runs in the ORM session. A door device's scan (the hot path) runs in a
DoorTransaction: the same statements on a pooled DB-API connection of its own, without the
session's bookkeeping. Services never commit; the view commits once. A nonce race (the same
scan arriving twice at once) rolls this transaction back and replays the winner's answer.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from flask_babel import gettext as _
from sqlalchemy import bindparam, exc, select, text, update

from app.checkin.answers import (
    ALREADY_CHECKED_IN,
    ALREADY_CHECKED_OUT,
    AMBER,
    ATTENDEE_COLUMNS,
    CANCELLED,
    NOT_CHECKED_IN,
    NOT_OPEN,
    OK,
    UNDONE,
    UNKNOWN_CODE,
    WAITLISTED,
    WRONG_EVENT,
    ScanAnswer,
    ScanRequestError,
    attendee_from_row,
)
from app.checkin.devices import needs_touch
from app.database import begin_write, raw_write_connection
from app.events.door import checkout_closes_at, doors_open_at
from app.events.tickets import normalize_code
from app.extensions import db
from app.models import (
    CheckIn,
    Cluster,
    Company,
    DoorDevice,
    Event,
    EventStatus,
    Registration,
    RegistrationStatus,
    ScanLog,
)
from app.tokens import hash_token

MODES = ("in", "out")
METHODS = ("qr", "hid", "manual", "walkin")
NONCE_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


class _Direct:
    """A prebuilt statement run on the session connection's DB-API cursor (the door's hot path).

    The SQL, the bind processors (UTC timestamps stored naive, enums as values) and the result
    processors are SQLAlchemy's own, taken from the statement compiled once per dialect; what is
    skipped is SQLAlchemy's per-execution bookkeeping (cache key, execution context, result
    object: about 20 us a statement, as much as SQLite takes to run one of these). Returns the
    first row as a tuple, or None. A driver error is raised as SQLAlchemy's own exception class
    (IntegrityError, OperationalError), as an ordinary execute would. The statements run inside
    the session's transaction (BEGIN IMMEDIATE on SQLite) and the view's commit ends it as before;
    engine events such as before_cursor_execute do not see them.
    """

    def __init__(self, stmt):
        self.stmt = stmt
        self._plans: dict = {}

    def _plan(self, dialect):
        plan = self._plans.get(dialect)
        if plan is None:
            compiled = self.stmt.compile(dialect=dialect)
            # Only plain binds: no escaped names, no expanding IN lists, no callable values.
            assert not compiled.escaped_bind_names and not compiled._render_postcompile
            processors = compiled._bind_processors
            by_name = {}
            for bind, name in compiled.bind_names.items():
                assert not bind.callable
                # (the caller's key, whether the caller must give it, the value in the statement, processor)
                by_name[name] = (bind.key, bind.required, bind.value, processors.get(name))
            names = compiled.positiontup if compiled.positional else tuple(by_name)
            binds = tuple((name, *by_name[name]) for name in names)
            results = tuple(col[3]._cached_result_processor(dialect, None) for col in compiled._result_columns)
            plan = (compiled.string, compiled.positional, binds, results)
            self._plans[dialect] = plan
        return plan

    def _execute(self, params: dict, tx):
        """Run on `tx` (a DoorTransaction) or, when None, on the session's connection: the cursor."""
        if tx is None:
            connection = db.session.connection()
            dialect, dbapi = connection.dialect, connection.connection.dbapi_connection
        else:
            dialect, dbapi = tx.dialect, tx.dbapi
        sql, positional, binds, results = self._plan(dialect)
        # What construct_params() and the bind processors do, from the plan: a statement's
        # parameter list is fixed, so it is worked out once (was 13-40 us a statement).
        values = []
        for _name, key, required, constant, process in binds:
            if key in params:
                value = params[key]
            elif required:
                raise exc.InvalidRequestError(f"A value is required for bind parameter {key!r}")
            else:
                value = constant
            values.append(process(value) if process is not None else value)
        args = tuple(values) if positional else dict(zip((bind[0] for bind in binds), values, strict=True))
        cursor = dbapi.cursor()
        try:
            cursor.execute(sql, args)
        except dialect.loaded_dbapi.Error as error:
            cursor.close()
            raise exc.DBAPIError.instance(sql, args, error, dialect.loaded_dbapi.Error, dialect=dialect) from error
        return cursor, results

    def first(self, params: dict, tx=None):
        cursor, results = self._execute(params, tx)
        try:
            row = cursor.fetchone() if cursor.description else None
        finally:
            cursor.close()
        if row is None or not results:  # a text() statement declares no result types: as the driver gave it
            return None if row is None else tuple(row)
        return tuple(process(value) if process else value for process, value in zip(results, row, strict=True))

    def rowcount(self, params: dict, tx=None) -> int:
        """Run an UPDATE or DELETE: the number of rows it changed."""
        cursor, _results = self._execute(params, tx)
        try:
            return cursor.rowcount
        finally:
            cursor.close()


class DoorTransaction:
    """A door device's scan as a write transaction on a pooled DB-API connection of its own.

    A device scan touches no ORM object: its statements are the _Direct ones, so it can skip the
    session's begin and commit bookkeeping too (database.raw_write_connection). The view commits
    or rolls back and always closes. Rare answers that read more (another event's title, a
    replayed nonce) read through the session, which sees what this transaction committed (WAL on
    SQLite) and never writes.
    """

    __slots__ = ("connection", "dbapi", "dialect")

    def __init__(self):
        engine = db.engine
        self.dialect = engine.dialect
        self.connection = raw_write_connection(engine)
        self.dbapi = self.connection.dbapi_connection

    def commit(self) -> None:
        self.connection.commit()

    def rollback(self) -> None:
        self.connection.rollback()

    def close(self) -> None:
        self.connection.close()  # back to the pool, which rolls back anything left open


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


_INSERT_CHECKIN = _Direct(_insert_ignoring_sql(CheckIn.__table__, ("registration_id",)))
_INSERT_SCAN_LOG = _Direct(_insert_ignoring_sql(ScanLog.__table__, ("event_id", "nonce")))
_CHECKIN_DEFAULTS = {"checked_out_at": None, "checked_out_gate": None}
# Columns only an offline upload fills (app/checkin/uploads.py): the SQL above names every column.
_SCAN_LOG_DEFAULTS = {"local_result": None, "uploaded_at": None, "conflict_with_id": None}


def _insert_ignoring_conflict(model, values: dict, tx=None) -> int | None:
    """Insert a CheckIn or ScanLog row unless its unique key is taken: the new id, or None."""
    if model is CheckIn:
        row = _INSERT_CHECKIN.first({**_CHECKIN_DEFAULTS, **values}, tx)
    else:
        row = _INSERT_SCAN_LOG.first({**_SCAN_LOG_DEFAULTS, **values}, tx)
    return row[0] if row is not None else None


@dataclasses.dataclass(frozen=True)
class _EventFacts:
    """What a scan needs of its event, read once: ORM attributes would reload after begin_write."""

    id: int
    status: EventStatus
    starts_at: dt.datetime
    ends_at: dt.datetime


def _lookup_key(code: str | None, registration_id: int | None) -> tuple[str, object]:
    """Which registration a scan names: ("id", registration id) after a manual search, or
    ("hash", SHA-256 of the code); a text that cannot be one of our codes hashes to nothing."""
    if registration_id is not None:
        return "id", registration_id
    if code is None:
        raise ScanRequestError(_("코드나 신청 번호가 필요합니다."))
    normalized = normalize_code(code)
    return "hash", hash_token(normalized) if normalized is not None else ""


# After the attendee columns of a lookup row: the check-in, if any (id, in at, gate, out at).
CHECKIN_COLUMNS = (CheckIn.id, CheckIn.checked_in_at, CheckIn.gate, CheckIn.checked_out_at)
_EXISTING_CHECKIN = _Direct(select(*CHECKIN_COLUMNS).where(CheckIn.registration_id == bindparam("registration_id")))
_CHECKINS = CheckIn.__table__.c
# Back in after a check-out (the first arrival time is kept); a check-out; what a check-out found.
_READMIT = _Direct(
    update(CheckIn).where(CheckIn.id == bindparam("checkin_id")).values(checked_out_at=None, checked_out_gate=None)
)
_CHECK_OUT = _Direct(
    update(CheckIn)
    .where(CheckIn.registration_id == bindparam("reg_id"), CheckIn.checked_out_at.is_(None))
    .values(
        checked_out_at=bindparam("out_at", type_=_CHECKINS.checked_out_at.type),
        checked_out_gate=bindparam("out_gate", type_=_CHECKINS.checked_out_gate.type),
    )
)
_CHECKED_OUT = _Direct(
    select(CheckIn.checked_out_at, CheckIn.checked_out_gate).where(CheckIn.registration_id == bindparam("reg_id"))
)
_TOUCH = _Direct(
    update(DoorDevice)
    .where(DoorDevice.id == bindparam("device_id_"))
    .values(last_seen_at=bindparam("seen_at", type_=DoorDevice.__table__.c.last_seen_at.type))
)


def _changed(statement: _Direct, params: dict, tx) -> int:
    """An UPDATE on the door transaction, or through the session (which then also updates the
    ORM objects it holds): the rows changed."""
    if tx is None:
        return db.session.execute(statement.stmt, params).rowcount
    return statement.rowcount(params, tx)


def _first(statement: _Direct, params: dict, tx):
    """A SELECT's first row on the door transaction, or on the session's connection."""
    if tx is None:
        return db.session.connection().execute(statement.stmt, params).first()
    return statement.first(params, tx)


def _existing_checkin(row) -> tuple | None:
    """The check-in a lookup row carries, or None when the registration has none."""
    checkin = tuple(row[len(ATTENDEE_COLUMNS) :])
    return checkin if checkin and checkin[0] is not None else None


def _attendee_select(*leading, by: str, from_device: bool):
    """A prebuilt lookup (statements are built once: building a select costs more than running it)."""
    condition = (Registration.id == bindparam("key")) if by == "id" else (Registration.ticket_hash == bindparam("key"))
    if from_device:
        stmt = (
            select(*leading, *ATTENDEE_COLUMNS, *CHECKIN_COLUMNS)
            .select_from(DoorDevice)
            .join(Event, Event.id == DoorDevice.event_id)
            .outerjoin(Registration, condition)
        )
    else:
        stmt = select(*ATTENDEE_COLUMNS, *CHECKIN_COLUMNS).select_from(Registration)
    # The registration's check-in comes along: a repeated scan answers from this one row.
    stmt = (
        stmt.outerjoin(Company, Company.id == Registration.company_id)
        .outerjoin(Cluster, Cluster.id == Company.cluster_id)
        .outerjoin(CheckIn, CheckIn.registration_id == Registration.id)
    )
    if from_device:
        return stmt.where(DoorDevice.token_hash == bindparam("token_hash")).limit(1)
    return stmt.where(condition)


_DEVICE_COLUMNS = (
    DoorDevice.id,
    DoorDevice.event_id,
    DoorDevice.gate,
    DoorDevice.expires_at,
    DoorDevice.revoked_at,
    DoorDevice.last_seen_at,
    Event.status,
    Event.starts_at,
    Event.ends_at,
)
_LOOKUPS = {
    (by, from_device): _attendee_select(*_DEVICE_COLUMNS, by=by, from_device=from_device)
    for by in ("id", "hash")
    for from_device in (False, True)
}
_DEVICE_LOOKUPS = {by: _Direct(_LOOKUPS[(by, True)]) for by in ("id", "hash")}


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


def device_scan_context(
    token: str, *, code: str | None, registration_id: int | None, now: dt.datetime, tx: DoorTransaction | None = None
) -> DeviceScan | None:
    """Device, event and scanned registration in one query (the door's hot path); None for an
    unknown token. The caller refuses a device that is not usable or not of this event."""
    if not token or len(token) > 100:
        return None
    by, key = _lookup_key(code, registration_id)
    row = _DEVICE_LOOKUPS[by].first({"key": key, "token_hash": hash_token(token)}, tx)
    if row is None:
        return None
    attendee_row = tuple(row[9:])
    return DeviceScan(
        device_id=row[0],
        device_event_id=row[1],
        gate=row[2],
        usable=row[4] is None and row[3] > now,
        last_seen_at=row[5],
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
    tx: DoorTransaction | None = None,
) -> ScanAnswer:
    """Redeem a code (or a registration found by search) at the door of `event` (an Event or
    the facts of one). ``row``: the registration's attendee row when the caller already read
    it (device_scan_context), None when there is none. ``tx``: a device's door transaction, in
    which that row was read; without one the scan runs in the session (begin_write())."""
    if mode not in MODES:
        raise ScanRequestError(_("알 수 없는 모드입니다."))
    if nonce is not None and not NONCE_RE.match(nonce):
        raise ScanRequestError(_("nonce 형식이 올바르지 않습니다."))
    facts = (
        event if isinstance(event, _EventFacts) else _EventFacts(event.id, event.status, event.starts_at, event.ends_at)
    )
    if tx is None:
        begin_write()
        if row is _NOT_LOOKED_UP:
            row = _lookup_row(code, registration_id)
    elif row is _NOT_LOOKED_UP:
        raise TypeError("a door transaction's scan needs the row read in it (device_scan_context)")

    answer = _decide(
        facts, row, mode=mode, gate=gate, method=method, device_id=device_id, user_id=user_id, now=now, tx=tx
    )
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
        tx,
    )
    if logged is None:
        # The same scan (same nonce) got here first: undo this attempt, answer as it was answered
        # (read through the session, which sees the winner's committed log).
        if tx is not None:
            tx.rollback()
        db.session.rollback()
        replay = replay_answer(facts.id, nonce)
        if replay is not None:
            return replay
        raise ScanRequestError(_("같은 nonce의 요청을 처리하지 못했습니다. 다시 시도해 주세요."))
    return answer


def _decide(event, row, *, mode, gate, method, device_id, user_id, now, tx=None) -> ScanAnswer:
    if row is None:
        return ScanAnswer(UNKNOWN_CODE, mode)
    reg_event_id, status = row[1], row[2]
    if reg_event_id != event.id:
        return ScanAnswer(WRONG_EVENT, mode, other_event=db.session.get(Event, reg_event_id))
    attendee = attendee_from_row(row)
    if status == RegistrationStatus.CANCELLED or event.status == EventStatus.CANCELLED:
        return ScanAnswer(CANCELLED, mode, attendee)
    if status == RegistrationStatus.WAITLISTED:
        return ScanAnswer(WAITLISTED, mode, attendee)
    if event.status != EventStatus.PUBLISHED:
        return ScanAnswer(NOT_OPEN, mode, attendee)
    if mode == "out":
        return _check_out(event, attendee, gate=gate, now=now, tx=tx)
    if now < doors_open_at(event) or now > event.ends_at:
        return ScanAnswer(NOT_OPEN, mode, attendee)
    # A repeated scan (the most common refusal at a door) answers from the lookup row: no insert
    # attempt, no second read. Only a first scan tries the insert, which a concurrent scan of the
    # same badge may win (the unique key decides); then the winner's row is read.
    existing = _existing_checkin(row)
    if existing is None:
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
            tx,
        )
        if inserted is not None:
            return ScanAnswer(OK, mode, attendee, at=now, gate=gate)
        existing = _first(_EXISTING_CHECKIN, {"registration_id": attendee.registration_id}, tx)
        if existing is None:  # taken back (undo) between the two statements: let the scanner retry
            raise ScanRequestError(_("다른 기기에서 방금 처리한 명찰입니다. 다시 스캔해 주세요."))
    checkin_id, checked_in_at, checkin_gate, checked_out_at = existing
    if checked_out_at is not None:
        # Coming back after a check-out: admitted again; the first arrival time is kept.
        _changed(_READMIT, {"checkin_id": checkin_id}, tx)
        return ScanAnswer(OK, mode, attendee, at=checked_in_at, gate=checkin_gate)
    return ScanAnswer(ALREADY_CHECKED_IN, mode, attendee, at=checked_in_at, gate=checkin_gate)


def _check_out(event, attendee, *, gate, now, tx) -> ScanAnswer:
    if now < doors_open_at(event) or now > checkout_closes_at(event):
        return ScanAnswer(NOT_OPEN, "out", attendee)
    done = _changed(_CHECK_OUT, {"reg_id": attendee.registration_id, "out_at": now, "out_gate": gate}, tx)
    if done:
        return ScanAnswer(OK, "out", attendee, at=now, gate=gate)
    existing = _first(_CHECKED_OUT, {"reg_id": attendee.registration_id}, tx)
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
        attendee = attendee_from_row(row) if row is not None else None
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


def touch_device(door: DeviceScan, now: dt.datetime, tx: DoorTransaction) -> None:
    """devices.touch() in the door transaction: last_seen_at at most once a minute."""
    if needs_touch(door.last_seen_at, now):
        _TOUCH.rowcount({"device_id_": door.device_id, "seen_at": now}, tx)


def undo(
    event: Event, registration_id: int, *, nonce: str | None, user_id: int | None, gate: str | None, now: dt.datetime
) -> ScanAnswer:
    """Staff take back a check-in (a wrong person admitted, a badge scanned by mistake)."""
    if nonce is not None and not NONCE_RE.match(nonce):
        raise ScanRequestError(_("nonce 형식이 올바르지 않습니다."))
    begin_write()
    row = _lookup_row(None, registration_id)
    if row is None or row[1] != event.id:  # row[1]: the registration's event
        raise LookupError(registration_id)
    attendee = attendee_from_row(row)
    removed = db.session.execute(
        CheckIn.__table__.delete().where(CheckIn.__table__.c.registration_id == registration_id)
    ).rowcount
    result = UNDONE if removed else NOT_CHECKED_IN
    logged = _insert_ignoring_conflict(
        ScanLog,
        {
            "event_id": event.id,
            "registration_id": registration_id,
            "scanned_at": now,
            "mode": "undo",
            "result": result,
            "method": "manual",
            "gate": gate,
            "user_id": user_id,
            "nonce": nonce,
            "device_id": None,
            "other_event_id": None,
        },
    )
    if logged is None:
        db.session.rollback()
        replay = replay_answer(event.id, nonce)
        if replay is not None:
            return replay
    return ScanAnswer(result, "undo", attendee)
