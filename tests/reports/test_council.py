"""The council attendance record (입주기업협의회 출석부): PDF and page, figures, access."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from app.extensions import db
from app.models import AttendeeRole, CouncilProxy, EventKind, Role
from app.reports.council import council_record
from tests.factories import PASSWORD, make_checkin, make_cluster, make_company, make_event, make_registration, make_user
from tests.helpers import base_fonts, csrf_token, order_in, pdf_pages, pdf_text
from tests.query_counter import count_queries

SEOUL = ZoneInfo("Asia/Seoul")


def kst(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 12, 3, hour, minute, tzinfo=SEOUL).astimezone(dt.UTC)


@pytest.fixture
def council(app):
    dmc = make_cluster("dmc", name_ko="상암 DMC", name_en="Sangam DMC")
    guro = make_cluster("guro", name_ko="구로 G밸리", name_en="Guro G-Valley")
    c = SimpleNamespace(
        dmc=dmc,
        event=make_event(
            dmc,
            kind=EventKind.COUNCIL,
            title_ko="DMC 협의회 12월 정기회의",
            starts_at=kst(19),
            ends_at=kst(21),
            venue_name="DMC 첨단산업센터 대회의실",
        ),
        other_event=make_event(dmc, title_ko="DMC 네트워킹 나이트"),
        # Created out of order: the record lists them 가나다.
        e=make_company(dmc, name="마루전자", is_council_member=True),
        a=make_company(dmc, name="(주)가온랩", is_council_member=True),
        c=make_company(dmc, name="다솜미디어", is_council_member=True),
        b=make_company(dmc, name="나래필름", is_council_member=True),
        d=make_company(dmc, name="라온소프트", is_council_member=True),
        plain=make_company(dmc, name="바다상사"),
        retired=make_company(dmc, name="사랑건설", is_council_member=True, is_active=False),
        other=make_company(guro, name="구로정밀", is_council_member=True),
    )
    c.voter_a = make_registration(c.event, c.a, name="김가온", role=AttendeeRole.VOTER)
    c.voter_b = make_registration(c.event, c.b, name="이나래", role=AttendeeRole.VOTER)
    c.voter_e = make_registration(c.event, c.e, name="박마루", role=AttendeeRole.VOTER)
    c.observer_b = make_registration(c.event, c.b, name="최관찰", role=AttendeeRole.OBSERVER)
    make_checkin(c.voter_b, checked_in_at=kst(18, 50))
    make_checkin(c.voter_a, checked_in_at=kst(19, 5))  # with two proxies: the third, fourth, fifth votes
    make_checkin(c.observer_b, checked_in_at=kst(18, 55))
    for giver in (c.c, c.d):
        db.session.add(
            CouncilProxy(event_id=c.event.id, from_company_id=giver.id, to_company_id=c.a.id, created_at=kst(9))
        )
    c.admin = make_user(Role.ADMIN, email="admin@example.com")
    c.host_staff = make_user(Role.STAFF, clusters=[dmc], email="staff-dmc@example.com")
    c.other_staff = make_user(Role.STAFF, clusters=[guro], email="staff-guro@example.com")
    c.member = make_user(Role.MEMBER, company=c.a, email="member@gaon.example")
    db.session.commit()
    return c


def test_record_rows_and_figures(council):
    record = council_record(council.event, kst(20))
    assert [r.company for r in record.rows] == ["(주)가온랩", "나래필름", "다솜미디어", "라온소프트", "마루전자"]
    by_name = {r.company: r for r in record.rows}
    gaon = by_name["(주)가온랩"]
    assert (gaon.voter.name, gaon.present, gaon.votes, gaon.proxies_from) == (
        "김가온",
        True,
        3,
        ["다솜미디어", "라온소프트"],
    )
    assert by_name["나래필름"].observers[0].name == "최관찰"
    assert by_name["다솜미디어"].proxy_to == "(주)가온랩" and by_name["다솜미디어"].voter is None
    assert (by_name["마루전자"].present, by_name["마루전자"].votes) == (False, 0)
    q = record.quorum
    assert (q["members"], q["needed"], q["present_votes"], q["in_person"], q["by_proxy"], q["met"]) == (
        5,
        3,
        4,
        2,
        2,
        True,
    )
    assert record.reached_label == "오후 7:05"
    assert (record.present_count, record.proxy_count) == (2, 2)


def test_record_queries_are_bounded(app, council):
    # More members and voters do not add queries.
    for n in range(15):
        company = make_company(council.dmc, name=f"하늘기업{n:02d}", is_council_member=True)
        make_checkin(
            make_registration(council.event, company, name=f"대표{n:02d}", role=AttendeeRole.VOTER),
            checked_in_at=kst(19, 30),
        )
    db.session.commit()
    with count_queries(db.engine) as statements:
        record = council_record(council.event, kst(20))
    assert len(record.rows) == 20
    assert len(statements) <= 10


def test_pdf_has_names_presence_proxies_quorum_and_signatures(client, auth, council):
    auth.login(council.host_staff.email, PASSWORD)
    response = client.get(f"/staff/events/{council.event.id}/council-attendance.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    data = response.get_data()
    text = pdf_text(data)
    compact = text.replace(" ", "")
    assert "입주기업협의회출석부" in compact
    assert "DMC협의회12월정기회의" in compact and "DMC첨단산업센터대회의실" in compact
    assert "2026년12월3일(목)오후7:00" in compact
    assert order_in(text, ["가온랩", "나래필름", "다솜미디어", "라온소프트", "마루전자"])
    for name in ("김가온", "이나래", "박마루", "최관찰"):
        assert name in text
    assert "구로정밀" not in text and "사랑건설" not in text and "바다상사" not in text
    assert "재적회원사5개사" in compact and "의사정족수3표" in compact
    assert "출석의결권4표(직접2,위임2)" in compact
    assert "성원시각오후7:05" in compact
    assert "결석" in text and "위임" in text and "출석" in text
    assert "의장" in text and "간사" in text
    assert "1 / 1" in text and "출력" in text
    assert base_fonts(data) <= {"NanumSquare", "NanumSquare-Bold"}
    width, height = pdf_pages(data)[0].mediabox.width, pdf_pages(data)[0].mediabox.height
    assert round(float(width) / 72 * 25.4) == 210 and round(float(height) / 72 * 25.4) == 297


def test_html_page(client, auth, council):
    auth.login(council.admin.email, PASSWORD)
    response = client.get(f"/staff/events/{council.event.id}/council-attendance")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for text in ("김가온", "최관찰", "다솜미디어", "정족수 충족", "council-attendance.pdf"):
        assert text in html


def test_english_page_has_english_dates(client, auth, council):
    auth.login(council.admin.email, PASSWORD)
    client.post("/language", data={"locale": "en", "csrf_token": csrf_token(client, "/")})
    html = client.get(f"/staff/events/{council.event.id}/council-attendance").get_data(as_text=True)
    printed = re.search(r"Printed ([^<]+)<", html).group(1)
    assert not re.search(r"[\uac00-\ud7a3]", printed), printed  # 2026년 12월 ... was shown here
    assert re.search(r"[A-Z][a-z]{2}, [A-Z][a-z]{2} \d{1,2}, \d{4}", printed)


def test_non_council_event_is_refused(client, auth, council):
    auth.login(council.host_staff.email, PASSWORD)
    for suffix in ("", ".pdf"):
        response = client.get(f"/staff/events/{council.other_event.id}/council-attendance{suffix}")
        assert response.status_code == 400
        assert "입주기업협의회 정기회의에만" in response.get_data(as_text=True)


@pytest.mark.parametrize("suffix", ["", ".pdf"])
def test_access(client, auth, council, suffix):
    url = f"/staff/events/{council.event.id}/council-attendance{suffix}"
    response = client.get(url)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    for user, status in ((council.other_staff, 403), (council.member, 403), (council.admin, 200)):
        auth.login(user.email, PASSWORD)
        assert client.get(url).status_code == status, user.email
        auth.logout()
    auth.login(council.host_staff.email, PASSWORD)
    assert client.get(f"/staff/events/999999/council-attendance{suffix}").status_code == 404


def test_a_voter_who_left_is_present_but_brings_no_votes(council):
    from app.models import CheckIn

    db.session.query(CheckIn).filter_by(registration_id=council.voter_a.id).update({"checked_out_at": kst(20, 10)})
    db.session.commit()
    record = council_record(council.event, kst(20, 30))
    gaon = record.rows[0]
    assert gaon.present and gaon.votes == 0 and "퇴장" in gaon.status
    assert (record.quorum["present_votes"], record.quorum["met"], record.quorum["lost"]) == (1, False, True)
    assert record.reached_label == "오후 7:05"


def test_staff_registrations_page_links_the_record(client, auth, council):
    auth.login(council.host_staff.email, PASSWORD)
    html = client.get(f"/staff/events/{council.event.id}/registrations").get_data(as_text=True)
    assert f"/staff/events/{council.event.id}/council-attendance" in html
    assert f"/staff/events/{council.event.id}/certificates.pdf" in html
    html = client.get(f"/staff/events/{council.other_event.id}/registrations").get_data(as_text=True)
    assert "council-attendance" not in html
