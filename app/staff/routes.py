"""Staff overview of their clusters' events, and the admin's account list."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth.decorators import admin_required, staff_required
from app.events import queries
from app.extensions import db
from app.models import Cluster, User

bp = Blueprint("staff", __name__)


def _page() -> int:
    try:
        return max(int(request.args.get("page", 1)), 1)
    except ValueError:
        return 1


@bp.get("/")
@staff_required
def dashboard():
    tab = "past" if request.args.get("tab") == "past" else "upcoming"
    cluster_ids = current_user.managed_cluster_ids()
    pagination, rows = queries.staff_events(cluster_ids, upcoming=(tab == "upcoming"), page=_page())
    query = select(Cluster).order_by(Cluster.id)
    if cluster_ids is not None:
        query = query.where(Cluster.id.in_(cluster_ids))
    clusters = db.session.scalars(query).all()
    return render_template("staff/dashboard.html", rows=rows, pagination=pagination, tab=tab, clusters=clusters)


@bp.get("/users")
@admin_required
def users():
    query = (
        select(User)
        .options(selectinload(User.company), selectinload(User.clusters))
        .order_by(User.role, User.name)
    )
    pagination = db.paginate(query, page=_page(), per_page=50, error_out=False)
    return render_template("staff/users.html", pagination=pagination)
