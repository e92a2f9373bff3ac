"""Cluster activity report (issue 7 item 5): figures, Seoul months, SVG charts, PDF, bad input, access, queries."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest

from app.extensions import db
from app.i18n import seoul_today
from app.models import EventKind, EventStatus, RegistrationStatus, Role
from app.reports import activity
from app.reports.charts import Series, bar_chart, hbar_chart
from tests.factories import PASSWORD, make_checkin, make_cluster, make_company, make_event, make_registration, make_user
from tests.helpers import base_fonts, pdf_text
from tests.query_counter import count_queries

UTC = dt.UTC
URL = "/staff/reports/activity"
Q2 = {"cluster": "dmc", "from": "2025-04-01", "to": "2025-06-30"}


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def attend(event, company, *, checked=True, method="qr", **kw):
    registration = make_registration(event, company, **kw)
    if checked:
        make_checkin(registration, method=method)
    return registration


@dataclasses.dataclass
class World:
    dmc: object
    magok: object
    yangjae: object
    companies: dict
    admin: object
    dmc_staff: object
    magok_staff: object
    member: object


@pytest.fixture
def world(app) -> World:
    """DMC's second quarter of 2025: three held events, others just outside it or not counting."""
    dmc = make_cluster("dmc", name_ko="상암 DMC", name_en="Sangam DMC")
    magok = make_cluster("magok", name_ko="마곡 R&D <연구>", name_en="Magok R&D")
    yangjae = make_cluster("yangjae", name_ko="양재 Y밸리", name_en="Yangjae")
    # 마루테크 is made before 나래콘텐츠: their tie in the top list is broken by name, not id.
    c = {
        "가온": make_company(dmc, name="(주)가온미디어"),
        "마루": make_company(magok, name="마루테크"),
        "나래": make_company(dmc, name="나래콘텐츠"),
        "다온": make_company(dmc, name="다온랩"),
        "바른": make_company(yangjae, name="바른AI"),
    }
    # In the period. 00:30 on 1 April in Seoul is still 31 March in UTC.
    e1 = make_event(dmc, kind=EventKind.NETWORKING, starts_at=at(2025, 3, 31, 15, 30), title_ko="4월 네트워킹")
    attend(e1, c["가온"])
    attend(e1, c["가온"], method="walkin")
    attend(e1, c["나래"])
    attend(e1, c["다온"], checked=False)
    attend(e1, c["마루"])
    attend(e1, None, guest_company_name="(주)외부솔루션")
    attend(e1, c["다온"], checked=False, status=RegistrationStatus.WAITLISTED)
    attend(e1, c["다온"], status=RegistrationStatus.CANCELLED)  # cancelled, even if scanned
    e2 = make_event(dmc, kind=EventKind.COUNCIL, starts_at=at(2025, 5, 15, 10), title_ko="5월 정기회의")
    attend(e2, c["가온"])
    attend(e2, c["나래"])
    attend(e2, c["다온"], checked=False)
    # 23:00 on 30 June in Seoul: the last hour of the period.
    e3 = make_event(dmc, kind=EventKind.FORUM, starts_at=at(2025, 6, 30, 14), title_ko="6월 포럼")
    attend(e3, c["가온"])
    attend(e3, c["바른"])
    attend(e3, c["마루"])
    # Outside the period (Seoul dates) or not counting: draft and cancelled events.
    before = make_event(dmc, starts_at=at(2025, 3, 31, 14, 30))  # 23:30 on 31 March in Seoul
    after = make_event(dmc, starts_at=at(2025, 6, 30, 15))  # 00:00 on 1 July in Seoul
    draft = make_event(dmc, starts_at=at(2025, 5, 1, 10), status=EventStatus.DRAFT)
    cancelled = make_event(dmc, starts_at=at(2025, 5, 2, 10), status=EventStatus.CANCELLED)
    for event in (before, after, draft, cancelled):
        attend(event, c["다온"])
        attend(event, c["바른"])
    # Other clusters' events: DMC companies visiting them (outbound); magok's own company does not count.
    m1 = make_event(magok, kind=EventKind.RESEARCH, starts_at=at(2025, 5, 20, 9))
    attend(m1, c["가온"])
    attend(m1, c["나래"], checked=False)
    attend(m1, c["마루"])
    y1 = make_event(yangjae, kind=EventKind.FORUM, starts_at=at(2025, 6, 3, 9))
    attend(y1, c["가온"])
    attend(y1, c["가온"])  # two people of one company: one company, one visit
    attend(y1, c["다온"])
    y_out = make_event(yangjae, starts_at=at(2025, 7, 3, 9))  # after the period
    attend(y_out, c["나래"])
    world = World(
        dmc,
        magok,
        yangjae,
        c,
        admin=make_user(Role.ADMIN, email="admin@example.com"),
        dmc_staff=make_user(Role.STAFF, clusters=[dmc], email="staff-dmc@example.com"),
        magok_staff=make_user(Role.STAFF, clusters=[magok], email="staff-magok@example.com"),
        member=make_user(Role.MEMBER, company=c["가온"], email="member@gaon.example"),
    )
    db.session.commit()
    return world


