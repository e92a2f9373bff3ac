"""The staff registrations page: header figures, table, waitlist places, filters, counts, links, queries."""

from __future__ import annotations

import re

from app.extensions import db
from app.models import EventKind
from app.models.registration import AttendeeRole
from app.staff import registration_queries as staff_queries
from app.staff.registration_queries import RegistrationFilters
from tests.factories import make_cluster, make_company, make_event, make_registration
from tests.helpers import login, see_committed
from tests.query_counter import count_queries
from tests.staff.registrations.helpers import (
    CANCELLED,
    WAITLISTED,
    at,
    page_url,
    row_html,
    shown_names,
)


def get(client, url) -> str:
    resp = client.get(url)
    assert resp.status_code == 200, url
    return resp.get_data(as_text=True)


def test_header_shows_the_event_and_its_figures(client, world):
    login(client, world.dmc_staff.email)
    html = get(client, page_url(world.event.id))
    assert "DMC 송년 네트워킹" in html
    assert "2030년 12월 3일 (화) 오후 7:00" in html  # 10:00 UTC in Seoul
    summary = html.split('class="event-facts registration-summary">', 1)[1].split("</dl>", 1)[0]
    facts = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", summary))
    assert facts == {"정원": "3명", "확정": "3명", "대기": "3명", "취소": "1명", "잔여 좌석": "0석"}


def test_table_shows_who_registered(client, world):
    login(client, world.admin.email)
    html = get(client, page_url(world.event.id))
    kim = row_html(html, world.kim)
    for text in (
        "김누리",
        "(주)누리미디어",
        "상암 DMC",
        "대표",
        "kim@nuri.example",
        "010-1234-5678",
        "확정",
        "2030년 11월 1일 (금) 오전 10:01",
        "2026-11",
    ):
        assert text in kim, text
    guest = row_html(html, world.jung)
    assert "바깥컨설팅" in guest and "게스트" in guest
    assert "구로 G밸리" in row_html(html, world.lee)
    assert "의결권" not in html  # not a council meeting: no role column


def test_waitlist_places_follow_arrival_not_ids(client, world):
    login(client, world.dmc_staff.email)
    html = get(client, page_url(world.event.id))
    assert "대기 1번" in row_html(html, world.han)
    assert "대기 2번" in row_html(html, world.jung)
    assert "대기 3번" in row_html(html, world.choi)
    assert "대기 " not in row_html(html, world.kim).replace("대기에서", "")
    # Confirmed first, then the waitlist in its order; cancelled hidden by default.
    assert shown_names(html) == ["김누리", "박동료", "이구로", "한첫대기", "정게스트", "최대기"]


def test_waitlist_place_is_the_whole_events_even_when_filtered(client, world):
    login(client, world.dmc_staff.email)
    html = get(client, page_url(world.event.id, company="한빛"))
    assert shown_names(html) == ["한첫대기", "최대기"]
    assert "대기 3번" in row_html(html, world.choi)


def test_same_arrival_time_is_ordered_by_id(app, world):
    first = make_registration(world.event, world.hanbit, status=WAITLISTED, created_at=at(40))
    second = make_registration(world.event, world.hanbit, status=WAITLISTED, created_at=at(40))
    positions = staff_queries.waitlist_positions(world.event.id)
    assert positions[first.id] == 4 and positions[second.id] == 5


def test_status_filter(client, world):
    login(client, world.dmc_staff.email)
    assert shown_names(get(client, page_url(world.event.id, status="cancelled"))) == ["취소된사람"]
    assert shown_names(get(client, page_url(world.event.id, status="confirmed"))) == ["김누리", "박동료", "이구로"]
    assert shown_names(get(client, page_url(world.event.id, status="waitlisted"))) == ["한첫대기", "정게스트", "최대기"]
    everyone = shown_names(get(client, page_url(world.event.id, status="all")))
    assert everyone[-1] == "취소된사람" and len(everyone) == 7


def test_company_filter_is_a_partial_name_search(client, world):
    login(client, world.dmc_staff.email)
    assert shown_names(get(client, page_url(world.event.id, company="누리"))) == ["김누리", "박동료"]
    assert shown_names(get(client, page_url(world.event.id, company="컨설팅"))) == ["정게스트"]  # guest firm
    # LIKE wildcards are searched for literally, not as patterns.
    assert "조건에 맞는 신청이 없습니다." in get(client, page_url(world.event.id, company="%25"))
    assert "조건에 맞는 신청이 없습니다." in get(client, page_url(world.event.id, company="_"))


