"""The impact report in Chromium: the network picture renders (one dot per company) and the page has
no script errors. With MOIM_SAVE_SCREENSHOTS=1 it refreshes docs/screenshots/impact-report-1280.png."""

from __future__ import annotations

import datetime as dt
import os

from app.extensions import db
from app.i18n import SEOUL
from app.models import utcnow
from app.seed import DEMO_PASSWORD, seed_demo
from tests.checkin.browser_helpers import (
    REPO,
    collect_page_errors,
    expect,
    font_env,  # noqa: F401  (fixture)
    launch,
    live_server,  # noqa: F401  (fixture)
    needs_chromium,
    playwright,  # noqa: F401  (fixture)
    sign_in,
)
from tests.outcomes.test_impact import _research_project

pytestmark = needs_chromium
SHOT = REPO / "docs" / "screenshots" / "impact-report-1280.png"


def test_the_impact_report_draws_its_network(app, live_server, playwright, font_env):
    seed_demo()
    db.session.commit()
    _research_project()
    today = utcnow().astimezone(SEOUL).date()
    query = f"cluster=all&from={(today - dt.timedelta(days=120)).isoformat()}&to={today.isoformat()}"
    db.session.rollback()
    browser = launch(playwright, font_env)
    try:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR")
        errors = collect_page_errors(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        sign_in(page, live_server.url, "admin@moim.example", DEMO_PASSWORD)
        page.goto(f"{live_server.url}/staff/reports/impact?{query}")
        picture = page.locator("figure.network svg")
        expect(picture).to_be_visible()
        dots = picture.locator("circle")
        assert dots.count() > 20
        box = picture.bounding_box()
        assert box["width"] > 600 and box["height"] > 300
        expect(page.locator("body")).to_contain_text("공공데이터 활용 AI 실증 과제 수주")
        if os.environ.get("MOIM_SAVE_SCREENSHOTS") == "1":
            SHOT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOT), full_page=True)
        assert errors == []
    finally:
        browser.close()