def q2_report(world, now=None):
    period = activity.Period(dt.date(2025, 4, 1), dt.date(2025, 6, 30))
    return activity.activity_report(world.dmc, period, now or at(2026, 1, 1))


def figure(html: str, name: str) -> str:
    match = re.search(rf'data-figure="{re.escape(name)}">([^<]*)<', html)
    assert match, f"no figure {name}"
    return match.group(1)


def row_cells(html: str, attr: str, value: str) -> list[str]:
    match = re.search(rf'<tr {attr}="{re.escape(value)}">(.*?)</tr>', html, re.S)
    assert match, f"no row {attr}={value}"
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", match.group(1), re.S)]


def svgs(html: str) -> list[ET.Element]:
    blocks = re.findall(r"<svg\b.*?</svg>", html, re.S)
    return [ET.fromstring(block) for block in blocks]


# --- the figures ----------------------------------------------------------------------------------


def test_figures_on_the_crafted_quarter(world):
    r = q2_report(world)
    assert (r.held_events, r.scheduled_events) == (3, 0)
    assert (r.confirmed, r.attended, r.walkins) == (12, 10, 1)
    assert round(r.rate * 100, 1) == 83.3
    kinds = {row.kind: (row.events, row.confirmed, row.attended) for row in r.by_kind}
    assert kinds == {
        EventKind.NETWORKING: (1, 6, 5),
        EventKind.COUNCIL: (1, 3, 2),
        EventKind.FORUM: (1, 3, 3),
        EventKind.RESEARCH: (0, 0, 0),
    }
    assert (r.companies, r.own_companies, r.guest_firms) == (4, 2, 1)
    assert r.repeat == {"1": 1, "2": 2, "3+": 1}
    assert [(c.name, c.events) for c in r.top_companies] == [
        ("(주)가온미디어", 3),
        ("나래콘텐츠", 2),
        ("마루테크", 2),
        ("바른AI", 1),
    ]
    assert [(f.name, f.companies, f.attendances) for f in r.inbound] == [
        ("마곡 R&D <연구>", 1, 2),
        ("양재 Y밸리", 1, 1),
    ]
    assert [(f.name, f.companies, f.attendances) for f in r.outbound] == [
        ("양재 Y밸리", 2, 2),
        ("마곡 R&D <연구>", 1, 1),
    ]


def test_months_are_seoul_months(world):
    r = q2_report(world)
    assert [(m.year, m.month, m.events, m.attended) for m in r.months] == [
        (2025, 4, 1, 5),
        (2025, 5, 1, 2),
        (2025, 6, 1, 3),
    ]
    # March in Seoul holds the event at 23:30 on the 31st, not the one 30 minutes after midnight.
    march = activity.activity_report(
        world.dmc, activity.Period(dt.date(2025, 3, 1), dt.date(2025, 3, 31)), at(2026, 1, 1)
    )
    assert march.held_events == 1 and march.months[0].events == 1 and march.attended == 2
    july = activity.activity_report(
        world.dmc, activity.Period(dt.date(2025, 7, 1), dt.date(2025, 7, 31)), at(2026, 1, 1)
    )
    assert july.held_events == 1


