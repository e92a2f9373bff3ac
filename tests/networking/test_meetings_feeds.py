"""Accepted 1:1 meetings in the personal and company calendar feeds: one VEVENT per meeting with
the time, the table and the other company, a stable UID, STATUS:CANCELLED with a higher
SEQUENCE when it is called off, and an ETag that moves with every change."""

from __future__ import annotations

import datetime as dt

import pytest

from app.extensions import db
from app.i18n import SEOUL
from app.models import Meeting, RegistrationStatus, Role, utcnow
from tests.calendar.feed_helpers import forget_built_calendars, vevents
from tests.calendar.personal_helpers import get_feed, new_feed_token
from tests.factories import make_company, make_registration, make_user
from tests.helpers import see_committed
from tests.networking.conftest import consent
from tests.networking.meeting_helpers import accepted, act, discoverable, make_meet_world, requested
from tests.query_counter import count_queries


@pytest.fixture
def mnet(net):
    return make_meet_world(net)


def _meeting_events(body: bytes) -> dict:
    return {summary: e for summary, e in vevents(body).items() if summary.startswith("1:1 미팅")}


def test_an_accepted_meeting_is_in_both_peoples_and_both_companies_feeds(app, client, mnet):
    meeting = accepted(mnet.kim, mnet.lee, mnet.slots[0])
    requested(mnet.choi, mnet.nuri, mnet.slots[1])  # only requested: in no feed
    domain = app.config["ICAL_UID_DOMAIN"]
    feeds = {
        "kim": (new_feed_token(mnet.kim_user), "1:1 미팅: 한빛소프트 · 테이블 1"),
        "lee": (new_feed_token(mnet.lee_user), "1:1 미팅: (주)누리미디어 · 테이블 1"),
        "nuri": (new_feed_token(mnet.nuri), "1:1 미팅: 한빛소프트 · 테이블 1"),
        "hanbit": (new_feed_token(mnet.hanbit), "1:1 미팅: (주)누리미디어 · 테이블 1"),
    }
    for name, (plain, summary) in feeds.items():
        response = get_feed(client, plain)
        assert response.status_code == 200, name
        found = _meeting_events(response.data)
        assert list(found) == [summary], (name, list(found))
        vevent = found[summary]
        assert str(vevent["UID"]) == f"meeting-{meeting.id}@{domain}"
        assert vevent["DTSTART"].dt == mnet.slots[0].starts_at.astimezone(SEOUL)
        assert vevent["DTSTART"].dt.strftime("%H:%M") == "19:30" and vevent["DTEND"].dt.strftime("%H:%M") == "19:50"
        assert vevent["STATUS"] == "CONFIRMED" and int(vevent["SEQUENCE"]) == 0
        description = str(vevent["DESCRIPTION"])
        assert "테이블: 테이블 1" in description and "상대 기업:" in description and "시간: 19:30~19:50" in description
        assert "테이블 1" in str(vevent["LOCATION"])
        # The event itself is still there, under its own UID.
        assert any(str(e["UID"]) == f"event-{mnet.event.id}@{domain}" for e in vevents(response.data).values())
    # Gurotech's people only asked: nothing in their company feed.
    assert _meeting_events(get_feed(client, new_feed_token(mnet.gurotech)).data) == {}


def test_a_colleague_registered_for_the_event_sees_the_companys_meetings_too(client, mnet):
    """The personal feed shows the meetings of the company the person is registered for at the
    event, whoever of its people arranged them (docs/NETWORKING.md)."""
    accepted(mnet.kim, mnet.lee, mnet.slots[0])
    park_user = make_user(Role.MEMBER, company=mnet.nuri, email="park@nuri.example", name="박누리")
    plain = new_feed_token(park_user)
    assert list(_meeting_events(get_feed(client, plain).data)) == ["1:1 미팅: 한빛소프트 · 테이블 1"]
    # A member of the same company who is not registered for the event sees no meeting there.
    other_user = make_user(Role.MEMBER, company=mnet.nuri, email="choi@nuri.example")
    assert _meeting_events(get_feed(client, new_feed_token(other_user)).data) == {}