def test_cluster_filter(client, world):
    login(client, world.dmc_staff.email)
    assert shown_names(get(client, page_url(world.event.id, cluster="guro"))) == ["이구로"]
    assert shown_names(get(client, page_url(world.event.id, cluster="guro", status="all"))) == ["이구로", "취소된사람"]
    assert shown_names(get(client, page_url(world.event.id, cluster="_guests"))) == ["정게스트"]
    html = get(client, page_url(world.event.id, cluster="dmc"))
    assert '<option value="dmc" selected>' in html
    assert shown_names(html) == ["김누리", "박동료", "한첫대기", "최대기"]


def test_bad_filter_values_never_fail(client, world):
    login(client, world.dmc_staff.email)
    for query in (
        "status=bogus",
        "status=",
        "cluster=nope",
        "company=" + "가" * 500,
        "page=-3",
        "page=zz",
        "page=99999999999",
        "company=%27%22%3B--",
        "company=%01%1f",
        "status=all&status=bogus",
    ):
        resp = client.get(f"/staff/events/{world.event.id}/registrations?{query}")
        assert resp.status_code == 200, query
    for query in ("cluster=%00", "company=%00%27%22"):
        # A NUL byte (which PostgreSQL cannot take) is refused or ignored, never a server error.
        for path in ("/registrations", "/registrations.csv"):
            resp = client.get(f"/staff/events/{world.event.id}{path}?{query}")
            assert resp.status_code in (200, 400), (path, query)
    # An unknown status falls back to the default view.
    assert shown_names(get(client, page_url(world.event.id, status="bogus")))[:1] == ["김누리"]


def test_fifty_per_page_with_filters_kept_in_links(client, world):
    for i in range(55):
        make_registration(world.event, world.nuri, name=f"대량{i:02d}", status=WAITLISTED, created_at=at(100 + i))
    db.session.commit()
    login(client, world.dmc_staff.email)
    first = get(client, page_url(world.event.id, company="누리", status="waitlisted"))
    assert len(shown_names(first)) == 50 and "1 / 2 페이지" in first
    next_link = re.search(r'<a href="([^"]*page=2[^"]*)">다음</a>', first).group(1).replace("&amp;", "&")
    assert "status=waitlisted" in next_link and "company=" in next_link
    second = get(client, next_link)
    assert shown_names(second) == ["대량50", "대량51", "대량52", "대량53", "대량54"]
    assert "대기 57번" in second  # three waitlisted before the 55 (the page counts the whole waitlist)
    csv_link = re.search(r'href="([^"]*registrations\.csv[^"]*)"', first).group(1).replace("&amp;", "&")
    assert "status=waitlisted" in csv_link and "company=" in csv_link
    # Action links keep the list's filters too, so that the user comes back to the same view.
    cancel_link = re.search(r'href="([^"]*/cancel\?[^"]*)"', first).group(1).replace("&amp;", "&")
    assert "status=waitlisted" in cancel_link


def test_counts_by_cluster_and_company_follow_the_filters(app, world):
    clusters = staff_queries.all_clusters()
    by_cluster = staff_queries.counts_by_cluster(world.event.id, RegistrationFilters(), clusters)
    assert [(g.label, g.confirmed, g.waitlisted, g.cancelled) for g in by_cluster] == [
        ("상암 DMC", 2, 2, 0),
        ("구로 G밸리", 1, 0, 0),
        ("외부 기업 (게스트)", 0, 1, 0),
    ]
    everything = staff_queries.counts_by_cluster(world.event.id, RegistrationFilters(status="all"), clusters)
    assert [(g.label, g.total) for g in everything] == [("상암 DMC", 4), ("구로 G밸리", 2), ("외부 기업 (게스트)", 1)]
    by_company = staff_queries.counts_by_company(world.event.id, RegistrationFilters(status="all"), clusters)
    # 가나다 order, (주) ignored: 구로테크, (주)누리미디어, 바깥컨설팅, 한빛소프트.
    assert [(g.label, g.detail, g.is_guest, g.confirmed, g.waitlisted, g.cancelled) for g in by_company] == [
        ("구로테크", "구로 G밸리", False, 1, 0, 1),
        ("(주)누리미디어", "상암 DMC", False, 2, 0, 0),
        ("바깥컨설팅", "", True, 0, 1, 0),
        ("한빛소프트", "상암 DMC", False, 0, 2, 0),
    ]
    only_guro = staff_queries.counts_by_company(world.event.id, RegistrationFilters(cluster="guro"), clusters)
    assert [(g.label, g.total) for g in only_guro] == [("구로테크", 1)]


