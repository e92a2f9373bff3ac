"""Two gates apart (issue 14, item 6) in Debian's Chromium: two phones, each with its own device link,
load their pages online, lose the network, and both admit the same badge from their rosters (green at
both: neither can know of the other). When the network returns, both scans are uploaded with their real
times: the badge is admitted once, both scans are logged, the later one is flagged as a conflict, and
the staff's live dashboard shows it with both gates and times. Meanwhile the server reissued another
badge: after the sync the phones' rosters no longer know its old code. And the camera path offline:
the fake camera's badge answered from the roster, with the QR decoder from the worker's cache."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.checkin.browser_helpers import (
    chromium,  # noqa: F401  (fixture)
    collect_page_errors,
    expect,
    font_env,  # noqa: F401  (fixture)
    live_server,  # noqa: F401  (fixture)
    needs_chromium,
    playwright,  # noqa: F401  (fixture)
    sign_in,
)
from tests.checkin.test_scanner_offline import h
from tests.factories import PASSWORD

pytestmark = needs_chromium


def _phone(chromium, url: str):  # noqa: F811
    context = chromium.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="ko-KR"
    )
    context.set_default_timeout(15_000)
    errors = collect_page_errors(context)
    page = context.new_page()
    page.goto(url)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("navigator.serviceWorker.controller !== null", polling=100)
    page.wait_for_function("window.moimRoster && window.moimRoster.size() === 5")
    # The page itself is in the worker's cache, as test_scanner_offline waits for: a reload offline
    # before that fails with net::ERR_FAILED (seen once on a loaded CI run).
    page.wait_for_function(
        "async () => Boolean(await (await caches.open('moim-scanner-pages')).match(location.href))", polling=200
    )
    return context, page, errors


def _scan(page, code: str) -> None:
    page.locator("#code-input").focus()
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def test_two_gates_admitting_one_badge_offline_show_one_conflict(app, door, live_server, chromium):  # noqa: F811
    from app.checkin.badges import reissue_ticket
    from app.checkin.devices import create_device
    from app.extensions import db
    from app.models import CheckIn, Registration, ScanLog, utcnow
    from tests.helpers import see_committed

    _device_b, token_b = create_device(door.event, gate="B게이트", valid_hours=6, created_by_id=None, now=utcnow())
    db.session.commit()
    gate_a, page_a, errors_a = _phone(chromium, f"{live_server.url}/door/{door.device_token}")
    gate_b, page_b, errors_b = _phone(chromium, f"{live_server.url}/door/{token_b}")
    old_guest_hash = h(door.codes["guest"])
    assert page_a.evaluate("(x) => Boolean(window.moimRoster.entry(x))", old_guest_hash)

    # Both lose the network; the same badge comes to both doors (a copied badge, or a guest who
    # went out through one door and in through the other before anyone could know).
    for context, page in ((gate_a, page_a), (gate_b, page_b)):
        context.set_offline(True)
        page.evaluate("window.dispatchEvent(new Event('offline'))")
    for page in (page_a, page_b):
        _scan(page, door.codes["voter"])
        answer = page.locator("#answer")
        expect(answer).to_have_class(re.compile(r"\btone-ok\b"))
        expect(answer).to_contain_text("오프라인 확인")
        answer.click()
        expect(page.locator("#net-banner")).to_contain_text("업로드 대기 1건")

    # Meanwhile the guest's badge is reissued on the server (a lost badge).
    guest = db.session.get(Registration, door.guest.id)
    reissue_ticket(guest)
    db.session.commit()

    # Gate A's network returns first, then gate B's.
    for context, page in ((gate_a, page_a), (gate_b, page_b)):
        context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        expect(page.locator("#net-banner")).to_be_hidden(timeout=20_000)
    flagged = page_b.locator("#history li", has_text=door.voter.name).first
    expect(flagged).to_contain_text("다른 게이트와 겹친 입장입니다")

    see_committed()
    admitted = db.session.scalars(select(CheckIn).where(CheckIn.registration_id == door.voter.id)).all()
    assert len(admitted) == 1 and admitted[0].gate == "A게이트"
    logs = db.session.scalars(
        select(ScanLog).where(ScanLog.registration_id == door.voter.id, ScanLog.mode == "in").order_by(ScanLog.id)
    ).all()
    assert [log.gate for log in logs] == ["A게이트", "B게이트"]
    assert logs[0].conflict_with_id is None and logs[1].conflict_with_id == logs[0].id
    assert all(log.uploaded_at is not None and log.scanned_at < log.uploaded_at for log in logs)

    # The rosters were refreshed after the upload: the reissued badge's old code is dead on both.
    for page in (page_a, page_b):
        page.wait_for_function("(x) => !window.moimRoster.entry(x)", arg=old_guest_hash)
        assert page.evaluate("(x) => Boolean(window.moimRoster.entry(x))", guest.ticket_hash)

    # The staff's live dashboard: one conflict, both gates.
    staff = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR")
    staff.set_default_timeout(15_000)
    errors_staff = collect_page_errors(staff)
    desk = staff.new_page()
    sign_in(desk, live_server.url, door.dmc_staff.email, PASSWORD)
    desk.goto(f"{live_server.url}/staff/events/{door.event.id}/dashboard")
    section = desk.locator("[data-dash=conflicts-section]")
    expect(section).to_be_visible()
    expect(section.locator("[data-dash-text='conflicts.total']")).to_have_text("1")
    row = section.locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(door.voter.name)
    expect(row.locator("td").nth(1)).to_contain_text("A게이트")
    expect(row.locator("td").nth(2)).to_contain_text("B게이트")
    for context in (gate_a, gate_b, staff):
        context.close()
    assert errors_a == errors_b == errors_staff == []


def test_the_camera_answers_offline_with_the_decoder_from_the_worker(
    app, door, live_server, playwright, font_env, tmp_path
):  # noqa: F811
    """The fake camera shows a badge to a phone that lost the network and reloaded: the page and the
    vendored QR decoder (Linux Chromium has no BarcodeDetector) come from the service worker's cache,
    the roster answers green, and the scan is uploaded with method qr when the network returns."""
    from app.extensions import db
    from app.models import CheckIn
    from tests.checkin.browser_helpers import launch
    from tests.checkin.test_scanner_browser import write_qr_video
    from tests.helpers import see_committed

    video = write_qr_video(tmp_path / "badge.y4m", door.codes["voter"])
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
        context, page, errors = _phone(browser, f"{live_server.url}/door/{door.device_token}")
        context.set_offline(True)
        page.reload()
        page.wait_for_function("window.moimRoster && window.moimRoster.size() === 5")
        expect(page.locator("#net-banner")).to_contain_text("오프라인으로 작동 중")
        page.click("#camera-toggle")
        answer = page.locator("#answer")
        expect(answer).to_have_class(re.compile(r"\btone-ok\b"))
        expect(answer).to_contain_text(door.voter.name)
        expect(answer).to_contain_text("오프라인 확인")
        page.click("#camera-toggle")  # camera off again before the network returns

        context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        expect(page.locator("#net-banner")).to_be_hidden(timeout=20_000)
        see_committed()
        rows = db.session.scalars(select(CheckIn).where(CheckIn.registration_id == door.voter.id)).all()
        assert [(r.gate, r.method) for r in rows] == [("A게이트", "qr")]
        context.close()
        assert errors == []
    finally:
        browser.close()
