"""The batch upload of offline scans (POST /api/checkin/events/<id>/scans): each scan recorded once at
its real time, replays, conflicts between gates, the grace period of an expired link, refusals."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, update

from app.checkin.devices import create_device, revoke_device
from app.extensions import db
from app.models import CheckIn, DoorDevice, Event, ScanLog, utcnow
from tests.checkin.conftest import new_nonce, staff_csrf
from tests.helpers import login, see_committed


def item(code, *, at: dt.datetime, local: str | None = "ok", nonce: str | None = None, **fields) -> dict:
    """One queued scan as the scanner page's queue holds it (main.js scan(), answerLocally())."""
    body = {"nonce": nonce or new_nonce(), "mode": "in", "method": "qr", "scanned_at": at.isoformat(), **fields}
    if code is not None:
        body["code"] = code
    if local is not None:
        body["local_result"] = local
    return body


def upload(client, event_id: int, scans, *, token: str | None = None, csrf: str | None = None, body=None):
    headers = {"X-Door-Token": token} if token else ({"X-CSRFToken": csrf} if csrf else {})
    return client.post(
        f"/api/checkin/events/{event_id}/scans", json=body if body is not None else {"scans": scans}, headers=headers
    )


def logs() -> list[ScanLog]:
    see_committed()
    return db.session.scalars(select(ScanLog).order_by(ScanLog.id)).all()


def checkin_of(registration_id: int) -> CheckIn | None:
    see_committed()
    return db.session.scalar(select(CheckIn).where(CheckIn.registration_id == registration_id))


def counts() -> tuple[int, int]:
    see_committed()
    return (
        db.session.scalar(select(func.count()).select_from(ScanLog)),
        db.session.scalar(select(func.count()).select_from(CheckIn)),
    )


@pytest.fixture
def ago(door):
    """The door world moved back: the event (and its first link) made three hours ago, doors open
    for two hours. Returns a function: ago(minutes) is that many minutes before now."""
    now = utcnow().replace(microsecond=0)
    db.session.execute(
        update(Event)
        .where(Event.id == door.event.id)
        .values(
            created_at=now - dt.timedelta(hours=3),
            starts_at=now - dt.timedelta(hours=1),
            ends_at=now + dt.timedelta(hours=2),
        )
    )
    db.session.execute(
        update(DoorDevice).where(DoorDevice.id == door.device_id).values(created_at=now - dt.timedelta(hours=3))
    )
    db.session.commit()
    return lambda minutes: now - dt.timedelta(minutes=minutes)


@pytest.fixture
def gate_b(door, ago):
    device, token = create_device(door.event, gate="B게이트", valid_hours=12, created_by_id=None, now=ago(180))
    db.session.commit()
    return token


def test_each_scan_is_recorded_once_at_its_real_time(client, door, ago):
    scans = [
        item(door.codes["confirmed"], at=ago(50)),
        item(door.codes["cancelled"], at=ago(49), local="ok"),
        item("NOT-A-REAL-CODE", at=ago(48), local="unknown_code"),
    ]
    before = utcnow()
    response = upload(client, door.event.id, scans, token=door.device_token)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    results = response.get_json()["results"]
    assert [r["nonce"] for r in results] == [s["nonce"] for s in scans]
    assert [r["result"] for r in results] == ["ok", "cancelled", "unknown_code"]
    assert [r["conflict"] for r in results] == [False, False, False]
    assert results[0]["checked_in_at"] == ago(50).isoformat() and results[0]["gate"] == "A게이트"
    assert results[1]["local_result"] == "ok" and results[1]["tone"] == "error"
    # The check-in and its log carry the time of the scan, not of the upload.
    checkin = checkin_of(door.confirmed.id)
    assert checkin.checked_in_at == ago(50) and checkin.gate == "A게이트" and checkin.device_id == door.device_id
    first, second, third = logs()
    assert first.scanned_at == ago(50) and first.result == "ok" and first.local_result == "ok"
    assert first.uploaded_at >= before and first.nonce == scans[0]["nonce"] and first.device_id == door.device_id
    assert second.result == "cancelled" and second.registration_id == door.cancelled.id
    assert third.result == "unknown_code" and third.local_result == "unknown_code"


