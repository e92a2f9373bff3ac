"""Public calendar feeds: GET /calendar/all.ics and /calendar/clusters/<slug>.ics (?kind=)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import create_engine, select

from app.calendar import http, public
from app.events import manage
from app.extensions import db
from app.models import Event, EventKind, EventStatus, RegistrationStatus, Role, User, utcnow
from tests.calendar.feed_helpers import forget_built_calendars, parse_both, vevents
from tests.factories import make_cluster, make_company, make_event, make_registration, make_user
from tests.query_counter import count_queries

DAY = dt.timedelta(days=1)


def _feed(client, path: str) -> bytes:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    return response.data


def test_all_feed_is_valid_and_has_the_calendar_level_properties(app, client):
    make_event(
        make_cluster(name_ko="상암 DMC"),
        title_ko="송년 네트워킹",
        venue_name="DMC 첨단산업센터",
        description_ko="올해를 돌아보는 자리입니다.",
    )
    db.session.commit()
    body = _feed(client, "/calendar/all.ics")
    cal, vcal = parse_both(body)
    assert str(cal["VERSION"]) == "2.0" and str(cal["PRODID"]) and str(cal["CALSCALE"]) == "GREGORIAN"
    assert cal["METHOD"] == "PUBLISH"
    assert str(cal["NAME"]) == "Moim 전체 행사" and str(cal["X-WR-CALNAME"]) == "Moim 전체 행사"
    assert str(cal["X-WR-TIMEZONE"]) == "Asia/Seoul"
    assert b"\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in body
    assert b"\r\nX-PUBLISHED-TTL:PT1H\r\n" in body
    [timezone] = cal.walk("VTIMEZONE")
    assert str(timezone["TZID"]) == "Asia/Seoul"
    assert body.index(b"BEGIN:VTIMEZONE") < body.index(b"BEGIN:VEVENT")
    assert vcal.x_wr_calname.value == "Moim 전체 행사"

    vevent = vevents(body)["송년 네트워킹"]
    for name in (
        "UID",
        "DTSTAMP",
        "CREATED",
        "LAST-MODIFIED",
        "SEQUENCE",
        "DTSTART",
        "DTEND",
        "SUMMARY",
        "LOCATION",
        "URL",
        "DESCRIPTION",
        "CATEGORIES",
        "ORGANIZER",
        "STATUS",
    ):
        assert name in vevent, name
    assert vevent["DTSTART"].params["TZID"] == "Asia/Seoul" and vevent["DTEND"].params["TZID"] == "Asia/Seoul"
    assert vevent["STATUS"] == "CONFIRMED"
    assert "올해를 돌아보는 자리입니다." in str(vevent["DESCRIPTION"])
    assert "네트워킹 나이트" in str(vevent["DESCRIPTION"])  # Korean, whatever the UI language
    assert [str(c) for c in vevent["CATEGORIES"].cats] == ["네트워킹 나이트", "상암 DMC"]


def test_an_empty_feed_is_still_valid_icalendar(app, client):
    """RFC 5545 wants at least one component: the VTIMEZONE is always there."""
    cal, _vcal = parse_both(_feed(client, "/calendar/all.ics"))
    assert cal.walk("VEVENT") == [] and len(cal.walk("VTIMEZONE")) == 1


def test_window_drafts_and_cancellations(app, client):
    cluster = make_cluster()
    make_event(cluster, title_ko="다음 주 행사")
    make_event(cluster, title_ko="내년 행사", starts_in=300 * DAY)
    make_event(cluster, title_ko="열흘 전 행사", starts_in=-10 * DAY)
    make_event(cluster, title_ko="89일 전 끝난 행사", starts_in=-89 * DAY - dt.timedelta(hours=2))
    make_event(cluster, title_ko="100일 전 행사", starts_in=-100 * DAY)
    make_event(cluster, title_ko="비밀 초안", status=EventStatus.DRAFT)
    make_event(cluster, title_ko="어제 취소", status=EventStatus.CANCELLED, sequence=1)
    long_cancelled = make_event(cluster, title_ko="오래전 취소", status=EventStatus.CANCELLED, starts_in=60 * DAY)
    db.session.flush()
    long_cancelled.updated_at = utcnow() - 31 * DAY  # cancelled 31 days ago
    db.session.commit()

    body = _feed(client, "/calendar/all.ics")
    events = vevents(body)
    assert set(events) == {"다음 주 행사", "내년 행사", "열흘 전 행사", "89일 전 끝난 행사", "어제 취소"}
    assert events["어제 취소"]["STATUS"] == "CANCELLED" and int(events["어제 취소"]["SEQUENCE"]) == 1
    assert "비밀 초안".encode() not in body and "오래전 취소".encode() not in body
    assert set(vevents(_feed(client, f"/calendar/clusters/{cluster.slug}.ics"))) == set(events)


def test_a_cancellation_shows_as_cancelled_then_disappears_after_30_days(app, client):
    cluster = make_cluster()
    staff = make_user(Role.STAFF, clusters=[cluster])
    event = make_event(cluster, title_ko="취소될 포럼")
    db.session.commit()
    before = vevents(_feed(client, "/calendar/all.ics"))["취소될 포럼"]

    manage.cancel_event(event, staff)  # the staff service: status and SEQUENCE
    db.session.commit()
    after = vevents(_feed(client, "/calendar/all.ics"))["취소될 포럼"]
    assert after["STATUS"] == "CANCELLED" and after["UID"] == before["UID"]
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1

    event.updated_at = utcnow() - 29 * DAY
    db.session.commit()
    assert "취소될 포럼" in vevents(_feed(client, "/calendar/all.ics"))
    event.updated_at = utcnow() - 30 * DAY - dt.timedelta(minutes=1)
    db.session.commit()
    assert vevents(_feed(client, "/calendar/all.ics")) == {}


def test_uid_is_stable_across_downloads_and_edits_and_sequence_bumps_on_a_material_change(app, client):
    cluster = make_cluster()
    event = make_event(cluster, title_ko="장소가 바뀔 행사", venue_name="DMC 첨단산업센터")
    db.session.commit()
    path = f"/calendar/clusters/{cluster.slug}.ics"
    first = vevents(_feed(client, path))["장소가 바뀔 행사"]
    forget_built_calendars()
    second = vevents(_feed(client, path))["장소가 바뀔 행사"]
    assert second.to_ical() == first.to_ical()  # the same bytes on every download

    event.venue_name = "마곡 R&D센터"
    event.starts_at += 2 * DAY
    event.ends_at += 2 * DAY
    event.sequence += 1  # what update_event does for a change of time or place
    db.session.commit()
    edited = vevents(_feed(client, path))["장소가 바뀔 행사"]
    assert edited["UID"] == first["UID"] == f"event-{event.id}@moim.local"
    assert int(edited["SEQUENCE"]) == int(first["SEQUENCE"]) + 1
    assert "마곡 R&D센터" in str(edited["LOCATION"])
    assert edited.decoded("DTSTART") == first.decoded("DTSTART") + 2 * DAY
    assert edited.decoded("LAST-MODIFIED") >= first.decoded("LAST-MODIFIED")  # to the second


def test_kind_filter_on_both_feeds(app, client):
    dmc, guro = make_cluster(), make_cluster()
    make_event(dmc, kind=EventKind.NETWORKING, title_ko="네트워킹")
    make_event(dmc, kind=EventKind.COUNCIL, title_ko="정기회의")
    make_event(dmc, kind=EventKind.FORUM, title_ko="포럼", participating_clusters=[guro])
    make_event(dmc, kind=EventKind.RESEARCH, title_ko="연구회")
    db.session.commit()
    assert set(vevents(_feed(client, "/calendar/all.ics?kind=council"))) == {"정기회의"}
    assert set(vevents(_feed(client, "/calendar/all.ics?kind=FORUM"))) == {"포럼"}
    assert set(vevents(_feed(client, "/calendar/all.ics?kind="))) == {"네트워킹", "정기회의", "포럼", "연구회"}
    assert set(vevents(_feed(client, f"/calendar/clusters/{dmc.slug}.ics?kind=research"))) == {"연구회"}
    assert set(vevents(_feed(client, f"/calendar/clusters/{guro.slug}.ics?kind=forum"))) == {"포럼"}
    cal, _ = parse_both(_feed(client, f"/calendar/clusters/{dmc.slug}.ics?kind=networking"))
    assert str(cal["X-WR-CALNAME"]) == f"Moim · {dmc.name_ko} · 네트워킹 나이트"
    response = client.get("/calendar/all.ics?kind=networking")
    assert response.headers["Content-Disposition"] == 'inline; filename="moim-all-networking.ics"'


def test_unknown_kind_is_a_400_with_a_korean_message(app, client):
    for path in (
        "/calendar/all.ics?kind=party",
        f"/calendar/clusters/{make_cluster().slug}.ics?kind=%ED%8C%8C%ED%8B%B0",
    ):
        db.session.commit()
        response = client.get(path)
        assert response.status_code == 400
        assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
        text = response.get_data(as_text=True)
        assert "알 수 없는 행사 종류입니다" in text and "networking, council, forum, research" in text
    assert client.get("/calendar/all.ics?kind=a%00b").status_code == 400  # NUL: the app-wide 400


def test_cluster_feed_holds_hosted_events_open_networking_and_its_forums(app, client):
    dmc = make_cluster(name_ko="상암 DMC")
    magok, guro = make_cluster(name_ko="마곡"), make_cluster(name_ko="구로")
    make_event(dmc, kind=EventKind.COUNCIL, title_ko="DMC 정기회의")
    make_event(magok, kind=EventKind.NETWORKING, title_ko="마곡 공개 네트워킹", open_to_all_clusters=True)
    make_event(magok, kind=EventKind.NETWORKING, title_ko="마곡 자체 네트워킹")
    make_event(magok, kind=EventKind.FORUM, title_ko="마곡-DMC 포럼", participating_clusters=[dmc])
    make_event(magok, kind=EventKind.FORUM, title_ko="마곡-구로 포럼", participating_clusters=[guro])
    make_event(magok, kind=EventKind.COUNCIL, title_ko="마곡 정기회의")
    make_event(guro, kind=EventKind.RESEARCH, title_ko="구로 연구회")
    db.session.commit()

    body = _feed(client, f"/calendar/clusters/{dmc.slug}.ics")
    cal, _ = parse_both(body)
    assert str(cal["NAME"]) == "Moim · 상암 DMC" and str(cal["X-WR-CALNAME"]) == "Moim · 상암 DMC"
    assert set(vevents(body)) == {"DMC 정기회의", "마곡 공개 네트워킹", "마곡-DMC 포럼"}
    # The host is the one named in CATEGORIES and ORGANIZER, also in another cluster's feed.
    forum = vevents(body)["마곡-DMC 포럼"]
    assert [str(c) for c in forum["CATEGORIES"].cats] == ["클러스터 간 포럼", "마곡"]
    assert set(vevents(_feed(client, f"/calendar/clusters/{guro.slug}.ics"))) == {
        "마곡 공개 네트워킹",
        "마곡-구로 포럼",
        "구로 연구회",
    }
    assert len(vevents(_feed(client, "/calendar/all.ics"))) == 7


def test_forum_participation_change_reaches_the_cluster_feed(app, client):
    """Participating clusters change without touching the event row; the fingerprint sees it."""
    host, dmc, guro = make_cluster(), make_cluster(), make_cluster()
    first = make_event(host, kind=EventKind.FORUM, title_ko="첫 포럼", participating_clusters=[dmc])
    second = make_event(host, kind=EventKind.FORUM, title_ko="둘째 포럼", participating_clusters=[guro])
    db.session.commit()
    path = f"/calendar/clusters/{dmc.slug}.ics"
    response = client.get(path)
    assert set(vevents(response.data)) == {"첫 포럼"}
    first.participating_clusters = [guro]
    second.participating_clusters = [dmc]
    db.session.commit()
    changed = client.get(path, headers={"If-None-Match": response.headers["ETag"]})
    assert changed.status_code == 200 and set(vevents(changed.data)) == {"둘째 포럼"}


def test_unknown_and_inactive_clusters_are_404(app, client):
    inactive = make_cluster(is_active=False)
    make_event(inactive, title_ko="준비 중 클러스터 행사")
    db.session.commit()
    assert client.get("/calendar/clusters/nowhere.ics").status_code == 404
    assert client.get(f"/calendar/clusters/{inactive.slug}.ics").status_code == 404
    assert client.get("/calendar/clusters/" + "x" * 300 + ".ics").status_code == 404
    assert client.get("/calendar/clusters/a%00b.ics").status_code == 404
    assert client.get("/calendar/clusters/.ics").status_code == 404


def test_public_feeds_carry_no_personal_data(app, client):
    """Registrations change nothing in a public feed: the bytes are the same with and without them."""
    dmc = make_cluster()
    event = make_event(dmc, title_ko="개인정보 확인 행사", capacity=40)
    db.session.commit()
    paths = ["/calendar/all.ics", f"/calendar/clusters/{dmc.slug}.ics", f"/events/{event.id}/calendar.ics"]
    before = {path: _feed(client, path) for path in paths}

    company = make_company(dmc, name="비밀유지주식회사")
    make_user(Role.MEMBER, company=company, name="홍길순비밀", email="hong.secret@private.example")
    make_registration(
        event,
        company,
        name="김비밀참가자",
        email="kim.secret@private.example",
        mobile="010-9876-5432",
        job_title="기밀담당이사",
    )
    make_registration(
        event,
        None,
        name="박비밀게스트",
        email="park.secret@guest.example",
        status=RegistrationStatus.WAITLISTED,
        guest_company_name="비밀게스트상사",
    )
    db.session.commit()
    assert db.session.scalar(select(User).where(User.email == "hong.secret@private.example")) is not None
    forget_built_calendars()
    for path in paths:
        body = _feed(client, path)
        assert body == before[path], path
        for secret in (
            "비밀유지주식회사",
            "홍길순비밀",
            "hong.secret",
            "김비밀참가자",
            "kim.secret",
            "9876-5432",
            "기밀담당이사",
            "박비밀게스트",
            "park.secret",
            "비밀게스트상사",
            "ATTENDEE",
        ):
            assert secret.encode() not in body, (path, secret)


def _queries_for(app, client, path: str) -> list[str]:
    forget_built_calendars()
    with count_queries(app.extensions["sqlalchemy"].engine) as statements:
        assert client.get(path).status_code == 200
    return list(statements)


def test_queries_per_feed_do_not_grow_with_the_number_of_events(app, client):
    dmc, magok = make_cluster(), make_cluster()

    def add(n: int) -> None:
        for i in range(n):
            host = dmc if i % 2 else magok
            kind = [EventKind.NETWORKING, EventKind.FORUM, EventKind.COUNCIL][i % 3]
            make_event(
                host,
                kind=kind,
                title_ko=f"행사 {i}",
                open_to_all_clusters=kind == EventKind.NETWORKING,
                participating_clusters=[dmc] if kind == EventKind.FORUM and host != dmc else [],
            )
        db.session.commit()

    paths = ["/calendar/all.ics", f"/calendar/clusters/{dmc.slug}.ics", "/calendar/all.ics?kind=forum"]
    add(5)
    small = {path: len(_queries_for(app, client, path)) for path in paths}
    add(45)
    large = {path: len(_queries_for(app, client, path)) for path in paths}
    assert small == large
    # The state check (PostgreSQL; a PRAGMA on SQLite), fingerprint, events, their host clusters.
    assert all(n <= 4 for n in large.values()), large


def test_not_modified_and_repeated_downloads_read_no_event_rows(app, client):
    """A 304, and a full download of an unchanged feed, run the fingerprint aggregate at most,
    and nothing at all that reads the events once this process knows the database is unchanged."""
    dmc = make_cluster()
    for i in range(20):
        make_event(dmc, title_ko=f"행사 {i}")
    db.session.commit()
    engine = app.extensions["sqlalchemy"].engine
    for path in ("/calendar/all.ics", f"/calendar/clusters/{dmc.slug}.ics"):
        etag = client.get(path).headers["ETag"]
        public.forget_fingerprints()  # as in a process that has not served this feed yet
        with count_queries(engine) as first:
            assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
        with count_queries(engine) as not_modified:
            assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
        with count_queries(engine) as repeated:
            assert client.get(path).status_code == 200
        reading_events = [s for s in first if "events" in s]
        assert len(reading_events) == 1 and "count(events.id)" in reading_events[0], first
        assert not any("events.title_ko" in s for s in first)  # no event rows loaded
        for statements in (not_modified, repeated):
            assert len(statements) <= 1 and not any("events" in s for s in statements), statements


def test_a_commit_from_another_process_reaches_the_feed_at_once(app, client):
    """The fingerprint is reused only while the database is unchanged: a write by another
    process (its own engine, outside this process's commit count) is seen by the next poll."""
    event = make_event(make_cluster(), title_ko="다른 프로세스 전")
    db.session.commit()
    first = client.get("/calendar/all.ics")
    assert client.get("/calendar/all.ics", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with other.begin() as conn:
            conn.execute(
                Event.__table__.update()
                .where(Event.__table__.c.id == event.id)
                .values(title_ko="다른 프로세스 후", updated_at=utcnow())
            )
    finally:
        other.dispose()
    changed = client.get("/calendar/all.ics", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and set(vevents(changed.data)) == {"다른 프로세스 후"}


def test_database_state_changes_with_every_commit_and_only_then(app):
    """What lets a process reuse a fingerprint: the token is stable while nothing is committed
    and changes with a commit of another process or of this one."""
    make_event(make_cluster())
    db.session.commit()
    engine = app.extensions["sqlalchemy"].engine
    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])  # another process, in effect
    try:
        with engine.connect() as conn:

            def state():
                value = public.database_state(conn)
                conn.rollback()  # as at the end of a request
                return value

            first = state()
            assert first is not None and state() == first
            with other.begin() as other_conn:
                other_conn.execute(Event.__table__.update().values(title_ko="다른 프로세스"))
            after_other = state()
            assert after_other != first and state() == after_other
            with engine.begin() as own:  # this process, another connection of its pool
                own.execute(Event.__table__.update().values(title_ko="이 프로세스"))
            assert state() != after_other
    finally:
        other.dispose()


def test_a_body_newer_than_its_fingerprint_is_served_but_never_kept(app, client, monkeypatch):
    """A commit between the fingerprint and the events query: the body is not cached under an
    ETag that describes other data (it could be served again if that state came back)."""
    event = make_event(make_cluster(), title_ko="경합 전")
    db.session.commit()
    forget_built_calendars()
    load = public.public_events

    def load_after_a_commit(*args, **kwargs):
        other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
        try:
            with other.begin() as conn:
                conn.execute(
                    Event.__table__.update()
                    .where(Event.__table__.c.id == event.id)
                    .values(title_ko="경합 후", updated_at=utcnow())
                )
        finally:
            other.dispose()
        return load(*args, **kwargs)

    monkeypatch.setattr(public, "public_events", load_after_a_commit)
    racy = client.get("/calendar/all.ics")
    kept = http.body_cache.get(racy.headers["ETag"].strip('"'))
    if app.extensions["sqlalchemy"].engine.dialect.name == "postgresql":
        # Each statement sees the latest commits: the body is newer than its ETag.
        assert set(vevents(racy.data)) == {"경합 후"} and kept is None
    else:
        # SQLite: one read transaction, one snapshot: the body is what the ETag describes.
        assert set(vevents(racy.data)) == {"경합 전"} and kept == racy.data
    monkeypatch.setattr(public, "public_events", load)
    fresh = client.get("/calendar/all.ics")
    assert fresh.headers["ETag"] != racy.headers["ETag"] and set(vevents(fresh.data)) == {"경합 후"}
    assert http.body_cache.get(fresh.headers["ETag"].strip('"')) == fresh.data


def test_an_event_leaving_the_window_changes_the_fingerprint_without_any_write(app):
    now = utcnow()
    cluster = make_cluster()
    # Ended 90 days minus 5 minutes ago: leaves the window in 5 minutes.
    make_event(cluster, starts_at=now - 90 * DAY - dt.timedelta(hours=2) + dt.timedelta(minutes=5))
    make_event(cluster)
    db.session.commit()
    today = public.public_fingerprint(now=now)
    assert today.count == 2 and public.public_fingerprint(now=now + dt.timedelta(minutes=4)) == today
    later = public.public_fingerprint(now=now + dt.timedelta(minutes=6))
    assert later.count == 1 and later.basis() != today.basis()
    assert public.public_fingerprint(cluster.slug, now=now + dt.timedelta(minutes=6)).count == 1
    assert public.public_fingerprint(now=now + 11 * DAY).count == 1


def test_event_list_links_to_the_feeds(app, client):
    dmc = make_cluster(name_ko="상암 DMC")
    make_cluster(name_ko="준비 중", is_active=False)
    db.session.commit()
    html = client.get("/events").get_data(as_text=True)
    assert "캘린더 구독" in html
    assert 'href="webcal://localhost/calendar/all.ics"' in html
    assert f'href="webcal://localhost/calendar/clusters/{dmc.slug}.ics"' in html
    assert "준비 중</a>" not in html
    assert client.get("/calendar/all.ics").status_code == 200
