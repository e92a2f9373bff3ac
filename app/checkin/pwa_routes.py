"""The scanner as an installable web app: its manifest and its service worker.

The service worker (app/static/js/scanner/sw.js, served from /door/sw.js so that its scope can cover the
device pages, and the staff scanner with Service-Worker-Allowed) keeps the page shell and every file it
loads, so a phone that opened its link once reopens it with no network. Service workers need a secure
context: 127.0.0.1 and localhost are one, production must be HTTPS."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from flask import current_app, make_response, url_for
from flask_babel import gettext as _

from app.checkin.blueprint import bp

# Every file the scanner page loads (the vendored QR decoder too: a phone without BarcodeDetector
# needs it offline). The page uses the phone's own fonts and loads none.
SHELL_FILES = (
    "vendor/pico/pico.min.css",
    "css/scanner.css",
    "js/scanner/main.js",
    "js/scanner/camera.js",
    "js/scanner/hid.js",
    "js/scanner/net.js",
    "js/scanner/queue.js",
    "js/scanner/roster.js",
    "js/scanner/sound.js",
    "js/scanner/store.js",
    "js/scanner/pwa.js",
    "vendor/jsqr/jsQR.js",
    "icons/door-192.png",
    "icons/door-512.png",
)


@lru_cache(maxsize=4)
def _shell_version(static_folder: str) -> str:
    # A new deployment with any changed file is a new cache: the worker replaces the old one.
    digest = hashlib.sha256()
    for name in SHELL_FILES:
        digest.update(name.encode())
        digest.update((Path(static_folder) / name).read_bytes())
    digest.update((Path(static_folder) / "js" / "scanner" / "sw.js").read_bytes())
    return digest.hexdigest()[:16]


@bp.get("/door/manifest.webmanifest")
def door_manifest():
    # No start_url and no scope: each defaults to the page that links the manifest, so an installed
    # device link opens that device's page (its token stays out of every other URL).
    manifest = {
        "name": _("Moim 입장 확인"),
        "short_name": _("Moim 입장"),
        "description": _("행사 입구에서 명찰 QR을 확인합니다. 네트워크가 없어도 작동합니다."),
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#0b5cad",
        "lang": "ko",
        "icons": [
            {"src": url_for("static", filename="icons/door-192.png"), "sizes": "192x192", "type": "image/png"},
            {
                "src": url_for("static", filename="icons/door-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "any maskable",
            },
        ],
    }
    response = make_response(json.dumps(manifest, ensure_ascii=False))
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/door/sw.js")
def door_service_worker():
    static_folder = current_app.static_folder
    shell = [url_for("static", filename=name) for name in SHELL_FILES]
    head = f"const VERSION = {json.dumps(_shell_version(static_folder))};\nconst SHELL = {json.dumps(shell)};\n"
    body = (Path(static_folder) / "js" / "scanner" / "sw.js").read_text(encoding="utf-8")
    response = make_response(head + body)
    response.mimetype = "text/javascript"
    # The worker itself is always checked for an update; it may control the staff scanner too.
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response
