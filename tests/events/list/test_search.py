"""Free-text search of the public lists: titles (ko/en), venue, host cluster; partial, any case."""

import datetime as dt

from app.extensions import db
from tests.events.list.conftest import titles
from tests.factories import make_event


def _world(clusters):
    make_event(
        clusters.dmc,
        title_ko="DMC 송년 네트워킹",
        title_en="DMC Year-end Networking",
        venue_name="DMC 첨단산업센터",
        venue_address="서울특별시 마포구 매봉산로 37",
    )
    make_event(
        clusters.guro,
        title_ko="마곡 R&D 포럼",
        title_en="Magok Research Forum",
        venue_name="코엑스 컨퍼런스룸",
        venue_address="서울특별시 강남구 영동대로 513",
    )
    make_event(clusters.guro, title_ko="빅데이터연구회 정기모임", venue_name="", venue_address="")
    db.session.commit()


def test_korean_partial_match_on_titles(clusters, client):
    _world(clusters)
    assert titles(client, "/events?q=송년") == ["DMC 송년 네트워킹"]
    assert titles(client, "/events?q=데이터연구") == ["빅데이터연구회 정기모임"]


def test_english_title_case_insensitive(clusters, client):
    _world(clusters)
    assert titles(client, "/events?q=research%20FORUM") == ["마곡 R&amp;D 포럼"]
    assert titles(client, "/events?q=year-END") == ["DMC 송년 네트워킹"]


def test_venue_name_and_address(clusters, client):
    _world(clusters)
    assert titles(client, "/events?q=코엑스") == ["마곡 R&amp;D 포럼"]
    assert titles(client, "/events?q=매봉산로") == ["DMC 송년 네트워킹"]


def test_host_cluster_name_korean_and_english(clusters, client):
    _world(clusters)
    assert sorted(titles(client, "/events?q=구로")) == ["마곡 R&amp;D 포럼", "빅데이터연구회 정기모임"]
    assert sorted(titles(client, "/events?q=g-VALLEY")) == ["마곡 R&amp;D 포럼", "빅데이터연구회 정기모임"]
    assert titles(client, "/events?q=sangam") == ["DMC 송년 네트워킹"]


def test_search_is_trimmed_and_wildcards_are_literal(clusters, client):
    _world(clusters)
    assert titles(client, "/events?q=%20%20송년%20%20") == ["DMC 송년 네트워킹"]
    assert titles(client, "/events?q=%25") == []  # a literal "%", not "anything"
    assert titles(client, "/events?q=_") == []
    assert titles(client, "/events?q=없는행사") == []


def test_search_on_past_events(clusters, client):
    make_event(clusters.dmc, title_ko="지난 송년회", starts_in=-dt.timedelta(days=30))
    make_event(clusters.dmc, title_ko="지난 신년회", starts_in=-dt.timedelta(days=20))
    db.session.commit()
    assert titles(client, "/events/past?q=송년") == ["지난 송년회"]


def test_very_long_search_is_cut_not_refused(clusters, client):
    _world(clusters)
    assert titles(client, "/events?q=" + "가" * 5000) == []
