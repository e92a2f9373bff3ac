"""Shared pieces of the browser tests: Debian's Chromium driven by Playwright, and the app served on a
free port. Test modules import the fixtures they use."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

CHROMIUM = os.environ.get("MOIM_CHROMIUM", "/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
CHROME_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

needs_chromium = pytest.mark.skipif(
    not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} missing: `make browser` installs Debian's chromium"
)


# --- the browser ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def font_env(tmp_path_factory):
    """Chromium's environment, with the repository's Korean font visible to fontconfig.

    A bare CI machine has no Korean font, so names would render as empty boxes in the
    screenshot; phones have their own. The page itself loads no font.
    """
    folder = tmp_path_factory.mktemp("fontconfig")
    conf = folder / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        f"  <dir>{REPO / 'app' / 'static' / 'fonts'}</dir>\n"
        f"  <cachedir>{folder / 'cache'}</cachedir>\n"
        "</fontconfig>\n"
    )
    return {**os.environ, "FONTCONFIG_FILE": str(conf)}


# Module scope, not session: each test module that imports these fixtures gets its own copy of them,
# and a second sync Playwright started while the first still runs refuses to start.
@pytest.fixture(scope="module")
def playwright():
    with playwright_api.sync_playwright() as pw:
        yield pw


def launch(playwright, font_env, extra_args=()):
    # Playwright gives every launch a fresh temporary user-data-dir of its own.
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[*CHROME_ARGS, *extra_args],
        env=font_env,
    )


@pytest.fixture(scope="module")
def chromium(playwright, font_env):
    browser = launch(playwright, font_env)
    yield browser
    browser.close()


def collect_page_errors(context) -> list[str]:
    """Uncaught errors of every page the context opens: a broken module import shows up here."""
    errors: list[str] = []
    context.on("page", lambda page: page.on("pageerror", lambda error: errors.append(str(error))))
    return errors


# --- the server ----------------------------------------------------------------------------------


class LiveServer:
    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="live-server", daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(timeout=5)
        self.server.server_close()


@pytest.fixture
def live_server(app):
    # Requests run in the server's threads, each in its own app context and database session:
    # the test commits its data first and ends its own read transaction before checking results.
    with LiveServer(app) as server:
        yield server


# --- signing in ------------------------------------------------------------------------------------


def sign_in(page, base: str, email: str, password: str) -> None:
    """The sign-in form in <main> (the header has a language form too), then wait to leave it."""
    page.goto(f"{base}/auth/login")
    page.fill("main input[name=email]", email)
    page.fill("main input[name=password]", password)
    page.click("main form [type=submit]")
    page.wait_for_url(lambda url: "/auth/login" not in url)