def test_each_scan_is_decided_as_of_its_own_time(client, door, ago):
    # Doors opened 120 minutes ago (ago fixture): a scan made 150 minutes ago was before that.
    early, came, left = (
        item(door.codes["voter"], at=ago(150)),
        item(door.codes["confirmed"], at=ago(30)),
        item(door.codes["confirmed"], at=ago(10), mode="out", local="ok"),
    )
    # Sent newest first: the batch is recorded oldest first, the check-in before the check-out.
    results = upload(client, door.event.id, [left, came, early], token=door.device_token).get_json()["results"]
    assert [r["result"] for r in results] == ["ok", "ok", "not_open"]
    assert results[0]["mode"] == "out"
    checkin = checkin_of(door.confirmed.id)
    assert checkin.checked_in_at == ago(30) and checkin.checked_out_at == ago(10)
    assert checkin.checked_out_gate == "A게이트"
    assert checkin_of(door.voter.id) is None


def test_a_replayed_upload_changes_nothing_and_answers_the_same(client, door, ago):
    scans = [item(door.codes["confirmed"], at=ago(30)), item(door.codes["waitlisted"], at=ago(29), local="waitlisted")]
    first = upload(client, door.event.id, scans, token=door.device_token).get_json()["results"]
    state = [(log.id, log.result, log.scanned_at, log.uploaded_at) for log in logs()]
    again = upload(client, door.event.id, scans, token=door.device_token)
    assert again.status_code == 200
    second = again.get_json()["results"]
    keys = ("nonce", "result", "message", "checked_in_at", "gate", "conflict", "attendee")
    assert [{k: r[k] for k in keys} for r in second] == [{k: r[k] for k in keys} for r in first]
    assert [r["replayed"] for r in second] == [True, True]
    assert [(log.id, log.result, log.scanned_at, log.uploaded_at) for log in logs()] == state
    assert counts() == (2, 1)
    # A scan already sent alone (its answer lost) is replayed by the batch too.
    nonce = new_nonce()
    client.post(
        f"/api/checkin/events/{door.event.id}/scan",
        json={"code": door.codes["voter"], "nonce": nonce},
        headers={"X-Door-Token": door.device_token},
    )
    [answer] = upload(
        client, door.event.id, [item(door.codes["voter"], at=ago(1), nonce=nonce)], token=door.device_token
    ).get_json()["results"]
    assert answer["result"] == "ok" and answer["replayed"] is True
    assert counts() == (3, 2)


def test_two_gates_admitting_one_badge_apart_are_both_recorded_the_later_flagged(client, door, ago, gate_b):
    code = door.codes["confirmed"]
    [a] = upload(client, door.event.id, [item(code, at=ago(40))], token=door.device_token).get_json()["results"]
    [b] = upload(client, door.event.id, [item(code, at=ago(35))], token=gate_b).get_json()["results"]
    assert a["result"] == "ok" and a["conflict"] is False
    assert b["result"] == "already_checked_in" and b["conflict"] is True
    assert b["conflict_with"] == {
        "gate": "A게이트",
        "scanned_at": ago(40).isoformat(),
        "scanned_at_label": a["checked_in_at_label"],
    }
    assert b["gate"] == "A게이트" and "A게이트" in b["message"]
    log_a, log_b = logs()
    assert log_b.conflict_with_id == log_a.id and log_a.conflict_with_id is None
    assert log_b.gate == "B게이트" and log_b.scanned_at == ago(35) and log_b.local_result == "ok"
    checkin = checkin_of(door.confirmed.id)
    assert checkin.gate == "A게이트" and checkin.checked_in_at == ago(40)


