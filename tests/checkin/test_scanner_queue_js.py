"""The scanner's offline queue (app/static/js/scanner/queue.js) run in Debian's Chromium: a bench page
(tests/checkin/js/scanner_queue.html) served on the app's origin imports the module as the scanner
does, with a fake clock and network, and the tests drive it. Also: the modules are served as JavaScript."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.checkin.browser_helpers import (
    REPO,
    chromium,
    collect_page_errors,
    font_env,
    live_server,
    needs_chromium,
    playwright,
)

BENCH = Path(__file__).with_name("js") / "scanner_queue.html"
BENCH_PATH = "/__tests__/scanner-queue.html"
MODULES = sorted((REPO / "app" / "static" / "js" / "scanner").glob("*.js"))
NONCE = re.compile(r"[A-Za-z0-9_-]{8,64}")


# --- served as modules ---------------------------------------------------------------------------


def test_scanner_modules_are_served_with_a_javascript_type(client):
    # A browser refuses an ES module served as anything but JavaScript.
    assert {m.name for m in MODULES} >= {"main.js", "queue.js", "camera.js", "hid.js", "sound.js"}
    for module in MODULES:
        response = client.get(f"/static/js/scanner/{module.name}")
        assert response.status_code == 200, module.name
        assert response.mimetype in ("text/javascript", "application/javascript"), (module.name, response.mimetype)


def test_scanner_page_loads_main_as_a_module(client, door):
    html = client.get(f"/door/{door.device_token}").get_data(as_text=True)
    tag = re.search(r"<script[^>]*js/scanner/main\.js[^>]*>", html)
    assert tag, "the scanner page loads js/scanner/main.js"
    assert 'type="module"' in tag.group(0)
    assert 'data-jsqr-src="/static/vendor/jsqr/jsQR.js"' in tag.group(0)
    assert "js/scanner.js" not in html


# --- the bench -----------------------------------------------------------------------------------


@pytest.fixture
def bench(chromium, live_server):
    """A page on the app's origin (so it shares localStorage across reloads) with the queue loaded."""
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
    yield page
    context.close()
    assert errors == [], "the queue raised errors"


def state(page) -> dict:
    return page.evaluate("rig.state()")


def submit(page, nonce: str, **body) -> dict:
    return page.evaluate("([nonce, body]) => rig.submit(nonce, body)", [nonce, body])


def fire_next(page):
    """Runs the timer due first (the next retry, or a request's timeout); returns its delay in ms."""
    return page.evaluate("rig.fireNext()")


def reply(page, nonce: str, *answers) -> None:
    page.evaluate("([nonce, answers]) => { rig.network.replies[nonce] = answers; }", [nonce, list(answers)])


def network(page, mode: str) -> None:
    page.evaluate("mode => { rig.network.mode = mode; }", mode)


@needs_chromium
def test_waiting_scans_survive_a_reload_and_go_out_in_order(bench):
    page = bench
    page.evaluate("bench.makeRig()")
    network(page, "offline")
    nonces = ["nonce-first-01", "nonce-second-02", "nonce-third-03"]
    assert submit(page, nonces[0]) == {"kind": "queued", "status": None}
    assert submit(page, nonces[1]) == {"kind": "queued", "status": None}
    assert submit(page, nonces[2]) == {"kind": "queued", "status": None}
    before = state(page)
    assert before["count"] == 3
    assert before["items"] == nonces
    assert before["changes"] == [1, 2, 3]
    # Only the first was tried at once; the later ones wait behind it instead of overtaking it.
    assert before["sent"] == [nonces[0]]
    stored = page.evaluate("rig.stored()")
    assert [item["nonce"] for item in stored] == nonces
    assert [item["body"]["code"] for item in stored] == [f"CODE-{n}" for n in nonces]

    # The page is reloaded (a phone's browser killed it): a new module instance reads the same storage.
    page.reload()
    page.wait_for_function("window.bench !== undefined")
    assert page.evaluate("window.rig === undefined")
    after = page.evaluate("bench.makeRig()")
    assert after["count"] == 3
    assert after["items"] == nonces
    assert after["sent"] == []

    page.evaluate("rig.start()")
    assert fire_next(page) == 0
    done = state(page)
    assert done["sent"] == nonces
    assert [(s["nonce"], s["kind"], s["status"]) for s in done["settled"]] == [(n, "answer", 200) for n in nonces]
    assert done["count"] == 0
    assert done["changes"] == [2, 1, 0]
    assert page.evaluate("rig.stored()") == []
    assert done["pendingTimers"] == []  # no retry left, and every request's timeout was cleared


