"""GET /calendar/feed/<token>.ics with a company token: every event the company's people attend."""

from __future__ import annotations

import datetime as dt

from app.calendar import feeds_personal as feeds
from app.events.registration import AttendeeData, cancel, replace_attendee
from app.extensions import db
from app.ics import event_uid
from app.models import EventStatus, RegistrationStatus, Role, utcnow
from tests.calendar.feed_helpers import forget_built_calendars, parse_both, vevents
from tests.calendar.personal_helpers import get_feed, new_feed_token
from tests.factories import make_company, make_event, make_registration, make_user
from tests.helpers import see_committed
from tests.query_counter import count_queries

CONFIRMED, WAITLISTED, CANCELLED = (
    RegistrationStatus.CONFIRMED,
    RegistrationStatus.WAITLISTED,
    RegistrationStatus.CANCELLED,
)


def _ago(hours: float) -> dt.datetime:
    return utcnow() - dt.timedelta(hours=hours)


def test_one_entry_per_event_with_who_attends(app, client):
    company = make_company(name="(주)누리미디어랩")
    other = make_company(name="다른기업")
    full = make_event(title_ko="만석 행사", capacity=2)
    make_registration(full, company, name="김민지", email="kim@example.com", created_at=_ago(5))
    make_registration(full, other, name="박서준", email="park@example.com", created_at=_ago(4))
    make_registration(
        full,
        None,
        name="손님",
        email="guest@example.com",
        status=WAITLISTED,
        created_at=_ago(3),
        guest_company_name="외부기업",
    )
    make_registration(full, company, name="이도윤", email="lee@example.com", status=WAITLISTED, created_at=_ago(2))
    make_registration(full, company, name="최수아", email="choi@example.com", status=CANCELLED, cancelled_at=_ago(1))
    queued = make_event(title_ko="대기만 있는 행사", capacity=1)
    make_registration(queued, other, name="박서준", email="park@example.com")
    make_registration(queued, company, name="김민지", email="kim@example.com", status=WAITLISTED)
    make_registration(make_event(title_ko="다른 기업 행사"), other, name="박서준", email="park@example.com")
    make_registration(make_event(title_ko="초안", status=EventStatus.DRAFT), company, email="kim@example.com")
    db.session.commit()

    response = get_feed(client, new_feed_token(company))
    assert response.status_code == 200
    events = vevents(response.data)
    assert set(events) == {"만석 행사", "대기만 있는 행사"}
    assert events["만석 행사"]["STATUS"] == "CONFIRMED"
    assert "참석자: 김민지(확정), 이도윤(대기 2)" in str(events["만석 행사"]["DESCRIPTION"])
    assert "최수아" not in str(events["만석 행사"]["DESCRIPTION"])
    assert events["대기만 있는 행사"]["STATUS"] == "TENTATIVE"
    assert "참석자: 김민지(대기 1)" in str(events["대기만 있는 행사"]["DESCRIPTION"])
    assert str(events["만석 행사"]["UID"]) == event_uid(full)
    # Only the company's own people: no other company, no guest.
    assert b"park@example.com" not in response.data and "박서준" not in response.data.decode()
    assert "손님" not in response.data.decode()
    cal, _vcal = parse_both(response.data)
    assert str(cal["X-WR-CALNAME"]) == "Moim · (주)누리미디어랩 참가 행사"


def test_all_cancelled_or_event_cancelled_shows_cancelled_for_30_days(app, client):
    company = make_company()
    now = utcnow()
    left = make_event(title_ko="모두 취소한 행사")
    make_registration(left, company, name="김민지", email="kim@example.com", status=CANCELLED, cancelled_at=now)
    make_registration(
        left, company, name="이도윤", email="lee@example.com", status=CANCELLED, cancelled_at=now - dt.timedelta(days=2)
    )
    called_off = make_event(title_ko="취소된 행사", status=EventStatus.CANCELLED, sequence=1, updated_at=now)
    make_registration(called_off, company, name="김민지", email="kim@example.com")
    make_registration(
        make_event(
            title_ko="예전에 모두 취소",
        ),
        company,
        email="old@example.com",
        status=CANCELLED,
        cancelled_at=now - dt.timedelta(days=31),
    )
    db.session.commit()

    events = vevents(get_feed(client, new_feed_token(company)).data)
    assert set(events) == {"모두 취소한 행사", "취소된 행사"}
    assert events["모두 취소한 행사"]["STATUS"] == "CANCELLED"
    # Two registrations, two cancellations: SEQUENCE above every earlier state of the entry.
    assert int(events["모두 취소한 행사"]["SEQUENCE"]) == left.sequence + 3
    assert events["취소된 행사"]["STATUS"] == "CANCELLED" and int(events["취소된 행사"]["SEQUENCE"]) == 1
    assert "김민지(확정)" in str(events["취소된 행사"]["DESCRIPTION"])

    titles = lambda at: {e.event.title_ko for e in feeds.company_entries(company, at)}  # noqa: E731
    assert titles(now + dt.timedelta(days=29)) == {"모두 취소한 행사", "취소된 행사"}
    assert titles(now + dt.timedelta(days=31)) == set()


