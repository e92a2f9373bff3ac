"""The impact report (HTML and PDF from one template part): pipeline, amounts, network, stories."""

from __future__ import annotations

from flask import abort, render_template

from app.auth.decorators import staff_required
from app.exports import clean_filename, inline_pdf
from app.models import utcnow
from app.outcomes.impact import cluster_colours, impact_report
from app.pdf import render_pdf
from app.reports.blueprint import bp
from app.reports.scope import load_scope


def _context():
    clusters, cluster, every, period, notice = load_scope(allow_all=True)
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
