"""Collects the directory's route modules onto its blueprint."""

from app.directory import routes_companies, routes_groups, routes_import, routes_members  # noqa: F401
from app.directory.blueprint import bp

__all__ = ["bp"]
