"""Pages, empty states, bad input and links of the public event lists.

Bad input is never an error page: an invalid month, unknown kind or unknown cluster is ignored
(status 200, the list without that filter) with a Korean notice saying so; a malformed page is
page 1 and a page past the end shows the last page.
"""

import datetime as dt
import re

from app.extensions import db
from app.models import EventKind
from tests.conftest import csrf_token
from tests.events.list.conftest import titles
from tests.factories import make_event

UNFILTERED = ["DMC 네트워킹", "G밸리 포럼"]


def _two_events(clusters):
    make_event(clusters.dmc, title_ko="DMC 네트워킹", starts_in=dt.timedelta(days=3))
    make_event(clusters.guro, title_ko="G밸리 포럼", kind=EventKind.FORUM, starts_in=dt.timedelta(days=4))
    db.session.commit()


def _many(clusters, n: int, past: bool = False, **kw):
    sign = -1 if past else 1
    for i in range(n):
        make_event(clusters.dmc, title_ko=f"행사 {i + 1:02d}", starts_in=sign * dt.timedelta(days=2 + i), **kw)
    db.session.commit()


def test_twenty_per_page_sorted_by_start(clusters, client):
    _many(clusters, 45)
    assert titles(client, "/events") == [f"행사 {i:02d}" for i in range(1, 21)]
    assert titles(client, "/events?page=2") == [f"행사 {i:02d}" for i in range(21, 41)]
    assert titles(client, "/events?page=3") == [f"행사 {i:02d}" for i in range(41, 46)]
    html = client.get("/events?page=2").get_data(as_text=True)
    assert "2 / 3 페이지" in html


def test_past_events_newest_first_with_pages(clusters, client):
    _many(clusters, 25, past=True)  # 행사 01 ended most recently
    assert titles(client, "/events/past") == [f"행사 {i:02d}" for i in range(1, 21)]
    assert titles(client, "/events/past?page=2") == [f"행사 {i:02d}" for i in range(21, 26)]
    assert titles(client, "/events") == []


def test_pager_links_keep_the_filters(clusters, client):
    _many(clusters, 25, kind=EventKind.FORUM)
    html = client.get("/events?kind=forum&cluster=dmc&q=행사").get_data(as_text=True)
    links = [
        a.replace("&amp;", "&") for a in re.findall(r'<nav class="pager".*?</nav>', html, re.S)[0].split('href="')[1:]
    ]
    assert len(links) == 1  # only "다음" on page 1
    link = links[0].split('"')[0]
    for part in ("page=2", "kind=forum", "cluster=dmc", "q=%ED%96%89%EC%82%AC"):
        assert part in link, link
    assert titles(client, link) == [f"행사 {i:02d}" for i in range(21, 26)]


def test_malformed_or_out_of_range_pages(clusters, client):
    _many(clusters, 25)
    first, last = titles(client, "/events?page=1"), titles(client, "/events?page=2")
    assert titles(client, "/events?page=-1") == first
    assert titles(client, "/events?page=0") == first
    assert titles(client, "/events?page=abc") == first
    # Past the end: the last page rather than an empty one.
    assert titles(client, "/events?page=3") == last
    assert titles(client, "/events?page=99999999999999999999") == last


def test_empty_state_with_filters_offers_to_clear_them(clusters, client):
    _two_events(clusters)
    html = client.get("/events?kind=council&q=없음").get_data(as_text=True)
    assert "조건에 맞는 행사가 없습니다" in html
    empty = html[html.index('class="empty-state"') :]
    assert 'href="/events">조건 지우기</a>' in empty
    past = client.get("/events/past?cluster=dmc").get_data(as_text=True)
    assert "조건에 맞는 행사가 없습니다" in past and 'href="/events/past">조건 지우기</a>' in past


def test_empty_state_without_filters(clusters, client):
    html = client.get("/events").get_data(as_text=True)
    assert "표시할 행사가 없습니다" in html and "조건에 맞는" not in html
    assert "조건 지우기" not in html


def test_invalid_month_is_ignored_with_a_korean_notice(clusters, client):
    _two_events(clusters)
    for bad in ("2026-13", "abc", "2026-00", "2026-1", "202612", "0001-01", "99999-01", "2026-12-01", "２０２６-１２"):
        resp = client.get(f"/events?month={bad}")
        assert resp.status_code == 200, bad
        html = resp.get_data(as_text=True)
        assert "월은 2026-12처럼 연-월 형식으로 입력해 주세요" in html, bad
        assert titles(client, f"/events?month={bad}") == UNFILTERED, bad
        assert 'name="month" value=""' in html  # not echoed into the form or links


def test_unknown_kind_is_ignored_with_a_korean_notice(clusters, client):
    _two_events(clusters)
    resp = client.get("/events?kind=party")
    assert resp.status_code == 200
    assert "알 수 없는 행사 종류입니다" in resp.get_data(as_text=True)
    assert titles(client, "/events?kind=party") == UNFILTERED


def test_unknown_or_inactive_cluster_is_ignored_with_a_korean_notice(clusters, client):
    _two_events(clusters)
    for bad in ("nowhere", "gangbuk", str(clusters.gangbuk.id), "99999999999999999999", "-1"):
        resp = client.get(f"/events/past?cluster={bad}")
        assert resp.status_code == 200, bad
        assert "알 수 없는 클러스터입니다" in resp.get_data(as_text=True), bad
        assert titles(client, f"/events?cluster={bad}") == UNFILTERED, bad


def test_valid_filters_stay_when_another_is_bad(clusters, client):
    _two_events(clusters)
    html = client.get("/events?cluster=guro&month=2026-13").get_data(as_text=True)
    assert "월은 2026-12처럼" in html
    assert titles(client, "/events?cluster=guro&month=2026-13") == ["G밸리 포럼"]


def test_nav_and_home_link_to_the_lists(clusters, client):
    html = client.get("/").get_data(as_text=True)
    nav = html[html.index("<nav") : html.index("</nav>")]
    assert 'href="/events">전체 행사</a>' in nav and 'href="/events/past">지난 행사</a>' in nav
    main = html[html.index("<main") :]
    assert 'href="/events"' in main  # the home page's own link to the full list


def test_tabs_switch_lists_keeping_filters(clusters, client):
    html = client.get("/events?kind=forum").get_data(as_text=True)
    assert 'href="/events/past?kind=forum"' in html


def test_lists_in_english(clusters, client):
    _two_events(clusters)
    client.post("/language", data={"locale": "en", "next": "/", "csrf_token": csrf_token(client, "/")})
    html = client.get("/events?kind=party").get_data(as_text=True)
    assert "All events" in html and "Unknown event type" in html
    assert "No events match" in client.get("/events?kind=council").get_data(as_text=True)
