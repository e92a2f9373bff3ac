"""The calendar blueprint object, shared by the view modules of this package."""

from flask import Blueprint

bp = Blueprint("calendar", __name__)
