"""The staff blueprint object (mounted at /staff), shared by the view modules of this package."""

from flask import Blueprint

bp = Blueprint("staff", __name__)
