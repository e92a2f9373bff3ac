"""The impact report (HTML and PDF from one template part): pipeline, amounts, network, stories."""

from __future__ import annotations

from flask import abort, render_template

from app.auth.decorators import staff_required
from app.exports import clean_filename, inline_pdf, private_download
from app.models import Attribution, utcnow
from app.outcomes.impact import PIPELINE_LABELS, TIME_BUCKET_LABELS, cluster_colours, impact_report
from app.outcomes.impact_export import impact_workbook
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
        "pipeline_labels": PIPELINE_LABELS,
        "bucket_labels": TIME_BUCKET_LABELS,
        "attribution_choices": list(Attribution),
    }


def _file_name(context, extension: str) -> tuple[str, str]:
    scope = context["cluster"].name_ko if context["cluster"] else "전체"
    period = context["period"]
    name = clean_filename(f"성과보고서_{scope}_{period.start.isoformat()}_{period.end.isoformat()}") + extension
    return name, f"impact-{period.start}-{period.end}{extension}"


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
    return inline_pdf(render_pdf(html), _file_name(context, ".pdf"))


@bp.get("/staff/reports/impact.xlsx")
@staff_required
def impact_xlsx():
    context = _context()
    if context["report"] is None:
        abort(404)
    return private_download(
        impact_workbook(context["report"]),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        *_file_name(context, ".xlsx"),
    )
