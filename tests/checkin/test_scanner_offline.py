"""The door without the network (issue 14, client side): the local roster (app/static/js/scanner/roster.js)
on a bench page in Debian's Chromium with its real IndexedDB and crypto.subtle; the manifest and the
service worker; and the device page itself going offline, reloading from the service worker and
answering badges from its roster, green, amber and red, then uploading when the network returns."""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import os
import re
from pathlib import Path

import pytest

from app.events.tickets import normalize_code
from tests.checkin.browser_helpers import (
    REPO,
    chromium,
    collect_page_errors,
    expect,
    font_env,
    live_server,
    needs_chromium,
    playwright,
)
from tests.helpers import login

BENCH = Path(__file__).with_name("js") / "scanner_roster.html"
BENCH_PATH = "/__tests__/scanner-roster.html"
_names = itertools.count(1)


def fake_code(n: int) -> str:
    return base64.b32encode(hashlib.sha256(f"badge {n}".encode()).digest()[:16]).decode().rstrip("=")


def h(code: str) -> str:
    return hashlib.sha256(normalize_code(code).encode()).hexdigest()


def entry(code: str, rid: int, name: str, s: str = "ok", **extra) -> dict:
    row = {"h": h(code), "id": rid, "n": name, "c": "(주)상암미디어", "r": "guest", "rl": "참관", "s": s}
    row.update({"in": None, "g": None, "out": None})
    row.update(extra)
    return row


EVENT = {
    "id": 7,
    "title": "DMC 네트워킹 나이트",
    "ends_at": "2026-12-03T13:00:00+00:00",
    "erase_after": "2026-12-04T13:00:00+00:00",
}
CODES = [fake_code(n) for n in range(6)]


def full_roster() -> dict:
    return {
        "event": EVENT,
        "server_time": "2026-12-03T10:00:00+00:00",
        "cursor": "c1",
        "full": True,
        "entries": [
            entry(CODES[0], 1, "김민수"),
            entry(CODES[1], 2, "이서연", "cancelled"),
            entry(CODES[2], 3, "박지훈", "waitlisted"),
            entry(CODES[3], 4, "최유진", **{"in": "2026-12-03T09:50:00+00:00", "g": "B게이트"}),
            entry(CODES[5], 6, "정하늘"),
        ],
        "revoked": [h(CODES[4])],
    }


# --- the bench ------------------------------------------------------------------------------------


pytestmark = needs_chromium


@pytest.fixture
def bench(chromium, live_server):
    context = chromium.new_context()
    context.set_default_timeout(10_000)
    errors = collect_page_errors(context)
    context.route(
        f"{live_server.url}{BENCH_PATH}",
        lambda route: route.fulfill(
            status=200, content_type="text/html; charset=utf-8", body=BENCH.read_text(encoding="utf-8")
        ),
    )
    page = context.new_page()
    page.goto(f"{live_server.url}{BENCH_PATH}")
    page.wait_for_function("window.bench !== undefined")
    page.evaluate("(name) => rig.open(name)", f"roster-test-{next(_names)}")
    yield page
    context.close()
    assert errors == [], "the roster raised errors"


def ask(page, code: str, mode: str = "in", gate: str = "A게이트") -> dict:
    return page.evaluate("([c, m, g]) => rig.answer(c, m, g)", [code, mode, gate])


def test_the_hash_is_the_servers_lookup_key(bench):
    for code in CODES:
        messy = "-".join([code[:5].lower(), code[5:13], " " + code[13:]])
        assert bench.evaluate("(c) => rig.normalize(c)", messy) == normalize_code(messy) == code
        assert bench.evaluate("(c) => rig.hash(c)", messy) == h(code)
    for bad in ["", "ABC", "1" * 26, "A" * 27, "MOIMC:" + CODES[0]]:
        assert bench.evaluate("(c) => rig.normalize(c)", bad) is None
        assert normalize_code(bad) is None


