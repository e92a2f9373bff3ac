"""Filters of /events and /events/past: cluster, kind, month (Seoul calendar) and their combination."""

import datetime as dt
from zoneinfo import ZoneInfo

from app.events import queries
from app.extensions import db
from app.models import EventKind
from tests.events.list.conftest import titles
from tests.factories import make_event

KST = ZoneInfo("Asia/Seoul")


def _at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=KST)


def test_cluster_filter_by_slug_or_id(clusters, client):
    make_event(clusters.dmc, title_ko="DMC 네트워킹")
    make_event(clusters.guro, title_ko="G밸리 네트워킹")
    db.session.commit()
    assert titles(client, "/events?cluster=dmc") == ["DMC 네트워킹"]
    assert titles(client, f"/events?cluster={clusters.guro.id}") == ["G밸리 네트워킹"]
    assert sorted(titles(client, "/events?cluster=")) == ["DMC 네트워킹", "G밸리 네트워킹"]


def test_cluster_choices_are_the_active_clusters(clusters, client):
    html = client.get("/events").get_data(as_text=True)
    assert '<option value="dmc"' in html and '<option value="guro"' in html
    assert 'value="gangbuk"' not in html  # not launched yet


def test_kind_filter(clusters, client):
    make_event(clusters.dmc, title_ko="송년 네트워킹", kind=EventKind.NETWORKING)
    make_event(clusters.dmc, title_ko="정기회의", kind=EventKind.COUNCIL)
    make_event(clusters.dmc, title_ko="서울 클러스터 포럼", kind=EventKind.FORUM)
    make_event(clusters.dmc, title_ko="빅데이터연구회 모임", kind=EventKind.RESEARCH)
    db.session.commit()
    assert titles(client, "/events?kind=council") == ["정기회의"]
    assert titles(client, "/events?kind=forum") == ["서울 클러스터 포럼"]
    assert titles(client, "/events?kind=research") == ["빅데이터연구회 모임"]
    assert titles(client, "/events?kind=networking") == ["송년 네트워킹"]


def test_month_is_a_seoul_calendar_month(clusters, client):
    # 23:30 KST on 31 December is 14:30 UTC: December in Seoul, whatever UTC says.
    make_event(clusters.dmc, title_ko="섣달 그믐 모임", starts_at=_at(2031, 12, 31, 23, 30))
    # 00:30 KST on 1 December is still 30 November in UTC, but December in Seoul.
    make_event(clusters.dmc, title_ko="12월 첫 모임", starts_at=_at(2031, 12, 1, 0, 30))
    # Midnight KST on 1 January belongs to January.
    make_event(clusters.dmc, title_ko="새해 첫 모임", starts_at=_at(2032, 1, 1, 0, 0))
    make_event(clusters.dmc, title_ko="11월 말 모임", starts_at=_at(2031, 11, 30, 23, 59))
    db.session.commit()
    assert titles(client, "/events?month=2031-12") == ["12월 첫 모임", "섣달 그믐 모임"]
    assert titles(client, "/events?month=2032-01") == ["새해 첫 모임"]
    assert titles(client, "/events?month=2031-11") == ["11월 말 모임"]


def test_month_boundary_of_the_brief_with_a_fixed_clock(clusters):
    """The example of the issue (2026-12-31 23:30 KST), at a fixed `now` so it never expires."""
    make_event(clusters.dmc, title_ko="2026 송년회", starts_at=_at(2026, 12, 31, 23, 30))
    db.session.commit()
    now = _at(2026, 11, 28, 12, 0)

    def month(year, month_):
        filters = queries.EventListFilters(month=dt.date(year, month_, 1))
        return [r.event.title_ko for r in queries.public_events(filters, past=False, now=now)[1]]

    assert month(2026, 12) == ["2026 송년회"]
    assert month(2027, 1) == []


def test_month_filter_on_past_events(clusters, client):
    make_event(clusters.dmc, title_ko="2020 송년회", starts_at=_at(2020, 12, 31, 23, 30))
    make_event(clusters.dmc, title_ko="2021 신년회", starts_at=_at(2021, 1, 1, 0, 0))
    db.session.commit()
    assert titles(client, "/events/past?month=2020-12") == ["2020 송년회"]
    assert titles(client, "/events/past?month=2021-01") == ["2021 신년회"]


def test_filters_combine(clusters, client):
    make_event(clusters.dmc, title_ko="DMC 12월 포럼", kind=EventKind.FORUM, starts_at=_at(2031, 12, 3, 19))
    make_event(clusters.dmc, title_ko="DMC 12월 네트워킹", kind=EventKind.NETWORKING, starts_at=_at(2031, 12, 4, 19))
    make_event(clusters.dmc, title_ko="DMC 1월 포럼", kind=EventKind.FORUM, starts_at=_at(2032, 1, 7, 19))
    make_event(clusters.guro, title_ko="G밸리 12월 포럼", kind=EventKind.FORUM, starts_at=_at(2031, 12, 5, 19))
    db.session.commit()
    assert titles(client, "/events?cluster=dmc&kind=forum&month=2031-12") == ["DMC 12월 포럼"]
    assert titles(client, "/events?kind=forum&month=2031-12") == ["DMC 12월 포럼", "G밸리 12월 포럼"]
    assert titles(client, "/events?cluster=dmc&kind=forum") == ["DMC 12월 포럼", "DMC 1월 포럼"]
    assert titles(client, "/events?cluster=guro&kind=forum&q=포럼&month=2031-12") == ["G밸리 12월 포럼"]
    assert titles(client, "/events?cluster=guro&kind=networking") == []


def test_chosen_filters_are_shown_selected(clusters, client):
    html = client.get("/events?cluster=guro&kind=forum&month=2031-12&q=AI").get_data(as_text=True)
    assert '<option value="guro" selected>' in html
    assert '<option value="forum" selected>' in html
    assert 'name="month" value="2031-12"' in html
    assert 'name="q" value="AI"' in html
