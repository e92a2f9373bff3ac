"""The networking blueprint object, shared by the view modules of this package."""

from flask import Blueprint

bp = Blueprint("networking", __name__)
