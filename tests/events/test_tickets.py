"""Ticket codes: 128 bits, short enough for a small QR, stored only as a hash, revoked by reissue."""

from __future__ import annotations

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from sqlalchemy import select

from app.events.tickets import (
    CODE_LENGTH,
    code_from_salt,
    ensure_tickets,
    issue_ticket,
    normalize_code,
    ticket_code,
)
from app.extensions import db
from app.models import Registration
from app.tokens import hash_token
from tests.factories import make_event, make_registration


def test_code_is_26_base32_characters_and_fits_qr_version_2_at_m(app):
    registration = make_registration(make_event())
    code = issue_ticket(registration)
    assert len(code) == CODE_LENGTH == 26
    assert set(code) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M)
    qr.add_data(code)
    qr.make(fit=True)
    assert qr.version <= 3
    assert qr.data_list[0].mode == qrcode.util.MODE_ALPHA_NUM


def test_codes_are_distinct_and_carry_no_row_data(app):
    event = make_event()
    registrations = [make_registration(event, name=f"참가자{i}") for i in range(200)]
    codes = {ticket_code(r) for r in registrations}
    assert len(codes) == 200
    # The code is a keyed hash of a random salt: the same salt under another key gives another code.
    r = registrations[0]
    assert code_from_salt(r.ticket_salt, b"another key") != ticket_code(r)


def test_database_holds_only_the_hash(app):
    registration = make_registration(make_event())
    code = issue_ticket(registration)
    db.session.commit()
    row = db.session.execute(select(Registration.__table__)).mappings().one()
    assert code not in {str(v) for v in row.values()}
    assert row["ticket_hash"] == hash_token(code)


def test_reissue_revokes_the_old_code(app):
    registration = make_registration(make_event())
    old = issue_ticket(registration)
    new = issue_ticket(registration)
    assert old != new
    assert registration.ticket_hash == hash_token(new) != hash_token(old)
    assert ticket_code(registration) == new


def test_normalize_accepts_what_scanners_and_people_type(app):
    code = issue_ticket(make_registration(make_event()))
    assert normalize_code(f" {code.lower()[:10]}-{code[10:]}\r\n") == code
    assert normalize_code(code[:-1]) is None
    assert normalize_code(code[:-1] + "1") is None  # 1 is not base32
    assert normalize_code("") is None and normalize_code(None) is None
    assert normalize_code("x" * 500) is None


def test_rows_without_a_code_get_one_on_first_use(app):
    registration = make_registration(make_event())
    registration.ticket_salt = registration.ticket_hash = None  # as the migration leaves older rows
    db.session.flush()
    assert ensure_tickets([registration]) == 1
    assert ensure_tickets([registration]) == 0
    assert registration.ticket_hash == hash_token(ticket_code(registration))
