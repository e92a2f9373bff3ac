"""명함 교환 in a real browser on a phone-size screen (390x844): Debian's Chromium through Playwright, its
fake camera showing a crop of another attendee's rendered badge PDF. The contact QR exchanges cards
(both sides then list each other); the badge's door QR gets the 입장용 QR message and writes nothing;
a typed code is the fallback."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from app.checkin import badges
from app.events.tickets import CONTACT_PREFIX, contact_code
from app.extensions import db
from app.models import Contact
from tests.checkin.browser_helpers import (
    REPO,
    collect_page_errors,
    expect,
    font_env,  # noqa: F401  (fixture)
    launch,
    live_server,  # noqa: F401  (fixture)
    needs_chromium,
    playwright,  # noqa: F401  (fixture)
)
from tests.helpers import decode_qr_codes, see_committed
from tests.networking.conftest import consent, hub_path

SCREENSHOT = REPO / "docs" / "screenshots" / "contact-exchange-390.png"
TIMEOUT_MS = 15_000
PHONE = {"width": 390, "height": 844}

pytestmark = needs_chromium


# --- a fake camera held over one QR of a printed badge ------------------------------------------


def badge_crops(pdf: bytes) -> dict[str, Image.Image]:
    """The badge page rendered at about 300 dpi, cut around each QR (with a margin of the badge
    around it, as a phone held a hand's length away sees it): {"contact": ..., "door": ...}."""
    import pypdfium2 as pdfium

    scale = 300 / 72
    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0].render(scale=scale).to_pil().convert("RGB")
    finally:
        document.close()
    crops = {}
    for result in decode_qr_codes(pdf, scale=scale):
        p = result.position
        xs = [p.top_left.x, p.top_right.x, p.bottom_left.x, p.bottom_right.x]
        ys = [p.top_left.y, p.top_right.y, p.bottom_left.y, p.bottom_right.y]
        size = max(xs) - min(xs)
        margin = int(size * 0.45)
        box = (min(xs) - margin, min(ys) - margin, max(xs) + margin, max(ys) + margin)
        crops["contact" if result.text.startswith(CONTACT_PREFIX) else "door"] = page.crop(box)
    return crops