@needs_chromium
def test_a_retry_sends_the_same_nonce_and_body(bench):
    page = bench
    page.evaluate("bench.makeRig()")
    network(page, "offline")
    submit(page, "nonce-retry-01", registration_id=12, method="manual")
    for _ in range(4):
        fire_next(page)
    bodies = page.evaluate("rig.network.requests.map(r => r.body)")
    assert len(bodies) == 5
    assert all(body == bodies[0] for body in bodies)
    assert bodies[0]["nonce"] == "nonce-retry-01" and bodies[0]["registration_id"] == 12
    headers = page.evaluate("rig.network.requests.map(r => r.headers)")
    assert all(h["X-Door-Token"] == "door-token" and h["Content-Type"] == "application/json" for h in headers)
    assert state(page)["count"] == 1


@needs_chromium
@pytest.mark.parametrize("random", [0.0, 0.5, 0.9999])
def test_backoff_doubles_up_to_a_cap_with_jitter_and_starts_over_after_success(bench, random):
    page = bench
    page.evaluate("options => bench.makeRig(options)", {"random": random})
    low, high = page.evaluate("[bench.RETRY_MIN_MS, bench.RETRY_MAX_MS]")
    assert (low, high) == (1000, 30000)
    network(page, "offline")
    submit(page, "nonce-backoff-01")
    delays = [fire_next(page) for _ in range(8)]
    factor = 0.75 + random * 0.5
    # The first retry comes after the minimum; each later one after twice the last, never past the cap.
    expected = [1000] + [min(1000 * 2**k, 30000) * factor for k in range(1, 8)]
    assert delays == pytest.approx(expected)
    waiting = state(page)
    assert waiting["pendingTimers"] == pytest.approx([30000 * factor])
    assert waiting["sent"] == ["nonce-backoff-01"] * 9

    # The network is back: the next retry gets through, and the next trouble starts from the minimum.
    network(page, "up")
    fire_next(page)
    assert state(page)["count"] == 0
    assert state(page)["pendingTimers"] == []
    network(page, "offline")
    submit(page, "nonce-backoff-02")
    assert state(page)["pendingTimers"] == [1000]


@needs_chromium
def test_the_online_event_tries_at_once_and_forgets_the_backoff(bench):
    page = bench
    page.evaluate("bench.makeRig()")
    network(page, "offline")
    submit(page, "nonce-wake-0001")
    assert [fire_next(page) for _ in range(3)] == [1000, 2000, 4000]
    assert state(page)["pendingTimers"] == [8000]
    # The browser says it is online, but the Wi-Fi is not through yet: one try now, then short waits.
    page.evaluate("rig.wake()")
    assert state(page)["sent"] == ["nonce-wake-0001"] * 5
    assert state(page)["pendingTimers"] == [2000]
    network(page, "up")
    page.evaluate("rig.wake()")
    assert state(page)["count"] == 0
    assert state(page)["pendingTimers"] == []


@needs_chromium
def test_a_request_that_never_answers_is_given_up_and_retried(bench):
    page = bench
    page.evaluate("bench.makeRig()")
    network(page, "hang")
    page.evaluate("""() => { window.hanging = rig.queue.submit(
        {nonce: "nonce-hang-01", body: {nonce: "nonce-hang-01", code: "X", mode: "in"}, label: ""}); }""")
    page.evaluate("new Promise(r => setTimeout(r, 0))")
    assert state(page)["pendingTimers"] == [5000]
    assert fire_next(page) == 5000
    assert page.evaluate("window.hanging.then(o => o.kind)") == "queued"
    assert state(page)["count"] == 1
    assert state(page)["pendingTimers"] == [1000]


