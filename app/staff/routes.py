"""Staff overview of their clusters' events, and the admin's account list."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth.decorators import admin_required, staff_required
from app.events import queries
from app.extensions import db
from app.routing import page_arg
from app.models import Cluster, User

bp = Blueprint("staff", __name__)



@bp.get("/")
@staff_required
def dashboard():
    tab = "past" if request.args.get("tab") == "past" else "upcoming"
    cluster_ids = current_user.managed_cluster_ids()
    pagination, rows = queries.staff_events(cluster_ids, upcoming=(tab == "upcoming"), page=page_arg(request.args))
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
    pagination = db.paginate(query, page=page_arg(request.args), per_page=50, error_out=False)
    return render_template("staff/users.html", pagination=pagination)


# Admin account management registers its routes on this blueprint.
from app.staff import accounts  # noqa: E402,F401
from app.events import manage_routes  # noqa: E402,F401
from app.events import staff_registrations  # noqa: E402,F401
