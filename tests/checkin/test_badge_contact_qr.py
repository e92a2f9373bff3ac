"""The badge's second QR on events with networking (명함 교환): both symbols decode from the rendered
PDF, the contact QR is small but readable, the door QR keeps its size, and the door refuses the
contact code as unknown, so a badge scanned for contacts can never admit anyone."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.checkin import badges
from app.events.tickets import CONTACT_PREFIX, contact_code, ticket_code
from app.extensions import db
from app.models import CheckIn
from app.qr import qr_matrix
from tests.factories import make_cluster, make_company, make_event, make_registration
from tests.helpers import decode_qr_codes, pdf_text

MM_PER_PIXEL = 25.4 / 72 / 3  # decoded at 3 pixels per PDF point


def width_mm(result) -> float:
    """Corner to corner of the symbol without its quiet zone, as the decoder found it."""
    p = result.position
    return ((p.top_right.x - p.top_left.x) ** 2 + (p.top_right.y - p.top_left.y) ** 2) ** 0.5 * MM_PER_PIXEL


@pytest.fixture
def night(app):
    cluster = make_cluster("dmc")
    event = make_event(cluster, title_ko="두 QR 시험 행사", capacity=50, networking_enabled=True)
    companies = [make_company(cluster) for _ in range(3)]
    regs = [
        make_registration(
            event,
            companies[i % 3] if i % 5 else None,
            name=f"참가자{i:02d}",
            guest_company_name=None if i % 5 else "게스트기업",
        )
        for i in range(10)
    ]
    db.session.commit()
    return event, regs


@pytest.mark.parametrize("layout, pages", [("a6", 3), ("insert", 2)])
def test_every_badge_carries_both_codes_and_both_decode(app, night, layout, pages):
    event, regs = night
    with app.test_request_context():
        data = badges.badge_pdf(event, badges.select_badges(event, badges.BadgeOptions(layout=layout)), layout)
        tickets = {ticket_code(r) for r in regs}
        contacts = {contact_code(r) for r in regs}
    found = decode_qr_codes(data, scale=3)
    door = [r for r in found if not r.text.startswith(CONTACT_PREFIX)]
    contact = [r for r in found if r.text.startswith(CONTACT_PREFIX)]
    assert {r.text for r in door} == tickets and len(door) == 10
    assert {r.text for r in contact} == contacts and len(contact) == 10
    assert pdf_text(data).count("명함 교환") == 10
    for result in found:
        assert result.ec_level == "M"
    assert {int(r.extra["Version"]) for r in door} == {2}
    assert {int(r.extra["Version"]) for r in contact} <= {2, 3}
    door_mm = [width_mm(r) for r in door]
    contact_mm = [width_mm(r) for r in contact]
    print(
        f"{layout}: door QR {min(door_mm):.1f}-{max(door_mm):.1f} mm, "
        f"contact QR {min(contact_mm):.1f}-{max(contact_mm):.1f} mm"
    )
    assert min(door_mm) >= 20, "the door QR keeps its printed size"
    assert max(contact_mm) < min(door_mm), "the contact QR is the smaller one"
    assert min(contact_mm) >= 14, "a phone still reads it from a hand's length"


def test_the_single_badge_carries_both_codes(app, night):
    _event, regs = night
    with app.test_request_context():
        data = badges.single_badge_pdf(regs[1])
        expected = {ticket_code(regs[1]), contact_code(regs[1])}
    assert {r.text for r in decode_qr_codes(data, scale=3)} == expected


def test_without_networking_the_badge_has_only_the_door_qr(app, night):
    event, regs = night
    event.networking_enabled = False
    db.session.commit()
    with app.test_request_context():
        data = badges.badge_pdf(event, badges.select_badges(event, badges.BadgeOptions()), "a6")
        tickets = {ticket_code(r) for r in regs}
    assert {r.text for r in decode_qr_codes(data, scale=3)} == tickets
    assert "명함 교환" not in pdf_text(data)


def test_the_contact_code_is_a_small_alphanumeric_symbol(app, night):
    _event, regs = night
    for reg in regs[:5]:
        code = contact_code(reg)
        assert code.startswith("MOIMC:") and len(code) == 32
        version, _matrix = qr_matrix(code)
        assert version == 2


def test_the_door_answers_a_contact_code_as_unknown_and_admits_nobody(device_scanner, door):
    registration = door.confirmed
    code = contact_code(registration)
    for scanned in (code, code.lower(), code[len(CONTACT_PREFIX) :]):  # also the bare 26 characters
        answer = device_scanner.scan(scanned)
        assert answer.status_code == 200
        body = answer.get_json()
        assert body["result"] == "unknown_code"
        assert "attendee" not in body or not body["attendee"]
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 0


def test_a_staff_scanner_also_refuses_a_contact_code(staff_scanner, door):
    answer = staff_scanner.scan(contact_code(door.voter)).get_json()
    assert answer["result"] == "unknown_code"
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 0
