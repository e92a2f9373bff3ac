"""The events blueprint object (public event pages), shared by the view modules of this package."""

from flask import Blueprint

bp = Blueprint("events", __name__)