def write_y4m(path: Path, picture: Image.Image, width: int = 640, height: int = 480, frames: int = 3) -> Path:
    """A YUV4MPEG2 (4:2:0, JPEG range) clip of the picture centred on white, for Chromium's fake camera."""
    picture = picture.copy()
    picture.thumbnail((int(width * 0.95), int(height * 0.95)), Image.Resampling.LANCZOS)
    frame = Image.new("RGB", (width, height), "white")
    frame.paste(picture, ((width - picture.width) // 2, (height - picture.height) // 2))
    y, cb, cr = frame.convert("YCbCr").split()
    half = (width // 2, height // 2)
    planes = (
        y.tobytes() + cb.resize(half, Image.Resampling.BOX).tobytes() + cr.resize(half, Image.Resampling.BOX).tobytes()
    )
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + planes)
    return path


def camera_browser(playwright, font_env, video: Path):
    return launch(
        playwright,
        font_env,
        [
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )


def phone(browser):
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True, locale="ko-KR")
    context.set_default_timeout(TIMEOUT_MS)
    return context, collect_page_errors(context)


def rows() -> list[tuple[int, int, str, int | None]]:
    see_committed()
    return [
        (c.owner_registration_id, c.other_registration_id, c.note, c.rating)
        for c in db.session.scalars(select(Contact).order_by(Contact.id))
    ]


# --- the test ------------------------------------------------------------------------------------


@pytest.fixture
def night(app, net):
    """Doors open in 20 minutes; 김누리 (A), 이한빛 (B) and 박누리 took part in networking."""
    net.event.starts_at = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=20)
    net.event.ends_at = net.event.starts_at + dt.timedelta(hours=3)
    consent(net.kim, net.lee, net.park)
    with app.test_request_context():
        pdf = badges.single_badge_pdf(net.lee)
    db.session.commit()
    return {
        "a": net.kim.id,
        "b": net.lee.id,
        "a_exchange": hub_path(net.kim, "/exchange"),
        "b_contacts": hub_path(net.lee, "/contacts"),
        "park_code": contact_code(net.park),
        "crops": badge_crops(pdf),
    }


def test_exchange_by_camera_on_a_phone_then_the_other_side_lists_it(
    app, live_server, night, playwright, font_env, tmp_path
):
    assert set(night["crops"]) == {"contact", "door"}, "both QR codes decode from B's badge PDF"
    contact_video = write_y4m(tmp_path / "contact.y4m", night["crops"]["contact"])
    door_video = write_y4m(tmp_path / "door.y4m", night["crops"]["door"])

    # A points their phone at the small 명함 교환 QR on B's badge.
    browser = camera_browser(playwright, font_env, contact_video)
    try:
        context, errors = phone(browser)
        page = context.new_page()
        page.goto(live_server.url + night["a_exchange"])
        expect(page.locator("h1")).to_have_text("명함 교환")
        page.click("#camera-toggle")
        answer = page.locator("#answer")
        expect(answer).to_have_attribute("data-result", "exchanged", timeout=TIMEOUT_MS)
        expect(page.locator("#answer-title")).to_have_text("명함을 교환했습니다")
        expect(page.locator("#card-name")).to_have_text("이한빛")
        expect(page.locator("#card-job")).to_have_text("CTO")
        expect(page.locator("#card-company")).to_have_text("한빛소프트")
        assert rows() == [(night["a"], night["b"], "", None), (night["b"], night["a"], "", None)]

        # The badge stays in front of the camera: it is not sent again.
        page.wait_for_timeout(1200)
        expect(answer).to_have_attribute("data-result", "exchanged")

        page.fill("#note-input", "AI 자막 엔진 데모 요청")
        page.select_option("#rating-input", "4")
        page.locator("#camera-toggle").click()  # the camera off, for a calm screenshot
        answer.scroll_into_view_if_needed()
        if os.environ.get("MOIM_SAVE_SCREENSHOTS") == "1":
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT))
        page.click("#note-save")
        expect(page.locator("#note-status")).to_have_text("메모를 저장했습니다.")
        assert rows()[0] == (night["a"], night["b"], "AI 자막 엔진 데모 요청", 4)

        # B opens their contacts page: A is there, A's note is not.
        other, other_errors = phone(browser)
        b_page = other.new_page()
        b_page.goto(live_server.url + night["b_contacts"])
        card = b_page.locator("article.contact")
        expect(card).to_have_count(1)
        expect(card).to_contain_text("김누리")
        expect(card).to_contain_text("(주)누리미디어")
        expect(card).to_contain_text("kim@nuri.example")
        expect(card).to_contain_text("010-1111-2222")
        assert "데모 요청" not in b_page.content()
        other.close()
        context.close()
        assert errors == [] and other_errors == [], "the pages raised errors"
    finally:
        browser.close()

    # The door QR of the same badge: refused as an entry QR, nothing written.
    before = rows()
    browser = camera_browser(playwright, font_env, door_video)
    try:
        context, errors = phone(browser)
        page = context.new_page()
        page.goto(live_server.url + night["a_exchange"])
        page.click("#camera-toggle")
        expect(page.locator("#answer")).to_have_attribute("data-result", "ticket_code", timeout=TIMEOUT_MS)
        expect(page.locator("#answer-title")).to_have_text("입장용 QR입니다. 명함 교환 QR을 찍어 주세요")
        expect(page.locator("#contact-card")).to_be_hidden()
        assert rows() == before
        page.click("#camera-toggle")

        # Without a camera the code is typed (here without its MOIMC: prefix, in groups).
        body = night["park_code"][len(CONTACT_PREFIX) :]
        page.fill("#code-input", "-".join(body[i : i + 4] for i in range(0, 26, 4)).lower())
        page.click("#code-form button[type=submit]")
        expect(page.locator("#answer")).to_have_attribute("data-result", "exchanged", timeout=TIMEOUT_MS)
        expect(page.locator("#card-name")).to_have_text("박누리")
        assert len(rows()) == 4
        context.close()
        assert errors == [], "the page raised errors"
    finally:
        browser.close()
