"""The retention page: which events' personal data is destroyed next, and when (on the `staff` blueprint)."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from app.auth.decorators import staff_required
from app.events.access import managed_clusters
from app.models import utcnow
from app.privacy import retention
from app.staff.blueprint import bp


@bp.get("/privacy")
@staff_required
def privacy():
    now = utcnow()
    cluster_ids = current_user.managed_cluster_ids()  # None: an administrator, every cluster
    return render_template(
        "staff/privacy.html",
        due=retention.upcoming(cluster_ids, now),
        now=now,
        days=retention.retention_days(),
        plan=retention.plan(now) if current_user.is_admin else None,
        clusters=managed_clusters(current_user),
    )
