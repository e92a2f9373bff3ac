"""The seeded networking night in a real browser: a member signs in, sees suggestions with their
reasons and the meeting schedule, and accepts the waiting request; staff print the schedule.
With MOIM_SAVE_SCREENSHOTS=1 it refreshes the screenshots in docs/screenshots/."""

from __future__ import annotations

import os

from sqlalchemy import select

from app.extensions import db
from app.models import Event, Meeting, MeetingStatus
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

SHOTS = REPO / "docs" / "screenshots"
TIMEOUT_MS = 15_000
MEMBER = "ceo@nurimedia.moim.example"
STAFF = "dmc.staff@moim.example"

pytestmark = needs_chromium


def _save(page_or_locator, name: str) -> None:
    if os.environ.get("MOIM_SAVE_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        page_or_locator.screenshot(path=str(SHOTS / name))


def test_member_sees_suggestions_and_schedule_and_accepts_a_request(app, live_server, playwright, font_env):
    seed_demo()
    db.session.commit()
    event = db.session.scalar(select(Event).where(Event.title_ko == "제15회 DMC 네트워킹 나이트"))
    waiting = db.session.scalar(
        select(Meeting)
        .where(Meeting.event_id == event.id, Meeting.status == MeetingStatus.REQUESTED)
        .where(Meeting.invitee.has(name="(주)누리미디어랩"))
    )
    assert waiting is not None
    event_id, waiting_id = event.id, waiting.id
    db.session.rollback()

    browser = launch(playwright, font_env)
    try:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR")
        errors = collect_page_errors(context)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        sign_in(page, live_server.url, MEMBER, DEMO_PASSWORD)
        page.goto(f"{live_server.url}/events/{event_id}/networking")
        people = page.locator("#people")
        expect(people).to_contain_text("추천")
        expect(people).to_contain_text("제공")  # a reason in words
        _save(people, "networking-suggestions-1280.png")
        meetings = page.locator("#meetings")
        expect(meetings).to_contain_text("마루애니메이션")
        expect(meetings).to_contain_text("테이블 1")
        expect(meetings).to_contain_text("스튜디오한빛")
        _save(meetings, "networking-meetings-1280.png")
        meetings.locator(f"form[action$='/meetings/{waiting_id}/accept'] button").click()
        expect(page.locator("body")).to_contain_text("스튜디오한빛와(과)의 미팅이 확정되었습니다", timeout=TIMEOUT_MS)
        assert errors == []
    finally:
        browser.close()

    see_committed()
    accepted = db.session.get(Meeting, waiting_id)
    assert accepted.status == MeetingStatus.ACCEPTED and accepted.table_id is not None


def test_staff_print_the_meeting_schedule(app, live_server, playwright, font_env, tmp_path):
    seed_demo()
    db.session.commit()
    event_id = db.session.scalar(select(Event.id).where(Event.title_ko == "제15회 DMC 네트워킹 나이트"))
    db.session.rollback()
    browser = launch(playwright, font_env)
    try:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR", accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        sign_in(page, live_server.url, STAFF, DEMO_PASSWORD)
        response = page.request.get(f"{live_server.url}/staff/events/{event_id}/networking/schedule.pdf")
        assert response.status == 200 and response.headers["content-type"].startswith("application/pdf")
        pdf = response.body()
    finally:
        browser.close()

    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        texts = [document[i].get_textpage().get_text_range() for i in range(len(document))]
        assert any("누리미디어랩" in t and "마루애니메이션" in t and "테이블" in t for t in texts)
        if os.environ.get("MOIM_SAVE_SCREENSHOTS") == "1":
            page_no = next(
                i for i, t in enumerate(texts) if "누리미디어랩" in t.split("\n", 3)[-1][:200] or "누리미디어랩" in t
            )
            document[page_no].render(scale=1.5).to_pil().save(SHOTS / "meeting-schedule-pdf.png")
    finally:
        document.close()
