"""The checkin blueprint object, shared by the view modules of this package."""

from flask import Blueprint

bp = Blueprint("checkin", __name__)
