"""The outcomes area's blueprint: the outcome ledger's staff pages (app/outcomes/ledger_routes.py)."""

from flask import Blueprint

bp = Blueprint("outcomes", __name__)
