"""The audit log, written by the framework: every committed change made by a staff or admin request.

A view does nothing for it. While a staff or admin user's POST request flushes, the changed
objects are noted (model, id, the columns that changed and how); just before the request's
outermost commit one AuditEntry joins the same transaction, so the entry exists exactly when
the change does (a rollback drops both). The action is the endpoint, the object the first id
of the URL, the cluster the one that object belongs to (staff see their clusters' entries).
Personal values are masked in summaries ("changed"), secrets left out: the log outlives the
retention period. Reading personal data (exports) is logged with ``record_access``, and
commands (the retention purge) with ``record``.
"""

from __future__ import annotations

import datetime as dt
import threading

from flask import g, has_request_context, request
from sqlalchemy import event, inspect, select

from app.extensions import db
from app.i18n import SEOUL
from app.models import AuditEntry, Cluster, Company, Event, Registration, ResearchGroup, Role, User

SUMMARY_MAX = 1000
# Values of these columns never enter the log (personal data, free text about people).
MASKED = {
    "name",
    "email",
    "mobile",
    "job_title",
    "contact_name",
    "contact_email",
    "contact_mobile",
    "note",
    "message",
    "recipient",
    "subject",
    "body_text",
    "body_html",
    "guest_brn",
}
# Secrets and bookkeeping: not even named.
HIDDEN = {"password_hash", "session_nonce", "ticket_salt", "updated_at", "last_login_at"}
_CHANGES = "moim_audit_changes"
_WRITING = "moim_audit_writing"


_checking = threading.local()


def _acting_user():
    """The signed-in staff or admin user of a state-changing request, else None.

    Only a user Flask-Login already loaded (the views' access checks load it): reading it here
    must not load it, and reading its (possibly expired) role may run a query, which would come
    back through the statement listener; the flag stops that recursion.
    """
    if not has_request_context() or request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return None
    if getattr(_checking, "active", False):
        return None
    user = g.get("_login_user")
    if user is None or not isinstance(user, User):
        return None
    role = g.get("_audit_role") or inspect(user).dict.get("role")
    if role is None and not db.session()._flushing:  # expired by an earlier commit: load it now
        _checking.active = True
        try:
            role = user.role
        finally:
            _checking.active = False
    if role is None:
        return None
    g._audit_role = role
    return user if role in (Role.STAFF, Role.ADMIN) else None


def _auditable_request() -> bool:
    return _acting_user() is not None


def _hidden(column: str) -> bool:
    return column in HIDDEN or column.endswith("_hash")


def _shown(column: str, value) -> str:
    if column in MASKED:
        return "…"
    if isinstance(value, dt.datetime):
        # Times as staff read them: Seoul time to the second (stored in UTC).
        if value.tzinfo is not None:
            value = value.astimezone(SEOUL)
        return value.strftime("%Y-%m-%d %H:%M:%S")
    text = getattr(value, "value", value)  # enums by their value
    text = str(text)
    return text if len(text) <= 40 else text[:39] + "…"


def _describe(obj, kind: str) -> str | None:
    state = inspect(obj)
    key = state.mapper.primary_key_from_instance(obj)
    label = f"{type(obj).__name__}#{key[0] if key and key[0] is not None else '?'}"
    if kind != "updated":
        return f"{label} {kind}"
    parts = []
    for attr in state.mapper.column_attrs:
        column = attr.key
        if _hidden(column):
            continue
        history = state.attrs[column].history
        if not history.has_changes():
            continue
        before = history.deleted[0] if history.deleted else None
        after = history.added[0] if history.added else None
        if column in MASKED:
            parts.append(f"{column} changed")
        else:
            parts.append(f"{column} {_shown(column, before)}→{_shown(column, after)}")
    return f"{label}: {', '.join(parts)}" if parts else None


def _note_flush(session, flush_context) -> None:
    if session.info.get(_WRITING) or not _auditable_request():
        return
    changes = session.info.setdefault(_CHANGES, [])
    for kind, objects in (("created", session.new), ("updated", session.dirty), ("deleted", session.deleted)):
        for obj in objects:
            if isinstance(obj, AuditEntry):
                continue
            line = _describe(obj, kind)
            if line:
                changes.append(line)


