"""HTTP behaviour of every .ics response (app/calendar/http.py): ETag, 304, HEAD, caching, no cookies."""

from __future__ import annotations

import datetime as dt

from flask import session
from werkzeug.http import http_date, parse_date

from app.calendar.http import feed_response
from app.extensions import db
from app.models import EventStatus, Role
from tests.calendar.feed_helpers import forget_built_calendars, parse_both
from tests.factories import PASSWORD, make_cluster, make_event, make_user

FEED = "/calendar/all.ics"


def test_public_feed_headers(app, client):
    event = make_event(make_cluster(), title_ko="헤더 확인 행사")
    db.session.commit()
    response = client.get(FEED)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"] == "public, max-age=900"
    assert "X-Robots-Tag" not in response.headers
    assert response.headers["Content-Disposition"] == 'inline; filename="moim-all.ics"'
    etag = response.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")  # strong
    # Last-Modified: the latest change of an event in the feed, to the second.
    assert response.headers["Last-Modified"] == http_date(event.updated_at.replace(microsecond=0))
    parse_both(response.data)


def test_if_none_match_gives_304_until_something_changes(app, client):
    event = make_event(make_cluster())
    db.session.commit()
    first = client.get(FEED)
    etag = first.headers["ETag"]
    again = client.get(FEED, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag and again.headers["Cache-Control"] == "public, max-age=900"
    assert client.get(FEED, headers={"If-None-Match": f'"other", {etag}'}).status_code == 304
    assert client.get(FEED, headers={"If-None-Match": "*"}).status_code == 304

    event.title_ko = "제목이 바뀐 행사"
    db.session.commit()
    changed = client.get(FEED, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "제목이 바뀐 행사".encode() in changed.data
    assert changed.headers["ETag"] != etag


def test_if_modified_since_gives_304_then_200_after_a_change(app, client):
    event = make_event(make_cluster())
    db.session.commit()
    last_modified = client.get(FEED).headers["Last-Modified"]
    assert client.get(FEED, headers={"If-Modified-Since": last_modified}).status_code == 304
    later = http_date(parse_date(last_modified) + dt.timedelta(hours=1))
    assert client.get(FEED, headers={"If-Modified-Since": later}).status_code == 304
    earlier = http_date(parse_date(last_modified) - dt.timedelta(seconds=1))
    assert client.get(FEED, headers={"If-Modified-Since": earlier}).status_code == 200

    event.updated_at = parse_date(last_modified) + dt.timedelta(seconds=5)  # a change 5 s later
    db.session.commit()
    assert client.get(FEED, headers={"If-Modified-Since": last_modified}).status_code == 200


def test_if_none_match_wins_over_if_modified_since(app, client):
    make_event(make_cluster())
    db.session.commit()
    first = client.get(FEED)
    etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]
    long_ago = http_date(dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    # A stale ETag: 200 although the date says "not modified".
    assert client.get(FEED, headers={"If-None-Match": '"stale"', "If-Modified-Since": last_modified}).status_code == 200
    # The current ETag: 304 although the date alone would say "modified".
    assert client.get(FEED, headers={"If-None-Match": etag, "If-Modified-Since": long_ago}).status_code == 304


def test_head_has_the_headers_of_get_without_a_body(app, client):
    make_event(make_cluster(), title_ko="HEAD 확인")
    db.session.commit()
    get = client.get(FEED)
    head = client.head(FEED)
    assert head.status_code == 200 and head.data == b""
    for name in ("Content-Type", "ETag", "Last-Modified", "Cache-Control", "Content-Disposition"):
        assert head.headers[name] == get.headers[name], name
    assert int(head.headers["Content-Length"]) == len(get.data)
    assert client.head(FEED, headers={"If-None-Match": get.headers["ETag"]}).status_code == 304

    forget_built_calendars()  # HEAD before any GET builds the same body (the length is right)
    assert int(client.head(FEED).headers["Content-Length"]) == len(get.data)


def test_a_304_never_builds_and_an_unchanged_feed_is_built_once(app):
    builds = []

    def build():
        builds.append(1)
        return b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"

    app.add_url_rule(
        "/_test/feed.ics",
        "test_feed",
        lambda: feed_response(build, etag_basis="test-basis", last_modified=None, private=False, filename="t.ics"),
    )
    client = app.test_client()
    etag = client.get("/_test/feed.ics").headers["ETag"]
    assert len(builds) == 1
    assert client.get("/_test/feed.ics", headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/_test/feed.ics").status_code == 200
    assert len(builds) == 1  # the 304 did not build, the second full download came from memory


def test_private_feed_headers_and_no_shared_body_cache(app):
    builds = []

    def view():
        session["touched"] = "yes"  # as an extension might do; must not become a cookie
        return feed_response(
            lambda: builds.append(1) or b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
            etag_basis="token-42",
            last_modified=dt.datetime(2026, 12, 1, 9, 30, 15, 999, tzinfo=dt.UTC),
            private=True,
            filename="moim-me.ics",
        )

    app.add_url_rule("/_test/private.ics", "test_private_feed", view)
    client = app.test_client()
    response = client.get("/_test/private.ics")
    assert response.headers["Cache-Control"] == "private, max-age=900"
    assert response.headers["X-Robots-Tag"] == "noindex"
    assert response.headers["Last-Modified"] == "Tue, 01 Dec 2026 09:30:15 GMT"
    assert response.headers.getlist("Set-Cookie") == []
    client.get("/_test/private.ics")
    assert len(builds) == 2  # private bodies are not kept in memory unless the caller asks
    not_modified = client.get("/_test/private.ics", headers={"If-None-Match": response.headers["ETag"]})
    assert not_modified.status_code == 304 and not_modified.headers["X-Robots-Tag"] == "noindex"
    assert len(builds) == 2


def test_feeds_never_set_a_session_cookie(app, client, auth):
    """A signed-in browser (session cookie sent) downloading .ics files gets no Set-Cookie.

    The control: the same browser with another User-Agent makes Flask-Login's session
    protection mark the session non-fresh, which makes an HTML page set the cookie again;
    the draft's .ics (which reads current_user to decide visibility) must not.
    """
    cluster = make_cluster()
    draft = make_event(cluster, status=EventStatus.DRAFT, title_ko="쿠키 확인 초안")
    make_event(cluster, title_ko="쿠키 확인 공개")
    make_user(Role.STAFF, clusters=[cluster], email="cookie-staff@moim.example")
    db.session.commit()
    auth.login("cookie-staff@moim.example", PASSWORD)
    assert client.get_cookie("session") is not None
    other_browser = {"User-Agent": "CalendarAgent/1.0"}

    page = client.get(f"/events/{draft.id}", headers=other_browser)
    assert page.status_code == 200 and page.headers.getlist("Set-Cookie")  # the control

    auth.logout()  # a fresh session again, so the next request would mark it non-fresh
    auth.login("cookie-staff@moim.example", PASSWORD)
    ics = client.get(f"/events/{draft.id}/calendar.ics", headers=other_browser)
    assert ics.status_code == 200 and "쿠키 확인 초안".encode() in ics.data
    assert ics.headers.getlist("Set-Cookie") == []
    assert ics.headers["Cache-Control"] == "private, max-age=900" and ics.headers["X-Robots-Tag"] == "noindex"

    for path in (FEED, f"/calendar/clusters/{cluster.slug}.ics", "/calendar/all.ics?kind=forum"):
        response = client.get(path, headers=other_browser)
        assert response.status_code == 200, path
        assert response.headers.getlist("Set-Cookie") == [], path
        assert "Cookie" not in response.headers.get("Vary", ""), path
    assert client.get("/calendar/all.ics?kind=bogus", headers=other_browser).headers.getlist("Set-Cookie") == []
    # The session itself still works afterwards.
    assert client.get(f"/events/{draft.id}/calendar.ics").status_code == 200


def test_event_ics_of_a_published_event_is_public(app, client):
    event = make_event(make_cluster())
    db.session.commit()
    response = client.get(f"/events/{event.id}/calendar.ics")
    assert response.headers["Cache-Control"] == "public, max-age=900"
    assert response.headers["Last-Modified"] == http_date(event.updated_at.replace(microsecond=0))
    assert (
        client.head(f"/events/{event.id}/calendar.ics", headers={"If-None-Match": response.headers["ETag"]}).status_code
        == 304
    )
