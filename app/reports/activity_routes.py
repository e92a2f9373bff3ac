"""Cluster activity report pages: the HTML report with its period form, and the same report as PDF."""

from __future__ import annotations

from flask import abort, render_template

from app.auth.decorators import staff_required
from app.exports import inline_pdf
from app.i18n import seoul_today
from app.models import utcnow
from app.pdf import render_pdf
from app.reports import activity
from app.reports.blueprint import bp
from app.reports.scope import load_scope


def _load():
    """(clusters the user may pick, the chosen cluster or None, period, notice)."""
    clusters, cluster, _every, period, notice = load_scope()
    return clusters, cluster, period, notice


@bp.get("/staff/reports/activity")
@staff_required
def activity_report():
    clusters, cluster, period, notice = _load()
    report = activity.activity_report(cluster, period, utcnow()) if cluster is not None else None
    today = seoul_today()
    shortcuts = [
        ("this_quarter", activity.quarter_of(today)),
        ("last_quarter", activity.quarter_of(today, -1)),
        ("this_year", activity.Period(today.replace(month=1, day=1), today.replace(month=12, day=31))),
    ]
    return render_template(
        "reports/activity.html",
        clusters=clusters,
        cluster=cluster,
        period=period,
        notice=notice,
        report=report,
        charts=activity.report_charts(report) if report and not report.is_empty else {},
        shortcuts=shortcuts,
    )


@bp.get("/staff/reports/activity.pdf")
@staff_required
def activity_report_pdf():
    _clusters, cluster, period, notice = _load()
    if cluster is None:
        abort(404)
    report = activity.activity_report(cluster, period, utcnow())
    html = render_template(
        "pdf/activity_report.html",
        report=report,
        notice=notice,
        charts=activity.report_charts(report) if not report.is_empty else {},
    )
    return inline_pdf(render_pdf(html), activity.report_filename(report))
