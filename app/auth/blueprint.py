"""The auth blueprint object (mounted at /auth), shared by the view modules of this package."""

from flask import Blueprint

bp = Blueprint("auth", __name__)