def test_local_answers_green_amber_red(bench):
    bench.evaluate("(b) => rig.apply(b)", full_roster())
    first = ask(bench, CODES[0])
    assert (first["result"], first["tone"], first["attendee"]["name"]) == ("ok", "ok", "김민수")
    again = ask(bench, CODES[0].lower())  # admitted on this device a moment ago
    assert (again["result"], again["tone"], again["gate"]) == ("already_checked_in", "warn", "A게이트")
    assert again["at"] == "2026-12-03T10:00:00.000Z"
    other_gate = ask(bench, CODES[3])  # known from the last sync
    assert (other_gate["result"], other_gate["gate"], other_gate["at"]) == (
        "already_checked_in",
        "B게이트",
        "2026-12-03T09:50:00+00:00",
    )
    assert ask(bench, CODES[1])["result"] == "cancelled"
    assert ask(bench, CODES[2])["result"] == "waitlisted"
    assert ask(bench, CODES[4]) == {"result": "unknown_code", "tone": "error", "attendee": None}  # reissued
    assert ask(bench, fake_code(99))["result"] == "unknown_code"  # not in this roster (or another event's)
    assert ask(bench, "not a code")["result"] == "unknown_code"
    # Check-out mode on this device.
    assert ask(bench, CODES[5], "out")["result"] == "not_checked_in"
    assert ask(bench, CODES[0], "out")["result"] == "ok"
    assert ask(bench, CODES[0], "out")["result"] == "already_checked_out"
    assert ask(bench, CODES[0])["result"] == "ok"  # back in after leaving


def test_deltas_and_what_survives_a_reload(bench):
    bench.evaluate("(b) => rig.apply(b)", full_roster())
    assert ask(bench, CODES[0])["result"] == "ok"
    bench.evaluate(
        "(b) => rig.apply(b)",
        {
            "event": EVENT,
            "server_time": "2026-12-03T10:00:30+00:00",
            "cursor": "c2",
            "full": False,
            "entries": [
                entry(CODES[2], 3, "박지훈"),  # promoted from the waitlist
                entry(CODES[5], 6, "정하늘", **{"in": "2026-12-03T10:00:10+00:00", "g": "C게이트"}),
                entry(fake_code(50), 9, "현장등록"),  # a walk-in at another gate
            ],
            "revoked": [h(CODES[1])],
        },
    )
    assert bench.evaluate("rig.info()")["cursor"] == "c2"
    # A new page on the same device: everything came back from IndexedDB.
    assert bench.evaluate("rig.info().size") == 5  # one walk-in more, one reissued less
    bench.reload()
    bench.wait_for_function("window.bench !== undefined")
    size = bench.evaluate("(n) => rig.open(n)", f"roster-test-{next(_names) - 1}")
    assert size == 5
    assert bench.evaluate("rig.info()")["cursor"] == "c2"
    assert ask(bench, CODES[0])["result"] == "already_checked_in"  # this device's admission kept
    assert ask(bench, CODES[2])["result"] == "ok"
    assert ask(bench, CODES[5])["gate"] == "C게이트"
    assert ask(bench, fake_code(50))["result"] == "ok"
    assert ask(bench, CODES[1])["result"] == "unknown_code"
    # A full answer replaces everything it does not list.
    bench.evaluate("(b) => rig.apply(b)", dict(full_roster(), entries=[entry(CODES[0], 1, "김민수")], revoked=[]))
    assert bench.evaluate("rig.info()")["size"] == 1
    assert ask(bench, CODES[2])["result"] == "unknown_code"