def test_cancelling_sends_status_cancelled_with_a_higher_sequence_and_a_new_etag(client, mnet):
    meeting = accepted(mnet.kim, mnet.lee, mnet.slots[0])
    plains = [new_feed_token(mnet.kim_user), new_feed_token(mnet.hanbit)]
    before = {}
    for plain in plains:
        response = get_feed(client, plain)
        before[plain] = response.headers["ETag"]
        assert get_feed(client, plain, **{"If-None-Match": before[plain]}).status_code == 304
    assert act(client, mnet.lee, meeting.id, "cancel").status_code == 303
    for plain in plains:
        response = get_feed(client, plain, **{"If-None-Match": before[plain]})
        assert response.status_code == 200 and response.headers["ETag"] != before[plain]
        [vevent] = _meeting_events(response.data).values()
        assert vevent["STATUS"] == "CANCELLED" and int(vevent["SEQUENCE"]) == 1
        assert str(vevent["UID"]).startswith(f"meeting-{meeting.id}@")
        assert "미팅이 취소되었습니다." in str(vevent["DESCRIPTION"])
    # A month later the cancellation has left the feeds.
    see_committed()
    row = db.session.get(Meeting, meeting.id)
    row.cancelled_at = utcnow() - dt.timedelta(days=31)
    db.session.commit()
    for plain in plains:
        assert _meeting_events(get_feed(client, plain).data) == {}


def test_the_etag_moves_when_a_request_is_accepted_or_the_other_company_is_renamed(client, mnet):
    meeting = requested(mnet.kim, mnet.hanbit, mnet.slots[0])
    plain = new_feed_token(mnet.kim_user)
    etag = get_feed(client, plain).headers["ETag"]
    assert act(client, mnet.lee, meeting.id, "accept").status_code == 303
    response = get_feed(client, plain, **{"If-None-Match": etag})
    assert response.status_code == 200 and list(_meeting_events(response.data)) == ["1:1 미팅: 한빛소프트 · 테이블 1"]
    etag = response.headers["ETag"]
    see_committed()
    mnet.hanbit.name = "한빛소프트랩"
    db.session.commit()
    response = get_feed(client, plain, **{"If-None-Match": etag})
    assert response.status_code == 200 and list(_meeting_events(response.data)) == ["1:1 미팅: 한빛소프트랩 · 테이블 1"]


def test_a_cancelled_registration_turns_the_meeting_cancelled_in_that_persons_feed(client, mnet):
    accepted(mnet.kim, mnet.lee, mnet.slots[0])
    plain = new_feed_token(mnet.kim_user)
    [first] = _meeting_events(get_feed(client, plain).data).values()
    see_committed()
    mnet.kim.status = RegistrationStatus.CANCELLED
    mnet.kim.cancelled_at = utcnow()
    db.session.commit()
    [vevent] = _meeting_events(get_feed(client, plain).data).values()
    assert vevent["STATUS"] == "CANCELLED" and int(vevent["SEQUENCE"]) > int(first["SEQUENCE"])
    assert "참가 신청이 취소되었습니다." in str(vevent["DESCRIPTION"])
    # The company's meeting itself still stands (a colleague may go): the company feed keeps it.
    [company_vevent] = _meeting_events(get_feed(client, new_feed_token(mnet.nuri)).data).values()
    assert company_vevent["STATUS"] == "CONFIRMED"


def test_feed_queries_do_not_grow_with_meetings(client, mnet):
    accepted(mnet.kim, mnet.lee, mnet.slots[0])
    plains = {"personal": new_feed_token(mnet.kim_user), "company": new_feed_token(mnet.nuri)}

    def counts() -> dict:
        result = {}
        for name, plain in plains.items():
            get_feed(client, plain)
            forget_built_calendars()
            with count_queries(db.engine) as full:
                response = get_feed(client, plain)
            with count_queries(db.engine) as not_modified:
                assert get_feed(client, plain, **{"If-None-Match": response.headers["ETag"]}).status_code == 304
            result[name] = (len(full), len(not_modified), len(_meeting_events(response.data)))
        return result

    few = counts()
    for n, slot in enumerate(mnet.slots[1:]):
        company = make_company(mnet.dmc, name=f"추가기업{n}")
        person = make_registration(mnet.event, company, name=f"추가{n}", email=f"extra{n}@example.com")
        consent(person)
        discoverable(company)
        accepted(person, mnet.kim, slot)
    many = counts()
    for name in plains:
        assert many[name][:2] == few[name][:2], name
        assert many[name][1] == 2 and many[name][0] <= 5
        assert (few[name][2], many[name][2]) == (1, 3)
