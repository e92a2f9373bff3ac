"""The staff pages' layout in a real browser (Debian's Chromium through Playwright, the app on a live
server): at 390 px and at 1280 px the wide tables stay readable (dates on one line, no page-wide
sideways scroll outside the table's own scroll box), the navigation folds behind a menu button on a
phone, and the search button is a button, not a pill over the filters."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from types import SimpleNamespace

import pytest

from app.extensions import db
from app.models import AttendeeRole, CompanyImport, CouncilProxy, EventKind, RegistrationStatus, Role, ScanLog, utcnow
from tests.checkin.browser_helpers import (
    REPO,
    chromium,
    collect_page_errors,
    expect,
    font_env,
    live_server,
    needs_chromium,
    playwright,
    sign_in,
)
from tests.factories import (
    PASSWORD,
    make_checkin,
    make_cluster,
    make_company,
    make_event,
    make_registration,
    make_user,
    valid_brn,
)

SCREENSHOTS = REPO / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}

pytestmark = needs_chromium


# --- data ----------------------------------------------------------------------------------------


@pytest.fixture
def office(app):
    """A staff member of two clusters, a networking night and a council meeting with realistic rows:
    long Korean company names, job titles, e-mail addresses, every registration state, scans of every
    kind and a company with an attendance history."""
    dmc = make_cluster("dmc", name_ko="상암 디지털미디어시티(DMC)", name_en="Sangam DMC")
    guro = make_cluster("guro", name_ko="구로 G밸리", name_en="Guro G-Valley")
    staff = make_user(Role.STAFF, clusters=[dmc, guro], email="cluster-team@example.com", name="김운영")
    names = [
        "(주)상암디지털미디어콘텐츠",
        "한빛소프트웨어연구소",
        "마포크리에이티브스튜디오",
        "누리빅데이터솔루션",
        "(주)가온인공지능랩",
    ]
    companies = [
        make_company(
            dmc,
            name=name,
            name_en=f"Sangam Company {i}",
            is_council_member=True,
            industry="디지털 콘텐츠 제작",
            contact_name="박담당",
            brn=valid_brn(),
        )
        for i, name in enumerate(names)
    ]
    make_company(guro, name="구로정밀기계산업", industry="정밀 기계 제조")
    night = make_event(dmc, title_ko="DMC 입주기업 네트워킹 나이트 12월", capacity=6)
    people = [
        ("김민수", "대표이사"),
        ("이서연", "선임연구원"),
        ("박지훈", "마케팅팀장"),
        ("최유진", "사업개발 매니저"),
        ("정하늘", "기술이사"),
        ("강다은", "연구원"),
    ]
    registrations = []
    for i, (name, title) in enumerate(people):
        registrations.append(
            make_registration(
                night,
                companies[i % len(companies)],
                name=name,
                job_title=title,
                mobile=f"010-{1234 + i}-56{i:02d}",
                email=f"member{i + 1}@{['sangamdmc', 'hanbitsw', 'mapo-creative', 'nuridata', 'gaonai'][i % 5]}.co.kr",
                consent_version="2026-01",
            )
        )
    for i, name in enumerate(["윤대기", "서대기"]):
        make_registration(
            night,
            companies[i],
            name=name,
            job_title="연구원",
            status=RegistrationStatus.WAITLISTED,
            mobile="010-9999-0000",
        )
    make_registration(night, companies[2], name="한취소", status=RegistrationStatus.CANCELLED, cancelled_at=utcnow())
    make_registration(night, name="오게스트", guest_company_name="외부협력파트너스", guest_brn="1234567891")
    now = utcnow()
    for i, (mode, result, gate) in enumerate(
        [
            ("in", "ok", "A게이트"),
            ("in", "already_checked_in", "A게이트"),
            ("in", "unknown_code", "B게이트"),
            ("out", "ok", "A게이트"),
            ("undo", "ok", None),
            ("in", "wrong_event", "B게이트"),
        ]
    ):
        db.session.add(
            ScanLog(
                event_id=night.id,
                registration_id=registrations[i].id,
                scanned_at=now - dt.timedelta(minutes=i),
                mode=mode,
                result=result,
                gate=gate,
                user_id=staff.id,
                method="qr",
                nonce=f"layout-{i}",
            )
        )

    council = make_event(
        dmc,
        kind=EventKind.COUNCIL,
        title_ko="DMC 입주기업협의회 12월 정기회의",
        starts_in=dt.timedelta(days=-1),
        venue_name="DMC 첨단산업센터 대회의실",
    )
    for i, company in enumerate(companies[:3]):
        voter = make_registration(council, company, name=people[i][0], role=AttendeeRole.VOTER)
        make_checkin(voter, checked_in_at=council.starts_at - dt.timedelta(minutes=5 - i))
    make_registration(council, companies[1], name="최관찰", role=AttendeeRole.OBSERVER)
    db.session.add(
        CouncilProxy(
            event_id=council.id,
            from_company_id=companies[3].id,
            to_company_id=companies[0].id,
            created_at=now - dt.timedelta(days=2),
        )
    )
    # The first company's history: a past research meeting (checked in), the council, the networking night.
    past = make_event(dmc, title_ko="빅데이터연구회 11월 정기모임", starts_in=dt.timedelta(days=-20))
    make_checkin(make_registration(past, companies[0], name="김민수"), checked_in_at=past.starts_at)

    upload_rows = [
        (
            "(주)상암디지털미디어콘텐츠",
            companies[0].brn,
            "디지털 콘텐츠 제작",
            "박담당",
            "contact@sangam.example.com",
            "010-1111-2222",
            "Y",
        ),
        (
            "새로운미디어테크놀로지",
            valid_brn(),
            "방송 장비",
            "이담당",
            "hello@new-media.example.com",
            "010-3333-4444",
            "N",
        ),
        ("오류기업", "123-45-67899", "", "", "", "", "Y"),
    ]
    upload = CompanyImport(
        cluster_id=dmc.id, uploaded_by_id=staff.id, filename="DMC-입주기업-2026.csv", content=build_csv(upload_rows)
    )
    db.session.add(upload)
    db.session.commit()
    return SimpleNamespace(
        staff_email=staff.email,
        night_id=night.id,
        council_id=council.id,
        company_id=companies[0].id,
        import_id=upload.id,
    )


def build_csv(rows) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(["기업명", "사업자등록번호", "업종", "담당자명", "담당자 이메일", "휴대전화", "협의회 회원 (Y/N)"])
    writer.writerows(rows)
    return out.getvalue().encode()


# --- the browser ---------------------------------------------------------------------------------


@pytest.fixture
def open_as_staff(chromium, live_server, office):
    """Opens pages as the signed-in staff member at a given viewport; fails the test on page errors."""
    contexts = []

    def open_page(viewport: dict, path: str):
        context = chromium.new_context(
            viewport=viewport,
            locale="ko-KR",
            device_scale_factor=1,
            is_mobile=viewport["width"] < 600,
            has_touch=viewport["width"] < 600,
        )
        page_errors = collect_page_errors(context)
        contexts.append((context, page_errors))
        page = context.new_page()
        sign_in(page, live_server.url, office.staff_email, PASSWORD)
        page.goto(f"{live_server.url}{path}")
        return page

    yield open_page
    for context, page_errors in contexts:
        context.close()
        assert page_errors == [], "a page raised errors"


def save_screenshot(page, name: str) -> None:
    if os.environ.get("MOIM_SAVE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


# --- what is measured ----------------------------------------------------------------------------

# Elements wider than the viewport that are not inside a designated scroll box (.table-wrap).
OVERFLOWING_JS = """() => {
  const limit = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('.table-wrap')) continue;
    const box = el.getBoundingClientRect();
    if (box.width && box.right > limit + 1) out.push(el.tagName.toLowerCase() + '.' + el.className);
  }
  return out;
}"""


def assert_no_page_overflow(page) -> None:
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"the page scrolls sideways: scrollWidth {widths[0]} > {widths[1]}"
    assert page.evaluate(OVERFLOWING_JS) == []


def line_count(locator) -> float:
    """Rendered height of an element's content in lines of its own line-height (the cell itself is
    as tall as its row)."""
    return locator.evaluate("""el => {
      const style = getComputedStyle(el);
      let line = parseFloat(style.lineHeight);
      if (isNaN(line)) line = parseFloat(style.fontSize) * 1.2;
      const range = document.createRange();
      range.selectNodeContents(el);
      return range.getBoundingClientRect().height / line;
    }""")


def assert_one_line(locator, what: str, most: float = 1.5) -> None:
    expect(locator).to_be_visible()
    lines = line_count(locator)
    assert lines < most, f"{what} wraps over {lines:.1f} lines"


def assert_tables_wrapped(page) -> None:
    """Every data table sits in the shared scroll box, which itself fits the viewport."""
    bare = page.evaluate(
        "() => [...document.querySelectorAll('main table')].filter(t => !t.closest('.table-wrap')).length"
    )
    assert bare == 0, "a table outside .table-wrap"
    fits = page.evaluate("""() => [...document.querySelectorAll('.table-wrap')].every(
      w => w.getBoundingClientRect().right <= document.documentElement.clientWidth + 1)""")
    assert fits


def assert_sticky_column(page) -> None:
    """At 390 px a wide table scrolls inside its box, and the column naming the row stays in view."""
    wrap = page.locator(".table-wrap").first
    assert wrap.evaluate("w => w.scrollWidth > w.clientWidth"), "expected the table to scroll inside its box"
    cells = wrap.locator("tbody tr").first.locator(":scope > th, :scope > td")
    index = wrap.evaluate("""w => [...w.querySelector('tbody tr').children]
      .findIndex(cell => getComputedStyle(cell).position === 'sticky')""")
    assert index >= 0, "no sticky column"
    cell = cells.nth(index)
    wrap.evaluate("w => { w.scrollLeft = w.scrollWidth; }")
    page.wait_for_timeout(50)
    left = wrap.bounding_box()["x"]
    assert abs(cell.bounding_box()["x"] - left) < 1, "the row's name scrolled out of view"
    # Opaque, so the scrolled cells do not show through it.
    assert cell.evaluate("c => getComputedStyle(c).backgroundColor") not in ("rgba(0, 0, 0, 0)", "transparent")
    wrap.evaluate("w => { w.scrollLeft = 0; }")


def assert_button_fits_filters(page) -> None:
    """The search button is about as tall as the select beside it and does not span the form."""
    button = page.locator("form.filters button[type=submit]")
    select = page.locator("form.filters select").first
    b, s = button.bounding_box(), select.bounding_box()
    assert b["height"] <= 1.5 * s["height"], f"search button {b['height']:.0f}px beside a {s['height']:.0f}px select"
    form = page.locator("form.filters").bounding_box()
    assert b["width"] < 0.5 * form["width"], "the search button spans the form"


# --- the tests -----------------------------------------------------------------------------------


def test_registrations_at_390(open_as_staff, office):
    page = open_as_staff(PHONE, f"/staff/events/{office.night_id}/registrations")
    assert_no_page_overflow(page)
    assert_tables_wrapped(page)
    table = page.locator("table.registrations")
    date_cell = table.locator("tbody tr").first.locator("td").nth(9)
    assert_one_line(date_cell, "the date of registration")
    assert_one_line(table.locator("tbody tr").first.locator("td").nth(1), "the name")
    assert_one_line(table.locator("thead th").nth(9), "the date heading")
    assert_sticky_column(page)
    assert_button_fits_filters(page)
    save_screenshot(page, "staff-registrations-390.png")


def test_registrations_at_1280(open_as_staff, office):
    page = open_as_staff(DESKTOP, f"/staff/events/{office.night_id}/registrations")
    assert_no_page_overflow(page)
    rows = page.locator("table.registrations tbody tr")
    for i in range(rows.count()):
        assert_one_line(rows.nth(i).locator("td").nth(1), f"the name in row {i + 1}")
        assert_one_line(rows.nth(i).locator("td").nth(9), f"the date in row {i + 1}")
    assert_one_line(page.locator("table.registrations thead th").nth(1), "the name heading")
    assert_button_fits_filters(page)
    # The filters are one row on a desktop: the button sits beside the last select, not under it.
    button = page.locator("form.filters button[type=submit]").bounding_box()
    cluster = page.locator("form.filters select[name=cluster]").bounding_box()
    assert abs((button["y"] + button["height"]) - (cluster["y"] + cluster["height"])) < 4
    assert button["x"] > cluster["x"] + cluster["width"] - 1
    save_screenshot(page, "staff-registrations-1280.png")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1280"])
def test_company_list(open_as_staff, viewport):
    page = open_as_staff(viewport, "/directory/companies")
    assert_no_page_overflow(page)
    assert_tables_wrapped(page)
    assert_one_line(page.locator("main table tbody tr").first.locator("td").nth(2), "the registration number")
    assert_button_fits_filters(page)
    if viewport is PHONE:
        assert_sticky_column(page)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1280"])
def test_scan_log(open_as_staff, office, viewport):
    page = open_as_staff(viewport, f"/staff/events/{office.night_id}/scans")
    assert_no_page_overflow(page)
    assert_tables_wrapped(page)
    # The time is the sticky first column: on a phone it may take two lines (date, then time), never more.
    most = 2.2 if viewport is PHONE else 1.5
    assert_one_line(page.locator("table.scan-log tbody tr").first.locator("td").first, "the scan time", most)
    if viewport is PHONE:
        assert_sticky_column(page)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1280"])
def test_council_record(open_as_staff, office, viewport):
    page = open_as_staff(viewport, f"/staff/events/{office.council_id}/council-attendance")
    assert_no_page_overflow(page)
    assert_tables_wrapped(page)
    first_row = page.locator("main table tbody tr").first
    assert_one_line(first_row.locator("td").nth(1), "the member company")
    assert_one_line(first_row.locator("td").nth(3), "the attendance and its time")


def test_company_history_at_390(open_as_staff, office):
    page = open_as_staff(PHONE, f"/directory/companies/{office.company_id}")
    assert_no_page_overflow(page)
    assert_tables_wrapped(page)
    row = page.locator("main table tbody tr").first
    assert_one_line(row.locator("td").first, "the event's date (the sticky column)", most=2.2)
    assert_one_line(row.locator("td").nth(4), "the check-in time")
    assert_sticky_column(page)


def test_import_preview_at_390(open_as_staff, office):
    page = open_as_staff(PHONE, f"/directory/import/{office.import_id}")
    assert_no_page_overflow(page)
    assert_tables_wrapped(page)
    for row in page.locator("main table tbody tr").all():
        assert_one_line(row.locator("td").nth(2), "the registration number")


def test_staff_navigation_folds_on_a_phone(open_as_staff):
    page = open_as_staff(PHONE, "/staff/")
    header = page.locator("body > header")
    assert header.bounding_box()["height"] < 80, "the navigation takes the screen before any content"
    toggle = page.locator(".nav-toggle")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    links = page.locator("#site-menu")
    expect(links.get_by_role("link", name="운영", exact=True)).to_be_hidden()
    assert_no_page_overflow(page)
    save_screenshot(page, "staff-dashboard-390.png")

    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(links.get_by_role("link", name="운영", exact=True)).to_be_visible()
    expect(links.get_by_role("button", name="로그아웃")).to_be_visible()
    assert_no_page_overflow(page)

    # The keyboard closes it again (Escape returns focus to the button), and opens it with Enter.
    page.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_be_focused()
    expect(links.get_by_role("link", name="운영", exact=True)).to_be_hidden()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Tab")
    expect(links.get_by_role("link").first).to_be_focused()


def test_staff_navigation_is_open_on_a_desktop(open_as_staff):
    page = open_as_staff(DESKTOP, "/staff/")
    expect(page.locator(".nav-toggle")).to_be_hidden()
    expect(page.locator("#site-menu").get_by_role("link", name="운영", exact=True)).to_be_visible()
    assert page.locator("body > header").bounding_box()["height"] < 120
    assert_no_page_overflow(page)


def test_events_list_filters(open_as_staff):
    for viewport in (PHONE, DESKTOP):
        page = open_as_staff(viewport, "/events")
        assert_no_page_overflow(page)
        assert_button_fits_filters(page)


def test_favicon_and_hidden_utility(open_as_staff, live_server):
    page = open_as_staff(DESKTOP, "/staff/")
    href = page.locator("link[rel=icon]").get_attribute("href")
    assert href.endswith(".svg")
    response = page.request.get(f"{live_server.url}{href}")
    assert response.ok and "svg" in response.headers["content-type"]
    assert response.text().lstrip().startswith("<svg")
    # .visually-hidden is defined once in the shared stylesheet, not only on the scanner page.
    size = page.evaluate("""() => {
      const el = document.createElement('span');
      el.className = 'visually-hidden';
      el.textContent = '숨은 제목';
      document.body.append(el);
      const box = el.getBoundingClientRect();
      return [box.width, box.height];
    }""")
    assert size[0] <= 1 and size[1] <= 1


# --- a PDF that takes a while ---------------------------------------------------------------------


def test_a_slow_pdf_shows_that_it_is_being_made(open_as_staff, office):
    """Clicking a PDF link shows 만드는 중 at once. The test stops the navigation itself (a window
    listener, which runs after the page's own handler) so the page can be read while it would wait."""
    page = open_as_staff(DESKTOP, f"/staff/events/{office.night_id}/reports")
    banner = page.locator("#pdf-progress")
    expect(banner).to_be_hidden()
    page.evaluate("() => window.addEventListener('click', (e) => e.preventDefault())")
    page.click("a[href$='/attendance.pdf']")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("PDF를 만드는 중입니다")
    # Coming back to the page (back button, bfcache) clears it.
    page.evaluate("() => window.dispatchEvent(new PageTransitionEvent('pageshow'))")
    expect(banner).to_be_hidden()


def test_a_plain_link_shows_no_pdf_state(open_as_staff, office):
    page = open_as_staff(DESKTOP, f"/staff/events/{office.night_id}/reports")
    page.evaluate("() => window.addEventListener('click', (e) => e.preventDefault())")
    page.click("a[href$='/registrations']")
    expect(page.locator("#pdf-progress")).to_be_hidden()
