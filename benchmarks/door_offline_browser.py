"""The browser phase of the offline door (issue 14, item 7): local answer time per scan in Debian's Chromium
for a 2,000-entry roster, from app/static/js/scanner/roster.js with the browser's real IndexedDB and
crypto.subtle: hash the scanned code, look it up, record the admission. Baseline in the same run: the bare
SHA-256 of the code (crypto.subtle alone). Target: p99 under 100 ms. Last line: JSON.

    .venv/bin/python benchmarks/door_offline_browser.py [--entries 2000] [--scans 500]
"""

from __future__ import annotations

import argparse
import base64
import functools
import hashlib
import http.server
import json
import statistics
import sys
import threading
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "tests" / "checkin" / "js" / "scanner_roster.html"


def code(n: int) -> str:
    return base64.b32encode(hashlib.sha256(f"bench badge {n}".encode()).digest()[:16]).decode().rstrip("=")


def pct(values, p):
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * p / 100), len(ordered) - 1)]


class Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/bench.html":
            body = BENCH.read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()


Handler.extensions_map[".js"] = "text/javascript"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--scans", type=int, default=500)
    args = parser.parse_args()
    codes = [code(n) for n in range(args.entries)]
    roster = {
        "event": {"id": 1, "title": "bench", "ends_at": None, "erase_after": None},
        "server_time": None,
        "cursor": "1",
        "full": True,
        "entries": [
            {
                "h": hashlib.sha256(c.encode()).hexdigest(),
                "id": i,
                "n": f"참가자 {i}",
                "c": "(주)벤치",
                "r": "guest",
                "rl": "참관",
                "s": "ok",
                "in": None,
                "g": None,
                "out": None,
            }
            for i, c in enumerate(codes)
        ],
        "revoked": [],
    }
    handler = functools.partial(Handler, directory=str(REPO / "app"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=["--headless=new", "--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page()
        page.goto(f"{base}/bench.html")
        page.wait_for_function("window.bench !== undefined")
        page.evaluate("rig.open('bench-' + Date.now())")
        t0 = time.perf_counter()
        page.evaluate("(b) => rig.apply(b)", roster)
        apply_s = time.perf_counter() - t0
        # Scans: mostly first admissions, every fifth a repeat, some unknown codes.
        scans = [
            codes[(i * 7) % args.entries] if i % 5 else codes[(i - 5) * 7 % args.entries] for i in range(args.scans)
        ]
        scans += [code(10**6 + i) for i in range(args.scans // 10)]
        # The time to the answer on screen: hash, look up, record in memory (the IndexedDB write follows).
        local_ms = page.evaluate("(c) => rig.time(c)", scans)
        bare_ms = page.evaluate(
            """async (codes) => { const out = []; for (const c of codes) { const t0 = performance.now();
               await crypto.subtle.digest('SHA-256', new TextEncoder().encode(c)); out.push(performance.now() - t0); }
               return out; }""",
            scans,
        )
        browser.close()
    server.shutdown()
    p50, p99 = statistics.median(local_ms), pct(local_ms, 99)
    b50, b99 = statistics.median(bare_ms), pct(bare_ms, 99)
    print(f"roster of {args.entries} entries into IndexedDB: {apply_s * 1000:.0f} ms")
    print(f"local answer ({len(local_ms)} scans): p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {max(local_ms):.2f} ms")
    print(f"bare SHA-256 baseline: p50 {b50:.2f} ms, p99 {b99:.2f} ms")
    result = {
        "benchmark": "door_offline_browser",
        "entries": args.entries,
        "scans": len(local_ms),
        "roster_apply_ms": round(apply_s * 1000, 1),
        "local_answer_p50_ms": round(p50, 3),
        "local_answer_p99_ms": round(p99, 3),
        "local_answer_max_ms": round(max(local_ms), 3),
        "bare_sha256_p50_ms": round(b50, 3),
        "bare_sha256_p99_ms": round(b99, 3),
        "ratio_p99": round(p99 / b99, 2) if b99 else None,
        "target_p99_ms": 100,
        "ok": p99 < 100,
    }
    print(json.dumps(result))
    sys.exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
