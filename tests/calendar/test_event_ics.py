"""GET /events/<id>/calendar.ics: the event page's "add to calendar" file."""

from __future__ import annotations

import datetime as dt

import icalendar

from app.extensions import db
from app.models import EventStatus, Role
from tests.factories import PASSWORD, make_cluster, make_event, make_user


def _get(client, event_id, **headers):
    return client.get(f"/events/{event_id}/calendar.ics", headers=headers)


def test_published_event_downloads_as_valid_icalendar_with_seoul_times(app, client):
    event = make_event(
        make_cluster(), status=EventStatus.PUBLISHED, title_ko="마곡 네트워킹", venue_name="마곡 R&D센터"
    )
    db.session.commit()
    response = _get(client, event.id)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    cal = icalendar.Calendar.from_ical(response.data)
    assert cal["METHOD"] == "PUBLISH" and str(cal["X-WR-TIMEZONE"]) == "Asia/Seoul"
    [vevent] = cal.walk("VEVENT")
    assert str(vevent["SUMMARY"]) == "마곡 네트워킹" and "마곡 R&D센터" in str(vevent["LOCATION"])
    assert vevent["DTSTART"].params["TZID"] == "Asia/Seoul"
    assert vevent.decoded("DTSTART") == event.starts_at
    assert str(vevent["URL"]) == f"http://localhost/events/{event.id}"
    assert "calendar.ics" in client.get(f"/events/{event.id}").get_data(as_text=True)


def test_uid_is_stable_across_edits_and_sequence_follows_the_event(app, client):
    event = make_event(make_cluster(), status=EventStatus.PUBLISHED)
    db.session.commit()
    first = icalendar.Calendar.from_ical(_get(client, event.id).data).walk("VEVENT")[0]
    event.starts_at += dt.timedelta(hours=1)
    event.ends_at += dt.timedelta(hours=1)
    event.title_ko = "바뀐 제목"
    event.sequence += 1
    db.session.commit()
    second = icalendar.Calendar.from_ical(_get(client, event.id).data).walk("VEVENT")[0]
    assert second["UID"] == first["UID"]
    assert int(second["SEQUENCE"]) == int(first["SEQUENCE"]) + 1
    assert second.decoded("DTSTART") == first.decoded("DTSTART") + dt.timedelta(hours=1)


def test_etag_gives_304_until_the_event_changes(app, client):
    event = make_event(make_cluster(), status=EventStatus.PUBLISHED)
    db.session.commit()
    etag = _get(client, event.id).headers["ETag"]
    assert _get(client, event.id, **{"If-None-Match": etag}).status_code == 304
    event.venue_name = "새 장소"
    db.session.commit()
    assert _get(client, event.id, **{"If-None-Match": etag}).status_code == 200


def test_cancelled_event_file_says_cancelled(app, client):
    event = make_event(make_cluster(), status=EventStatus.CANCELLED)
    db.session.commit()
    vevent = icalendar.Calendar.from_ical(_get(client, event.id).data).walk("VEVENT")[0]
    assert vevent["STATUS"] == "CANCELLED"


def test_draft_is_hidden_from_the_public_and_shown_to_its_staff(app, client, auth):
    cluster = make_cluster()
    event = make_event(cluster, status=EventStatus.DRAFT)
    make_user(Role.STAFF, clusters=[cluster], email="staff@moim.example")
    make_user(Role.STAFF, clusters=[make_cluster()], email="other@moim.example")
    db.session.commit()
    assert _get(client, event.id).status_code == 404
    auth.login("other@moim.example", PASSWORD)
    assert _get(client, event.id).status_code == 404
    auth.logout()
    auth.login("staff@moim.example", PASSWORD)
    assert _get(client, event.id).status_code == 200
    assert _get(client, 999999).status_code == 404
