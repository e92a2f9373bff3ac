"""Helpers of the personal and company feed tests: making a token, fetching its feed."""

from __future__ import annotations

from app.calendar import feeds_personal as feeds
from app.extensions import db
from app.models import utcnow


def new_feed_token(owner) -> str:
    """A committed feed token for a user or company (test data so far committed first, as
    a request would have); returns the plain token."""
    db.session.commit()
    _row, plain = feeds.issue_token(owner, now=utcnow())
    db.session.commit()
    return plain


def feed_path(plain: str) -> str:
    return f"/calendar/feed/{plain}.ics"


def get_feed(client, plain: str, method: str = "GET", **headers):
    return client.open(feed_path(plain), method=method, headers=headers)
