"""Ticket codes carried by QR badges: random, 256 bits, never a row id."""
from __future__ import annotations

import secrets


def new_ticket_code() -> str:
    return secrets.token_urlsafe(32)
