"""Staff overview of their clusters' events, and the admin's account list (on the `staff` blueprint)."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth.decorators import admin_required, staff_required
from app.events import queries
from app.events.access import managed_clusters
from app.extensions import db
from app.models import User
from app.routing import page_arg
from app.staff.blueprint import bp


@bp.get("/")
@staff_required
def dashboard():
    tab = "past" if request.args.get("tab") == "past" else "upcoming"
    cluster_ids = current_user.managed_cluster_ids()
    pagination, rows = queries.staff_events(cluster_ids, upcoming=(tab == "upcoming"), page=page_arg(request.args))
    clusters = managed_clusters(current_user)
    return render_template("staff/dashboard.html", rows=rows, pagination=pagination, tab=tab, clusters=clusters)


@bp.get("/users")
@admin_required
def users():
    query = select(User).options(selectinload(User.company), selectinload(User.clusters)).order_by(User.role, User.name)
    pagination = db.paginate(query, page=page_arg(request.args), per_page=50, error_out=False)
    return render_template("staff/users.html", pagination=pagination)
