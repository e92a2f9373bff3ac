"""The check-in API: every answer, retries by nonce, check-out, undo, the scan log, and bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.events.tickets import issue_ticket
from app.extensions import db
from app.models import CheckIn, EventStatus, Registration, ScanLog, utcnow
from tests.checkin.conftest import new_nonce
from tests.conftest import csrf_token
from tests.helpers import see_committed


def checkins(registration_id=None) -> list[CheckIn]:
    see_committed()
    query = select(CheckIn)
    if registration_id is not None:
        query = query.where(CheckIn.registration_id == registration_id)
    return db.session.scalars(query).all()


def logs() -> list[ScanLog]:
    see_committed()
    return db.session.scalars(select(ScanLog).order_by(ScanLog.id)).all()


def test_ok_admits_and_names_the_attendee(device_scanner, door):
    answer = device_scanner.scan(door.codes["confirmed"]).get_json()
    assert answer["result"] == "ok"
    assert answer["message"] == "체크인 완료"
    assert answer["attendee"]["name"] == "김민수"
    assert answer["attendee"]["company"] == "(주)상암미디어"
    assert answer["attendee"]["cluster"] == "상암 DMC"
    assert answer["attendee"]["role_label"] == "참가자"
    assert answer["gate"] == "A게이트"
    [checkin] = checkins(door.confirmed.id)
    assert checkin.gate == "A게이트" and checkin.device_id == door.device_id and checkin.method == "qr"


def test_answers_follow_each_requests_language(client, device_scanner, door):
    # The answer's words are kept per language (app.i18n.kept_gettext): a worker that answered in
    # Korean answers the next request in English, and the one after in Korean again.
    first = device_scanner.scan(door.codes["confirmed"]).get_json()
    assert (first["message"], first["attendee"]["role_label"]) == ("체크인 완료", "참가자")
    client.post("/language", data={"locale": "en", "csrf_token": csrf_token(client)})
    english = device_scanner.scan(door.codes["confirmed"]).get_json()
    assert english["message"].startswith("Already checked in")
    assert english["attendee"]["role_label"] == "Attendee"
    assert english["attendee"]["cluster"] == "Sangam DMC"
    guest = device_scanner.scan(door.codes["guest"]).get_json()
    assert (guest["message"], guest["attendee"]["role_label"], guest["attendee"]["cluster"]) == (
        "Checked in",
        "Guest",
        "Guest",
    )
    client.post("/language", data={"locale": "ko", "csrf_token": csrf_token(client)})
    korean = device_scanner.scan(door.codes["confirmed"]).get_json()
    assert korean["message"].startswith("이미 체크인됨") and korean["attendee"]["role_label"] == "참가자"


def test_codes_are_read_as_scanners_and_people_type_them(device_scanner, door):
    code = door.codes["voter"]
    typed = " " + "-".join([code[:5].lower(), code[5:13], code[13:]]) + "\n"
    answer = device_scanner.scan(typed, method="hid").get_json()
    assert answer["result"] == "ok"
    assert answer["attendee"]["role_label"] == "연사"


def test_guest_is_tagged_guest(device_scanner, door):
    answer = device_scanner.scan(door.codes["guest"]).get_json()
    assert answer["result"] == "ok"
    assert answer["attendee"]["company"] == "외부랩"
    assert answer["attendee"]["role_label"] == "게스트"


def test_already_checked_in_says_when_and_where(device_scanner, door):
    first = device_scanner.scan(door.codes["confirmed"]).get_json()
    second = device_scanner.scan(door.codes["confirmed"]).get_json()
    assert second["result"] == "already_checked_in"
    assert second["checked_in_at_label"] == first["checked_in_at_label"]
    assert second["message"] == f"이미 체크인됨 {first['checked_in_at_label']} · A게이트"
    assert len(checkins(door.confirmed.id)) == 1


@pytest.mark.parametrize("code", ["NOT-A-CODE", "A" * 26, "", "🎫" * 30])
def test_unknown_code(device_scanner, door, code):
    answer = device_scanner.scan(code)
    assert answer.status_code == 200 if code else 400
    if code:
        assert answer.get_json()["result"] == "unknown_code"
        assert "등록되지 않은 코드" in answer.get_json()["message"]
    assert checkins() == []


def test_reissued_code_is_unknown(device_scanner, door):
    old = door.codes["confirmed"]
    registration = db.session.get(Registration, door.confirmed.id)
    new = issue_ticket(registration)
    db.session.commit()
    assert device_scanner.scan(old).get_json()["result"] == "unknown_code"
    assert device_scanner.scan(new).get_json()["result"] == "ok"


def test_wrong_event_names_the_event_and_not_the_person(device_scanner, door):
    answer = device_scanner.scan(door.codes["elsewhere"]).get_json()
    assert answer["result"] == "wrong_event"
    assert answer["other_event"]["title"] == "구로 포럼"
    assert "구로 포럼" in answer["message"]
    assert answer["attendee"] is None
    assert checkins() == []


def test_cancelled_and_waitlisted_are_refused(device_scanner, door):
    cancelled = device_scanner.scan(door.codes["cancelled"]).get_json()
    waitlisted = device_scanner.scan(door.codes["waitlisted"]).get_json()
    assert cancelled["result"] == "cancelled" and "취소된 신청" in cancelled["message"]
    assert waitlisted["result"] == "waitlisted" and "대기자" in waitlisted["message"]
    assert checkins() == []


def test_cancelled_event_refuses_everyone(device_scanner, door):
    door.event.status = EventStatus.CANCELLED
    db.session.commit()
    assert device_scanner.scan(door.codes["confirmed"]).get_json()["result"] == "cancelled"


@pytest.mark.parametrize(
    "starts_in, ends_in",
    [
        (dt.timedelta(hours=2), dt.timedelta(hours=4)),  # doors open 60 minutes before: not yet
        (dt.timedelta(hours=-3), dt.timedelta(minutes=-1)),  # over
    ],
)
def test_not_open_before_doors_or_after_the_end(device_scanner, door, starts_in, ends_in):
    now = utcnow()
    door.event.starts_at, door.event.ends_at = now + starts_in, now + ends_in
    db.session.commit()
    answer = device_scanner.scan(door.codes["confirmed"]).get_json()
    assert answer["result"] == "not_open"
    assert "체크인 시간이 아닙니다" in answer["message"]
    assert checkins() == []


def test_doors_open_an_hour_before_the_start(device_scanner, door):
    now = utcnow()
    door.event.starts_at, door.event.ends_at = now + dt.timedelta(minutes=59), now + dt.timedelta(hours=3)
    db.session.commit()
    assert device_scanner.scan(door.codes["confirmed"]).get_json()["result"] == "ok"


def test_same_nonce_gives_the_same_answer_and_one_checkin(device_scanner, door):
    nonce = new_nonce()
    first = device_scanner.scan(door.codes["confirmed"], nonce=nonce).get_json()
    again = device_scanner.scan(door.codes["confirmed"], nonce=nonce).get_json()
    assert first["result"] == again["result"] == "ok"
    assert again["replayed"] is True and first["replayed"] is False
    assert again["attendee"] == first["attendee"]
    assert again["checked_in_at_label"] == first["checked_in_at_label"]
    assert len(checkins(door.confirmed.id)) == 1
    assert len(logs()) == 1
    # A new nonce is a new scan: now it is already checked in.
    assert device_scanner.scan(door.codes["confirmed"]).get_json()["result"] == "already_checked_in"


def test_a_replayed_rejection_stays_a_rejection(device_scanner, door):
    nonce = new_nonce()
    assert device_scanner.scan(door.codes["elsewhere"], nonce=nonce).get_json()["result"] == "wrong_event"
    again = device_scanner.scan(door.codes["elsewhere"], nonce=nonce).get_json()
    assert again["result"] == "wrong_event" and again["other_event"]["title"] == "구로 포럼"


def test_every_scan_is_logged_with_time_gate_and_device(device_scanner, door):
    device_scanner.scan(door.codes["confirmed"])
    device_scanner.scan(door.codes["confirmed"])
    device_scanner.scan("NOPE")
    device_scanner.scan(door.codes["waitlisted"])
    results = [(log.result, log.gate, log.device_id, log.mode) for log in logs()]
    assert results == [
        ("ok", "A게이트", door.device_id, "in"),
        ("already_checked_in", "A게이트", door.device_id, "in"),
        ("unknown_code", "A게이트", door.device_id, "in"),
        ("waitlisted", "A게이트", door.device_id, "in"),
    ]
    assert all(log.scanned_at is not None for log in logs())


def test_check_out_mode_records_leaving_and_coming_back(device_scanner, door):
    code = door.codes["confirmed"]
    assert device_scanner.scan(code, mode="out").get_json()["result"] == "not_checked_in"
    device_scanner.scan(code)
    out = device_scanner.scan(code, mode="out").get_json()
    assert out["result"] == "ok" and out["message"] == "퇴장 기록 완료"
    [checkin] = checkins(door.confirmed.id)
    assert checkin.checked_out_at is not None and checkin.checked_out_gate == "A게이트"
    assert device_scanner.scan(code, mode="out").get_json()["result"] == "already_checked_out"
    back = device_scanner.scan(code).get_json()
    assert back["result"] == "ok"
    [checkin] = checkins(door.confirmed.id)
    assert checkin.checked_out_at is None


def test_staff_scan_uses_their_gate_and_is_logged_with_the_user(staff_scanner, door):
    answer = staff_scanner.scan(door.codes["confirmed"], gate="본관 입구").get_json()
    assert answer["result"] == "ok" and answer["gate"] == "본관 입구"
    [log] = logs()
    assert log.user_id == door.dmc_staff.id and log.device_id is None and log.gate == "본관 입구"


def test_device_cannot_choose_another_gate(device_scanner, door):
    device_scanner.scan(door.codes["confirmed"], gate="가짜 게이트")
    [checkin] = checkins()
    assert checkin.gate == "A게이트"


def test_manual_check_in_by_registration_id(staff_scanner, door):
    answer = staff_scanner.scan(registration_id=door.guest.id).get_json()
    assert answer["result"] == "ok"
    [checkin] = checkins(door.guest.id)
    assert checkin.method == "manual"


def test_registration_id_of_another_event_is_wrong_event(staff_scanner, door):
    assert staff_scanner.scan(registration_id=door.elsewhere.id).get_json()["result"] == "wrong_event"


def test_staff_can_undo_and_it_is_logged(staff_scanner, door):
    staff_scanner.scan(door.codes["confirmed"])
    answer = staff_scanner.undo(door.confirmed.id).get_json()
    assert answer["result"] == "undone"
    assert checkins() == []
    assert [log.result for log in logs()] == ["ok", "undone"]
    assert staff_scanner.undo(door.confirmed.id).get_json()["result"] == "not_checked_in"
    # Admitted again after the undo.
    assert staff_scanner.scan(door.codes["confirmed"]).get_json()["result"] == "ok"


def test_devices_cannot_undo(device_scanner, door):
    device_scanner.scan(door.codes["confirmed"])
    response = device_scanner.undo(door.confirmed.id)
    assert response.status_code == 403
    assert len(checkins()) == 1


def test_undo_of_another_events_registration_is_404(staff_scanner, door):
    assert staff_scanner.undo(door.elsewhere.id).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        [],
        "code",
        {"code": 123},
        {"code": "x" * 500},
        {"registration_id": "12"},
        {"registration_id": True},
        {"registration_id": 2**40},
        {"code": "ABC", "mode": "sideways"},
        {"code": "ABC", "nonce": "short"},
        {"code": "ABC", "nonce": "bad nonce with spaces"},
        {"code": "ABC", "method": "walkin"},
        {"nonce": "abcdefgh1234"},
        {"code": "ABC\x00"},
    ],
)
def test_bad_input_is_a_clear_400_and_changes_nothing(device_scanner, door, body):
    response = device_scanner.client.post(
        f"/api/checkin/events/{door.event.id}/scan", json=body, headers=device_scanner.headers()
    )
    assert response.status_code == 400
    assert response.get_json()["message"]
    assert checkins() == [] and logs() == []


def test_non_json_body_is_400(device_scanner, door):
    response = device_scanner.client.post(
        f"/api/checkin/events/{door.event.id}/scan", data="code=abc", headers=device_scanner.headers()
    )
    assert response.status_code == 400


def test_search_by_name_company_and_mobile(staff_scanner, door):
    by_name = staff_scanner.search("민수").get_json()["results"]
    assert [r["name"] for r in by_name] == ["김민수"]
    by_mobile = staff_scanner.search("9876").get_json()["results"]
    assert [r["name"] for r in by_mobile] == ["박지영"] and by_mobile[0]["mobile_last4"] == "9876"
    by_company = staff_scanner.search("상암미디어").get_json()["results"]
    names = [r["name"] for r in by_company]
    # Confirmed first, then the waitlisted and the cancelled (so the door can say why).
    assert names[-2:] == ["최대기", "정취소"] and set(names[:2]) == {"김민수", "박지영"}
    assert "구로참가자" not in {r["name"] for r in staff_scanner.search("참가자").get_json()["results"]}


def test_search_shows_who_is_in(staff_scanner, door):
    staff_scanner.scan(door.codes["confirmed"])
    [hit] = staff_scanner.search("김민수").get_json()["results"]
    assert hit["checked_in"] is True and hit["checked_in_at_label"]


@pytest.mark.parametrize("q", ["", "a", "x" * 101])
def test_search_needs_a_sensible_query(staff_scanner, q):
    response = staff_scanner.search(q)
    assert response.status_code == 400 and response.get_json()["message"]


def test_search_treats_like_wildcards_literally(staff_scanner, door):
    assert staff_scanner.search("%%").get_json()["results"] == []


def test_checkin_row_count_stays_one_per_registration(device_scanner, door):
    for _ in range(3):
        device_scanner.scan(door.codes["confirmed"])
    see_committed()
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 1


def test_a_device_scan_stores_times_as_the_orm_does(device_scanner, door):
    """The door's statements run on the driver's cursor (service._Direct) with SQLAlchemy's own
    bind processing: the stored times compare equal in SQL to the answer's time, as ORM rows do."""
    answer = device_scanner.scan(door.codes["confirmed"]).get_json()
    at = dt.datetime.fromisoformat(answer["checked_in_at"])
    see_committed()
    assert db.session.scalar(select(func.count()).select_from(CheckIn).where(CheckIn.checked_in_at == at)) == 1
    assert db.session.scalar(select(func.count()).select_from(ScanLog).where(ScanLog.scanned_at == at)) == 1
    log = logs()[-1]
    assert log.scanned_at == at and log.scanned_at.tzinfo is not None
    assert (log.local_result, log.uploaded_at, log.conflict_with_id) == (None, None, None)