def test_events_not_ended_are_scheduled_not_counted(world):
    r = q2_report(world, now=at(2025, 5, 1))
    assert (r.held_events, r.scheduled_events, r.attended) == (1, 2, 5)
    assert not r.outbound  # the other clusters' events had not happened yet either


def test_empty_period(world, client, auth):
    r = activity.activity_report(world.dmc, activity.Period(dt.date(2024, 1, 1), dt.date(2024, 3, 31)), at(2026, 1, 1))
    assert r.is_empty and r.companies == 0 and r.rate is None
    auth.login("staff-dmc@example.com", PASSWORD)
    response = client.get(URL, query_string={"cluster": "dmc", "from": "2024-01-01", "to": "2024-03-31"})
    assert response.status_code == 200
    assert "개최한 행사가 없습니다" in response.get_data(as_text=True)
    pdf = client.get(URL + ".pdf", query_string={"cluster": "dmc", "from": "2024-01-01", "to": "2024-03-31"})
    assert pdf.status_code == 200 and "개최한 행사가 없습니다" in pdf_text(pdf.data)


# --- the page, its charts and the PDF ---------------------------------------------------------------


def test_page_shows_the_figures_and_well_formed_charts(world, client, auth):
    auth.login("staff-dmc@example.com", PASSWORD)
    response = client.get(URL, query_string=Q2)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "상암 DMC" in html
    assert figure(html, "held") == "3건"
    assert figure(html, "confirmed") == "12명"
    assert figure(html, "attended") == "10명"
    assert figure(html, "rate") == "83.3%"
    assert figure(html, "walkins") == "1명"
    assert figure(html, "companies") == "4개사"
    assert figure(html, "other") == "2개사"
    assert figure(html, "guests") == "1개사"
    assert row_cells(html, "data-kind", "networking")[1:] == ["1", "6", "5", "83.3%"]
    assert row_cells(html, "data-month", "2025-04")[1:] == ["1", "5"]
    assert row_cells(html, "data-repeat", "3+")[1] == "1"
    assert row_cells(html, "data-outbound", str(world.yangjae.id))[1:] == ["2", "2"]
    top = re.findall(r'<tr data-company="\d+"><td class="num">\d+</td><td>([^<]+)</td>', html)
    assert top == ["(주)가온미디어", "나래콘텐츠", "마루테크", "바른AI"]
    charts = svgs(html)
    assert len(charts) == 3  # by kind, by month, between clusters
    ns = "{http://www.w3.org/2000/svg}"
    titles = [svg.find(f"{ns}title").text for svg in charts]
    assert "월별 행사 수와 출석 인원" in titles
    texts = [t.text for svg in charts for t in svg.iter(f"{ns}text")]
    assert "마곡 R&D <연구>" in texts  # escaped in the markup, whole again once parsed
    assert "행사 1건" in texts and "25.04" in texts
    assert "<script" not in "".join(re.findall(r"<svg\b.*?</svg>", html, re.S))


def test_charts_escape_labels_and_handle_zeroes():
    svg = bar_chart(['"><script>x</script>', "b"], [Series("s&s", [0, 0])], title="<t>", sublabels=["&", "'"])
    root = ET.fromstring(str(svg))
    assert root.find("{http://www.w3.org/2000/svg}title").text == "<t>"
    assert "<script>" not in str(svg)
    assert ET.fromstring(str(hbar_chart(["a"], [Series("x", [0]), Series("y", [0])], title="t", stacked=True)))
    assert ET.fromstring(str(hbar_chart([], [Series("x", [])], title="t")))


