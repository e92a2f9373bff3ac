"""Event attendance: figures, the attendance report and sign-in sheet PDFs, CSV/XLSX exports, access, queries, CLI."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook

from app.extensions import db
from app.models import AttendeeRole, Role, utcnow
from app.reports import attendance
from tests.conftest import AuthActions
from tests.factories import PASSWORD, make_checkin, make_cluster, make_company, make_event, make_registration, make_user
from tests.helpers import base_fonts, order_in, pdf_pages, pdf_text
from tests.query_counter import count_queries

# 2025-12-04 19:00 KST: a past event, so people who did not come are no-shows.
STARTS = dt.datetime(2025, 12, 4, 10, 0, tzinfo=dt.UTC)


def kst(hour: int, minute: int) -> dt.datetime:
    """A Seoul wall-clock time on the event day, as the UTC instant it is stored as."""
    return dt.datetime(2025, 12, 4, hour - 9, minute, tzinfo=dt.UTC)


class World:
    pass


@pytest.fixture
def world(app):
    w = World()
    w.dmc = make_cluster("dmc", name_ko="상암 DMC", name_en="Sangam DMC")
    w.magok = make_cluster("magok", name_ko="마곡 R&D", name_en="Magok R&D")
    daon = make_company(w.dmc, name="(주)다온미디어")  # sorts under ㄷ
    garam = make_company(w.magok, name="가람테크")
    narae = make_company(w.dmc, name="주식회사 나래콘텐츠")  # sorts under ㄴ
    w.event = make_event(
        w.dmc,
        title_ko="DMC 입주기업 네트워킹 나이트",
        starts_at=STARTS,
        ends_at=STARTS + dt.timedelta(hours=3),
        capacity=50,
    )
    w.member = make_user(Role.MEMBER, company=daon, email="member@daon.example")
    w.regs = {}

    def reg(name, company, **kw):
        w.regs[name] = make_registration(w.event, company, name=name, **kw)
        return w.regs[name]

    make_checkin(
        reg("박서연", daon, role=AttendeeRole.VOTER, mobile="010-1111-2222", email="seoyeon@daon.example"),
        checked_in_at=kst(18, 52),
        checked_out_at=kst(21, 5),
        gate="정문",
    )
    reg("강민준", daon)  # no-show
    make_checkin(reg("최지우", garam, role=AttendeeRole.SPEAKER), checked_in_at=kst(18, 41), method="manual")
    make_checkin(reg("이하은", garam, email="=cmd@evil.example"), checked_in_at=kst(19, 3), method="walkin")
    reg("정도윤", narae)  # no-show
    make_checkin(reg("오지호", None, guest_company_name="(주)바른솔루션"), checked_in_at=kst(19, 10))
    from app.models import RegistrationStatus

    reg("서대기", daon, status=RegistrationStatus.WAITLISTED)
    make_checkin(reg("임취소", daon, status=RegistrationStatus.CANCELLED), checked_in_at=kst(18, 30))
    w.admin = make_user(Role.ADMIN, email="admin@example.com")
    w.host_staff = make_user(Role.STAFF, clusters=[w.dmc], email="staff-dmc@example.com")
    w.other_staff = make_user(Role.STAFF, clusters=[w.magok], email="staff-magok@example.com")
    w.other_member = make_user(Role.MEMBER, company=garam, email="member@garam.example")
    db.session.commit()
    return w


# Companies in 가나다 order (legal forms ignored), the guest firm after the directory companies.
COMPANY_ORDER = ["가람테크", "주식회사 나래콘텐츠", "(주)다온미디어", "(주)바른솔루션"]
PEOPLE_ORDER = ["이하은", "최지우", "정도윤", "강민준", "박서연", "오지호"]


def _url(world, suffix):
    return f"/staff/events/{world.event.id}/{suffix}"


# --- figures ---------------------------------------------------------------------------------


def test_figures(world):
    rows = attendance.attendance_rows(world.event)
    assert [r.name for r in rows] == PEOPLE_ORDER  # confirmed only: waitlisted and cancelled left out
    summary = attendance.attendance_summary(rows)
    total = summary.total
    assert (total.confirmed, total.attended, total.no_shows, total.walkins) == (6, 4, 2, 1)
    assert total.no_show_rate == pytest.approx(2 / 6)
    assert total.no_show_percent == "33.3%"
    clusters = {c.label: (c.attended, c.confirmed, c.walkins) for c in summary.by_cluster}
    assert clusters == {"상암 DMC": (1, 3, 0), "마곡 R&D": (2, 2, 1), "외부 기업 (게스트)": (1, 1, 0)}
    assert [c.label for c in summary.by_cluster] == ["상암 DMC", "마곡 R&D", "외부 기업 (게스트)"]
    companies = [(b.tally.label, b.tally.attended, b.tally.confirmed) for b in summary.by_company]
    assert companies == [
        ("가람테크", 2, 2),
        ("주식회사 나래콘텐츠", 0, 1),
        ("(주)다온미디어", 1, 2),
        ("(주)바른솔루션", 1, 1),
    ]
    assert attendance.attendance_counts(world.event).__dict__ == total.__dict__ | {"label": total.label}


def test_no_show_rate_without_confirmed(app):
    event = make_event(make_cluster())
    total = attendance.attendance_summary(attendance.attendance_rows(event)).total
    assert total.no_show_rate is None and total.no_show_percent == "—"


# --- the attendance report PDF ----------------------------------------------------------------


def test_attendance_report_pdf(world, client, auth):
    auth.login("staff-dmc@example.com", PASSWORD)
    response = client.get(_url(world, "attendance.pdf"))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "filename*=UTF-8''2025-12-04_DMC" in response.headers["Content-Disposition"]
    data = response.get_data()
    text = pdf_text(data)
    assert "DMC 입주기업 네트워킹 나이트" in text
    assert "2025년 12월 4일 (목) 오후 7:00" in text  # start in KST
    assert "DMC 첨단산업센터" in text and "상암 DMC" in text and "네트워킹 나이트" in text
    assert order_in(text, COMPANY_ORDER) == COMPANY_ORDER
    assert order_in(text, PEOPLE_ORDER) == PEOPLE_ORDER
    assert "서대기" not in text and "임취소" not in text
    # Check-in and check-out times in Seoul time (stored as UTC 09:52 and 12:05).
    line = next(row for row in text.splitlines() if "박서연" in row)
    assert "18:52" in line and "21:05" in line
    assert "19:03" in next(row for row in text.splitlines() if "이하은" in row)
    assert "미출석" in next(row for row in text.splitlines() if "강민준" in row)
    assert "33.3%" in text and "출석 2 / 확정 2" in text
    pages = len(pdf_pages(data))
    for number in range(1, pages + 1):
        assert f"{number} / {pages} 쪽" in pdf_pages(data)[number - 1].extract_text()
    assert re.search(r"생성: \d{4}-\d\d-\d\d \d\d:\d\d \(KST\)", text)
    assert base_fonts(data) and all(f.startswith("NanumSquare") for f in base_fonts(data))


def test_report_page_numbers_over_many_pages(app, client, auth):
    cluster = make_cluster()
    event = make_event(cluster, capacity=500)
    for i in range(60):
        company = make_company(cluster, name=f"기업{i:02d}")
        for j in range(3):
            make_checkin(make_registration(event, company, name=f"사람{i:02d}{j}"))
    make_user(Role.STAFF, clusters=[cluster], email="s@example.com")
    db.session.commit()
    auth.login("s@example.com", PASSWORD)
    data = client.get(f"/staff/events/{event.id}/attendance.pdf").get_data()
    pages = pdf_pages(data)
    assert len(pages) >= 3
    assert f"3 / {len(pages)} 쪽" in pages[2].extract_text()
    assert f"{len(pages)} / {len(pages)} 쪽" in pages[-1].extract_text()


# --- the sign-in sheet --------------------------------------------------------------------------


def test_sign_in_sheet(world, client, auth):
    auth.login("admin@example.com", PASSWORD)
    response = client.get(_url(world, "sign-in-sheet.pdf"))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    data = response.get_data()
    text = pdf_text(data)
    assert "DMC 입주기업 네트워킹 나이트" in text and "2025년 12월 4일 (목)" in text
    assert order_in(text, COMPANY_ORDER) == COMPANY_ORDER
    assert order_in(text, PEOPLE_ORDER) == PEOPLE_ORDER
    assert "서명" in text and "의결권 대표" in text and "연사" in text and "게스트" in text
    assert "서대기" not in text and "임취소" not in text
    # 6 people numbered 1-6, then 15 blank rows numbered 7-21 under the walk-in heading.
    walkins = text[text.index("현장 등록 (명단에 없는 참석자)") :]
    numbers = [int(n) for n in re.findall(r"^\s*(\d+)\s*$", walkins, re.M)]
    assert numbers == list(range(7, 22))
    pages = len(pdf_pages(data))
    assert f"1 / {pages} 쪽" in pdf_pages(data)[0].extract_text()
    assert all(f.startswith("NanumSquare") for f in base_fonts(data))


# --- exports ------------------------------------------------------------------------------------


def test_attendance_csv(world, client, auth):
    auth.login("staff-dmc@example.com", PASSWORD)
    response = client.get(_url(world, "attendance.csv"))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    assert ".csv" in response.headers["Content-Disposition"]
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0].split(",")[:4] == ["기업명", "클러스터", "이름", "구분"]
    assert [line.split(",")[2] for line in lines[1:]] == PEOPLE_ORDER
    seoyeon = lines[1 + PEOPLE_ORDER.index("박서연")].split(",")
    assert seoyeon == [
        "(주)다온미디어",
        "상암 DMC",
        "박서연",
        "의결권 대표",
        "seoyeon@daon.example",
        "010-1111-2222",
        "확정",
        "예",
        "2025-12-04 18:52",
        "2025-12-04 21:05",
        "정문",
        "QR",
    ]
    haeun = lines[1 + PEOPLE_ORDER.index("이하은")].split(",")
    assert haeun[4] == "'=cmd@evil.example"  # formula-safe
    assert haeun[-1] == "현장 등록"
    minjun = lines[1 + PEOPLE_ORDER.index("강민준")].split(",")
    assert minjun[7:] == ["아니오", "", "", "", ""]
    assert lines[1 + PEOPLE_ORDER.index("오지호")].split(",")[:2] == ["(주)바른솔루션", "외부 기업 (게스트)"]


def test_attendance_xlsx(world, client, auth):
    auth.login("admin@example.com", PASSWORD)
    response = client.get(_url(world, "attendance.xlsx"))
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert ".xlsx" in response.headers["Content-Disposition"]
    ws = load_workbook(io.BytesIO(response.get_data())).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("기업명", "클러스터", "이름") and ws["A1"].font.bold
    assert [r[2] for r in rows[1:]] == PEOPLE_ORDER
    seoyeon = rows[1 + PEOPLE_ORDER.index("박서연")]
    assert seoyeon[7] == "예"
    assert seoyeon[8] == dt.datetime(2025, 12, 4, 18, 52)  # a real date-time, Seoul wall clock
    assert seoyeon[9] == dt.datetime(2025, 12, 4, 21, 5)
    assert rows[1 + PEOPLE_ORDER.index("이하은")][4] == "'=cmd@evil.example"
    assert rows[1 + PEOPLE_ORDER.index("강민준")][7:10] == ("아니오", None, None)


# --- the reports page ---------------------------------------------------------------------------


def test_report_made_before_the_end_counts_nobody_as_a_no_show(world, client, auth):
    """An event under way: people who have not come yet are 미도착, not 미출석, and no rate."""
    world.event.ends_at = utcnow() + dt.timedelta(hours=1)
    world.event.starts_at = utcnow() - dt.timedelta(hours=1)
    db.session.commit()
    auth.login("staff-dmc@example.com", PASSWORD)
    text = pdf_text(client.get(_url(world, "attendance.pdf")).get_data())
    assert "진행 중" in text and "미도착 2명" in text
    assert "33.3%" not in text and "불참률 (불참" not in text
    assert "미도착" in next(row for row in text.splitlines() if "강민준" in row)
    assert "미출석" not in text
    html = client.get(_url(world, "reports")).get_data(as_text=True)
    assert "진행 중" in html and "33.3%" not in html and "미도착 2명" in html


def test_report_of_an_upcoming_event_says_so(world, client, auth):
    world.event.starts_at = utcnow() + dt.timedelta(days=1)
    world.event.ends_at = world.event.starts_at + dt.timedelta(hours=3)
    db.session.commit()
    auth.login("staff-dmc@example.com", PASSWORD)
    text = pdf_text(client.get(_url(world, "attendance.pdf")).get_data())
    assert "진행 전" in text and "33.3%" not in text


def test_reports_page_and_link(world, client, auth):
    auth.login("staff-dmc@example.com", PASSWORD)
    html = client.get(_url(world, "reports")).get_data(as_text=True)
    for suffix in ("attendance.pdf", "sign-in-sheet.pdf", "attendance.csv", "attendance.xlsx"):
        assert _url(world, suffix) in html
    assert "33.3%" in html and "6명" in html and "4명" in html
    registrations = client.get(f"/staff/events/{world.event.id}/registrations").get_data(as_text=True)
    assert _url(world, "reports") in registrations


# --- access -------------------------------------------------------------------------------------

PATHS = ["reports", "attendance.pdf", "sign-in-sheet.pdf", "attendance.csv", "attendance.xlsx"]


@pytest.mark.parametrize("suffix", PATHS)
def test_access(world, app, suffix):
    expected = {
        "admin@example.com": 200,
        "staff-dmc@example.com": 200,
        "staff-magok@example.com": 403,
        "member@daon.example": 403,
        "member@garam.example": 403,
    }
    for email, status in expected.items():
        client = app.test_client()
        AuthActions(client).login(email, PASSWORD)
        assert client.get(_url(world, suffix)).status_code == status, email
    anonymous = app.test_client().get(_url(world, suffix))
    assert anonymous.status_code == 302 and "/auth/login" in anonymous.headers["Location"]


def test_unknown_event_is_404(world, client, auth):
    auth.login("admin@example.com", PASSWORD)
    for suffix in PATHS:
        assert client.get(f"/staff/events/999999/{suffix}").status_code == 404


# --- queries do not grow with attendees ---------------------------------------------------------


def _event_with(n: int):
    cluster = make_cluster()
    event = make_event(cluster, capacity=max(n, 1))
    companies = [make_company(cluster) for _ in range(max(1, n // 4))]
    for i in range(n):
        company = None if i % 7 == 6 else companies[i % len(companies)]
        registration = make_registration(event, company, guest_company_name="외부" if company is None else None)
        if i % 3:
            make_checkin(registration, checked_in_at=kst(19, i % 60))
    return event


def test_query_count_does_not_grow(app, client, auth):
    small, large = _event_with(5), _event_with(100)
    make_user(Role.ADMIN, email="a@example.com")
    db.session.commit()
    auth.login("a@example.com", PASSWORD)
    counts = {}
    for suffix in ("attendance.csv", "attendance.xlsx", "reports", "sign-in-sheet.pdf"):
        for event in (small, large):
            with count_queries(db.engine) as statements:
                assert client.get(f"/staff/events/{event.id}/{suffix}").status_code == 200
            counts[(suffix, event.id)] = len(statements)
        assert counts[(suffix, small.id)] == counts[(suffix, large.id)], suffix


def test_attendance_pdf_query_count(app, client, auth):
    small, large = _event_with(5), _event_with(100)
    make_user(Role.ADMIN, email="a@example.com")
    db.session.commit()
    auth.login("a@example.com", PASSWORD)
    counts = []
    for event in (small, large):
        with count_queries(db.engine) as statements:
            assert client.get(f"/staff/events/{event.id}/attendance.pdf").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1] <= 6


# --- CLI ----------------------------------------------------------------------------------------


def test_cli_writes_report(world, runner, tmp_path):
    out = tmp_path / "report.pdf"
    result = runner.invoke(args=["attendance-report", str(world.event.id), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "confirmed 6, attended 4, no-show rate 33.3%, walk-ins 1" in result.output
    text = pdf_text(out.read_bytes())
    assert order_in(text, COMPANY_ORDER) == COMPANY_ORDER and "18:52" in text
    sheet = tmp_path / "sheet.pdf"
    result = runner.invoke(args=["attendance-report", str(world.event.id), "-o", str(sheet), "--sign-in-sheet"])
    assert result.exit_code == 0, result.output
    assert "현장 등록 (명단에 없는 참석자)" in pdf_text(sheet.read_bytes())


def test_cli_unknown_event(app, runner, tmp_path):
    result = runner.invoke(args=["attendance-report", "424242", "-o", str(tmp_path / "x.pdf")])
    assert result.exit_code != 0 and "424242" in result.output
