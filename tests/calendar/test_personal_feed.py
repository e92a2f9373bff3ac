"""GET /calendar/feed/<token>.ics with a personal token: the events one person is registered for."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from werkzeug.http import http_date, parse_date

from app.calendar import feeds_personal as feeds
from app.events.registration import AttendeeData, cancel, promote, replace_attendee
from app.extensions import db
from app.ics import event_uid
from app.models import CalendarToken, EventStatus, RegistrationStatus, Role, utcnow
from tests.calendar.feed_helpers import forget_built_calendars, parse_both, vevents
from tests.calendar.personal_helpers import get_feed, new_feed_token
from tests.factories import PASSWORD, make_company, make_event, make_registration, make_user
from tests.helpers import see_committed
from tests.query_counter import count_queries

CONFIRMED, WAITLISTED, CANCELLED = (
    RegistrationStatus.CONFIRMED,
    RegistrationStatus.WAITLISTED,
    RegistrationStatus.CANCELLED,
)


def _kim(**kw):
    return make_user(Role.MEMBER, email="kim@example.com", name="김민지", **kw)


def _description(vevent) -> str:
    return str(vevent["DESCRIPTION"])


def test_confirmed_waitlisted_and_cancelled_registrations_with_waitlist_position(app, client):
    kim = _kim()
    company = kim.company
    now = utcnow()
    seated = make_event(title_ko="확정 행사")
    waiting = make_event(title_ko="대기 행사", capacity=1)
    dropped = make_event(title_ko="취소한 행사")
    make_registration(seated, company, email="Kim@Example.com")  # addresses compare case-insensitively
    make_registration(waiting, None, email="a@example.com", status=WAITLISTED, created_at=now - dt.timedelta(hours=3))
    make_registration(waiting, None, email="b@example.com", status=WAITLISTED, created_at=now - dt.timedelta(hours=2))
    make_registration(
        waiting, company, email="kim@example.com", status=WAITLISTED, created_at=now - dt.timedelta(hours=1)
    )
    make_registration(waiting, None, email="c@example.com", status=WAITLISTED, created_at=now)
    make_registration(dropped, company, email="kim@example.com", status=CANCELLED, cancelled_at=now)
    # Not Kim's attendance: a colleague Kim registered, and a draft (never in any feed).
    make_registration(make_event(title_ko="동료 행사"), company, email="lee@example.com", registered_by=kim)
    make_registration(make_event(title_ko="초안 행사", status=EventStatus.DRAFT), company, email="kim@example.com")
    db.session.commit()

    response = get_feed(client, new_feed_token(kim))
    assert response.status_code == 200
    events = vevents(response.data)  # icalendar and vobject (validating) both accept it
    assert set(events) == {"확정 행사", "대기 행사", "취소한 행사"}
    assert events["확정 행사"]["STATUS"] == "CONFIRMED"
    assert events["대기 행사"]["STATUS"] == "TENTATIVE"
    assert "대기 순번 3번" in _description(events["대기 행사"])
    assert events["취소한 행사"]["STATUS"] == "CANCELLED"
    assert int(events["취소한 행사"]["SEQUENCE"]) == dropped.sequence + 1
    assert int(events["확정 행사"]["SEQUENCE"]) == seated.sequence
    assert str(events["확정 행사"]["UID"]) == event_uid(seated)
    cal, _vcal = parse_both(response.data)
    assert str(cal["X-WR-CALNAME"]) == "Moim · 내 행사"


def test_uid_stays_and_sequence_follows_the_event_across_downloads_and_edits(app, client):
    kim = _kim()
    event = make_event(title_ko="바뀌는 행사")
    make_registration(event, kim.company, email=kim.email)
    db.session.commit()
    plain = new_feed_token(kim)
    first = vevents(get_feed(client, plain).data)["바뀌는 행사"]
    again = vevents(get_feed(client, plain).data)["바뀌는 행사"]
    assert again.to_ical() == first.to_ical()

    event.starts_at += dt.timedelta(hours=2)
    event.ends_at += dt.timedelta(hours=2)
    event.venue_name = "마곡 R&D센터"
    event.sequence += 1
    db.session.commit()
    edited = vevents(get_feed(client, plain).data)["바뀌는 행사"]
    assert edited["UID"] == first["UID"] == event_uid(event)
    assert int(edited["SEQUENCE"]) == int(first["SEQUENCE"]) + 1 == event.sequence
    assert edited.decoded("DTSTART") == first.decoded("DTSTART") + dt.timedelta(hours=2)
    assert "마곡 R&D센터" in str(edited["LOCATION"])


def test_registering_again_after_a_cancellation_raises_sequence_again(app, client):
    kim = _kim()
    event = make_event(title_ko="다시 신청한 행사")
    make_registration(event, kim.company, email=kim.email, status=CANCELLED, cancelled_at=utcnow())
    make_registration(event, kim.company, email=kim.email)
    db.session.commit()
    body = get_feed(client, new_feed_token(kim)).data
    cal, _ = parse_both(body)
    [vevent] = cal.walk("VEVENT")  # one VEVENT per UID, however many registrations
    assert vevent["STATUS"] == "CONFIRMED"
    # registered (0) -> cancelled (1) -> registered again (2): each state supersedes the last.
    assert int(vevent["SEQUENCE"]) == event.sequence + 2


def test_cancellations_stay_30_days_and_past_events_90_days(app, client):
    kim = _kim()
    now = utcnow()
    recent = make_event(title_ko="최근 취소")
    old = make_event(title_ko="오래전 취소")
    make_registration(recent, kim.company, email=kim.email, status=CANCELLED, cancelled_at=now - dt.timedelta(days=29))
    make_registration(old, kim.company, email=kim.email, status=CANCELLED, cancelled_at=now - dt.timedelta(days=31))
    called_off = make_event(
        title_ko="최근 취소된 행사", status=EventStatus.CANCELLED, sequence=1, updated_at=now - dt.timedelta(days=29)
    )
    long_off = make_event(
        title_ko="오래전 취소된 행사", status=EventStatus.CANCELLED, sequence=1, updated_at=now - dt.timedelta(days=31)
    )
    make_registration(called_off, kim.company, email=kim.email)
    make_registration(long_off, kim.company, email=kim.email)
    make_registration(
        make_event(title_ko="지난 행사", starts_in=dt.timedelta(days=-89, hours=-3)), kim.company, email=kim.email
    )
    make_registration(
        make_event(title_ko="아주 지난 행사", starts_in=dt.timedelta(days=-91)), kim.company, email=kim.email
    )
    db.session.commit()

    events = vevents(get_feed(client, new_feed_token(kim)).data)
    assert set(events) == {"최근 취소", "최근 취소된 행사", "지난 행사"}
    assert events["최근 취소된 행사"]["STATUS"] == "CANCELLED"
    assert int(events["최근 취소된 행사"]["SEQUENCE"]) == 1  # the event's own bump; Kim never cancelled

    # The same rows a day later and two days later, through the service (it takes `now`).
    titles = lambda at: {e.event.title_ko for e in feeds.personal_entries(kim, at)}  # noqa: E731
    assert titles(now + dt.timedelta(hours=22)) == {"최근 취소", "최근 취소된 행사", "지난 행사"}
    assert titles(now + dt.timedelta(days=2)) == set()


def test_cancelled_event_after_own_cancellation_keeps_the_cancellation_date(app):
    kim = _kim()
    now = utcnow()
    event = make_event(title_ko="둘 다 취소", status=EventStatus.CANCELLED, updated_at=now)
    make_registration(event, kim.company, email=kim.email, status=CANCELLED, cancelled_at=now - dt.timedelta(days=40))
    db.session.commit()
    # Kim left 40 days ago: her calendar dropped the event then; a later event cancellation
    # does not bring it back.
    assert feeds.personal_entries(kim, now) == []


def test_etag_and_content_follow_promotion_cancellation_and_swap(app, client):
    kim = _kim()
    other = make_company()
    event = make_event(title_ko="정원 1명 행사", capacity=1)
    holder = make_registration(event, other, email="seat@example.com", created_at=utcnow() - dt.timedelta(hours=1))
    mine = make_registration(event, kim.company, email=kim.email, status=WAITLISTED)
    db.session.commit()
    plain = new_feed_token(kim)

    first = get_feed(client, plain)
    etag = first.headers["ETag"]
    assert "대기 순번 1번" in _description(vevents(first.data)["정원 1명 행사"])
    assert get_feed(client, plain, **{"If-None-Match": etag}).status_code == 304

    cancel(holder.id, now=utcnow())  # frees the seat: Kim is promoted
    db.session.commit()
    promoted = get_feed(client, plain, **{"If-None-Match": etag})
    assert promoted.status_code == 200 and promoted.headers["ETag"] != etag
    assert vevents(promoted.data)["정원 1명 행사"]["STATUS"] == "CONFIRMED"
    etag = promoted.headers["ETag"]

    # A colleague takes Kim's place: the event leaves Kim's feed, and the ETag moves.
    see_committed()
    replace_attendee(
        mine.id,
        AttendeeData(name="이도윤", email="lee@example.com"),
        company=kim.company,
        consent_version="v1",
        now=utcnow(),
    )
    db.session.commit()
    swapped = get_feed(client, plain, **{"If-None-Match": etag})
    assert swapped.status_code == 200 and swapped.headers["ETag"] != etag
    assert vevents(swapped.data) == {}


def test_etag_follows_own_cancellation_and_a_place_ahead_moving(app, client):
    kim = _kim()
    event = make_event(title_ko="대기 행사", capacity=1)
    make_registration(event, None, email="seat@example.com")
    ahead = make_registration(
        event, None, email="ahead@example.com", status=WAITLISTED, created_at=utcnow() - dt.timedelta(hours=1)
    )
    mine = make_registration(event, kim.company, email=kim.email, status=WAITLISTED)
    db.session.commit()
    plain = new_feed_token(kim)
    first = get_feed(client, plain)
    assert "대기 순번 2번" in _description(vevents(first.data)["대기 행사"])

    cancel(ahead.id, now=utcnow())  # someone else's row: Kim's position changes all the same
    db.session.commit()
    moved = get_feed(client, plain, **{"If-None-Match": first.headers["ETag"]})
    assert moved.status_code == 200
    assert "대기 순번 1번" in _description(vevents(moved.data)["대기 행사"])

    cancel(mine.id, now=utcnow())
    db.session.commit()
    gone = get_feed(client, plain, **{"If-None-Match": moved.headers["ETag"]})
    assert gone.status_code == 200
    vevent = vevents(gone.data)["대기 행사"]
    assert vevent["STATUS"] == "CANCELLED" and int(vevent["SEQUENCE"]) == event.sequence + 1


def test_staff_promotion_changes_the_etag(app, client):
    kim = _kim()
    event = make_event(title_ko="자리 난 행사", capacity=2)
    make_registration(event, None, email="seat@example.com")
    mine = make_registration(event, kim.company, email=kim.email, status=WAITLISTED)
    db.session.commit()
    plain = new_feed_token(kim)
    etag = get_feed(client, plain).headers["ETag"]
    promote(mine.id, now=utcnow())
    db.session.commit()
    response = get_feed(client, plain, **{"If-None-Match": etag})
    assert response.status_code == 200
    assert vevents(response.data)["자리 난 행사"]["STATUS"] == "CONFIRMED"


def test_if_modified_since_gives_304_and_moves_when_an_event_leaves_the_feed(app, client):
    kim = _kim()
    event = make_event(title_ko="교체될 행사")
    mine = make_registration(event, kim.company, email=kim.email)
    db.session.commit()
    plain = new_feed_token(kim)
    first = get_feed(client, plain)
    last_modified = first.headers["Last-Modified"]
    assert get_feed(client, plain, **{"If-Modified-Since": last_modified}).status_code == 304
    later = http_date(parse_date(last_modified) + dt.timedelta(hours=1))
    assert get_feed(client, plain, **{"If-Modified-Since": later}).status_code == 304

    # Replacing Kim removes a row from her feed: no remaining row's updated_at shows it, the
    # stored Last-Modified does (a second later at least, even within the same second).
    replace_attendee(
        mine.id,
        AttendeeData(name="이도윤", email="lee@example.com"),
        company=kim.company,
        consent_version="v1",
        now=utcnow(),
    )
    db.session.commit()
    changed = get_feed(client, plain, **{"If-Modified-Since": last_modified})
    assert changed.status_code == 200
    assert parse_date(changed.headers["Last-Modified"]) > parse_date(last_modified)
    assert get_feed(client, plain, **{"If-Modified-Since": changed.headers["Last-Modified"]}).status_code == 304


def test_fingerprint_changes_when_an_entry_ages_out(app):
    kim = _kim()
    now = utcnow()
    make_registration(make_event(title_ko="취소"), kim.company, email=kim.email, status=CANCELLED, cancelled_at=now)
    db.session.commit()
    token, _plain = feeds.issue_token(kim, now=now)
    db.session.commit()
    inside = feeds.feed_fingerprint(token, now + dt.timedelta(days=29))
    assert feeds.feed_fingerprint(token, now + dt.timedelta(days=29, hours=1)) == inside
    assert feeds.feed_fingerprint(token, now + dt.timedelta(days=31)) != inside


def test_head_has_the_headers_without_the_body(app, client):
    kim = _kim()
    make_registration(make_event(), kim.company, email=kim.email)
    db.session.commit()
    plain = new_feed_token(kim)
    full = get_feed(client, plain)
    head = get_feed(client, plain, method="HEAD")
    assert head.status_code == 200 and head.data == b""
    for name in ("ETag", "Last-Modified", "Content-Type", "Cache-Control"):
        assert head.headers[name] == full.headers[name]
    assert get_feed(client, plain, method="HEAD", **{"If-None-Match": full.headers["ETag"]}).status_code == 304


def test_private_headers_and_no_cookie_even_for_a_signed_in_browser(app, client, auth):
    kim = _kim()
    make_registration(make_event(), kim.company, email=kim.email)
    db.session.commit()
    plain = new_feed_token(kim)
    auth.login("kim@example.com", PASSWORD)  # the client now sends a session cookie
    assert client.get_cookie("session") is not None
    responses = [
        get_feed(client, plain),
        get_feed(client, plain, **{"User-Agent": "Google-Calendar-Importer"}),  # trips session protection
        get_feed(client, "A" * 43),
    ]
    responses.append(get_feed(client, plain, **{"If-None-Match": responses[0].headers["ETag"]}))
    for response in responses:
        assert "Set-Cookie" not in response.headers, response.headers
        assert response.headers["X-Robots-Tag"] == "noindex"
    full = responses[0]
    assert full.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert full.headers["Cache-Control"].startswith("private, max-age=")
    assert responses[3].status_code == 304 and responses[3].headers["Cache-Control"].startswith("private")
    # The browser session survived the feed requests.
    assert client.get("/calendar/me").status_code == 200


def _without_request_id(headers) -> list:
    return [(k, v) for k, v in headers.items() if k != "X-Request-ID"]


def test_unknown_malformed_revoked_and_deactivated_tokens_get_the_same_404(app, client):
    kim = _kim()
    gone = make_user(Role.MEMBER, email="gone@example.com")
    make_registration(make_event(), kim.company, email=kim.email)
    db.session.commit()
    plain = new_feed_token(kim)
    leaver = make_user(Role.MEMBER, email="rev@example.com")
    revoked = new_feed_token(leaver)
    feeds.revoke(leaver, now=utcnow())
    deactivated = new_feed_token(gone)
    gone.is_active_account = False
    db.session.commit()

    unknown = "B" * 43
    candidates = [unknown, revoked, deactivated, "short", "A" * 44, "A" * 42 + "!", plain.upper()]
    responses = [get_feed(client, token) for token in candidates]
    for response in responses:
        assert response.status_code == 404
        assert response.data == responses[0].data == b"Not Found\n"
        # Alike but for the request id, which every response has its own of.
        assert _without_request_id(response.headers) == _without_request_id(responses[0].headers)
        assert "Set-Cookie" not in response.headers
    assert client.get(f"/calendar/feed/.ics?token={plain}").status_code == 404  # never the query string
    assert get_feed(client, plain).status_code == 200


def _token_id(plain: str) -> int:
    return db.session.scalar(
        db.select(CalendarToken.id).where(CalendarToken.token_hash == hashlib.sha256(plain.encode()).hexdigest())
    )


def test_rotation_stops_the_old_url_at_once_and_revocation_stops_the_new(app, client):
    kim = _kim()
    make_registration(make_event(), kim.company, email=kim.email)
    db.session.commit()
    old = new_feed_token(kim)
    assert get_feed(client, old).status_code == 200
    _row, new = feeds.rotate(kim, now=utcnow())
    db.session.commit()
    assert get_feed(client, old).status_code == 404
    assert get_feed(client, new).status_code == 200
    assert feeds.revoke(kim, now=utcnow()) is True
    db.session.commit()
    assert get_feed(client, new).status_code == 404
    assert feeds.revoke(kim, now=utcnow()) is False  # twice is a no-op
    with pytest.raises(feeds.FeedTokenError):
        feeds.rotate(kim, now=utcnow())  # nothing to rotate


def test_tokens_are_random_256_bit_and_stored_only_as_hashes(app):
    kim = _kim()
    db.session.commit()
    row, plain = feeds.issue_token(kim, now=utcnow())
    db.session.commit()
    assert len(plain) == 43 and feeds.lookup(plain).id == row.id
    assert row.token_hash == hashlib.sha256(plain.encode()).hexdigest()
    stored = db.session.execute(db.select(CalendarToken.__table__)).all()
    assert all(plain not in str(value) for stored_row in stored for value in stored_row)
    _row2, other = feeds.issue_token(kim, now=utcnow())  # issuing again replaces: one active token
    db.session.commit()
    assert other != plain and feeds.lookup(plain) is None
    assert (
        db.session.scalar(
            db.select(db.func.count())
            .select_from(CalendarToken)
            .where(CalendarToken.user_id == kim.id, CalendarToken.revoked_at.is_(None))
        )
        == 1
    )


def test_malformed_tokens_never_reach_the_database(app):
    with count_queries(db.engine) as statements:
        for token in ("", "short", "A" * 44, "A" * 42 + "/", "A" * 42 + "é", None):
            assert feeds.lookup(token) is None
    assert statements == []


def test_last_used_is_written_at_most_once_an_hour(app, client):
    kim = _kim()
    make_registration(make_event(), kim.company, email=kim.email)
    db.session.commit()
    plain = new_feed_token(kim)
    token_id = _token_id(plain)
    get_feed(client, plain)
    see_committed()
    first_use = db.session.get(CalendarToken, token_id).last_used_at
    assert first_use is not None

    with count_queries(db.engine) as statements:
        assert get_feed(client, plain).status_code == 200
        assert get_feed(client, plain, **{"If-None-Match": '"nope"'}).status_code == 200
    assert not [s for s in statements if s.lstrip().upper().startswith("UPDATE")]
    see_committed()
    assert db.session.get(CalendarToken, token_id).last_used_at == first_use

    db.session.get(CalendarToken, token_id).last_used_at = utcnow() - dt.timedelta(hours=2)
    db.session.commit()
    get_feed(client, plain)
    see_committed()
    assert db.session.get(CalendarToken, token_id).last_used_at > first_use - dt.timedelta(seconds=1)
    assert utcnow() - db.session.get(CalendarToken, token_id).last_used_at < dt.timedelta(minutes=1)


def _feed_queries(client, plain: str, **headers) -> int:
    forget_built_calendars()
    with count_queries(db.engine) as statements:
        response = get_feed(client, plain, **headers)
    assert response.status_code in (200, 304)
    return len(statements)


def _registered_for(user, n: int) -> None:
    now = utcnow()
    for i in range(n):
        event = make_event(title_ko=f"{user.name} 행사 {i}", capacity=1)
        status = (CONFIRMED, WAITLISTED, CANCELLED)[i % 3]
        if status == WAITLISTED:
            make_registration(event, None, email=f"ahead-{user.id}-{i}@example.com")
        make_registration(
            event, user.company, email=user.email, status=status, cancelled_at=now if status == CANCELLED else None
        )


def test_queries_per_feed_do_not_grow_with_events(app, client):
    few, many = _kim(), make_user(Role.MEMBER, email="lee@example.com", name="이도윤")
    _registered_for(few, 5)
    _registered_for(many, 50)
    db.session.commit()
    counts = {}
    for user, n in ((few, 5), (many, 50)):
        plain = new_feed_token(user)
        get_feed(client, plain)  # the first download records the fingerprint and last use
        full = _feed_queries(client, plain)
        etag = get_feed(client, plain).headers["ETag"]
        not_modified = _feed_queries(client, plain, **{"If-None-Match": etag})
        assert len(vevents(get_feed(client, plain).data)) == n
        counts[n] = (full, not_modified)
    assert counts[5] == counts[50]
    full, not_modified = counts[50]
    # 304: token and owner (one joined query) + the fingerprint; full: + rows + waitlist places
    # + 1:1 meetings
    assert not_modified == 2 and full <= 5
