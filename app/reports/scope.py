"""Which cluster and period a report page shows, read from the query string (shared by the report views)."""

from __future__ import annotations

from flask import abort, request
from flask_login import current_user

from app.events.access import managed_clusters
from app.i18n import seoul_today
from app.reports import activity

ALL_CLUSTERS = "all"


def load_scope(*, allow_all: bool = False):
    """(clusters the user may pick, the chosen cluster or None, whether every cluster was chosen,
    period, notice) from the query string; 404 for an unknown cluster, 403 for one the user does
    not manage, and for ``cluster=all`` (where allowed) unless the user is an administrator."""
    clusters = managed_clusters(current_user)
    slug = request.args.get("cluster", "")
    every = allow_all and slug == ALL_CLUSTERS
    if every:
        if not current_user.is_admin:
            abort(403)  # the Seoul-wide view is the administrators'
        cluster = None
    elif slug:
        cluster = activity.cluster_by_slug(slug)
        if cluster is None:
            abort(404)
        if not current_user.can_manage_cluster(cluster.id):
            abort(403)
    else:
        cluster = clusters[0] if clusters else None
    period, notice = activity.parse_period(request.args, seoul_today())
    return clusters, cluster, every, period, notice
