"""Badge selection, sorting and PDF content (app/checkin/badges.py, app/pdf.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from flask_babel import force_locale

from app.checkin import badges
from app.checkin.badges import BadgeOptionError, BadgeOptions, parse_badge_options
from app.extensions import db
from app.models import utcnow
from tests.checkin.badge_helpers import CONFIRMED, badge_texts, make_world
from tests.factories import make_company, make_registration
from tests.helpers import base_fonts, page_size_mm, pdf_pages, pdf_text
from tests.query_counter import count_queries


@pytest.fixture
def world(app):
    w = make_world()
    db.session.commit()
    return w


def names_of(registrations) -> list[str]:
    return [r.name for r in registrations]


# --- options --------------------------------------------------------------------------------


def test_options_default_and_parsed():
    assert parse_badge_options({}) == BadgeOptions("a6", "company", False, None)
    assert parse_badge_options(
        {"layout": "insert", "sort": "name", "unprinted": "1", "company_id": "12"}
    ) == BadgeOptions("insert", "name", True, 12)
    assert parse_badge_options({"unprinted": "0", "company_id": ""}) == BadgeOptions()


@pytest.mark.parametrize(
    "args",
    [
        {"layout": "a4"},
        {"sort": "date"},
        {"unprinted": "maybe"},
        {"company_id": "abc"},
        {"company_id": "-1"},
        {"company_id": "0"},
        {"company_id": "99999999999999999999"},
        {"company_id": "１２"},
    ],
)
def test_bad_options_raise_with_a_korean_message(app, args):
    with app.test_request_context(), pytest.raises(BadgeOptionError) as error:
        parse_badge_options(args)
    assert any("\uac00" <= ch <= "\ud7a3" for ch in error.value.message)


def test_options_round_trip_through_query_args():
    options = BadgeOptions("insert", "name", True, 7)
    assert parse_badge_options({k: str(v) for k, v in options.as_args().items()}) == options
    assert BadgeOptions().as_args() == {}


# --- selection -----------------------------------------------------------------------------


def test_only_confirmed_registrations_get_badges(world):
    selected = badges.select_badges(world.event, BadgeOptions())
    assert sorted(names_of(selected)) == sorted(CONFIRMED)
    assert badges.count_badges(world.event, BadgeOptions()) == 9


def test_company_order_is_gana_by_sort_name_with_guests_among_them(world):
    selected = badges.select_badges(world.event, BadgeOptions(sort="company"))
    # 가람테크, 나래콘텐츠 (주식회사 ignored), 다온미디어 ((주) ignored), 마루랩, 바른솔루션 (guest); then by name
    assert names_of(selected) == [
        "이하은",
        "최지우",
        "김예린",
        "정도윤",
        "강민준",
        "박서연",
        "윤건우",
        "한소율",
        "오지호",
    ]


def test_name_order_is_gana(world):
    selected = badges.select_badges(world.event, BadgeOptions(sort="name"))
    assert names_of(selected) == sorted(CONFIRMED)
    assert names_of(selected)[:3] == ["강민준", "김예린", "박서연"]


def test_filters_unprinted_and_company(world):
    badges.mark_printed([world.regs["박서연"], world.regs["이하은"]], utcnow())
    db.session.commit()
    unprinted = badges.select_badges(world.event, BadgeOptions(unprinted=True))
    assert sorted(names_of(unprinted)) == sorted(set(CONFIRMED) - {"박서연", "이하은"})
    daon = badges.select_badges(world.event, BadgeOptions(company_id=world.companies["다온"].id))
    assert names_of(daon) == ["강민준", "박서연"]  # not the waitlisted or cancelled ones
    both = badges.select_badges(world.event, BadgeOptions(company_id=world.companies["다온"].id, unprinted=True))
    assert names_of(both) == ["강민준"]
    assert badges.count_badges(world.event, BadgeOptions(unprinted=True)) == 7


def test_mark_printed_sets_the_time_on_exactly_those_rows(world):
    now = utcnow().replace(microsecond=0)
    chosen = [world.regs["최지우"], world.regs["오지호"]]
    badges.mark_printed(chosen, now)
    db.session.commit()
    db.session.expire_all()
    printed = {r.name for r in world.regs.values() if r.badge_printed_at is not None}
    assert printed == {"최지우", "오지호"}
    assert world.regs["최지우"].badge_printed_at == now


def test_companies_for_the_form_in_gana_order_with_counts(world):
    badges.mark_printed([world.regs["박서연"]], utcnow())
    db.session.commit()
    choices = badges.badge_companies(world.event)
    assert [c.name for c in choices] == ["가람테크", "주식회사 나래콘텐츠", "(주)다온미디어", "마루랩"]
    daon = next(c for c in choices if c.name == "(주)다온미디어")
    assert (daon.confirmed, daon.unprinted) == (2, 1)


def test_selection_and_rendering_take_a_bounded_number_of_queries(app, world):
    def queries_for_batch() -> int:
        db.session.expire_all()
        with app.test_request_context(), count_queries(db.engine) as statements:
            event = db.session.get(type(world.event), world.event.id)
            selected = badges.select_badges(event, BadgeOptions())
            badges.badge_pdf(event, selected, "insert")
        return len(statements), len(selected)

    small, n_small = queries_for_batch()
    for i in range(12):  # 12 more badges in 12 more companies of two clusters
        make_registration(world.event, make_company(world.dmc if i % 2 else world.magok), name=f"추가참가자{i}")
    db.session.commit()
    large, n_large = queries_for_batch()
    assert n_large == n_small + 12
    assert large == small <= 3


# --- the PDF -------------------------------------------------------------------------------


def render(app, world, layout="a6", **options):
    with app.test_request_context():
        selected = badges.select_badges(world.event, BadgeOptions(layout=layout, **options))
        return badges.badge_pdf(world.event, selected, layout)


def test_a6_sheets_show_names_company_cluster_role_event_and_date(app, world):
    data = render(app, world, "a6")
    assert data.startswith(b"%PDF")
    pages = pdf_pages(data)
    assert len(pages) == 3  # 9 badges, 4 per sheet
    assert all(page_size_mm(p) == (210.0, 297.0) for p in pages)
    text = pdf_text(data)
    for name in CONFIRMED:
        assert name in text
    for shown in [
        "(주)다온미디어",
        "가람테크",
        "(주)바른솔루션",
        "상암 DMC",
        "마곡 R&D",
        "게스트",
        "의결권 대표",
        "참관",
        "연사",
        "스태프",
        "참가자",
        "DMC 입주기업 네트워킹 나이트",
    ]:
        assert shown in text, shown
    with app.test_request_context():
        from app.i18n import format_kst_date

        assert format_kst_date(world.event.starts_at, "ko") in text
    assert "년" in text and "월" in text


def test_each_badge_shows_its_own_name_company_cluster_and_role_tag(app, world):
    by_name = sorted(CONFIRMED)
    for layout in ("a6", "insert"):
        texts = badge_texts(render(app, world, layout, sort="name"), layout)
        assert len(texts) == 9
        expected = {
            "박서연": ("(주)다온미디어", "상암 DMC", "의결권 대표"),
            "강민준": ("(주)다온미디어", "상암 DMC", "참가자"),
            "최지우": ("가람테크", "마곡 R&D", "연사"),
            "정도윤": ("주식회사 나래콘텐츠", "상암 DMC", "참관"),
            "김예린": ("주식회사 나래콘텐츠", "상암 DMC", "스태프"),
            "오지호": ("(주)바른솔루션", "게스트", "게스트"),
        }
        for name, text in zip(by_name, texts, strict=True):
            assert name in text and "DMC 입주기업 네트워킹 나이트" in text
            if name in expected:
                company, cluster, tag = expected[name]
                assert text.index(name) < text.index(company) < text.rindex(cluster) <= text.rindex(tag), text
        assert texts[by_name.index("오지호")].count("게스트") == 2  # cluster line and tag


def test_insert_layout_is_eight_per_a4_sheet(app, world):
    data = render(app, world, "insert")
    pages = pdf_pages(data)
    assert len(pages) == 2  # 9 badges, 8 per sheet
    assert all(page_size_mm(p) == (210.0, 297.0) for p in pages)
    text = pdf_text(data)
    assert all(name in text for name in CONFIRMED)


def test_the_only_font_is_the_embedded_nanum_square(app, world):
    for layout in ("a6", "insert"):
        data = render(app, world, layout)
        fonts = base_fonts(data)
        assert fonts and fonts <= {"NanumSquare", "NanumSquare-Bold", "NanumSquareB", "NanumSquareR"}, fonts
        assert any("Bold" in f or f.endswith("B") for f in fonts)
        for page in pdf_pages(data):
            for ref in page["/Resources"]["/Font"].values():
                descendant = ref.get_object()["/DescendantFonts"][0].get_object()
                assert "/FontFile2" in descendant["/FontDescriptor"] or "/FontFile3" in descendant["/FontDescriptor"]


def first_names(texts: list[str]) -> list[str]:
    return [next(n for n in CONFIRMED if n in text) for text in texts]


def test_printed_order_follows_the_sort(app, world):
    by_company = badge_texts(render(app, world, "insert", sort="company"), "insert")
    assert first_names(by_company) == [
        "이하은",
        "최지우",
        "김예린",
        "정도윤",
        "강민준",
        "박서연",
        "윤건우",
        "한소율",
        "오지호",
    ]
    by_name = badge_texts(render(app, world, "a6", sort="name"), "a6")
    assert first_names(by_name) == sorted(CONFIRMED)


def test_filtered_pdf_has_only_those_badges(app, world):
    data = render(app, world, "a6", company_id=world.companies["가람"].id)
    assert len(pdf_pages(data)) == 1
    text = pdf_text(data)
    assert "최지우" in text and "이하은" in text
    assert not any(name in text for name in set(CONFIRMED) - {"최지우", "이하은"})


def test_single_badge_is_one_a6_page(app, world):
    with app.test_request_context():
        data = badges.single_badge_pdf(world.regs["오지호"])
    pages = pdf_pages(data)
    assert len(pages) == 1
    assert page_size_mm(pages[0]) == (105.0, 148.0)
    text = pdf_text(data)
    assert "오지호" in text and "(주)바른솔루션" in text and "게스트" in text
    # The Korean font must be embedded (an empty set would pass a subset check).
    fonts = base_fonts(data)
    assert "NanumSquare" in fonts and fonts <= {"NanumSquare", "NanumSquare-Bold"}


def test_english_interface_gets_english_role_labels_when_translated(app, world):
    # Role tags are lazy strings: rendered in the current locale (Korean msgids fall back to Korean).
    with app.test_request_context(), force_locale("en"):
        badge = badges.build_badge(world.regs["박서연"], "a6", b"k" * 32)
    assert badge.role == "voter"
    assert badge.role_label in ("의결권 대표", "Voting representative", "Voting rep.")


def test_long_names_get_a_smaller_type_size(app, world):
    reg = make_registration(world.event, world.companies["다온"], name="Alexandra Konstantinopoulou-Smith")
    with app.test_request_context():
        long_badge = badges.build_badge(reg, "a6", b"k" * 32)
        short_badge = badges.build_badge(world.regs["박서연"], "a6", b"k" * 32)
    assert short_badge.name_size == 1
    assert long_badge.name_size == 4


def test_rows_without_a_ticket_get_one_when_rendered(app, world):
    reg = world.regs["한소율"]
    reg.ticket_salt = reg.ticket_hash = None
    db.session.commit()
    with app.test_request_context():
        badges.badge_pdf(world.event, badges.select_badges(world.event, BadgeOptions()), "a6")
    db.session.commit()
    db.session.expire_all()
    assert reg.ticket_salt and reg.ticket_hash


def test_large_batches_render_in_chunks_by_a_process_pool_in_order(app, world):
    with app.test_request_context():
        selected = badges.select_badges(world.event, BadgeOptions(sort="name"))
        data = badges.badge_pdf(world.event, selected, "a6", workers=2, chunk_badges=4, pool_min_badges=0)
        in_process = badges.badge_pdf(world.event, selected, "a6", workers=1, chunk_badges=4)
    for pdf in (data, in_process):
        assert len(pdf_pages(pdf)) == 3
        assert first_names(badge_texts(pdf, "a6")) == sorted(CONFIRMED)
        assert base_fonts(pdf) <= {"NanumSquare", "NanumSquare-Bold"}


def test_filenames_are_korean_with_an_ascii_fallback(world):
    name, fallback = badges.batch_filename(world.event)
    assert name == "명찰_DMC 입주기업 네트워킹 나이트.pdf"
    assert fallback == f"badges-event-{world.event.id}.pdf"
    name, fallback = badges.single_filename(world.regs["박서연"])
    assert name.startswith("명찰_박서연_") and fallback == f"badge-{world.regs['박서연'].id}.pdf"


def test_kst_date_on_the_badge(app, world):
    # 2026-12-31 16:00 UTC is 2027-01-01 01:00 in Seoul: the badge shows the Seoul date.
    world.event.starts_at = dt.datetime(2026, 12, 31, 16, 0, tzinfo=dt.UTC)
    world.event.ends_at = world.event.starts_at + dt.timedelta(hours=2)
    db.session.commit()
    text = pdf_text(render(app, world, "insert", company_id=world.companies["가람"].id))
    assert "2027년 1월 1일" in text
