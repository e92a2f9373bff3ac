"""The door roster for offline answers: what it holds (hashes, never codes), who may read it, and when it is erased."""

from __future__ import annotations

import datetime as dt
import gzip
import json

from app.checkin.devices import create_device, revoke_device
from app.events.tickets import normalize_code
from app.extensions import db
from app.models import utcnow
from app.tokens import hash_token
from tests.helpers import login, see_committed


def _roster(client, event_id: int, **headers):
    return client.get(f"/api/checkin/events/{event_id}/roster", headers=headers)


def test_the_roster_holds_what_the_door_shows_and_never_a_ticket_code(client, door, device_scanner):
    assert device_scanner.scan(door.codes["confirmed"]).get_json()["result"] == "ok"
    response = _roster(client, door.event.id, **{"X-Door-Token": door.device_token})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["full"] is True and body["event"]["id"] == door.event.id and body["event"]["erase_after"]
    by_id = {e["id"]: e for e in body["entries"]}
    # Only this event's registrations, each once.
    assert set(by_id) == {r.id for r in (door.confirmed, door.voter, door.guest, door.waitlisted, door.cancelled)}
    assert door.elsewhere.id not in by_id
    # The device finds a scanned badge by SHA-256 of the normalized code.
    for key, registration in (("confirmed", door.confirmed), ("guest", door.guest)):
        assert by_id[registration.id]["h"] == hash_token(normalize_code(door.codes[key]))
    assert {by_id[r.id]["s"] for r in (door.confirmed, door.voter, door.guest)} == {"ok"}
    assert by_id[door.waitlisted.id]["s"] == "waitlisted" and by_id[door.cancelled.id]["s"] == "cancelled"
    assert by_id[door.confirmed.id]["n"] == "김민수" and by_id[door.confirmed.id]["c"] == "(주)상암미디어"
    assert by_id[door.guest.id]["c"] == "외부랩"
    # The check-in made at this gate is known, with its gate; nobody else is in.
    assert by_id[door.confirmed.id]["in"] and by_id[door.confirmed.id]["g"] == "A게이트"
    assert all(by_id[r.id]["in"] is None for r in (door.voter, door.guest))
    text = response.get_data(as_text=True)
    for code in door.codes.values():
        assert code not in text and normalize_code(code) not in text
    # No mobile numbers, no e-mail addresses: only what the door shows.
    assert "010-" not in text and "@" not in text