@needs_chromium
def test_refusals_are_reported_once_and_passing_trouble_is_retried(bench):
    page = bench
    page.evaluate("bench.makeRig()")
    network(page, "offline")
    first, bad, expired, last = "nonce-busy-0001", "nonce-bad-00002", "nonce-dead-0003", "nonce-last-0004"
    for nonce in (first, bad, expired, last):
        submit(page, nonce)
    assert state(page)["count"] == 4
    # A proxy's HTML error page, then a rate limit: worth sending again. A bad request or a dead
    # device link would be refused again: reported, and dropped from the queue.
    reply(page, first, {"status": 502, "body": "<html>Bad Gateway</html>"}, {"status": 429, "body": {"error": "rate"}})
    reply(page, bad, {"status": 400, "body": {"error": "bad_request", "message": "code 값이 올바르지 않습니다."}})
    reply(page, expired, {"status": 401, "body": {"error": "device_link_invalid", "message": "링크 만료"}})
    network(page, "up")

    fire_next(page)  # 502
    fire_next(page)  # 429
    held = state(page)
    assert held["sent"] == [first, first, first]  # nothing overtakes the oldest scan
    assert held["count"] == 4
    assert held["settled"] == []

    fire_next(page)
    done = state(page)
    assert done["sent"] == [first, first, first, first, bad, expired, last]
    assert [(s["nonce"], s["kind"], s["status"], s["message"]) for s in done["settled"]] == [
        (first, "answer", 200, "체크인 완료"),
        (bad, "refused", 400, "code 값이 올바르지 않습니다."),
        (expired, "refused", 401, "링크 만료"),
        (last, "answer", 200, "체크인 완료"),
    ]
    assert done["count"] == 0
    assert done["changes"][-4:] == [3, 2, 1, 0]
    assert done["pendingTimers"] == []  # the refused scans are not tried again later
    assert page.evaluate("rig.stored()") == []


@needs_chromium
def test_an_answer_on_the_first_try_never_waits(bench):
    page = bench
    page.evaluate("bench.makeRig()")
    assert submit(page, "nonce-direct-01") == {"kind": "answer", "status": 200}
    reply(page, "nonce-direct-02", {"status": 400, "body": {"error": "bad_request", "message": "잘못된 요청"}})
    assert submit(page, "nonce-direct-02") == {"kind": "refused", "status": 400}
    now = state(page)
    assert now["count"] == 0
    assert now["changes"] == []
    assert now["settled"] == []  # a direct answer is the caller's, not reported a second time
    assert now["sent"] == ["nonce-direct-01", "nonce-direct-02"]
    assert page.evaluate("rig.stored()") is None


@needs_chromium
def test_without_usable_storage_scans_still_wait_in_memory(bench):
    page = bench
    page.evaluate("bench.makeRig({storage: 'broken'})")
    network(page, "offline")
    submit(page, "nonce-memory-01")
    submit(page, "nonce-memory-02")
    assert state(page)["count"] == 2
    network(page, "up")
    page.evaluate("rig.wake()")
    done = state(page)
    assert done["count"] == 0
    assert done["sent"][-2:] == ["nonce-memory-01", "nonce-memory-02"]


@needs_chromium
def test_each_nonce_is_new_and_fits_the_api(bench):
    page = bench
    nonces = page.evaluate("Array.from({length: 200}, () => bench.newNonce())")
    assert len(set(nonces)) == 200
    assert all(NONCE.fullmatch(n) for n in nonces)
    # Browsers without crypto.randomUUID (older Safari) draw the bytes themselves.
    fallback = page.evaluate("bench.newNonce({getRandomValues: b => crypto.getRandomValues(b)})")
    assert re.fullmatch(r"[0-9a-f]{32}", fallback)
