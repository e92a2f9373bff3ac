"""The audit log page: who changed what and who exported personal data (on the `staff` blueprint)."""

from __future__ import annotations

import datetime as dt

from flask import render_template, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.auth.decorators import staff_required
from app.extensions import db
from app.i18n import SEOUL
from app.models import AuditEntry
from app.routing import page_arg
from app.staff.blueprint import bp

PER_PAGE = 50


def _day(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((raw or "").strip()) if raw else None
    except ValueError:
        return None


def audit_query(user, action: str, day_from: dt.date | None, day_to: dt.date | None):
    """Entries the user may read (admins: all; staff: their clusters'), newest first, filtered."""
    query = select(AuditEntry).options(joinedload(AuditEntry.user)).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    ids = user.managed_cluster_ids()
    if ids is not None:
        query = query.where(AuditEntry.cluster_id.in_(ids or [-1]))
    if action:
        query = query.where(AuditEntry.action.contains(action, autoescape=True))
    if day_from:
        query = query.where(AuditEntry.at >= dt.datetime.combine(day_from, dt.time(), SEOUL).astimezone(dt.UTC))
    if day_to:
        end = dt.datetime.combine(day_to + dt.timedelta(days=1), dt.time(), SEOUL).astimezone(dt.UTC)
        query = query.where(AuditEntry.at < end)
    return query


@bp.get("/audit")
@staff_required
def audit_log():
    action = (request.args.get("action") or "").strip()[:80]
    day_from, day_to = _day(request.args.get("since")), _day(request.args.get("until"))
    pagination = db.paginate(
        audit_query(current_user, action, day_from, day_to),
        page=page_arg(request.args),
        per_page=PER_PAGE,
        error_out=False,
    )
    return render_template(
        "staff/audit.html",
        pagination=pagination,
        action=action,
        day_from=day_from,
        day_to=day_to,
        bad_date=bool(request.args.get("since") and not day_from) or bool(request.args.get("until") and not day_to),
    )
