"""Taking part in an event's networking: giving and withdrawing the networking consent.

Services take plain arguments and never commit (the view commits once).
"""

from __future__ import annotations

import datetime as dt

from app.models import Registration
from app.networking.consent import NETWORKING_CONSENT_VERSION


def give_consent(registration: Registration, now: dt.datetime) -> None:
    registration.networking_consent_version = NETWORKING_CONSENT_VERSION
    registration.networking_consent_at = now


def withdraw_consent(registration: Registration) -> None:
    """From now on the person is not listed to others and sees nobody; contacts already exchanged
    stay with the other side (they were handed over in person), the person's own notes stay theirs."""
    registration.networking_consent_version = None
    registration.networking_consent_at = None
