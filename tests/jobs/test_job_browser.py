"""The job page in Chromium: the print form of a large badge batch leads to it, its bar moves as sheets
render (js/job-progress.js polling the status URL), and the download appears and serves the PDF."""

from __future__ import annotations

import pytest

from app.checkin import badges
from app.extensions import db
from tests.checkin.badge_helpers import make_world
from tests.checkin.browser_helpers import (  # noqa: F401  (fixtures)
    chromium,
    collect_page_errors,
    expect,
    font_env,
    live_server,
    needs_chromium,
    playwright,
    sign_in,
)
from tests.factories import PASSWORD
from tests.jobs.helpers import many_confirmed

pytestmark = needs_chromium


@pytest.fixture
def world(app, monkeypatch):
    app.config["JOB_BADGES_FROM"] = 100
    # Small chunks rendered one after another: the bar has many steps to show.
    monkeypatch.setattr(badges, "CHUNK_BADGES", 40)
    monkeypatch.setattr(badges, "POOL_MIN_BADGES", 10_000)
    w = make_world()
    many_confirmed(w, 591)  # 600 badges: 150 A6 sheets, 15 chunks of 10
    db.session.commit()
    return w


def test_the_progress_bar_moves_and_the_download_appears(app, live_server, chromium, world):
    context = chromium.new_context(locale="ko-KR")
    errors = collect_page_errors(context)
    page = context.new_page()
    sign_in(page, live_server.url, world.host_staff.email, PASSWORD)
    page.goto(f"{live_server.url}/staff/events/{world.event.id}/badges")
    page.click("button[name=action][value=print]")
    page.wait_for_url("**/jobs/*")
    assert page.locator("h1").inner_text().startswith("명찰 PDF 600장")

    seen = set()
    download = page.locator("#job-download")
    for _ in range(1200):
        value = page.evaluate("() => document.getElementById('job-bar').getAttribute('value')")
        if value is not None:
            seen.add(int(value))
        if download.is_visible():
            break
        page.wait_for_timeout(25)
    expect(download).to_be_visible()
    assert any(0 < v < 100 for v in seen), seen  # it moved through the middle, not only 0 then done
    expect(page.locator("#job-label")).to_contain_text("완료: 150쪽")
    assert page.locator("#job-bar").get_attribute("value") == "100"

    href = page.locator("#job-download-link").get_attribute("href")
    response = page.request.get(live_server.url + href)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    assert errors == []
    context.close()
