"""The door scanner page in a real browser: Debian's Chromium driven by Playwright against the app
served on a free port, with a fake camera showing a real badge QR, a typed (HID) code, the retry
queue under a dead network and the name search."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path

import pytest
import qrcode
from PIL import Image
from sqlalchemy import func, select

from app.checkin import devices
from app.database import begin_write
from app.events.tickets import ticket_code
from app.extensions import db
from app.models import CheckIn, DoorDevice, Event, Role, ScanLog, utcnow
from tests.checkin.browser_helpers import (
    REPO,
    chromium,
    collect_page_errors,
    expect,
    font_env,
    launch,
    live_server,
    needs_chromium,
    playwright,
    sign_in,
)
from tests.factories import PASSWORD, make_cluster, make_company, make_event, make_registration, make_user
from tests.helpers import see_committed

SCREENSHOT = REPO / "docs" / "screenshots" / "scanner-green.png"
ANSWER_TIMEOUT_MS = 15_000
JSQR = "/static/vendor/jsqr/jsQR.js"

pytestmark = needs_chromium


@pytest.fixture
def laptop(chromium):
    """A door laptop: a keyboard, maybe a USB scanner, no camera."""
    context = chromium.new_context(viewport={"width": 1024, "height": 768}, locale="ko-KR")
    context.set_default_timeout(ANSWER_TIMEOUT_MS)
    errors = collect_page_errors(context)
    yield context
    context.close()
    assert errors == [], "the scanner page raised errors"


# --- data ----------------------------------------------------------------------------------------


@pytest.fixture
def door(app):
    """An event whose doors are open, a staff member of its cluster and one confirmed attendee."""
    cluster = make_cluster(name_ko="상암 DMC")
    staff = make_user(Role.STAFF, clusters=[cluster], email="door-staff@example.com")
    event = make_event(cluster, starts_in=dt.timedelta(minutes=20), title_ko="DMC 네트워킹 나이트")
    company = make_company(cluster, name="(주)상암미디어")
    registration = make_registration(event, company=company, name="김민수", mobile="010-1234-5678")
    code = ticket_code(registration)
    db.session.commit()
    return {"event_id": event.id, "staff_email": staff.email, "registration_id": registration.id, "code": code}


def checkins(registration_id: int) -> list[CheckIn]:
    see_committed()
    return list(db.session.scalars(select(CheckIn).where(CheckIn.registration_id == registration_id)))


def door_link(event_id: int, gate: str) -> tuple[int, str]:
    see_committed()
    device, token = devices.create_device(
        db.session.get(Event, event_id), gate=gate, valid_hours=4, created_by_id=None, now=utcnow()
    )
    db.session.commit()
    return device.id, token


def open_staff_scanner(context, base: str, door: dict):
    page = context.new_page()
    sign_in(page, base, door["staff_email"], PASSWORD)
    page.goto(f"{base}/staff/events/{door['event_id']}/scanner")
    expect(page.locator("#code-input")).to_be_visible()
    return page


def answer(page):
    return page.locator("#answer")


def expect_answer(page, tone: str, *texts: str) -> None:
    overlay = answer(page)
    expect(overlay).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    expect(overlay).to_have_class(re.compile(rf"\btone-{tone}\b"), timeout=ANSWER_TIMEOUT_MS)
    for text in texts:
        expect(overlay).to_contain_text(text, timeout=ANSWER_TIMEOUT_MS)


def type_code(page, code: str) -> None:
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def watch_jsqr(page) -> list[str]:
    """The requests the page makes for the vendored jsQR."""
    loads: list[str] = []
    page.on("request", lambda request: loads.append(request.url) if request.url.endswith(JSQR) else None)
    return loads


# --- a fake camera showing a badge ---------------------------------------------------------------


def write_qr_video(path: Path, text: str, width: int = 640, height: int = 480, frames: int = 3) -> Path:
    """A YUV4MPEG2 (4:2:0, JPEG range) clip of `text` as a QR code on white, for Chromium's fake camera."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    qr.add_data(text)
    qr.make(fit=True)
    modules = qr.modules_count + 2 * qr.border
    qr.box_size = max(int(min(width, height) * 0.8) // modules, 1)
    badge = qr.make_image(fill_color="black", back_color="white").get_image().convert("RGB")
    frame = Image.new("RGB", (width, height), "white")
    frame.paste(badge, ((width - badge.width) // 2, (height - badge.height) // 2))

    # Y at full size; Cb and Cr averaged over 2x2 blocks (4:2:0), all three full range as in JPEG.
    y, cb, cr = frame.convert("YCbCr").split()
    half = (width // 2, height // 2)
    planes = (
        y.tobytes() + cb.resize(half, Image.Resampling.BOX).tobytes() + cr.resize(half, Image.Resampling.BOX).tobytes()
    )
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + planes)
    return path


def test_qr_video_has_the_y4m_layout(tmp_path):
    path = write_qr_video(tmp_path / "qr.y4m", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", frames=2)
    data = path.read_bytes()
    header, _, rest = data.partition(b"\n")
    assert header == b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg"
    frame_size = len(b"FRAME\n") + 640 * 480 * 3 // 2
    assert len(rest) == 2 * frame_size
    assert rest.startswith(b"FRAME\n")


# --- the tests -----------------------------------------------------------------------------------


def test_camera_scan_on_the_door_device_then_on_the_staff_page(app, live_server, door, playwright, font_env, tmp_path):
    video = write_qr_video(tmp_path / "badge.y4m", door["code"])
    device_id, token = door_link(door["event_id"], "A게이트")
    browser = launch(
        playwright,
        font_env,
        [
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        # A volunteer's phone opens the device link and turns the camera on.
        phone = browser.new_context(
            viewport={"width": 390, "height": 780},
            device_scale_factor=1,
            is_mobile=True,
            has_touch=True,
            locale="ko-KR",
        )
        phone.set_default_timeout(ANSWER_TIMEOUT_MS)
        page = phone.new_page()
        jsqr_loads = watch_jsqr(page)
        page.goto(f"{live_server.url}/door/{token}")
        expect(page.locator(".gate-fixed")).to_have_text("A게이트")
        assert jsqr_loads == [], "jsQR is loaded only when the camera needs it"
        page.click("#camera-toggle")
        expect_answer(page, "ok", "김민수", "(주)상암미디어", "체크인 완료")
        if not page.evaluate("'BarcodeDetector' in window"):  # Linux Chromium has none: jsQR reads the QR
            assert len(jsqr_loads) == 1
        if os.environ.get("MOIM_SAVE_SCREENSHOTS") == "1":
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT))

        rows = checkins(door["registration_id"])
        assert len(rows) == 1
        assert (rows[0].gate, rows[0].device_id, rows[0].method) == ("A게이트", device_id, "qr")
        # The badge stays in front of the camera: it is not sent again and again.
        page.wait_for_timeout(1500)
        see_committed()
        assert (
            db.session.scalar(
                select(func.count()).select_from(ScanLog).where(ScanLog.registration_id == door["registration_id"])
            )
            == 1
        )
        phone.close()

        # Staff scan the same badge on their own page: amber, with when and where it was admitted.
        desk = browser.new_context(viewport={"width": 1024, "height": 768}, locale="ko-KR")
        desk.set_default_timeout(ANSWER_TIMEOUT_MS)
        staff_page = open_staff_scanner(desk, live_server.url, door)
        staff_page.click("#camera-toggle")
        expect_answer(staff_page, "warn", "이미 체크인됨", "A게이트", "김민수")
        assert len(checkins(door["registration_id"])) == 1
        desk.close()
    finally:
        browser.close()


def test_hid_scanner_admits_then_says_already_checked_in(app, live_server, door, laptop):
    page = laptop.new_page()
    jsqr_loads = watch_jsqr(page)
    sign_in(page, live_server.url, door["staff_email"], PASSWORD)
    page.goto(f"{live_server.url}/staff/events/{door['event_id']}/scanner")
    page.fill("#gate-input", "정문")
    page.locator("#gate-input").dispatch_event("change")
    page.locator("#code-input").focus()
    type_code(page, door["code"])
    expect_answer(page, "ok", "김민수", "(주)상암미디어", "체크인 완료")
    rows = checkins(door["registration_id"])
    assert len(rows) == 1
    assert (rows[0].gate, rows[0].method) == ("정문", "hid")

    # Tap away the answer; the scanner input has focus again for the next badge.
    answer(page).click()
    expect(answer(page)).to_be_hidden()
    expect(page.locator("#code-input")).to_be_focused()

    # With focus nowhere, a scanner's fast keystrokes and Enter are still caught.
    page.evaluate("document.activeElement.blur()")
    type_code(page, door["code"])
    expect_answer(page, "warn", "이미 체크인됨", "정문")
    assert len(checkins(door["registration_id"])) == 1
    expect(page.locator("#history li")).to_have_count(2)

    # The gate name is remembered on this laptop.
    page.reload()
    expect(page.locator("#gate-input")).to_have_value("정문")
    # No camera was turned on: the QR decoder was never downloaded.
    assert jsqr_loads == []


def test_unknown_code_is_red_with_the_reason(app, live_server, door, laptop):
    page = open_staff_scanner(laptop, live_server.url, door)
    expect(page.locator("#code-input")).to_be_focused()
    type_code(page, "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    expect_answer(page, "error", "등록되지 않은 코드")
    assert checkins(door["registration_id"]) == []


def test_answer_colour_is_the_servers_tone(app, live_server, door, laptop):
    """The page colours an answer by the server's `tone`, not by a table of results of its own."""
    page = open_staff_scanner(laptop, live_server.url, door)
    answers = [
        # A result the page has never heard of, with a tone: shown in that tone.
        {"result": "some_new_result", "tone": "warn", "message": "새로운 안내", "mode": "in", "attendee": None},
        # A known amber result without a tone (an older server): red, never a false green or amber.
        {"result": "already_checked_in", "message": "이미 체크인됨", "mode": "in", "attendee": None},
        {
            "result": "ok",
            "tone": "ok",
            "message": "체크인 완료",
            "mode": "in",
            "attendee": {
                "registration_id": door["registration_id"],
                "name": "김민수",
                "company": "(주)상암미디어",
                "role_label": "",
            },
        },
    ]
    page.route(
        "**/api/checkin/events/*/scan",
        lambda route: route.fulfill(status=200, content_type="application/json", body=json.dumps(answers.pop(0))),
    )
    type_code(page, door["code"])
    expect_answer(page, "warn", "새로운 안내")
    expect(answer(page)).to_have_attribute("data-result", "some_new_result")
    answer(page).click()
    type_code(page, door["code"])
    expect_answer(page, "error", "이미 체크인됨")
    answer(page).click()
    type_code(page, door["code"])
    expect_answer(page, "ok", "김민수")
    expect(page.locator("#history li")).to_have_count(3)
    expect(page.locator("#history li.tone-warn")).to_have_count(1)
    expect(page.locator("#history li.tone-error")).to_have_count(1)


def test_revoked_device_link_says_so(app, live_server, door, laptop):
    device_id, token = door_link(door["event_id"], "B게이트")
    page = laptop.new_page()
    page.goto(f"{live_server.url}/door/{token}")
    expect(page.locator("#code-input")).to_be_focused()
    # The page has its roster: revoked before that download, the link is known dead from the
    # roster's 401 and the scan takes the offline path (another message; a race in this test).
    page.wait_for_function("window.moimRoster && window.moimRoster.size() > 0")

    # Opening the link wrote last_seen_at: write from a fresh (immediate) transaction, not a stale snapshot.
    see_committed()
    begin_write()
    devices.revoke_device(db.session.get(DoorDevice, device_id), utcnow())
    db.session.commit()
    type_code(page, door["code"])
    expect_answer(page, "error", "만료되었거나 취소되었습니다")
    assert checkins(door["registration_id"]) == []


def sent_nonces(request) -> list[str]:
    """The nonces a scan request carries: one for POST .../scan, each scan's for the batch .../scans."""
    if request.method != "POST":
        return []
    body = request.post_data_json or {}
    if request.url.rstrip("/").endswith("/scans"):
        return [s.get("nonce") for s in body.get("scans", [])]
    return [body.get("nonce")]


def queued_counts(page) -> list[int]:
    return page.evaluate(
        "Object.keys(localStorage).filter(k => k.endsWith(':queue'))"
        ".map(k => JSON.parse(localStorage.getItem(k)).length)"
    )


def test_offline_scan_is_answered_from_the_roster_and_sent_once(app, live_server, door, laptop):
    page = open_staff_scanner(laptop, live_server.url, door)
    expect(page.locator("#code-input")).to_be_focused()
    page.wait_for_function("window.moimRoster && window.moimRoster.size() === 1")
    sent: list[str] = []
    page.on("request", lambda request: sent.extend(sent_nonces(request)) if "/api/checkin/" in request.url else None)
    laptop.set_offline(True)
    type_code(page, door["code"])
    # No network: the roster answers at once, green, and says it was checked offline.
    expect_answer(page, "ok", "김민수", "오프라인 확인")
    banner = page.locator("#net-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("오프라인으로 작동 중")
    expect(banner).to_contain_text("업로드 대기 1건")
    assert checkins(door["registration_id"]) == []
    assert queued_counts(page) == [1]
    nonce = page.evaluate(
        "JSON.parse(localStorage.getItem(Object.keys(localStorage).find(k => k.endsWith(':queue'))))[0].nonce"
    )

    laptop.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(banner).to_be_hidden(timeout=ANSWER_TIMEOUT_MS)
    first = page.locator("#history li").first
    expect(first).to_have_class(re.compile(r"\btone-ok\b"))
    expect(first).to_contain_text("김민수")
    rows = checkins(door["registration_id"])
    assert len(rows) == 1
    assert queued_counts(page) == [0]
    # Sent exactly once (the offline attempt, if any, never reached the server), logged once.
    assert sent.count(nonce) == 1
    assert db.session.scalar(select(func.count()).select_from(ScanLog).where(ScanLog.nonce == nonce)) == 1


def test_lost_answer_is_retried_with_the_same_nonce(app, live_server, door, laptop):
    """The server admits the badge but the answer never reaches the phone: the retry must not admit twice."""
    page = open_staff_scanner(laptop, live_server.url, door)
    expect(page.locator("#code-input")).to_be_focused()
    page.wait_for_function("window.moimRoster && window.moimRoster.size() === 1")
    nonces: list[str] = []

    def lose_first_answer(route):
        nonces.extend(sent_nonces(route.request))
        if len(nonces) == 1:
            route.fetch()  # reaches the server, which commits the check-in
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route(re.compile(r".*/api/checkin/events/\d+/scans?$"), lose_first_answer)
    type_code(page, door["code"])
    # The answer is lost: the page takes the network for down and answers from its roster.
    expect_answer(page, "ok", "김민수", "오프라인 확인")
    assert len(checkins(door["registration_id"])) == 1  # the server did admit
    first = page.locator("#history li").first
    expect(page.locator("#net-banner")).to_be_hidden(timeout=ANSWER_TIMEOUT_MS)
    expect(first).to_have_class(re.compile(r"\btone-ok\b"), timeout=ANSWER_TIMEOUT_MS)
    assert len(nonces) == 2
    assert nonces[0] == nonces[1]
    assert re.fullmatch(r"[A-Za-z0-9_-]{8,64}", nonces[0])
    # The retry was answered from the log: one check-in, one logged scan, nothing waits.
    assert len(checkins(door["registration_id"])) == 1
    assert db.session.scalar(select(func.count()).select_from(ScanLog).where(ScanLog.nonce == nonces[0])) == 1
    assert queued_counts(page) == [0]


def test_search_by_name_checks_in_and_staff_can_undo(app, live_server, door, laptop):
    page = open_staff_scanner(laptop, live_server.url, door)
    page.fill("#search-input", "김민")
    result = page.locator("#search-results li").filter(has_text="김민수")
    expect(result).to_have_count(1)
    expect(result).to_contain_text("(주)상암미디어")
    result.locator("button").click()
    expect_answer(page, "ok", "김민수", "체크인 완료")
    rows = checkins(door["registration_id"])
    assert len(rows) == 1 and rows[0].method == "manual"
    expect(page.locator("#search-input")).to_have_value("")

    # A wrong person admitted: staff take it back from the answer.
    page.click("#answer-undo")
    expect_answer(page, "pending", "체크인을 취소했습니다")
    assert checkins(door["registration_id"]) == []

    # A badge scanned while the search box has focus is taken as the scan it is.
    answer(page).click()
    page.locator("#search-input").focus()
    type_code(page, door["code"])
    expect_answer(page, "ok", "김민수")
    assert [c.method for c in checkins(door["registration_id"])] == ["hid"]
