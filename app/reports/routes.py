"""Collects the reports area's view modules onto its blueprint: attendance, certificates and
the cluster activity report."""

from app.reports import activity_routes, attendance_routes, certificate_routes, impact_routes, job_routes  # noqa: F401
from app.reports.blueprint import bp

__all__ = ["bp"]
