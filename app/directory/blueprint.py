"""The directory blueprint object, shared by the route modules of this package."""

from flask import Blueprint

bp = Blueprint("directory", __name__)