def test_a_delta_with_a_reissued_badge_drops_the_old_hash(bench):
    # The server's delta knows the registration by id only: the device retires the hash it held.
    bench.evaluate("(b) => rig.apply(b)", full_roster())
    new_code = fake_code(77)
    delta = {
        "event": EVENT,
        "server_time": "2026-12-03T10:01:00+00:00",
        "cursor": "c3",
        "full": False,
        "entries": [entry(new_code, 1, "김민수")],
        "revoked": [],
    }
    bench.evaluate("(b) => rig.apply(b)", delta)
    assert bench.evaluate("rig.info().size") == 5
    assert ask(bench, CODES[0]) == {"result": "unknown_code", "tone": "error", "attendee": None}
    assert ask(bench, new_code)["result"] == "ok"
    # Kept so across a reload (IndexedDB), and the same delta again changes nothing.
    bench.reload()
    bench.wait_for_function("window.bench !== undefined")
    assert bench.evaluate("(n) => rig.open(n)", f"roster-test-{next(_names) - 1}") == 5
    bench.evaluate("(b) => rig.apply(b)", delta)
    assert bench.evaluate("rig.info().size") == 5
    assert bench.evaluate("(h) => window.roster.isRevoked(h)", h(CODES[0])) is True
    assert ask(bench, CODES[0])["result"] == "unknown_code"
    assert ask(bench, new_code)["result"] == "already_checked_in"


def test_erased_after_the_event(bench):
    bench.evaluate("(b) => rig.apply(b)", full_roster())
    bench.evaluate("rig.setNow('2026-12-04T13:00:01Z')")
    bench.evaluate("(b) => rig.apply(b)", dict(full_roster(), full=False, entries=[], revoked=[]))
    assert bench.evaluate("rig.info()") == {"size": 0, "cursor": None, "syncedAt": None}
    assert ask(bench, CODES[0])["result"] == "unknown_code"


def test_sync_erases_on_a_dead_link(bench):
    bench.evaluate("(b) => rig.apply(b)", full_roster())
    out = bench.evaluate("(s) => rig.sync(s, ['tick'])", [{"status": 401, "body": {"error": "token", "erase": True}}])
    assert "erased" in out["log"]
    assert bench.evaluate("rig.info()")["size"] == 0
    # After the event too (410); a 401 without erase (a passing trouble) keeps the roster.
    bench.evaluate("(b) => rig.apply(b)", full_roster())
    bench.evaluate("(s) => rig.sync(s, ['tick'])", [{"status": 401, "body": {"error": "token"}}])
    assert bench.evaluate("rig.info()")["size"] == 5
    bench.evaluate("(s) => rig.sync(s, ['tick'])", [{"status": 410, "body": {"error": "ended", "erase": True}}])
    assert bench.evaluate("rig.info()")["size"] == 0


def test_sync_switches_by_itself(bench):
    delta = {"event": EVENT, "cursor": "c9", "full": False, "entries": [], "revoked": []}
    bench.evaluate("(b) => rig.apply(b)", full_roster())
    # A failed request: offline; the next round tries the upload first, then the roster is slow (over
    # the limit): still offline.
    out = bench.evaluate("(s) => rig.sync(s, ['tick', 'tick'])", ["fail", "slow"])
    assert out["log"] == ["offline", "upload"]
    assert out["state"] == "offline"
    # The upload fails: still offline, the roster is not even asked for.
    out = bench.evaluate("(s) => rig.sync(s, ['failed', 'tick'], true)", [{"status": 200, "body": delta}])
    assert out == {"log": ["offline", "upload"], "urls": [], "state": "offline"}
    # The network is back: upload first, then the roster since the cursor, then online.
    out = bench.evaluate("(s) => rig.sync(s, ['failed', 'tick'])", [{"status": 200, "body": delta}])
    assert out["log"] == ["offline", "upload", "online"]
    assert len(out["urls"]) == 1 and out["urls"][0].endswith("/roster?since=c1")
    assert bench.evaluate("rig.info()")["cursor"] == "c9"


# --- manifest and service worker -------------------------------------------------------------------