def test_the_first_admission_uploaded_last_takes_the_check_in_and_flags_the_other(client, door, ago, gate_b):
    code = door.codes["confirmed"]
    later = item(code, at=ago(35))
    [b] = upload(client, door.event.id, [later], token=gate_b).get_json()["results"]
    assert b["result"] == "ok" and b["conflict"] is False
    [a] = upload(client, door.event.id, [item(code, at=ago(40))], token=door.device_token).get_json()["results"]
    assert a["result"] == "ok" and a["conflict"] is False and a["checked_in_at"] == ago(40).isoformat()
    checkin = checkin_of(door.confirmed.id)
    assert checkin.gate == "A게이트" and checkin.checked_in_at == ago(40) and checkin.device_id == door.device_id
    log_b, log_a = logs()
    assert log_b.conflict_with_id == log_a.id and log_a.conflict_with_id is None
    # Gate B's upload sent again now says what is known: its admission was the second.
    [replayed] = upload(client, door.event.id, [later], token=gate_b).get_json()["results"]
    assert replayed["conflict"] is True and replayed["conflict_with"]["gate"] == "A게이트"


def test_an_amber_offline_answer_or_an_online_later_scan_is_no_conflict(client, door, ago, gate_b):
    code = door.codes["confirmed"]
    upload(client, door.event.id, [item(code, at=ago(40))], token=door.device_token)
    [amber] = upload(
        client, door.event.id, [item(code, at=ago(30), local="already_checked_in")], token=gate_b
    ).get_json()["results"]
    assert amber["result"] == "already_checked_in" and amber["conflict"] is False
    [queued] = upload(client, door.event.id, [item(code, at=ago(20), local=None)], token=gate_b).get_json()["results"]
    assert queued["conflict"] is False
    assert all(log.conflict_with_id is None for log in logs())


def test_an_online_admission_then_a_green_offline_one_elsewhere_is_a_conflict(client, door, ago, gate_b):
    client.post(
        f"/api/checkin/events/{door.event.id}/scan",
        json={"code": door.codes["voter"], "nonce": new_nonce()},
        headers={"X-Door-Token": door.device_token},
    )
    [b] = upload(client, door.event.id, [item(door.codes["voter"], at=utcnow())], token=gate_b).get_json()["results"]
    assert b["conflict"] is True and b["conflict_with"]["gate"] == "A게이트"


def test_conflicts_are_shown_on_the_dashboard_and_the_scan_log_with_both_gates_and_times(client, door, ago, gate_b):
    code = door.codes["confirmed"]
    upload(client, door.event.id, [item(code, at=ago(40))], token=door.device_token)
    upload(client, door.event.id, [item(code, at=ago(35))], token=gate_b)
    login(client, door.dmc_staff.email)
    figures = client.get(f"/api/checkin/events/{door.event.id}/dashboard").get_json()
    [conflict] = figures["conflicts"]["items"]
    assert figures["conflicts"]["total"] == 1
    assert conflict["name"] == "김민수" and conflict["gate"] == "B게이트" and conflict["first_gate"] == "A게이트"
    assert conflict["scanned_at"] == ago(35).isoformat() and conflict["first_scanned_at"] == ago(40).isoformat()
    [flagged] = [s for s in figures["latest_scans"] if s["conflict"]]
    assert flagged["gate"] == "B게이트" and flagged["first_gate"] == "A게이트"
    page = client.get(f"/staff/events/{door.event.id}/dashboard").get_data(as_text=True)
    assert "입장 충돌" in page and conflict["first_time_label"] in page and conflict["time_label"] in page
    log_page = client.get(f"/staff/events/{door.event.id}/scans").get_data(as_text=True)
    assert "충돌: 먼저" in log_page and "A게이트에서 입장" in log_page and "입장 충돌 1건만 보기" in log_page
    only = client.get(f"/staff/events/{door.event.id}/scans?conflicts=1").get_data(as_text=True)
    assert only.count("<tr class=") == 1 and "B게이트" in only