def test_etag_follows_cancellation_and_swap_of_a_colleague(app, client):
    company = make_company()
    event = make_event(title_ko="교체 행사", capacity=5)
    kim = make_registration(event, company, name="김민지", email="kim@example.com")
    lee = make_registration(event, company, name="이도윤", email="lee@example.com")
    db.session.commit()
    plain = new_feed_token(company)
    first = get_feed(client, plain)
    etag = first.headers["ETag"]
    assert get_feed(client, plain, **{"If-None-Match": etag}).status_code == 304
    assert get_feed(client, plain, **{"If-Modified-Since": first.headers["Last-Modified"]}).status_code == 304

    replace_attendee(
        kim.id,
        AttendeeData(name="박지훈", email="park@example.com"),
        company=company,
        consent_version="v1",
        now=utcnow(),
    )
    db.session.commit()
    swapped = get_feed(client, plain, **{"If-None-Match": etag})
    assert swapped.status_code == 200 and swapped.headers["ETag"] != etag
    assert "참석자: 박지훈(확정), 이도윤(확정)" in str(vevents(swapped.data)["교체 행사"]["DESCRIPTION"])

    see_committed()
    cancel(lee.id, now=utcnow())
    db.session.commit()
    cancelled = get_feed(client, plain, **{"If-None-Match": swapped.headers["ETag"]})
    assert cancelled.status_code == 200
    vevent = vevents(cancelled.data)["교체 행사"]
    assert "참석자: 박지훈(확정)" in str(vevent["DESCRIPTION"]) and "이도윤" not in str(vevent["DESCRIPTION"])
    assert int(vevent["SEQUENCE"]) == event.sequence + 2  # a second person registered, one cancelled


def test_deactivated_company_feed_is_a_404(app, client):
    company = make_company()
    make_registration(make_event(), company, email="kim@example.com")
    db.session.commit()
    plain = new_feed_token(company)
    assert get_feed(client, plain).status_code == 200
    company.is_active = False
    db.session.commit()
    response = get_feed(client, plain)
    assert response.status_code == 404 and response.data == get_feed(client, "C" * 43).data


def test_company_and_personal_tokens_are_independent(app, client):
    member = make_user(Role.MEMBER, email="kim@example.com")
    event = make_event(title_ko="함께 가는 행사")
    make_registration(event, member.company, name="김민지", email="kim@example.com")
    make_registration(event, member.company, name="이도윤", email="lee@example.com")
    db.session.commit()
    personal = new_feed_token(member)
    company = new_feed_token(member.company)
    feeds.revoke(member, now=utcnow())
    db.session.commit()
    assert get_feed(client, personal).status_code == 404
    response = get_feed(client, company)
    assert response.status_code == 200 and "이도윤(확정)" in response.data.decode("utf-8").replace("\r\n ", "")


def test_queries_per_company_feed_do_not_grow_with_events(app, client):
    counts = {}
    for n in (5, 50):
        company = make_company()
        for i in range(n):
            event = make_event(title_ko=f"행사 {n}-{i}", capacity=1)
            make_registration(event, company, name="김민지", email=f"kim{n}@example.com")
            make_registration(event, company, name="이도윤", email=f"lee{n}@example.com", status=WAITLISTED)
            if i % 4 == 0:
                make_registration(
                    event, company, name="최수아", email=f"choi{n}@example.com", status=CANCELLED, cancelled_at=utcnow()
                )
        db.session.commit()
        plain = new_feed_token(company)
        get_feed(client, plain)
        forget_built_calendars()
        with count_queries(db.engine) as full:
            response = get_feed(client, plain)
        assert len(vevents(response.data)) == n
        with count_queries(db.engine) as not_modified:
            assert get_feed(client, plain, **{"If-None-Match": response.headers["ETag"]}).status_code == 304
        counts[n] = (len(full), len(not_modified))
    assert counts[5] == counts[50]
    # Token, fingerprint, registrations with events, waitlist places, 1:1 meetings.
    assert counts[50][1] == 2 and counts[50][0] <= 5
