"""The audit log in Chromium: a cluster's staff member cancels a registration through the staff pages (the confirm
step included), and the audit page lists that action with who did it and the before/after summary.
With MOIM_SAVE_SCREENSHOTS=1 it refreshes docs/screenshots/audit-log-1280.png."""

from __future__ import annotations

import os
import re

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, Event, Registration, RegistrationStatus
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
from tests.helpers import see_committed

pytestmark = needs_chromium
STAFF = "dmc.staff@moim.example"
SHOT = REPO / "docs" / "screenshots" / "audit-log-1280.png"


def test_a_staff_cancellation_shows_in_the_audit_log(app, live_server, playwright, font_env):
    seed_demo()
    db.session.commit()
    event = db.session.scalar(select(Event).where(Event.title_ko == "제15회 DMC 네트워킹 나이트"))
    target = db.session.scalars(
        select(Registration)
        .where(Registration.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED)
        .order_by(Registration.id)
    ).first()
    event_id, registration_id = target.event_id, target.id
    db.session.rollback()

    browser = launch(playwright, font_env)
    try:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR")
        errors = collect_page_errors(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        sign_in(page, live_server.url, STAFF, DEMO_PASSWORD)
        page.goto(f"{live_server.url}/staff/events/{event_id}/registrations/{registration_id}/cancel")
        page.click("main form button[type=submit]")
        page.wait_for_url(lambda url: "/cancel" not in url)

        page.goto(f"{live_server.url}/staff/audit")
        row = page.locator("table tbody tr").first  # newest first
        expect(row).to_contain_text("staff.registration_cancel")
        expect(row).to_contain_text(f"event #{event_id}")
        expect(row).to_contain_text(f"Registration#{registration_id}")
        expect(row).to_contain_text("confirmed→cancelled")
        # The cancellation time in Seoul time, as staff read it, not the stored UTC value.
        expect(row).to_contain_text(re.compile(r"cancelled_at None→\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?![.\d+])"))
        if os.environ.get("MOIM_SAVE_SCREENSHOTS") == "1":
            SHOT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOT), full_page=False)
        assert errors == []
    finally:
        browser.close()

    see_committed()
    assert db.session.get(Registration, registration_id).status == RegistrationStatus.CANCELLED
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.action == "staff.registration_cancel" and entry.object_id == event_id
    assert entry.user is not None and entry.user.email == STAFF