def test_no_conflict_means_no_conflict_section_on_the_dashboard(client, door, ago):
    upload(client, door.event.id, [item(door.codes["confirmed"], at=ago(40))], token=door.device_token)
    login(client, door.dmc_staff.email)
    figures = client.get(f"/api/checkin/events/{door.event.id}/dashboard").get_json()
    assert figures["conflicts"] == {"total": 0, "items": []}
    assert 'data-dash="conflicts-section" hidden' in client.get(f"/staff/events/{door.event.id}/dashboard").get_data(
        as_text=True
    )


# --- an expired link, a revoked one ---------------------------------------------------------


def _expire(door, at: dt.datetime) -> None:
    db.session.execute(update(DoorDevice).where(DoorDevice.id == door.device_id).values(expires_at=at))
    db.session.commit()


def test_an_expired_link_uploads_its_scans_within_the_grace_period(client, door, ago):
    _expire(door, ago(60))
    # Scanning is over for this link; the upload of what it scanned while valid is still heard.
    assert (
        client.post(
            f"/api/checkin/events/{door.event.id}/scan",
            json={"code": door.codes["voter"], "nonce": new_nonce()},
            headers={"X-Door-Token": door.device_token},
        ).status_code
        == 401
    )
    scans = [item(door.codes["confirmed"], at=ago(90)), item(door.codes["voter"], at=ago(30))]
    response = upload(client, door.event.id, scans, token=door.device_token)
    assert response.status_code == 200, response.get_data(as_text=True)
    made, late = response.get_json()["results"]
    assert made["result"] == "ok" and checkin_of(door.confirmed.id).checked_in_at == ago(90)
    # Made after the link had expired: logged, nobody admitted.
    assert late["result"] == "link_expired" and late["tone"] == "error" and "만료" in late["message"]
    assert checkin_of(door.voter.id) is None
    assert [log.result for log in logs()] == ["ok", "link_expired"]


def test_after_the_grace_period_an_expired_link_is_refused(client, door, ago, app):
    hours = app.config["DOOR_UPLOAD_GRACE_HOURS"]
    assert hours == 12
    _expire(door, utcnow() - dt.timedelta(hours=hours, minutes=1))
    db.session.execute(
        update(DoorDevice).where(DoorDevice.id == door.device_id).values(created_at=utcnow() - dt.timedelta(hours=20))
    )
    db.session.commit()
    response = upload(client, door.event.id, [item(door.codes["confirmed"], at=ago(100))], token=door.device_token)
    assert response.status_code == 401
    assert response.get_json()["error"] == "device_link_invalid" and "12시간" in response.get_json()["message"]
    assert counts() == (0, 0)


def test_a_revoked_link_is_refused(client, door, ago):
    device = db.session.get(DoorDevice, door.device_id)
    revoke_device(device, utcnow())
    db.session.commit()
    response = upload(client, door.event.id, [item(door.codes["confirmed"], at=ago(100))], token=door.device_token)
    assert response.status_code == 401 and response.get_json()["error"] == "device_link_invalid"
    assert counts() == (0, 0)


# --- refusals: the whole batch, nothing written -----------------------------------------------


