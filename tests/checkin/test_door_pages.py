"""Staff pages at the door: the hub, scanner links (made once, scoped, revocable, expiring),
walk-ins and the scan log; who may use them."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from app.checkin.devices import create_device
from app.extensions import db
from app.models import CheckIn, DoorDevice, Registration, RegistrationStatus, ScanLog, utcnow
from app.tokens import hash_token
from tests.checkin.conftest import Scanner, login, new_nonce
from tests.factories import make_company
from tests.helpers import post_form, see_committed


def _pages(door):
    e = door.event.id
    return [
        f"/staff/events/{e}/checkin",
        f"/staff/events/{e}/scanner",
        f"/staff/events/{e}/walk-in",
        f"/staff/events/{e}/scans",
        f"/staff/events/{e}/devices/{door.device_id}/revoke",
    ]


@pytest.mark.parametrize("who", ["admin", "dmc_staff"])
def test_host_staff_and_admin_reach_every_door_page(client, door, who):
    login(client, getattr(door, who).email)
    for path in _pages(door):
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize("who", ["guro_staff", "member"])
def test_other_staff_and_members_are_refused(client, door, who):
    login(client, getattr(door, who).email)
    for path in _pages(door):
        assert client.get(path).status_code == 403, path
    response = post_form(
        client, f"/staff/events/{door.event.id}/devices", {"gate": "B", "valid_hours": 4}, token_from="/"
    )
    assert response.status_code == 403
    see_committed()
    assert db.session.scalar(select(func.count()).select_from(DoorDevice)) == 1


def test_anonymous_is_sent_to_login(client, door):
    for path in _pages(door):
        response = client.get(path)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"], path


def test_unknown_event_is_404(client, door):
    login(client, door.admin.email)
    assert client.get("/staff/events/999999/checkin").status_code == 404


def test_staff_api_needs_csrf_and_the_right_cluster(app, client, door):
    login(client, door.guro_staff.email)
    response = client.post(
        f"/api/checkin/events/{door.event.id}/scan", json={"code": door.codes["confirmed"], "nonce": new_nonce()}
    )
    assert response.status_code == 403
    client = app.test_client()
    login(client, door.dmc_staff.email)
    no_token = client.post(
        f"/api/checkin/events/{door.event.id}/scan", json={"code": door.codes["confirmed"], "nonce": new_nonce()}
    )
    assert no_token.status_code == 400 and no_token.get_json()["error"] == "csrf"
    see_committed()
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 0


def test_anonymous_api_call_is_401_json(client, door):
    response = client.post(f"/api/checkin/events/{door.event.id}/scan", json={"code": "X", "nonce": new_nonce()})
    assert response.status_code == 401 and response.get_json()["error"] == "login_required"
    assert client.get(f"/api/checkin/events/{door.event.id}/search?q=김민").status_code == 401


# --- scanner links ---------------------------------------------------------------------------


def _make_link(client, door, gate="B게이트", hours=6):
    response = post_form(
        client,
        f"/staff/events/{door.event.id}/devices",
        {"gate": gate, "valid_hours": hours},
        token_from=f"/staff/events/{door.event.id}/checkin",
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    match = re.search(r'value="(http://localhost/door/([A-Za-z0-9_\-]+))"', html)
    assert match, "no new link on the page"
    return html, match.group(1), match.group(2)


def test_a_new_link_is_shown_once_with_a_qr_and_stored_hashed(client, door):
    login(client, door.dmc_staff.email)
    html, link, token = _make_link(client, door)
    assert "<svg" in html  # the QR a volunteer's phone camera opens
    assert len(token) >= 43  # 256 bits in URL-safe base64
    see_committed()
    device = db.session.scalars(select(DoorDevice).where(DoorDevice.gate == "B게이트")).one()
    assert device.token_hash == hash_token(token) and token not in device.token_hash
    assert dt.timedelta(hours=5, minutes=59) < device.expires_at - device.created_at <= dt.timedelta(hours=6)
    # The hub lists it afterwards, but never the link again.
    again = client.get(f"/staff/events/{door.event.id}/checkin").get_data(as_text=True)
    assert "B게이트" in again and token not in again


def test_the_link_opens_the_scanner_for_its_event_and_gate(app, client, door):
    login(client, door.dmc_staff.email)
    _html, _link, token = _make_link(client, door)
    anonymous = door_client = app.test_client()
    response = door_client.get(f"/door/{token}")
    assert response.status_code == 200
    assert response.headers["Referrer-Policy"] == "no-referrer"
    html = response.get_data(as_text=True)
    assert "상암 네트워킹 나이트" in html and "B게이트" in html
    scanner = Scanner(anonymous, door.event.id, device_token=token)
    answer = scanner.scan(door.codes["confirmed"]).get_json()
    assert answer["result"] == "ok" and answer["gate"] == "B게이트"


@pytest.mark.parametrize("hours", [0, 73, -1])
def test_link_validity_is_bounded(client, door, hours):
    login(client, door.dmc_staff.email)
    response = post_form(
        client,
        f"/staff/events/{door.event.id}/devices",
        {"gate": "C", "valid_hours": hours},
        token_from=f"/staff/events/{door.event.id}/checkin",
    )
    assert response.status_code == 400
    see_committed()
    assert db.session.scalar(select(func.count()).select_from(DoorDevice)) == 1


def test_device_link_is_scoped_to_its_event(client, door, device_scanner):
    other = door.other_event.id
    scan = device_scanner.scan(door.codes["elsewhere"], event_id=other)
    assert scan.status_code == 403 and scan.get_json()["error"] == "other_event"
    assert device_scanner.search("구로", event_id=other).status_code == 403
    see_committed()
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 0
    # Nor does the token open any staff page or another event's pages.
    for path in _pages(door):
        response = client.get(path, headers={"X-Door-Token": door.device_token})
        assert response.status_code == 302, path


def test_revoked_link_stops_at_once(app, client, door, device_scanner):
    assert device_scanner.scan(door.codes["confirmed"]).get_json()["result"] == "ok"
    login(client, door.dmc_staff.email)
    confirm = client.get(f"/staff/events/{door.event.id}/devices/{door.device_id}/revoke")
    assert "A게이트" in confirm.get_data(as_text=True)
    response = post_form(client, f"/staff/events/{door.event.id}/devices/{door.device_id}/revoke", {})
    assert response.status_code == 302
    refused = Scanner(app.test_client(), door.event.id, device_token=door.device_token).scan(door.codes["voter"])
    assert refused.status_code == 401 and "만료되었거나 취소" in refused.get_json()["message"]
    assert app.test_client().get(f"/door/{door.device_token}").status_code == 404
    see_committed()
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 1


def test_expired_link_is_refused(client, door):
    device = db.session.get(DoorDevice, door.device_id)
    device.expires_at = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    refused = Scanner(client, door.event.id, device_token=door.device_token).scan(door.codes["confirmed"])
    assert refused.status_code == 401
    assert client.get(f"/door/{door.device_token}").status_code == 404


def test_unknown_token_is_refused_like_a_revoked_one(client, door):
    assert client.get("/door/" + "x" * 43).status_code == 404
    response = Scanner(client, door.event.id, device_token="x" * 43).scan(door.codes["confirmed"])
    assert response.status_code == 401


def test_other_staff_cannot_revoke_another_events_link(client, door):
    other_device, _token = create_device(
        door.other_event, gate="구로 정문", valid_hours=2, created_by_id=None, now=utcnow()
    )
    db.session.commit()
    login(client, door.dmc_staff.email)
    # The link belongs to the other event: not found under this one, forbidden under its own.
    assert client.get(f"/staff/events/{door.event.id}/devices/{other_device.id}/revoke").status_code == 404
    assert client.get(f"/staff/events/{door.other_event.id}/devices/{other_device.id}/revoke").status_code == 403


# --- walk-ins -------------------------------------------------------------------------------


def _walk_in(client, door, **fields):
    data = {"company_id": 0, "name": "현장손님", "email": "walkin@example.com", "role": "attendee", "consent": "y"}
    data.update(fields)
    return post_form(client, f"/staff/events/{door.event.id}/walk-in", data)


def test_walk_in_from_a_directory_company_is_registered_checked_in_and_gets_a_badge(client, door):
    login(client, door.dmc_staff.email)
    response = _walk_in(client, door, company_id=door.company.id, mobile="01055556666")
    assert response.status_code == 302
    see_committed()
    registration = db.session.scalars(select(Registration).where(Registration.email == "walkin@example.com")).one()
    assert registration.status == RegistrationStatus.CONFIRMED and registration.company_id == door.company.id
    assert registration.ticket_hash and registration.registered_by_id == door.dmc_staff.id
    checkin = db.session.scalars(select(CheckIn).where(CheckIn.registration_id == registration.id)).one()
    assert checkin.method == "walkin"
    done = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "현장손님" in done and f"/registrations/{registration.id}/badge.pdf" in done


def test_walk_in_guest_needs_company_and_brn(client, door):
    door.event.open_to_guests = True
    db.session.commit()
    login(client, door.dmc_staff.email)
    missing = _walk_in(client, door)
    assert missing.status_code == 400 and "소속 기업명" in missing.get_data(as_text=True)
    ok = _walk_in(client, door, guest_company_name="바깥랩", guest_brn="1234567891")
    assert ok.status_code == 302


def test_walk_in_refused_when_full_and_nothing_is_written(client, door):
    door.event.capacity = 3  # confirmed, voter and guest hold every seat
    db.session.commit()
    login(client, door.dmc_staff.email)
    response = _walk_in(client, door, company_id=door.company.id)
    assert response.status_code == 400 and "정원이 찼습니다" in response.get_data(as_text=True)
    see_committed()
    assert (
        db.session.scalar(
            select(func.count()).select_from(Registration).where(Registration.email == "walkin@example.com")
        )
        == 0
    )
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 0


def test_walk_in_needs_consent(client, door):
    login(client, door.dmc_staff.email)
    response = _walk_in(client, door, company_id=door.company.id, consent="")
    assert response.status_code == 400 and "동의" in response.get_data(as_text=True)


def test_walk_in_before_doors_open_registers_nothing(client, door):
    door.event.starts_at = utcnow() + dt.timedelta(hours=5)
    door.event.ends_at = utcnow() + dt.timedelta(hours=7)
    db.session.commit()
    login(client, door.dmc_staff.email)
    page = client.get(f"/staff/events/{door.event.id}/walk-in").get_data(as_text=True)
    assert "현장 등록은 입장이 시작되는" in page and 'name="company_id"' not in page
    response = _walk_in(client, door, company_id=door.company.id)
    assert response.status_code == 400 and "현장 등록은 입장이 시작되는" in response.get_data(as_text=True)
    see_committed()
    assert (
        db.session.scalar(
            select(func.count()).select_from(Registration).where(Registration.email == "walkin@example.com")
        )
        == 0
    )


@pytest.mark.parametrize("started_ago", [dt.timedelta(0), dt.timedelta(minutes=1), dt.timedelta(minutes=100)])
def test_walk_in_during_the_event_is_offered_and_admitted(client, door, started_ago):
    """From the start on, the online registration is closed, but the door still registers."""
    door.event.registration_closes_at = utcnow() - started_ago - dt.timedelta(days=1)
    door.event.starts_at = utcnow() - started_ago
    door.event.ends_at = utcnow() - started_ago + dt.timedelta(hours=2)
    db.session.commit()
    login(client, door.dmc_staff.email)
    page = client.get(f"/staff/events/{door.event.id}/walk-in").get_data(as_text=True)
    assert "(주)상암미디어" in page and "참가 신청이 마감되었습니다" not in page
    response = _walk_in(client, door, company_id=door.company.id)
    assert response.status_code == 302
    see_committed()
    registration = db.session.scalars(select(Registration).where(Registration.email == "walkin@example.com")).one()
    checkin = db.session.scalars(select(CheckIn).where(CheckIn.registration_id == registration.id)).one()
    assert registration.status == RegistrationStatus.CONFIRMED and checkin.method == "walkin"


def test_walk_in_after_the_end_is_refused_with_the_reason(client, door):
    door.event.starts_at = utcnow() - dt.timedelta(hours=3)
    door.event.ends_at = utcnow() - dt.timedelta(minutes=1)
    db.session.commit()
    login(client, door.dmc_staff.email)
    page = client.get(f"/staff/events/{door.event.id}/walk-in").get_data(as_text=True)
    assert "이미 끝난 행사입니다" in page and 'name="company_id"' not in page
    response = _walk_in(client, door, company_id=door.company.id)
    assert response.status_code == 400
    see_committed()
    assert (
        db.session.scalar(
            select(func.count()).select_from(Registration).where(Registration.email == "walkin@example.com")
        )
        == 0
    )


def test_walk_in_page_says_when_no_directory_company_may_attend(client, door):
    door.company.is_active = False
    db.session.commit()
    login(client, door.dmc_staff.email)
    page = client.get(f"/staff/events/{door.event.id}/walk-in").get_data(as_text=True)
    assert "참가할 수 있는 입주기업이 디렉터리에 없습니다" in page


def test_walk_in_offers_only_eligible_companies(client, door):
    outsider = make_company(door.guro, name="구로전용기업")
    db.session.commit()
    login(client, door.dmc_staff.email)
    html = client.get(f"/staff/events/{door.event.id}/walk-in").get_data(as_text=True)
    assert "(주)상암미디어" in html and "구로전용기업" not in html
    response = _walk_in(client, door, company_id=outsider.id)
    assert response.status_code == 400


# --- scan log -------------------------------------------------------------------------------


def test_scan_log_lists_every_scan_newest_first(client, door, device_scanner):
    device_scanner.scan(door.codes["confirmed"], method="hid")
    device_scanner.scan("WRONG")
    login(client, door.dmc_staff.email)
    html = client.get(f"/staff/events/{door.event.id}/scans").get_data(as_text=True)
    assert html.index("등록되지 않은 코드") < html.index("체크인 완료")
    assert "김민수" in html and "A게이트" in html
    # The method in staff words, not the API's code.
    assert "바코드 스캐너" in html and "<td>hid</td>" not in html and "<td>qr</td>" not in html


def test_scan_log_empty_state(client, door):
    login(client, door.dmc_staff.email)
    assert "아직 스캔 기록이 없습니다" in client.get(f"/staff/events/{door.event.id}/scans").get_data(as_text=True)


def test_undo_is_logged_with_the_staff_member(staff_scanner, door):
    staff_scanner.scan(door.codes["confirmed"])
    staff_scanner.undo(door.confirmed.id)
    see_committed()
    undo = db.session.scalars(select(ScanLog).where(ScanLog.mode == "undo")).one()
    assert undo.user_id == door.dmc_staff.id and undo.registration_id == door.confirmed.id


def test_code_lookups_use_the_hash_only(door):
    see_committed()
    registration = db.session.get(Registration, door.confirmed.id)
    assert registration.ticket_hash == hash_token(door.codes["confirmed"])
