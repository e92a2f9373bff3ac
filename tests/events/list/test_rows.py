"""What the public lists show: drafts never, cancelled events marked in the upcoming list only,
and per row the Seoul date, kind, host cluster, venue, seats or waitlist and a closed state."""

import datetime as dt
from zoneinfo import ZoneInfo

from app.extensions import db
from app.models import EventKind, EventStatus, RegistrationStatus, utcnow
from tests.events.list.conftest import titles
from tests.factories import make_event, make_registration

KST = ZoneInfo("Asia/Seoul")


def _card(html: str, title: str) -> str:
    start = html.rindex('<article class="event-card">', 0, html.index(f">{title}</a>"))
    return html[start : html.index("</article>", start)]


def test_drafts_never_appear(clusters, client):
    make_event(clusters.dmc, title_ko="준비 중 행사", status=EventStatus.DRAFT)
    make_event(clusters.dmc, title_ko="지난 초안", status=EventStatus.DRAFT, starts_in=-dt.timedelta(days=5))
    db.session.commit()
    assert titles(client, "/events") == []
    assert titles(client, "/events/past") == []
    assert titles(client, "/events?q=초안") == []


def test_cancelled_events_stay_in_upcoming_marked_and_leave_past(clusters, client):
    """Chosen: a cancelled upcoming event is listed with "취소됨" so that people who planned to
    come learn of it; once over it is not listed among past events, which are events held."""
    make_event(clusters.dmc, title_ko="취소된 송년회", status=EventStatus.CANCELLED, capacity=10)
    make_event(clusters.dmc, title_ko="취소된 지난 모임", status=EventStatus.CANCELLED, starts_in=-dt.timedelta(days=5))
    db.session.commit()
    html = client.get("/events").get_data(as_text=True)
    card = _card(html, "취소된 송년회")
    assert '<span class="badge cancelled">취소됨</span>' in card
    assert "취소된 행사입니다." in card and "잔여" not in card
    assert titles(client, "/events/past") == []


def test_row_shows_seoul_date_kind_host_and_venue(clusters, client):
    make_event(
        clusters.guro,
        title_ko="G밸리 제조 포럼",
        kind=EventKind.FORUM,
        starts_at=dt.datetime(2031, 12, 4, 19, 0, tzinfo=KST),
        venue_name="G밸리 컨벤션홀",
    )
    db.session.commit()
    card = _card(client.get("/events").get_data(as_text=True), "G밸리 제조 포럼")
    assert "2031년 12월 4일 (목) 오후 7:00" in card
    assert "클러스터 간 포럼" in card
    assert "구로 G밸리" in card
    assert "G밸리 컨벤션홀" in card


def test_seats_left_full_with_waitlist_and_closed(clusters, client):
    open_event = make_event(clusters.dmc, title_ko="여유 있는 행사", capacity=3)
    make_registration(open_event)
    make_registration(open_event, status=RegistrationStatus.CANCELLED)
    full = make_event(clusters.dmc, title_ko="만석 행사", capacity=1)
    make_registration(full)
    make_registration(full, status=RegistrationStatus.WAITLISTED)
    make_registration(full, status=RegistrationStatus.WAITLISTED)
    make_event(
        clusters.dmc, title_ko="신청 끝난 행사", capacity=50, registration_closes_at=utcnow() - dt.timedelta(hours=1)
    )
    make_event(
        clusters.dmc,
        title_ko="진행 중 행사",
        capacity=50,
        starts_at=utcnow() - dt.timedelta(hours=1),
        ends_at=utcnow() + dt.timedelta(hours=1),
    )
    db.session.commit()
    html = client.get("/events").get_data(as_text=True)
    assert "잔여 2석" in _card(html, "여유 있는 행사")
    assert "마감" not in _card(html, "여유 있는 행사")
    full_card = _card(html, "만석 행사")
    assert "<strong>마감</strong>" in full_card and "대기 2명" in full_card
    for closed in ("신청 끝난 행사", "진행 중 행사"):  # an event under way is listed until it ends
        card = _card(html, closed)
        assert "<strong>신청 마감됨</strong>" in card and "잔여" not in card


def test_past_rows_show_the_registration_count(clusters, client):
    held = make_event(clusters.dmc, title_ko="지난 네트워킹", starts_in=-dt.timedelta(days=3))
    make_registration(held)
    make_registration(held)
    make_registration(held, status=RegistrationStatus.CANCELLED)
    db.session.commit()
    card = _card(client.get("/events/past").get_data(as_text=True), "지난 네트워킹")
    assert "참가 신청 2명" in card


def test_upcoming_and_past_split_at_the_end_time(clusters, client):
    now = utcnow()
    make_event(
        clusters.dmc,
        title_ko="막 끝난 행사",
        starts_at=now - dt.timedelta(hours=2),
        ends_at=now - dt.timedelta(minutes=1),
    )
    make_event(
        clusters.dmc,
        title_ko="곧 끝날 행사",
        starts_at=now - dt.timedelta(hours=2),
        ends_at=now + dt.timedelta(minutes=5),
    )
    db.session.commit()
    assert titles(client, "/events") == ["곧 끝날 행사"]
    assert titles(client, "/events/past") == ["막 끝난 행사"]
