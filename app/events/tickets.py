"""Ticket codes carried by QR badges (and the badge's contact-exchange code): never a row id, stored only as hashes.

A registration keeps a random 128-bit salt and the SHA-256 of its code. The code itself is
HMAC-SHA256(ticket key, salt) cut to 128 bits and written in RFC 4648 base32 (26 characters,
QR alphanumeric mode, version 2 at error correction M). The database alone therefore yields
no usable code (salt without key, hash without preimage), yet a badge can be reprinted any
time from the salt and the server key. Reissuing draws a new salt: the old code stops working.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from flask import current_app

from app.tokens import hash_token

CODE_LENGTH = 26  # ceil(128 / 5) base32 characters
_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


def ticket_key() -> bytes:
    """The server key behind every code: TICKET_CODE_KEY, else derived from SECRET_KEY."""
    configured = current_app.config.get("TICKET_CODE_KEY")
    if configured:
        return configured.encode() if isinstance(configured, str) else configured
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(secret, b"moim ticket codes v1", hashlib.sha256).digest()


def new_ticket_salt() -> str:
    return secrets.token_hex(16)


def code_from_salt(salt: str, key: bytes | None = None) -> str:
    digest = hmac.new(key or ticket_key(), salt.encode(), hashlib.sha256).digest()[:16]
    return base64.b32encode(digest).decode().rstrip("=")


_DROPPED = str.maketrans("", "", " -\t\r\n")


def normalize_code(raw: str | None) -> str | None:
    """What a scanner or a person typed, as a code; None when it cannot be one of ours.

    Scanners and people add spaces, dashes and lower case; the code is case-insensitive
    base32, so those are dropped rather than refused.
    """
    if not raw or len(raw) > 200:
        return None
    cleaned = raw.upper().translate(_DROPPED)
    if len(cleaned) != CODE_LENGTH or not set(cleaned) <= _ALPHABET:
        return None
    return cleaned


def issue_ticket(registration, key: bytes | None = None) -> str:
    """Give the registration a fresh code (revoking any earlier one, and the contact code with
    it); returns the plain code."""
    salt = new_ticket_salt()
    code = code_from_salt(salt, key)
    registration.ticket_salt = salt
    registration.ticket_hash = hash_token(code)
    registration.contact_hash = hash_token(_contact_code_from_salt(salt, key))
    return code


# --- the contact-exchange code (명함 교환) -------------------------------------------------------
#
# A second QR on the badge, for another attendee's phone: "MOIMC:" and 26 base32 characters (QR
# alphanumeric mode, version 2 at M). It comes from the ticket salt under its own label, so it
# never equals a ticket code: the door refuses it as unknown, and the contact scanner refuses a
# ticket code without looking it up. Only its SHA-256 is stored, to find the badge's owner.

CONTACT_PREFIX = "MOIMC:"


def _contact_code_from_salt(salt: str, key: bytes | None = None) -> str:
    digest = hmac.new(key or ticket_key(), b"contact:" + salt.encode(), hashlib.sha256).digest()[:16]
    return CONTACT_PREFIX + base64.b32encode(digest).decode().rstrip("=")


def contact_code(registration, key: bytes | None = None) -> str:
    """The plain contact code printed on the badge, recomputed from the stored salt."""
    if not registration.ticket_salt:
        raise ValueError(f"registration {registration.id} has no ticket yet")
    return _contact_code_from_salt(registration.ticket_salt, key)


def normalize_contact_code(raw: str | None) -> str | None:
    """A scanned or typed contact code, or None when it is not one (a ticket code is not)."""
    if not raw or len(raw) > 200:
        return None
    cleaned = "".join(ch for ch in raw.upper() if ch not in " \t\r\n")
    if not cleaned.startswith(CONTACT_PREFIX):
        return None
    body = cleaned[len(CONTACT_PREFIX) :].replace("-", "")
    if len(body) != CODE_LENGTH or not set(body) <= _ALPHABET:
        return None
    return CONTACT_PREFIX + body


def ticket_code(registration, key: bytes | None = None) -> str:
    """The plain code for a badge, recomputed from the stored salt."""
    if not registration.ticket_salt:
        raise ValueError(f"registration {registration.id} has no ticket yet")
    return code_from_salt(registration.ticket_salt, key)


def ensure_tickets(registrations) -> int:
    """Issue codes to registrations that have none (rows older than hashed codes); returns how many."""
    key = ticket_key()
    issued = 0
    for registration in registrations:
        if not registration.ticket_salt:
            issue_ticket(registration, key)
            issued += 1
        elif not registration.contact_hash:
            # Tickets issued before contact codes existed: same badge, its contact code added.
            registration.contact_hash = hash_token(_contact_code_from_salt(registration.ticket_salt, key))
    return issued


def badge_link_token(registration, key: bytes | None = None) -> str:
    """The secret in a registration's badge download link (128 bits, URL-safe).

    Derived like the code, from the ticket salt under another label: the link needs no
    sign-in (a colleague registered by a company member may have no account), is never
    stored, and dies with the code when the ticket is reissued.
    """
    if not registration.ticket_salt:
        raise ValueError(f"registration {registration.id} has no ticket yet")
    digest = hmac.new(key or ticket_key(), b"badge link:" + registration.ticket_salt.encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()[:16]).decode().rstrip("=")


def badge_link_matches(registration, token: str) -> bool:
    if not registration.ticket_salt or not token or len(token) > 64:
        return False
    return hmac.compare_digest(badge_link_token(registration).encode(), token.encode())
