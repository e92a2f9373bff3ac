"""The reports blueprint object, shared by the view modules of this package."""

from flask import Blueprint

bp = Blueprint("reports", __name__)