def _note_statement(orm_execute_state) -> None:
    """UPDATE/DELETE/INSERT statements run through the session (bulk changes) are noted too."""
    session = orm_execute_state.session
    if session.info.get(_WRITING) or not _auditable_request():
        return
    if orm_execute_state.is_update or orm_execute_state.is_delete or orm_execute_state.is_insert:
        kind = "updated" if orm_execute_state.is_update else "deleted" if orm_execute_state.is_delete else "created"
        table = getattr(orm_execute_state.statement, "table", None)
        name = getattr(table, "name", "rows")
        session.info.setdefault(_CHANGES, []).append(f"{name} {kind} (bulk)")


def _object_of_request() -> tuple[str | None, int | None]:
    for key, value in (request.view_args or {}).items():
        if key.endswith("_id") and isinstance(value, int):
            return key[: -len("_id")], value
    return None, None


def _cluster_of() -> int | None:
    """The cluster of the object the request's URL names (its event, company, group, registration or cluster)."""
    args = request.view_args or {}
    if "event_id" in args:
        return db.session.scalar(select(Event.host_cluster_id).where(Event.id == args["event_id"]))
    if "company_id" in args:
        return db.session.scalar(select(Company.cluster_id).where(Company.id == args["company_id"]))
    if "group_id" in args:
        return db.session.scalar(select(ResearchGroup.cluster_id).where(ResearchGroup.id == args["group_id"]))
    if "registration_id" in args:
        return db.session.scalar(
            select(Event.host_cluster_id).join(Registration).where(Registration.id == args["registration_id"])
        )
    if isinstance(args.get("slug"), str):
        return db.session.scalar(select(Cluster.id).where(Cluster.slug == args["slug"]))
    return None


def _summary(lines: list[str]) -> str:
    text = "; ".join(dict.fromkeys(lines))  # in order, once each
    return text if len(text) <= SUMMARY_MAX else text[: SUMMARY_MAX - 1] + "…"


def _add_entry(session, *, action: str, summary: str, object_type=None, object_id=None, cluster_id=None, user=None):
    session.info[_WRITING] = True
    try:
        session.add(
            AuditEntry(
                user_id=user.id if user is not None else None,
                role=user.role.value if user is not None else None,
                cluster_id=cluster_id,
                action=action[:80],
                object_type=object_type,
                object_id=object_id,
                summary=summary,
            )
        )
        session.flush()
    finally:
        session.info.pop(_WRITING, None)


def _before_commit(session) -> None:
    if session.in_nested_transaction():
        return
    lines = session.info.pop(_CHANGES, None)
    if not lines or not _auditable_request():
        return
    object_type, object_id = _object_of_request()
    _add_entry(
        session,
        action=request.endpoint or request.path,
        summary=_summary(lines),
        object_type=object_type,
        object_id=object_id,
        cluster_id=_cluster_of(),
        user=_acting_user(),
    )


def _transaction_ended(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_CHANGES, None)


def record_access(what: str, *, cluster_id: int | None = None, count: int | None = None) -> None:
    """A staff member read personal data out of the app (an export); the caller commits.

    PIPA asks who accessed personal data: the entry names the export and how many rows.
    """
    user = g.get("_login_user")
    object_type, object_id = _object_of_request()
    summary = what if count is None else f"{what}: {count} rows"
    if cluster_id is None:
        cluster_id = _cluster_of()
    _add_entry(
        db.session,
        action=request.endpoint or request.path,
        summary=_summary([summary]),
        object_type=object_type,
        object_id=object_id,
        cluster_id=cluster_id,
        user=user if isinstance(user, User) else None,
    )


def record(
    action: str,
    summary: str,
    *,
    user: User | None = None,
    cluster_id: int | None = None,
    object_type: str | None = None,
    object_id: int | None = None,
) -> None:
    """An action outside a request: a command's (no user, e.g. the retention purge) or a
    background job's, on behalf of the staff member who started it; the caller commits."""
    _add_entry(
        db.session,
        action=action,
        summary=_summary([summary]),
        user=user,
        cluster_id=cluster_id,
        object_type=object_type,
        object_id=object_id,
    )


def init_audit() -> None:
    # db.session's session class is shared by every app: listen once.
    if not event.contains(db.session, "after_flush", _note_flush):
        event.listen(db.session, "after_flush", _note_flush)
        event.listen(db.session, "do_orm_execute", _note_statement)
        event.listen(db.session, "before_commit", _before_commit)
        event.listen(db.session, "after_transaction_end", _transaction_ended)
