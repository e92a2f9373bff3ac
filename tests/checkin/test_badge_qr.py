"""QR round trip: every badge printed carries exactly its registration's ticket code, readable by a scanner."""

from __future__ import annotations

import pytest
import qrcode
from qrcode.constants import ERROR_CORRECT_M

from app.checkin import badges
from app.events.tickets import issue_ticket, ticket_code
from app.extensions import db
from app.qr import qr_matrix, qr_placeholder, with_qr_images
from app.tokens import hash_token
from tests.factories import make_cluster, make_company, make_event, make_registration
from tests.helpers import decode_qr_codes, pdf_pages


@pytest.fixture
def twenty(app):
    cluster = make_cluster("dmc")
    event = make_event(cluster, title_ko="QR 왕복 시험 행사", capacity=50)
    companies = [make_company(cluster) for _ in range(5)]
    regs = [
        make_registration(
            event,
            companies[i % 5] if i % 7 else None,
            name=f"참가자{i:02d}",
            guest_company_name=None if i % 7 else "게스트기업",
        )
        for i in range(20)
    ]
    db.session.commit()
    return event, regs


@pytest.mark.parametrize("layout, pages", [("a6", 5), ("insert", 3)])
def test_every_qr_decodes_to_exactly_the_registrations_codes(app, twenty, layout, pages):
    event, regs = twenty
    with app.test_request_context():
        selected = badges.select_badges(event, badges.BadgeOptions(layout=layout))
        data = badges.badge_pdf(event, selected, layout)
        expected = {ticket_code(r) for r in regs}
    assert len(pdf_pages(data)) == pages
    found = decode_qr_codes(data, scale=3)
    decoded = [r.text for r in found]
    print(f"{layout}: decoded {len(decoded)} QR codes on {pages} pages")
    assert len(decoded) == 20
    assert set(decoded) == expected
    for result in found:
        assert int(result.extra["Version"]) <= 3
        assert result.ec_level == "M"


def test_the_code_fits_a_small_alphanumeric_symbol(app, twenty):
    _event, regs = twenty
    for reg in regs[:5]:
        code = ticket_code(reg)
        version, matrix = qr_matrix(code)
        assert version == 2
        assert len(matrix) == 25 + 2 * 4  # version 2 is 25 modules, plus the quiet zone
        symbol = qrcode.QRCode(error_correction=ERROR_CORRECT_M)
        symbol.add_data(code)
        assert symbol.data_list[0].mode == qrcode.util.MODE_ALPHA_NUM


def test_placeholders_become_the_same_images():
    code = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    html = f'<img src="{qr_placeholder(code)}"><img src="{qr_placeholder("234567ABCDEFGHIJKLMNOPQRST")}">'
    filled = with_qr_images(html)
    assert "moim-qr:" not in filled
    assert filled.count("data:image/png;base64,") == 2


def test_a_reissued_ticket_prints_the_new_code_and_the_old_one_no_longer_matches(app, twenty):
    _event, regs = twenty
    reg = regs[3]
    with app.test_request_context():
        old = ticket_code(reg)
        old_badge = badges.single_badge_pdf(reg)
        new = issue_ticket(reg)
        db.session.commit()
        new_badge = badges.single_badge_pdf(reg)
    assert new != old
    assert [r.text for r in decode_qr_codes(old_badge)] == [old]
    assert [r.text for r in decode_qr_codes(new_badge)] == [new]
    assert reg.ticket_hash == hash_token(new) != hash_token(old)
    with app.test_request_context():
        assert ticket_code(reg) == new


@pytest.mark.parametrize("layout", ["a6", "insert"])
def test_every_qr_is_at_least_20_mm_wide_on_paper(app, twenty, layout):
    """Measured on the rendered page: the decoder's corner points, at 3 pixels per PDF point."""
    event, _regs = twenty
    with app.test_request_context():
        data = badges.badge_pdf(event, badges.select_badges(event, badges.BadgeOptions(layout=layout)), layout)
    found = decode_qr_codes(data, scale=3)
    assert len(found) == 20
    mm_per_pixel = 25.4 / 72 / 3
    for result in found:
        p = result.position
        width_px = ((p.top_right.x - p.top_left.x) ** 2 + (p.top_right.y - p.top_left.y) ** 2) ** 0.5
        # Corner to corner of the symbol without its quiet zone (a lower bound of the printed size).
        width_mm = width_px * mm_per_pixel
        assert width_mm >= 20, f"{layout}: QR is {width_mm:.1f} mm wide"