def test_manifest_and_worker_are_served(client):
    manifest = client.get("/door/manifest.webmanifest")
    assert manifest.status_code == 200
    assert manifest.mimetype == "application/manifest+json"
    body = json.loads(manifest.get_data(as_text=True))
    assert body["name"] == "Moim 입장 확인"
    assert body["display"] == "standalone"
    assert "start_url" not in body  # each installed device link opens its own page
    for icon in body["icons"]:
        png = client.get(icon["src"])
        assert png.status_code == 200 and png.mimetype == "image/png"
    worker = client.get("/door/sw.js")
    assert worker.status_code == 200
    assert worker.mimetype == "text/javascript"
    assert worker.headers["Service-Worker-Allowed"] == "/"
    text = worker.get_data(as_text=True)
    shell = json.loads(re.search(r"const SHELL = (\[.*?\]);", text).group(1))
    for url in shell:
        assert client.get(url).status_code == 200, url
    assert "/static/vendor/jsqr/jsQR.js" in shell
    assert "/static/js/scanner/roster.js" in shell


def test_scanner_pages_link_the_manifest(client, door):
    html = client.get(f"/door/{door.device_token}").get_data(as_text=True)
    assert '<link rel="manifest" href="/door/manifest.webmanifest">' in html
    assert "홈 화면에 추가" in html
    assert '"sw_scope": "/door/"' in html
    login(client, door.dmc_staff.email)
    staff_html = client.get(f"/staff/events/{door.event.id}/scanner").get_data(as_text=True)
    assert '<link rel="manifest"' in staff_html
    assert f'"sw_scope": "/staff/events/{door.event.id}/scanner"' in staff_html


# --- the device page offline, end to end -------------------------------------------------------------

SCREENSHOT = REPO / "docs" / "screenshots" / "door-offline-green-390.png"


def stand_in_roster(app, world):
    """Until the server's roster endpoint is in this tree (docs/CHECKIN_API.md), a full roster of the
    door world by the contract, served on its path; with the real endpoint present it is used instead."""
    path = "/api/checkin/events/<int:event_id>/roster"
    if any(rule.rule == path for rule in app.url_map.iter_rules()):
        return
    people = {"confirmed": "ok", "voter": "ok", "guest": "ok", "waitlisted": "waitlisted", "cancelled": "cancelled"}
    names = {k: getattr(world, k).name for k in people}
    ids = {k: getattr(world, k).id for k in people}
    event = {"id": world.event.id, "title": world.event.title, "ends_at": None, "erase_after": None}

    def roster(event_id):
        from flask import request

        from app.checkin.devices import device_for_token
        from app.models import utcnow

        if device_for_token(request.headers.get("X-Door-Token", ""), utcnow()) is None:
            return {"error": "token", "erase": True}, 401
        entries = [
            {
                "h": h(world.codes[k]),
                "id": ids[k],
                "n": names[k],
                "c": "",
                "r": "guest",
                "rl": "",
                "s": s,
                "in": None,
                "g": None,
                "out": None,
            }
            for k, s in people.items()
        ]
        return {"event": event, "server_time": None, "cursor": "1", "full": True, "entries": entries, "revoked": []}

    app.add_url_rule(path, "test_roster_stand_in", roster)