def _malformed(door, ago):
    good = item(door.codes["confirmed"], at=ago(10))
    now = utcnow()
    return {
        "not a list": {"scans": {"0": good}},
        "no scans": {"items": [good]},
        "an extra member": {"scans": [good], "extra": 1},
        "too many": {"scans": [item(door.codes["confirmed"], at=ago(10)) for _ in range(101)]},
        "a scan not an object": {"scans": [good, "x"]},
        "a bad nonce": {"scans": [good, item(door.codes["voter"], at=ago(9), nonce="bad nonce!")]},
        "no nonce": {"scans": [good, {k: v for k, v in item(door.codes["voter"], at=ago(9)).items() if k != "nonce"}]},
        "a nonce twice": {"scans": [good, dict(item(door.codes["voter"], at=ago(9)), nonce=good["nonce"])]},
        "no time": {
            "scans": [good, {k: v for k, v in item(door.codes["voter"], at=ago(9)).items() if k != "scanned_at"}]
        },
        "a time without offset": {"scans": [good, item(door.codes["voter"], at=ago(9).replace(tzinfo=None))]},
        "a time that is not one": {"scans": [good, dict(item(door.codes["voter"], at=ago(9)), scanned_at="어제 저녁")]},
        "a time out of range in UTC": {
            "scans": [good, dict(item(door.codes["voter"], at=ago(9)), scanned_at="0001-01-01T00:00:00+09:00")]
        },
        "a date without a time": {"scans": [good, dict(item(door.codes["voter"], at=ago(9)), scanned_at="2026-12-06")]},
        "a registration id out of range": {"scans": [good, dict(item(None, at=ago(9)), registration_id=2**70)]},
        "a time as a number": {"scans": [good, dict(item(door.codes["voter"], at=ago(9)), scanned_at=1765000000)]},
        "a time in the future": {"scans": [good, item(door.codes["voter"], at=now + dt.timedelta(minutes=10))]},
        "a time before the link": {"scans": [good, item(door.codes["voter"], at=ago(60 * 4))]},
        "an unknown field": {"scans": [good, dict(item(door.codes["voter"], at=ago(9)), admit=True)]},
        "a code as a number": {"scans": [good, dict(item(None, at=ago(9)), code=12345)]},
        "no code": {"scans": [good, item(None, at=ago(9))]},
        "a registration id as text": {"scans": [good, dict(item(None, at=ago(9)), registration_id="12")]},
        "a bad mode": {"scans": [good, dict(item(door.codes["voter"], at=ago(9)), mode="sideways")]},
        "a walk-in method": {"scans": [good, dict(item(door.codes["voter"], at=ago(9)), method="walkin")]},
        "a bad local result": {"scans": [good, item(door.codes["voter"], at=ago(9), local="admitted")]},
        "a gate too long": {"scans": [good, dict(item(door.codes["voter"], at=ago(9)), gate="G" * 61)]},
        "a device time that is not one": {"sent_at": "지금", "scans": [good]},
        "a device time without offset": {"sent_at": now.replace(tzinfo=None).isoformat(), "scans": [good]},
    }


def test_a_malformed_or_forged_upload_is_refused_whole_and_writes_nothing(client, door, ago):
    for case, body in _malformed(door, ago).items():
        response = upload(client, door.event.id, None, token=door.device_token, body=body)
        assert response.status_code == 400, case
        answer = response.get_json()
        assert answer["error"] == "bad_upload", case
        assert any("\uac00" <= ch <= "\ud7a3" for ch in answer["message"]), (case, answer["message"])
        assert counts() == (0, 0), case
    for raw in (b"not json", b"[1, 2]", b"null"):
        response = client.post(
            f"/api/checkin/events/{door.event.id}/scans",
            data=raw,
            content_type="application/json",
            headers={"X-Door-Token": door.device_token},
        )
        assert response.status_code == 400 and response.is_json
    assert counts() == (0, 0)
    # The same batch without its fault goes through.
    assert (
        upload(client, door.event.id, [item(door.codes["confirmed"], at=ago(10))], token=door.device_token).status_code
        == 200
    )


def test_the_refusal_names_the_scan_at_fault(client, door, ago):
    body = {
        "scans": [
            item(door.codes["confirmed"], at=ago(10)),
            item(door.codes["voter"], at=utcnow() + dt.timedelta(hours=1)),
        ]
    }
    message = upload(client, door.event.id, None, token=door.device_token, body=body).get_json()["message"]
    assert message.startswith("2번째 스캔") and "미래" in message