def test_a_driver_error_on_the_door_path_is_sqlalchemys_error(app, door):
    from sqlalchemy.exc import IntegrityError

    from app.checkin import service

    values = {
        "event_id": 999_999,  # no such event: the foreign key refuses the row
        "registration_id": None,
        "scanned_at": utcnow(),
        "mode": "in",
        "result": "unknown_code",
        "method": "qr",
        "gate": "A",
        "device_id": None,
        "user_id": None,
        "nonce": new_nonce(),
        "other_event_id": None,
    }
    with pytest.raises(IntegrityError):
        service._insert_ignoring_conflict(ScanLog, values)
    db.session.rollback()


def test_a_door_transaction_is_given_back_whatever_the_answer(device_scanner, door):
    """A device scan runs on a pooled connection of its own (service.DoorTransaction): after an
    admission, a refusal, a replay, a 400 and a dead link's 401 none is left checked out, and
    the next writer is not kept waiting by a transaction left open."""
    from app.checkin.devices import revoke_device
    from app.models import DoorDevice

    see_committed()
    db.session.remove()
    pool = db.engine.pool
    before = pool.checkedout()
    nonce = new_nonce()
    assert device_scanner.scan(door.codes["confirmed"], nonce=nonce).get_json()["result"] == "ok"
    assert device_scanner.scan(door.codes["confirmed"], nonce=nonce).get_json()["replayed"] is True
    assert device_scanner.scan(door.codes["cancelled"]).get_json()["result"] == "cancelled"
    assert device_scanner.scan(door.codes["confirmed"], nonce="x").status_code == 400
    assert pool.checkedout() == before
    revoke_device(db.session.get(DoorDevice, door.device_id), utcnow())
    db.session.commit()  # would wait out the busy timeout behind a writer left open, and fail
    assert device_scanner.scan(door.codes["voter"]).status_code == 401
    db.session.remove()
    assert pool.checkedout() == before
    assert [log.result for log in logs()] == ["ok", "cancelled"]


def test_attendee_json_names_every_field():
    import dataclasses

    from app.checkin.answers import Attendee

    attendee = Attendee(1, "이름", "회사", "클러스터", "attendee", "참가자")
    assert list(attendee.as_json()) == [f.name for f in dataclasses.fields(Attendee)]
    assert attendee.as_json() == dataclasses.asdict(attendee)