def test_device_page_offline_answers_then_uploads(app, door, live_server, chromium):
    from sqlalchemy import select

    from app.events.registration import cancel
    from app.extensions import db
    from app.models import CheckIn, utcnow
    from tests.helpers import see_committed

    stand_in_roster(app, door)
    phone = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="ko-KR")
    phone.set_default_timeout(15_000)
    errors = collect_page_errors(phone)
    page = phone.new_page()
    link = f"{live_server.url}/door/{door.device_token}"
    page.goto(link)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    # The worker has finished activating and controls the page (as on a phone that opened the link
    # once, a while ago): before that a reload may not reach it.
    page.wait_for_function("navigator.serviceWorker.controller !== null", polling=100)
    page.wait_for_function("window.moimRoster && window.moimRoster.size() === 5")
    page.wait_for_function(
        "async () => Boolean(await (await caches.open('moim-scanner-pages')).match(location.href))", polling=200
    )

    # The network goes; the page reloads from the service worker and the roster from IndexedDB.
    phone.set_offline(True)
    page.reload()
    expect(page.locator(".gate-fixed")).to_have_text("A게이트")
    page.wait_for_function("window.moimRoster && window.moimRoster.size() === 5")
    banner = page.locator("#net-banner")
    expect(banner).to_contain_text("오프라인으로 작동 중")

    page.locator("#code-input").focus()
    page.keyboard.type(door.codes["confirmed"])
    page.keyboard.press("Enter")
    overlay = page.locator("#answer")
    expect(overlay).to_have_class(re.compile(r"\btone-ok\b"))
    expect(overlay).to_contain_text("김민수")
    expect(overlay).to_contain_text("오프라인 확인")
    if os.environ.get("MOIM_SAVE_SCREENSHOTS") == "1" or not SCREENSHOT.exists():
        page.screenshot(path=str(SCREENSHOT))
    overlay.click()

    # Meanwhile the server cancels one registration: this phone does not know yet.
    cancel(door.voter.id, now=utcnow(), by_staff=True)
    db.session.commit()

    for code, tone, text in [
        (door.codes["confirmed"], "warn", "이미 체크인됨"),
        (door.codes["cancelled"], "error", "취소된 신청"),
        (fake_code(1), "error", "등록되지 않은 코드"),
        (door.codes["voter"], "ok", "체크인 완료"),
    ]:
        page.locator("#code-input").focus()
        page.keyboard.type(code)
        page.keyboard.press("Enter")
        expect(overlay).to_have_class(re.compile(rf"\btone-{tone}\b"))
        expect(overlay).to_contain_text(text)
        overlay.click()
    expect(banner).to_contain_text("업로드 대기 5건")

    # The network returns: the scans go up, then the roster; the cancelled one is flagged.
    phone.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(banner).to_be_hidden(timeout=20_000)
    see_committed()
    admitted = {c.registration_id for c in db.session.scalars(select(CheckIn).where(CheckIn.event_id == door.event.id))}
    assert admitted == {door.confirmed.id}
    # The one cancelled meanwhile, green offline, is red in the history with the server's answer.
    flagged = page.locator("#history li", has_text="박지영")
    expect(flagged).to_have_attribute("data-result", "cancelled")
    expect(flagged).to_have_class(re.compile(r"\btone-error\b"))
    expect(page.locator("#history li", has_text="김민수").first).to_have_class(re.compile(r"\btone-warn\b"))
    phone.close()
    assert errors == []


def test_a_revoked_links_roster_is_erased(app, door, live_server, chromium):
    from app.checkin.devices import revoke_device
    from app.extensions import db
    from app.models import DoorDevice, utcnow

    stand_in_roster(app, door)
    phone = chromium.new_context(viewport={"width": 390, "height": 844}, locale="ko-KR")
    phone.set_default_timeout(15_000)
    page = phone.new_page()
    page.goto(f"{live_server.url}/door/{door.device_token}")
    page.wait_for_function("window.moimRoster && window.moimRoster.size() === 5")
    page.wait_for_function(
        "async () => Boolean(await (await caches.open('moim-scanner-pages')).match(location.href))", polling=200
    )
    from tests.helpers import see_committed

    see_committed()
    revoke_device(db.session.get(DoorDevice, door.device_id), utcnow())
    db.session.commit()
    page.evaluate("window.moimSync.tick().then(() => true)")
    assert page.evaluate("window.moimRoster.size()") == 0
    expect(page.locator("#net-banner")).to_contain_text("더 이상 쓸 수 없습니다")
    page.wait_for_function(
        "async () => !(await (await caches.open('moim-scanner-pages')).match(location.href))", polling=200
    )
    # The link itself is dead: the page is the server's refusal, not the copy kept.
    response = page.goto(f"{live_server.url}/door/{door.device_token}")
    assert response.status == 404
    phone.close()
