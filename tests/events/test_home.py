"""The home page: upcoming published events grouped by cluster, with seats left."""

import datetime as dt

from app.extensions import db
from app.models import EventStatus, RegistrationStatus, Role
from tests.factories import PASSWORD, make_cluster, make_event, make_registration, make_user
from tests.query_counter import count_queries


def _section(html: str, cluster_name: str) -> str:
    start = html.index(cluster_name)
    nxt = html.find('<section class="cluster-group"', start)
    return html[start : nxt if nxt != -1 else len(html)]


def test_upcoming_events_grouped_by_cluster_with_seats_left(app, client):
    dmc = make_cluster("dmc", name_ko="상암 DMC")
    guro = make_cluster("guro", name_ko="구로 G밸리")
    night = make_event(dmc, title_ko="DMC 송년 네트워킹", capacity=3)
    make_registration(night)
    make_registration(night)
    make_registration(night, status=RegistrationStatus.CANCELLED)
    make_event(guro, title_ko="G밸리 제조 포럼", capacity=50)
    db.session.commit()

    html = client.get("/").get_data(as_text=True)
    dmc_part = _section(html, "상암 DMC")
    assert "DMC 송년 네트워킹" in dmc_part and "G밸리 제조 포럼" not in dmc_part
    assert "잔여 1석" in dmc_part  # 3 seats, 2 confirmed; the cancelled one frees its seat
    assert "G밸리 제조 포럼" in _section(html, "구로 G밸리")
    assert "잔여 50석" in _section(html, "구로 G밸리")


def test_full_event_shows_waitlist(app, client):
    event = make_event(title_ko="만석 행사", capacity=1)
    make_registration(event)
    make_registration(event, status=RegistrationStatus.WAITLISTED)
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert "마감" in html and "대기 1명" in html


def test_drafts_cancelled_and_past_events_are_not_listed(app, client):
    make_event(title_ko="공개 행사")
    make_event(title_ko="초안 행사", status=EventStatus.DRAFT)
    make_event(title_ko="취소 행사", status=EventStatus.CANCELLED)
    make_event(title_ko="끝난 모임", starts_in=-dt.timedelta(days=3))
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert "공개 행사" in html
    for hidden in ("초안 행사", "취소 행사", "끝난 모임"):  # "지난 행사" is now a nav link
        assert hidden not in html


def test_empty_state_when_nothing_is_planned(app, client):
    html = client.get("/").get_data(as_text=True)
    assert "예정된 행사가 아직 없습니다" in html


def _home_query_count(app, client) -> int:
    client.get("/")  # warm-up
    with count_queries(db.engine) as statements:
        assert client.get("/").status_code == 200
    return len(statements)


def test_home_runs_a_bounded_number_of_queries(app, client):
    for c in [make_cluster() for _ in range(2)]:
        make_registration(make_event(c))
    db.session.commit()
    few = _home_query_count(app, client)
    for c in [make_cluster() for _ in range(6)]:
        for _ in range(6):
            event = make_event(c, participating_clusters=[make_cluster()])
            make_registration(event)
            make_registration(event, status=RegistrationStatus.WAITLISTED)
    db.session.commit()
    many = _home_query_count(app, client)
    assert many == few, f"{few} queries for 2 events in 2 clusters but {many} for 38 in 8"


def test_event_page_shows_korean_facts(app, client):
    start = dt.datetime(2031, 12, 4, 19, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    event = make_event(
        title_ko="빅데이터연구회 12월 정기모임",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        capacity=20,
        seats_per_company=2,
    )
    db.session.commit()
    html = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "빅데이터연구회 12월 정기모임" in html
    assert "2031년 12월 4일 (목) 오후 7:00 ~ 오후 9:00" in html
    assert "기업당 최대 2명" in html
    assert "map.naver.com" in html


def test_draft_event_page_is_hidden_except_from_its_staff(app, client, auth):
    host = make_cluster()
    other = make_cluster()
    draft = make_event(host, title_ko="준비 중 행사", status=EventStatus.DRAFT)
    make_user(Role.STAFF, clusters=[host], email="host.staff@example.com")
    make_user(Role.STAFF, clusters=[other], email="other.staff@example.com")
    db.session.commit()
    assert client.get(f"/events/{draft.id}").status_code == 404
    auth.login("other.staff@example.com", PASSWORD)
    assert client.get(f"/events/{draft.id}").status_code == 404
    auth.logout()
    auth.login("host.staff@example.com", PASSWORD)
    resp = client.get(f"/events/{draft.id}")
    assert resp.status_code == 200 and "준비 중 행사" in resp.get_data(as_text=True)


def test_unknown_event_is_a_korean_404(app, client):
    resp = client.get("/events/987654")
    assert resp.status_code == 404
    assert "페이지를 찾을 수 없습니다" in resp.get_data(as_text=True)
