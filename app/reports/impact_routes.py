"""The impact report (HTML and PDF from one template part): pipeline, amounts, network, stories."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user

from app.auth.decorators import staff_required
from app.events.access import managed_clusters
from app.exports import clean_filename, inline_pdf
from app.i18n import seoul_today
from app.models import utcnow
from app.outcomes.impact import cluster_colours, impact_report
from app.pdf import render_pdf
from app.reports import activity
from app.reports.blueprint import bp

ALL = "all"


def _load():
    """(clusters to pick, chosen cluster or None for all, whether 'all' was chosen, period, notice)."""
    clusters = managed_clusters(current_user)
    slug = request.args.get("cluster", "")
    every = slug == ALL
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


def _context():
    clusters, cluster, every, period, notice = _load()
    report = impact_report(cluster, period.start_utc, period.end_utc) if (cluster or every) else None
    return {
        "clusters": clusters,
        "cluster": cluster,
        "every": every,
        "period": period,
        "notice": notice,
        "report": report,
        "colours": cluster_colours(report.clusters) if report else {},
        "generated_at": utcnow(),
    }


@bp.get("/staff/reports/impact")
@staff_required
def impact():
    return render_template("reports/impact.html", **_context())


@bp.get("/staff/reports/impact.pdf")
@staff_required
def impact_pdf():
    context = _context()
    if context["report"] is None:
        abort(404)
    html = render_template("pdf/impact_report.html", **context)
    scope = context["cluster"].name_ko if context["cluster"] else "전체"
    period = context["period"]
    name = clean_filename(f"성과보고서_{scope}_{period.start.isoformat()}_{period.end.isoformat()}") + ".pdf"
    return inline_pdf(render_pdf(html), (name, f"impact-{period.start}-{period.end}.pdf"))