def test_long_periods_keep_the_month_chart_readable():
    labels = [f"{y % 100:02d}.{m:02d}" for y in (2024, 2025, 2026) for m in range(1, 13)] + ["27.01"]
    root = ET.fromstring(str(bar_chart(labels, [Series("출석", list(range(37)))], title="t", sublabels=["x"] * 37)))
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert len([t for t in texts if t in labels]) <= 13
    assert len(root.findall("{http://www.w3.org/2000/svg}rect")) == 37
    ticks = [t for t in texts if t and t.replace(".", "").isdigit() and t not in labels]
    assert all("." not in t for t in ticks), ticks  # whole-number gridlines for counts


def test_pdf_has_the_korean_names_and_figures_in_nanum_square(world, client, auth):
    auth.login("admin@example.com", PASSWORD)
    response = client.get(URL + ".pdf", query_string=Q2)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    text = pdf_text(response.data)
    compact = re.sub(r"\s+", "", text)
    # The last three are drawn by the SVG charts.
    for expected in (
        "상암DMC",
        "클러스터활동보고서",
        "3건",
        "12명",
        "10명",
        "83.3%",
        "4개사",
        "(주)가온미디어",
        "나래콘텐츠",
        "양재Y밸리",
        "25.04",
        "행사1건",
        "우리행사에온기업",
    ):
        assert expected in compact, expected
    fonts = base_fonts(response.data)
    assert fonts and fonts <= {"NanumSquare", "NanumSquare-Bold", "NanumSquareB", "NanumSquareR"}, fonts


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, message",
    [
        ({"from": "2025-13-01", "to": "2025-06-30"}, "YYYY-MM-DD"),
        ({"from": "yesterday"}, "YYYY-MM-DD"),
        ({"from": "2025-06-30", "to": "2025-04-01"}, "시작일이 종료일보다 늦습니다"),
        ({"from": "2015-01-01", "to": "2025-06-30"}, "최대 3년"),
        ({"from": "0001-01-01", "to": "9999-12-31"}, "YYYY-MM-DD"),
        ({"from": "2025-02-30"}, "YYYY-MM-DD"),
        ({"from": "２０２５-01-01"}, "YYYY-MM-DD"),
        ({"from": "2025-04-01\n"}, None),  # surrounding space is forgiven
    ],
)
def test_bad_periods_fall_back_to_this_quarter_with_a_message(world, client, auth, args, message):
    auth.login("staff-dmc@example.com", PASSWORD)
    response = client.get(URL, query_string=dict(args, cluster="dmc"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    if message is None:
        assert 'value="2025-04-01"' in html and 'role="alert"' not in html
        return
    assert message in html
    default = activity.default_period(seoul_today())
    assert f'value="{default.start.isoformat()}"' in html
    assert client.get(URL + ".pdf", query_string=dict(args, cluster="dmc")).status_code == 200


def test_control_characters_are_refused_without_a_500(world, client, auth):
    auth.login("staff-dmc@example.com", PASSWORD)
    for args in ({"from": "2025-04-01\x00"}, {"cluster": "dmc\x00"}):
        assert client.get(URL, query_string=args).status_code < 500
    assert client.get(URL + "?to=%ED%A0%80&from=%FF").status_code == 200  # not UTF-8


def test_parse_period_and_quarters():
    today = dt.date(2026, 11, 28)
    assert activity.parse_period({}, today) == (activity.Period(dt.date(2026, 10, 1), dt.date(2026, 12, 31)), None)
    assert activity.quarter_of(dt.date(2026, 1, 5), -1) == activity.Period(dt.date(2025, 10, 1), dt.date(2025, 12, 31))
    assert activity.parse_period({"from": "2026-11-01"}, today)[0] == activity.Period(
        dt.date(2026, 11, 1), dt.date(2026, 12, 31)
    )
    period, message = activity.parse_period({"from": "2024-01-01", "to": "2026-12-31"}, today)
    assert message is None and period.start == dt.date(2024, 1, 1)
    assert activity.Period(dt.date(2025, 4, 1), dt.date(2025, 4, 30)).start_utc == at(2025, 3, 31, 15)


@pytest.mark.parametrize("query", [{"cluster": "nope"}, {"cluster": "x" * 500}, {"cluster": "dmc'--"}])
def test_unknown_cluster_is_404(world, client, auth, query):
    auth.login("admin@example.com", PASSWORD)
    assert client.get(URL, query_string=query).status_code == 404
    assert client.get(URL + ".pdf", query_string=query).status_code == 404


# --- access -------------------------------------------------------------------------------------


def test_staff_of_the_cluster_and_admins_see_it(world, client, auth):
    auth.login("staff-dmc@example.com", PASSWORD)
    html = client.get(URL).get_data(as_text=True)  # no cluster: their own
    assert "상암 DMC" in html
    assert 'value="magok"' not in html  # the picker offers only their clusters
    auth.logout()
    auth.login("admin@example.com", PASSWORD)
    html = client.get(URL, query_string=dict(Q2, cluster="magok")).get_data(as_text=True)
    assert "마곡 R&amp;D &lt;연구&gt;" in html and 'value="yangjae"' in html


def test_other_cluster_staff_members_and_anonymous_are_refused(world, client, auth):
    for path in (URL, URL + ".pdf"):
        response = client.get(path, query_string=Q2)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    auth.login("staff-magok@example.com", PASSWORD)
    assert client.get(URL, query_string=Q2).status_code == 403
    assert client.get(URL + ".pdf", query_string=Q2).status_code == 403
    assert client.get(URL, query_string=dict(Q2, cluster="magok")).status_code == 200
    auth.logout()
    auth.login("member@gaon.example", PASSWORD)
    assert client.get(URL, query_string=Q2).status_code == 403
    assert client.get(URL + ".pdf", query_string=Q2).status_code == 403


def test_staff_without_clusters_get_an_explanation(world, client, auth):
    make_user(Role.STAFF, clusters=[], email="staff-none@example.com")
    db.session.commit()
    auth.login("staff-none@example.com", PASSWORD)
    response = client.get(URL)
    assert response.status_code == 200 and "담당 클러스터가 없어" in response.get_data(as_text=True)
    assert client.get(URL + ".pdf").status_code == 404


def test_staff_overview_links_to_the_report(world, client, auth):
    auth.login("staff-dmc@example.com", PASSWORD)
    assert 'href="/staff/reports/activity"' in client.get("/staff/").get_data(as_text=True)


# --- queries ------------------------------------------------------------------------------------


def _add_events(cluster, companies, count, start):
    for i in range(count):
        event = make_event(cluster, kind=list(EventKind)[i % 3], starts_at=start + dt.timedelta(days=i))
        for company in companies:
            attend(event, company)


def test_query_count_does_not_grow_with_events(app, client, auth):
    counts = []
    for n in (5, 50):
        dmc = make_cluster(f"q{n}", name_ko=f"클러스터 {n}")
        other = make_cluster(name_ko=f"다른 클러스터 {n}")
        companies = [make_company(dmc), make_company(other)]
        _add_events(dmc, companies, n, at(2025, 1, 2))
        _add_events(other, companies, n, at(2025, 1, 2))
        make_user(Role.STAFF, clusters=[dmc], email=f"staff{n}@example.com")
        db.session.commit()
        auth.login(f"staff{n}@example.com", PASSWORD)
        with count_queries(db.engine) as statements:
            response = client.get(URL, query_string={"cluster": f"q{n}", "from": "2025-01-01", "to": "2025-03-31"})
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert figure(html, "held") == f"{n}건"
        counts.append(len(statements))
        auth.logout()
    print("activity page queries (5 vs 50 events):", counts)
    assert counts[0] == counts[1], counts
    assert counts[1] <= 18, counts  # 9 for attendance, 6 for the networking figures, the page's own
