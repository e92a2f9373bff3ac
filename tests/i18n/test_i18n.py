"""Korean by default, English selectable and remembered; Seoul dates; a complete English catalog."""

import datetime as dt
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.messages.pofile import read_po

from app.extensions import db
from app.i18n import format_kst, format_kst_range
from app.models import User
from tests.conftest import csrf_token
from tests.factories import PASSWORD, make_event, make_user

SEOUL = ZoneInfo("Asia/Seoul")
ROOT = Path(__file__).resolve().parents[2]


def test_format_kst_is_korean_style_in_seoul_time():
    # 10:00 UTC is 19:00 in Seoul (UTC+9, no daylight saving).
    instant = dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.UTC)
    assert format_kst(instant, "ko") == "2026년 12월 3일 (목) 오후 7:00"
    assert format_kst(instant, "en") == "Thu, Dec 3, 2026, 7:00 PM"
    # Midnight crossing: 16:30 UTC on the 2nd is 01:30 on the 3rd in Seoul.
    late = dt.datetime(2026, 12, 2, 16, 30, tzinfo=dt.UTC)
    assert format_kst(late, "ko") == "2026년 12월 3일 (목) 오전 1:30"
    # Summer: still +9 (Korea has no daylight saving).
    summer = dt.datetime(2026, 7, 1, 0, 0, tzinfo=dt.UTC)
    assert format_kst(summer, "ko") == "2026년 7월 1일 (수) 오전 9:00"


def test_range_on_one_day_shows_end_time_only():
    start = dt.datetime(2026, 12, 3, 19, 0, tzinfo=SEOUL)
    assert format_kst_range(start, start + dt.timedelta(hours=2), "ko") == "2026년 12월 3일 (목) 오후 7:00 ~ 오후 9:00"
    assert "12월 4일" in format_kst_range(start, start + dt.timedelta(days=1), "ko")


def test_home_page_is_korean_by_default_with_seoul_dates(app, client):
    start = dt.datetime(2031, 12, 4, 19, 0, tzinfo=SEOUL)
    make_event(title_ko="양재 AI 네트워킹", starts_at=start)
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="ko"' in html
    assert "다가오는 행사" in html
    assert "2031년 12월 4일 (목) 오후 7:00" in html


def test_english_is_selectable_and_remembered_in_session(app, client):
    make_event(
        title_ko="마곡 R&D 포럼",
        title_en="Magok Research Forum",
        starts_at=dt.datetime(2031, 12, 4, 19, 0, tzinfo=SEOUL),
    )
    db.session.commit()
    token = csrf_token(client, "/")
    resp = client.post("/language", data={"locale": "en", "next": "/", "csrf_token": token})
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="en"' in html
    assert "Upcoming events" in html
    assert "Magok Research Forum" in html
    assert "Thu, Dec 4, 2031, 7:00 PM" in html
    # And back to Korean.
    client.post("/language", data={"locale": "ko", "next": "/", "csrf_token": csrf_token(client, "/")})
    assert "다가오는 행사" in client.get("/").get_data(as_text=True)


def test_language_choice_is_stored_on_the_account(app, client, auth):
    user = make_user(email="foreign@example.com")
    db.session.commit()
    auth.login("foreign@example.com", PASSWORD)
    token = csrf_token(client, "/")
    client.post("/language", data={"locale": "en", "next": "/", "csrf_token": token})
    db.session.rollback()
    assert db.session.get(User, user.id).locale == "en"
    # A new browser session: signing in brings English back.
    other = app.test_client()
    token = csrf_token(other, "/auth/login")
    other.post("/auth/login", data={"email": "foreign@example.com", "password": PASSWORD, "csrf_token": token})
    assert "Upcoming events" in other.get("/").get_data(as_text=True)


def test_language_switch_refuses_unknown_locale_and_offsite_next(app, client):
    token = csrf_token(client, "/")
    assert client.post("/language", data={"locale": "xx", "csrf_token": token}).status_code == 400
    resp = client.post("/language", data={"locale": "en", "next": "//evil.example/", "csrf_token": token})
    assert resp.headers["Location"] == "/"


def test_language_switch_requires_csrf(app, client):
    assert client.post("/language", data={"locale": "en"}).status_code == 400
    assert '<html lang="ko"' in client.get("/").get_data(as_text=True)


def test_english_catalog_translates_every_ui_string(tmp_path):
    """Every string marked for translation in app/ has an English translation."""
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with open(pot, "rb") as f:
        wanted = {m.id for m in read_po(f) if m.id}
    with open(ROOT / "app/translations/en/LC_MESSAGES/messages.po", "rb") as f:
        catalog = read_po(f)
    translated = {m.id for m in catalog if m.id and m.string and "fuzzy" not in m.flags}
    assert len(wanted) > 100
    missing = sorted(str(m) for m in wanted - translated)
    assert not missing, f"untranslated UI strings: {missing}"


def test_counts_of_people_are_singular_and_plural_in_english(app):
    """(1 people, …) was shown on English pages: the count goes through ngettext."""
    from flask_babel import force_locale

    from app.i18n import count_people

    with app.test_request_context(), force_locale("en"):
        assert (count_people(1), count_people(3)) == ("1 person", "3 people")
    with app.test_request_context(), force_locale("ko"):
        assert (count_people(1), count_people(3)) == ("1명", "3명")
    with app.test_request_context(), force_locale("en"):
        assert app.jinja_env.from_string("{{ 1|people }} · {{ 2|people }}").render() == "1 person · 2 people"
