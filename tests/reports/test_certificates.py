"""Certificates of attendance (참가확인서): PDF contents, QR, verification, revocation, access."""

from __future__ import annotations

import hashlib

import pytest

from app.extensions import db
from app.models import CheckIn, Role
from app.reports.certificates import certificate_code, mask_name, normalize_code
from tests.factories import PASSWORD, make_checkin, make_cluster, make_company, make_event, make_registration, make_user
from tests.helpers import base_fonts, decode_qr_codes, pdf_pages, pdf_text

GUEST_TOKEN = "guest-manage-token-for-certificate-tests-0123"


class World:
    pass


@pytest.fixture
def world(app):
    w = World()
    w.dmc = make_cluster("dmc", name_ko="상암 DMC", name_en="Sangam DMC")
    w.magok = make_cluster("magok", name_ko="마곡 R&D", name_en="Magok R&D")
    w.daon = make_company(w.dmc, name="(주)다온미디어")
    w.garam = make_company(w.dmc, name="가람테크")
    w.event = make_event(w.dmc, title_ko="DMC 입주기업 네트워킹 나이트", venue_name="DMC 첨단산업센터")
    w.member = make_user(Role.MEMBER, company=w.daon, name="박서연", email="seoyeon@daon.example")
    w.other_member = make_user(Role.MEMBER, company=w.garam, email="other@garam.example")
    w.registrant = make_user(Role.MEMBER, company=make_company(w.magok, name="마곡기업"), email="reg@magok.example")
    w.kim = make_registration(w.event, w.daon, name="김민수", registered_by=w.member)
    w.lee = make_registration(w.event, w.garam, name="이하은", registered_by=w.registrant)
    w.absent = make_registration(w.event, w.daon, name="정불참")
    w.guest = make_registration(w.event, None, name="오지호", guest_company_name="(주)바른솔루션")
    w.guest.manage_token_hash = hashlib.sha256(GUEST_TOKEN.encode()).hexdigest()
    for r in (w.kim, w.lee, w.guest):
        make_checkin(r)
    w.admin = make_user(Role.ADMIN, email="admin@example.com")
    w.host_staff = make_user(Role.STAFF, clusters=[w.dmc], email="staff-dmc@example.com")
    w.other_staff = make_user(Role.STAFF, clusters=[w.magok], email="staff-magok@example.com")
    db.session.commit()
    return w


def code_of(registration) -> str:
    checkin = db.session.query(CheckIn).filter_by(registration_id=registration.id).one()
    return certificate_code(registration, checkin)