def test_counts_are_on_the_page_and_say_what_they_count(client, world):
    login(client, world.dmc_staff.email)
    html = get(client, page_url(world.event.id, cluster="guro"))
    section = html.split('class="registration-counts"', 1)[1]
    assert "위 검색 조건(상태·기업명·클러스터)에 맞는 신청만 셉니다." in section
    assert "구로테크" in section and "한빛소프트" not in section


def test_council_meeting_shows_the_council_role(client, world):
    council = make_event(world.dmc, kind=EventKind.COUNCIL)
    make_registration(council, world.nuri, name="의결대표", role=AttendeeRole.VOTER)
    make_registration(council, world.hanbit, name="참관자", role=AttendeeRole.OBSERVER)
    db.session.commit()
    login(client, world.dmc_staff.email)
    html = get(client, page_url(council.id))
    assert "협의회 참석 구분" in html
    assert re.search(r"의결대표</td>.*?<td>의결권 대표</td>", html, re.S)
    assert re.search(r"참관자</td>.*?<td>참관인</td>", html, re.S)


def test_buttons_by_status(client, world):
    world.event.capacity = 4  # one seat free: waitlisted people can be moved up
    db.session.commit()
    login(client, world.dmc_staff.email)
    html = get(client, page_url(world.event.id, status="all"))
    assert "대기에서 확정" in row_html(html, world.han)
    assert "대기에서 확정" not in row_html(html, world.kim)
    assert "대리 취소" in row_html(html, world.kim) and "대리 취소" in row_html(html, world.han)
    assert "대리 취소" not in row_html(html, world.gone)


def test_a_full_event_offers_no_promote_button_that_would_refuse(client, world):
    login(client, world.dmc_staff.email)  # capacity 3, all taken
    html = get(client, page_url(world.event.id))
    assert "대기에서 확정" not in row_html(html, world.han)
    assert "빈 자리가 나면 확정할 수 있습니다" in row_html(html, world.han)


def _page_queries(client, event_id) -> int:
    client.get(page_url(event_id))  # warm-up
    with count_queries(db.engine) as statements:
        assert client.get(page_url(event_id)).status_code == 200
    return len(statements)


def test_page_runs_a_bounded_number_of_queries(client, world):
    login(client, world.dmc_staff.email)
    few = _page_queries(client, world.event.id)
    see_committed()  # the requests committed (sign-in); write on a fresh snapshot
    for i in range(40):
        cluster = make_cluster()
        company = make_company(cluster)
        make_registration(world.event, company, status=WAITLISTED, created_at=at(200 + i))
        make_registration(world.event, None, guest_company_name=f"게스트{i}", status=CANCELLED)
        make_registration(world.event, company, status=WAITLISTED, created_at=at(300 + i))
    db.session.commit()
    many = _page_queries(client, world.event.id)
    assert many == few, f"{few} queries for 7 registrations but {many} for 127"


def test_links_to_the_page(client, world):
    path = page_url(world.event.id)
    login(client, world.dmc_staff.email)
    assert path in get(client, "/staff/")
    assert path in get(client, f"/staff/events/{world.event.id}/edit")
    assert path in get(client, f"/events/{world.event.id}")


def test_public_event_page_links_only_for_those_who_manage_it(app, world):
    path = page_url(world.event.id)
    for who, shown in (("admin", True), ("dmc_staff", True), ("guro_staff", False), ("member", False), (None, False)):
        client = app.test_client()
        if who:
            login(client, getattr(world, who).email)
        html = get(client, f"/events/{world.event.id}")
        assert (path in html) is shown, who