def test_a_phone_whose_clock_is_off_keeps_its_scans_at_the_real_time(client, door, ago):
    # The phone's clock runs two hours fast: its scans would all be "in the future". With its clock
    # at sending (sent_at) the server moves them by the difference, and nothing is lost.
    fast = dt.timedelta(hours=2)
    sent = utcnow() + fast
    scans = [item(door.codes["confirmed"], at=ago(20) + fast), item(door.codes["voter"], at=ago(5) + fast)]
    answer = upload(
        client, door.event.id, None, token=door.device_token, body={"sent_at": sent.isoformat(), "scans": scans}
    )
    assert answer.status_code == 200, answer.get_json()
    assert [r["result"] for r in answer.get_json()["results"]] == ["ok", "ok"]
    times = {log.registration_id: log.scanned_at for log in logs()}
    for registration, minutes in ((door.confirmed, 20), (door.voter, 5)):
        assert abs(times[registration.id] - ago(minutes)) < dt.timedelta(seconds=30)
        assert abs(checkin_of(registration.id).checked_in_at - ago(minutes)) < dt.timedelta(seconds=30)
    # The same scans without sent_at: refused as in the future, nothing written (the control).
    before = counts()
    again = [item(door.codes["guest"], at=ago(3) + fast)]
    refused = upload(client, door.event.id, again, token=door.device_token)
    assert refused.status_code == 400 and "미래" in refused.get_json()["message"] and counts() == before


def test_a_clock_off_by_seconds_is_left_as_sent(client, door, ago):
    # Network delay and ordinary drift (within the 5 minutes allowed) move nothing.
    at = ago(7)
    body = {"sent_at": (utcnow() + dt.timedelta(seconds=40)).isoformat(), "scans": [item(door.codes["voter"], at=at)]}
    assert upload(client, door.event.id, None, token=door.device_token, body=body).status_code == 200
    assert logs()[-1].scanned_at == at


def test_an_empty_batch_is_answered_empty(client, door):
    response = upload(client, door.event.id, [], token=door.device_token)
    assert response.status_code == 200 and response.get_json() == {"results": []}


# --- who may upload -----------------------------------------------------------------------------


def test_staff_upload_with_their_gate_and_csrf(client, door, ago):
    login(client, door.dmc_staff.email)
    csrf = staff_csrf(client, door.event.id)
    scans = [item(door.codes["confirmed"], at=ago(20), gate="본관 입구")]
    assert upload(client, door.event.id, scans).get_json()["error"] == "csrf"
    response = upload(client, door.event.id, scans, csrf=csrf)
    assert response.status_code == 200
    assert response.get_json()["results"][0]["result"] == "ok"
    [log] = logs()
    assert log.gate == "본관 입구" and log.user_id == door.dmc_staff.id and log.device_id is None
    assert checkin_of(door.confirmed.id).checked_in_by_id == door.dmc_staff.id


def test_a_device_keeps_its_own_gate(client, door, ago):
    upload(
        client, door.event.id, [item(door.codes["confirmed"], at=ago(20), gate="가짜 게이트")], token=door.device_token
    )
    [log] = logs()
    assert log.gate == "A게이트"


def test_another_events_device_staff_of_another_cluster_members_and_strangers_are_refused(client, door, ago):
    _device, other_token = create_device(door.other_event, gate="구로", valid_hours=2, created_by_id=None, now=utcnow())
    db.session.commit()
    scans = [item(door.codes["confirmed"], at=ago(20))]
    assert upload(client, door.event.id, scans, token=other_token).status_code == 403
    assert upload(client, door.event.id, scans, token="x" * 43).status_code == 401
    assert upload(client, door.event.id, scans).status_code == 401
    for who in (door.guro_staff, door.member):
        login(client, who.email)
        response = upload(client, door.event.id, scans, csrf="irrelevant")
        assert response.status_code == 403, who.email
    assert upload(client, 999999, scans, token=door.device_token).status_code == 403
    assert counts() == (0, 0)


def test_the_scanner_pages_are_given_the_upload_url(client, door):

    html = client.get(f"/door/{door.device_token}").get_data(as_text=True)
    assert f'"upload_url": "/api/checkin/events/{door.event.id}/scans"' in html
    login(client, door.dmc_staff.email)
    html = client.get(f"/staff/events/{door.event.id}/scanner").get_data(as_text=True)
    assert f'"upload_url": "/api/checkin/events/{door.event.id}/scans"' in html
