"""Collects the account pages (sign-in, invitations, sign-up, password reset) onto the auth blueprint."""

from app.auth import account_routes  # noqa: F401
from app.auth.blueprint import bp

__all__ = ["bp"]