def test_certificate_pdf_contents_code_url_qr_and_font(client, auth, world):
    auth.login(world.member.email, PASSWORD)
    response = client.get(f"/registrations/{world.kim.id}/certificate.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    data = response.get_data()
    assert len(pdf_pages(data)) == 1
    text = pdf_text(data)
    compact = "".join(text.split())
    code = code_of(world.kim)
    url = f"http://localhost/certificates/verify/{code}"
    for expected in (
        "참가확인서",
        "김민수",
        "(주)다온미디어",
        "DMC입주기업네트워킹나이트",
        "DMC첨단산업센터",
        "상암DMC",
        "위사람은",
        "참가하였음을확인합니다",
        "서울산업클러스터상암DMC클러스터팀",
        f"MOIM-{world.event.starts_at.year}-{world.kim.id:06d}",
        code,
        url,
    ):
        assert expected in compact, expected
    assert base_fonts(data) <= {"NanumSquare", "NanumSquare-Bold"}
    assert [r.text for r in decode_qr_codes(data)] == [url]
    # The URL the QR code carries says the certificate is genuine.
    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "정상 발급된 참가확인서입니다" in html and "김*수" in html and "김민수" not in html
    assert "(주)다온미디어" in html and "DMC 입주기업 네트워킹 나이트" in html


def test_verify_form_accepts_typed_codes(client, world):
    code = code_of(world.lee)
    typed = code.lower().replace("-", " - ", 1)
    response = client.get("/certificates/verify", query_string={"code": typed})
    assert response.status_code == 200 and "이*은" in response.get_data(as_text=True)
    assert client.get("/certificates/verify").status_code == 200


@pytest.mark.parametrize(
    "raw", ["garbage", "1-AAAA", "99999-" + "A" * 26, "%00", "x" * 500, "-" * 40, "１-" + "A" * 26]
)
def test_unknown_or_garbled_codes_are_not_genuine(client, world, raw):
    for response in (
        client.get(f"/certificates/verify/{raw}"),
        client.get("/certificates/verify", query_string={"code": raw}),
    ):
        assert response.status_code in (404, 400), raw
        if response.status_code == 404:
            assert "유효하지 않은 참가확인서입니다" in response.get_data(as_text=True)


def test_a_forged_tag_for_a_real_registration_is_not_genuine(client, world):
    code = code_of(world.kim)
    forged = code[:-1] + ("A" if code[-1] != "A" else "B")
    assert client.get(f"/certificates/verify/{forged}").status_code == 404


def test_undone_check_in_revokes_the_certificate(client, auth, world):
    code = code_of(world.kim)
    assert client.get(f"/certificates/verify/{code}").status_code == 200
    db.session.query(CheckIn).filter_by(registration_id=world.kim.id).delete()  # as the door's undo does
    db.session.commit()
    assert client.get(f"/certificates/verify/{code}").status_code == 404
    auth.login(world.member.email, PASSWORD)
    assert client.get(f"/registrations/{world.kim.id}/certificate.pdf").status_code == 404
    # Checked in again later: a new certificate, the old paper stays dead.
    db.session.rollback()
    make_checkin(world.kim)
    db.session.commit()
    assert client.get(f"/certificates/verify/{code}").status_code == 404
    assert client.get(f"/certificates/verify/{code_of(world.kim)}").status_code == 200


def test_attendee_access(client, auth, world):
    url = f"/registrations/{world.kim.id}/certificate.pdf"
    response = client.get(url)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    for user, status in (
        (world.other_member, 403),
        (world.other_staff, 403),
        (world.member, 200),
        (world.host_staff, 200),
        (world.admin, 200),
    ):
        auth.login(user.email, PASSWORD)
        assert client.get(url).status_code == status, user.email
        auth.logout()
    # The person who registered it, from another company.
    auth.login(world.registrant.email, PASSWORD)
    assert client.get(f"/registrations/{world.lee.id}/certificate.pdf").status_code == 200
    auth.logout()
    auth.login(world.member.email, PASSWORD)
    assert client.get(f"/registrations/{world.absent.id}/certificate.pdf").status_code == 404  # not checked in
    assert client.get("/registrations/999999/certificate.pdf").status_code == 404


def test_guest_certificate_by_manage_link(client, world):
    response = client.get(f"/registrations/manage/{GUEST_TOKEN}/certificate.pdf")
    assert response.status_code == 200
    text = "".join(pdf_text(response.get_data()).split())
    assert "오지호" in text and "(주)바른솔루션" in text
    assert client.get("/registrations/manage/not-a-real-token-000000000000/certificate.pdf").status_code == 404
    db.session.query(CheckIn).filter_by(registration_id=world.guest.id).delete()
    db.session.commit()
    assert client.get(f"/registrations/manage/{GUEST_TOKEN}/certificate.pdf").status_code == 404


def test_staff_batch_one_page_each_and_company_filter(client, auth, world):
    url = f"/staff/events/{world.event.id}/certificates.pdf"
    response = client.get(url)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    for user in (world.other_staff, world.member):
        auth.login(user.email, PASSWORD)
        assert client.get(url).status_code == 403
        auth.logout()
    auth.login(world.host_staff.email, PASSWORD)
    data = client.get(url).get_data()
    pages = pdf_pages(data)
    assert len(pages) == 3
    texts = ["".join(p.extract_text().split()) for p in pages]
    # 가나다 by company, guests after tenants.
    assert ["가람테크" in texts[0], "김민수" in texts[1], "오지호" in texts[2]] == [True, True, True]
    assert not any("정불참" in t for t in texts)
    assert len(decode_qr_codes(data)) == 3
    only = client.get(url, query_string={"company_id": world.daon.id})
    assert len(pdf_pages(only.get_data())) == 1
    assert client.get(url, query_string={"company_id": "abc"}).status_code == 400
    assert client.get(url, query_string={"company_id": world.other_member.company_id + 1000}).status_code == 404
    assert client.get("/staff/events/999999/certificates.pdf").status_code == 404


def test_links_on_attendee_pages_only_when_checked_in(client, auth, world):
    auth.login(world.member.email, PASSWORD)
    html = client.get(f"/events/{world.event.id}").get_data(as_text=True)
    assert f"/registrations/{world.kim.id}/certificate.pdf" in html
    assert f"/registrations/{world.absent.id}/certificate.pdf" not in html
    auth.logout()
    html = client.get(f"/registrations/manage/{GUEST_TOKEN}").get_data(as_text=True)
    assert "certificate.pdf" in html


def test_code_helpers():
    assert normalize_code(" 12 - abcd efgh ijkl mnop qrst uvwx yz ".replace(" ", "")) == "12-ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    assert normalize_code("12-ABCD") is None and normalize_code(None) is None
    assert [mask_name(n) for n in ("김민수", "이솔", "김", "남궁민수")] == ["김*수", "이*", "김", "남**수"]


def test_verification_pages_are_rate_limited_per_address(app, client, world):
    app.config["CERTIFICATE_VERIFY_RATE_LIMIT"] = "3 per minute"
    code = code_of(world.lee)
    statuses = [client.get(f"/certificates/verify/{code}").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    # Another address is not affected.
    other = client.get(f"/certificates/verify/{code}", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 200