def test_a_big_roster_travels_compressed(client, door):
    from app.events.tickets import issue_ticket
    from tests.factories import make_registration

    for n in range(60):
        issue_ticket(make_registration(door.event, company=door.company, name=f"참가자{n:03d}"))
    db.session.commit()
    plain = _roster(client, door.event.id, **{"X-Door-Token": door.device_token})
    packed = _roster(client, door.event.id, **{"X-Door-Token": door.device_token, "Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain.headers
    assert len(packed.data) < len(plain.data) / 2
    unpacked = json.loads(gzip.decompress(packed.data))
    assert unpacked["entries"] == plain.get_json()["entries"] and len(unpacked["entries"]) == 65


def test_a_dead_link_is_told_to_erase_its_roster(client, door):
    assert _roster(client, door.event.id, **{"X-Door-Token": "not-a-real-token"}).get_json()["erase"] is True
    from app.models import DoorDevice

    revoke_device(db.session.get(DoorDevice, door.device_id), utcnow())
    db.session.commit()
    answer = _roster(client, door.event.id, **{"X-Door-Token": door.device_token})
    assert answer.status_code == 401 and answer.get_json()["error"] == "token" and answer.get_json()["erase"] is True
    assert "entries" not in answer.get_json()


def test_another_events_link_and_another_clusters_staff_are_refused(client, door):
    _other_device, other_token = create_device(
        door.other_event, gate="B", valid_hours=2, created_by_id=None, now=utcnow()
    )
    db.session.commit()
    assert _roster(client, door.event.id, **{"X-Door-Token": other_token}).status_code == 403
    assert _roster(client, door.event.id).status_code == 401  # nobody signed in
    login(client, door.member.email)
    assert _roster(client, door.event.id).status_code == 403
    login(client, door.guro_staff.email)
    assert _roster(client, door.event.id).status_code == 403
    login(client, door.dmc_staff.email)
    assert _roster(client, door.event.id).status_code == 200
    login(client, door.admin.email)
    assert _roster(client, 999_999).status_code == 404


def test_after_the_event_the_roster_is_erased(client, door):
    door.event.starts_at = utcnow() - dt.timedelta(days=2)
    door.event.ends_at = utcnow() - dt.timedelta(days=2) + dt.timedelta(hours=2)
    db.session.commit()
    login(client, door.dmc_staff.email)
    answer = _roster(client, door.event.id)
    assert answer.status_code == 410 and answer.get_json()["erase"] is True and "entries" not in answer.get_json()


def _age_everything(door, minutes: int = 10) -> dt.datetime:
    """Every row of the door's world changed `minutes` ago; the cursor a device got 5 minutes ago."""
    from sqlalchemy import update

    from app.models import Event, Registration, ScanLog

    see_committed()  # the test's read snapshot predates the requests' writes: start a fresh one
    past = utcnow() - dt.timedelta(minutes=minutes)
    db.session.execute(update(Registration).values(updated_at=past))
    db.session.execute(update(Event).values(updated_at=past))
    db.session.execute(update(ScanLog).values(scanned_at=past))
    db.session.commit()
    return utcnow() - dt.timedelta(minutes=5)


def test_a_refresh_since_the_cursor_carries_only_what_changed(client, door, device_scanner):
    from app.checkin.badges import reissue_ticket
    from app.events.registration import cancel
    from app.events.tickets import issue_ticket
    from tests.factories import make_registration

    assert device_scanner.scan(door.codes["confirmed"]).get_json()["result"] == "ok"
    cursor = _age_everything(door)
    token = {"X-Door-Token": door.device_token}
    quiet = _roster(client, door.event.id, **token).get_json()
    assert quiet["full"] is True  # no cursor: the whole roster
    nothing = client.get(
        f"/api/checkin/events/{door.event.id}/roster", query_string={"since": cursor.isoformat()}, headers=token
    )
    assert nothing.get_json()["full"] is False and nothing.get_json()["entries"] == []

    # Meanwhile: a cancellation (and a promotion from the waitlist), a reissued badge, an exit at the
    # door, a walk-in.
    cancel(door.voter.id, now=utcnow(), by_staff=True)
    reissue_ticket(db.session.get(type(door.guest), door.guest.id))
    walk_in = make_registration(door.event, company=door.company, name="현장등록")
    issue_ticket(walk_in)
    db.session.commit()
    assert device_scanner.scan(door.codes["confirmed"], mode="out").get_json()["result"] == "ok"

    delta = client.get(
        f"/api/checkin/events/{door.event.id}/roster", query_string={"since": cursor.isoformat()}, headers=token
    ).get_json()
    assert delta["full"] is False and delta["cursor"] > cursor.isoformat()
    by_id = {e["id"]: e for e in delta["entries"]}
    # The voter's seat went to the first on the waitlist: promoted, so in the delta too.
    assert set(by_id) == {door.voter.id, door.waitlisted.id, door.guest.id, door.confirmed.id, walk_in.id}
    assert by_id[door.voter.id]["s"] == "cancelled" and by_id[door.waitlisted.id]["s"] == "ok"
    assert by_id[door.guest.id]["h"] == db.session.get(type(door.guest), door.guest.id).ticket_hash
    assert by_id[door.guest.id]["h"] != {e["id"]: e for e in quiet["entries"]}[door.guest.id]["h"]
    assert by_id[door.confirmed.id]["out"] is not None and by_id[walk_in.id]["s"] == "ok"
    # Entries as the whole roster has them.
    whole = {e["id"]: e for e in _roster(client, door.event.id, **token).get_json()["entries"]}
    assert all(whole[i] == e for i, e in by_id.items())


def test_a_cursor_the_server_cannot_trust_gets_the_whole_roster(client, door):
    cursor = _age_everything(door)
    token = {"X-Door-Token": door.device_token}
    url = f"/api/checkin/events/{door.event.id}/roster"
    now = utcnow()
    for since in [
        "garbage",
        "2026-12-03T10:00:00",  # no offset
        (now + dt.timedelta(minutes=5)).isoformat(),  # from the future
        (now - dt.timedelta(hours=13)).isoformat(),  # a device that slept past the window
        "x" * 500,
    ]:
        body = client.get(url, query_string={"since": since}, headers=token).get_json()
        assert body["full"] is True and len(body["entries"]) == 5, since
    # The event itself changed after the cursor (its title, its times): the whole roster again.
    door.event.title_ko = "바뀐 제목"
    db.session.commit()
    body = client.get(url, query_string={"since": cursor.isoformat()}, headers=token).get_json()
    assert body["full"] is True and body["event"]["title"] == "바뀐 제목"
