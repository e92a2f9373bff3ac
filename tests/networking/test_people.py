"""Who is coming and match suggestions on the attendee's networking pages: only companies that opted
in, only people who consented, searchable and paged, suggestions with reasons in words, prior
meetings from earlier events, and a fixed number of queries whatever the number of companies."""

from __future__ import annotations

import datetime as dt
import html as html_lib

import pytest
from sqlalchemy import insert, select

from app.extensions import db
from app.models import (
    CompanyProfile,
    Contact,
    Meeting,
    MeetingSlot,
    MeetingStatus,
    NetworkingTag,
    ProfileSide,
    RegistrationStatus,
    profile_tags,
    utcnow,
)
from app.networking import matching
from app.networking.people import _ends_closed, met_before, reason_text
from app.networking.tags import ensure_default_tags
from tests.factories import make_checkin, make_company, make_event, make_registration
from tests.networking.conftest import consent, hub_path
from tests.query_counter import count_queries


def text(response) -> str:
    return html_lib.unescape(response.get_data(as_text=True))


def give_profile(company, offer_tags=(), seek_tags=(), discoverable=True, **texts) -> CompanyProfile:
    """A profile with shared words by label (created if missing)."""
    ensure_default_tags()
    by_label = {t.label_ko: t for t in db.session.scalars(select(NetworkingTag))}
    for label in {*offer_tags, *seek_tags} - by_label.keys():
        by_label[label] = NetworkingTag(cluster_id=None, label_ko=label)
        db.session.add(by_label[label])
    profile = CompanyProfile(company_id=company.id, is_discoverable=discoverable, **texts)
    db.session.add(profile)
    db.session.flush()
    rows = [{"company_id": company.id, "tag_id": by_label[w].id, "side": ProfileSide.OFFER} for w in offer_tags]
    rows += [{"company_id": company.id, "tag_id": by_label[w].id, "side": ProfileSide.SEEK} for w in seek_tags]
    if rows:
        db.session.execute(insert(profile_tags), rows)
    db.session.commit()
    return profile


@pytest.fixture
def world(net):
    """누리 (DMC) seeks 판로 and 투자 and offers 기술; 구로테크 (G밸리) offers 판로, seeks 기술;
    한빛 (DMC) offers 투자 but is hidden until a test opens it. Kim, Lee, Choi and the guest consented."""
    give_profile(net.nuri, offer_tags=["기술"], seek_tags=["판로", "투자"], fields="웹툰")
    give_profile(net.gurotech, offer_tags=["판로"], seek_tags=["기술"], fields="스마트 제조", offers="유통망 30곳")
    give_profile(net.hanbit, offer_tags=["투자"], discoverable=False, fields="게임")
    consent(net.kim, net.lee, net.choi, net.guest)
    return net


def companies_path(registration, **query) -> str:
    qs = "&".join(f"{k}={v}" for k, v in query.items())
    return hub_path(registration, "/companies") + (f"?{qs}" if qs else "")


# --- who sees what -------------------------------------------------------------------------------


def test_the_hub_lists_opted_in_attending_companies_with_their_consenting_people(client, world):
    html = text(client.get(hub_path(world.kim)))
    assert "참가 기업" in html and "구로테크" in html and "유통망 30곳" in html and "최구로" in html
    assert "한빛소프트" not in html and "이한빛" not in html  # hidden company, and so its people
    assert "1개사" in html


def test_people_without_consent_are_never_shown(client, world):
    db.session.get(CompanyProfile, world.hanbit.id).is_discoverable = True
    other = make_registration(world.event, world.gurotech, name="박비동의", email="nope@gurotech.example")
    db.session.commit()
    for path in (hub_path(world.lee), companies_path(world.lee), hub_path(world.lee, f"/companies/{world.nuri.id}")):
        html = text(client.get(path))
        assert "김누리" in html and "대표" in html  # consented
        assert "박누리" not in html  # kim's colleague did not consent
        assert "박비동의" not in html and other.email not in html
        assert "kim@nuri.example" not in html and "010-1111-2222" not in html  # never contact details
    # Not even findable by name.
    assert "(주)누리미디어" not in text(client.get(companies_path(world.lee, q="박누리")))
    assert "(주)누리미디어" in text(client.get(companies_path(world.lee, q="김누리")))


def test_a_hidden_companys_profile_is_not_visible_to_others(client, world):
    assert client.get(hub_path(world.kim, f"/companies/{world.hanbit.id}")).status_code == 404
    assert "한빛소프트" not in text(client.get(companies_path(world.kim, q="게임")))
    assert "한빛소프트" not in text(client.get(companies_path(world.kim)))
    # Once it opts in, it is there.
    db.session.get(CompanyProfile, world.hanbit.id).is_discoverable = True
    db.session.commit()
    assert client.get(hub_path(world.kim, f"/companies/{world.hanbit.id}")).status_code == 200


def test_the_own_company_is_not_listed_but_its_status_is_shown(client, world):
    html = text(client.get(companies_path(world.kim)))
    assert "구로테크" in html and "(주)누리미디어" not in html.split("<main")[1].split("</hgroup>")[1]
    assert client.get(hub_path(world.kim, f"/companies/{world.nuri.id}")).status_code == 404
    hub = text(client.get(hub_path(world.lee)))  # 한빛 is hidden: its people are told so
    assert "공개되어 있지 않아" in hub and f"/networking/companies/{world.hanbit.id}/profile" in hub


def test_guests_see_the_list_but_get_no_suggestions(client, world):
    html = text(client.get(hub_path(world.guest)))
    assert "구로테크" in html and "(주)누리미디어" in html and "추천 기업" not in html
    assert client.get(companies_path(world.guest)).status_code == 200


def test_without_consent_the_list_and_a_company_page_are_403(client, world):
    assert client.get(companies_path(world.park)).status_code == 403
    assert client.get(hub_path(world.park, f"/companies/{world.gurotech.id}")).status_code == 403
    hub = text(client.get(hub_path(world.park)))
    assert "구로테크" not in hub  # the consent form instead
    # Withdrawn consent closes it again.
    world.kim.networking_consent_at = None
    db.session.commit()
    assert client.get(companies_path(world.kim)).status_code == 403


def test_dead_links_and_other_events_are_404(client, world):
    assert client.get(f"/networking/r/{world.kim.id}/wrong/companies").status_code == 404
    assert client.get(hub_path(world.kim, "/companies/999999")).status_code == 404
    elsewhere = make_company(world.guro, name="딴데기업")
    give_profile(elsewhere, offer_tags=["판로"])
    assert client.get(hub_path(world.kim, f"/companies/{elsewhere.id}")).status_code == 404  # not attending


def test_only_confirmed_registrations_make_a_company_attending(client, world):
    waiting = make_company(world.dmc, name="대기기업")
    cancelled = make_company(world.dmc, name="취소기업")
    give_profile(waiting, offer_tags=["판로"])
    give_profile(cancelled, offer_tags=["판로"])
    make_registration(world.event, waiting, status=RegistrationStatus.WAITLISTED)
    make_registration(world.event, cancelled, status=RegistrationStatus.CANCELLED)
    db.session.commit()
    html = text(client.get(companies_path(world.kim)))
    assert "대기기업" not in html and "취소기업" not in html


# --- search and pages ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, found",
    [
        ("구로", True),
        ("판로", True),
        ("스마트", True),
        ("유통망", True),
        ("최구로", True),
        ("G밸리", True),
        ("판로 제조", True),
        ("판로 없는말", False),
        ("한빛", False),
        ("%", False),
        ("'; drop", False),
    ],
)
def test_search_by_name_tag_text_cluster_and_person(client, world, query, found):
    response = client.get(hub_path(world.kim, "/companies"), query_string={"q": query})
    assert response.status_code == 200
    assert ("유통망 30곳" in text(response)) is found


def test_the_hub_search_box_leads_to_the_list(client, world):
    html = text(client.get(hub_path(world.kim)))
    assert f'action="{hub_path(world.kim, "/companies")}"' in html and 'name="q"' in html


def test_the_list_is_paged_in_gana_order(client, world):
    for i in range(23):
        company = make_company(world.dmc, name=f"(주)가{i:02d}기업")
        give_profile(company)
        make_registration(world.event, company)
    db.session.commit()
    first = text(client.get(companies_path(world.kim)))
    assert "(주)가00기업" in first and "(주)가19기업" in first and "(주)가20기업" not in first
    assert first.index("(주)가00기업") < first.index("(주)가19기업")
    assert "24개사" in first and "1 / 2 페이지" in first
    second = text(client.get(companies_path(world.kim, page=2)))
    assert "(주)가20기업" in second and "구로테크" in second and "(주)가00기업" not in second
    assert "구로테크" in text(client.get(companies_path(world.kim, page=99999999999)))  # the last page
    paged_search = text(client.get(companies_path(world.kim, q="가2", page=1)))
    assert "(주)가20기업" in paged_search and "(주)가19기업" not in paged_search


# --- suggestions -------------------------------------------------------------------------------------


def test_suggestions_rank_with_reasons_in_words(client, world):
    db.session.get(CompanyProfile, world.hanbit.id).is_discoverable = True
    db.session.commit()
    html = text(client.get(hub_path(world.kim)))
    suggestions = html.split("추천 기업")[1]
    assert suggestions.index("구로테크") < suggestions.index("한빛소프트")
    assert "귀사가 찾는 '판로'를 제공" in html and "귀사가 제공하는 '기술'을 찾음" in html
    assert "다른 클러스터" in html and "처음 만남" in html
    assert "귀사가 찾는 '투자'를 제공" in html  # 한빛, same cluster
    # From 구로테크's side the same pair reads the other way round.
    html = text(client.get(hub_path(world.choi)))
    assert "귀사가 찾는 '기술'을 제공" in html and "귀사가 제공하는 '판로'를 찾음" in html


def test_the_list_shows_each_companys_reasons_too(client, world):
    html = text(client.get(companies_path(world.kim)))
    assert "귀사가 찾는 '판로'를 제공" in html


def _earlier_event(world, days_ago=30):
    return make_event(world.dmc, starts_in=dt.timedelta(days=-days_ago))


def test_co_attending_an_earlier_event_counts_as_met(client, world):
    earlier = _earlier_event(world)
    for company in (world.nuri, world.gurotech):
        make_checkin(make_registration(earlier, company))
    db.session.commit()
    assert met_before(world.nuri.id, world.event) == {world.gurotech.id}
    html = text(client.get(hub_path(world.kim)))
    assert "이전 행사에서 만남" in html and "처음 만남" not in html.split("구로테크")[1].split("</article>")[0]


def test_being_registered_without_both_checking_in_is_not_meeting(app, world):
    earlier = _earlier_event(world)
    make_checkin(make_registration(earlier, world.nuri))
    make_registration(earlier, world.gurotech)  # registered, never came
    cancelled = make_registration(earlier, world.hanbit, status=RegistrationStatus.CANCELLED)
    make_checkin(cancelled)
    later = make_event(world.dmc, starts_in=dt.timedelta(days=30))
    make_checkin(make_registration(later, world.nuri))
    make_checkin(make_registration(later, world.gurotech))  # after this event: not earlier
    make_checkin(make_registration(world.event, world.gurotech))  # this event itself
    db.session.commit()
    assert met_before(world.nuri.id, world.event) == set()


def test_an_accepted_meeting_or_a_contact_at_an_earlier_event_counts_as_met(app, world):
    earlier = _earlier_event(world)
    slot = MeetingSlot(event=earlier, starts_at=earlier.starts_at, ends_at=earlier.starts_at + dt.timedelta(minutes=20))
    db.session.add(slot)
    db.session.flush()
    for status, invitee in ((MeetingStatus.ACCEPTED, world.gurotech), (MeetingStatus.DECLINED, world.hanbit)):
        db.session.add(
            Meeting(event_id=earlier.id, slot_id=slot.id, requester=invitee, invitee=world.nuri, status=status)
        )
    db.session.commit()
    assert met_before(world.nuri.id, world.event) == {world.gurotech.id}
    other = make_company(world.guro, name="명함기업")
    mine, theirs = make_registration(earlier, world.nuri), make_registration(earlier, other)
    guest = make_registration(earlier, None, guest_company_name="바깥")
    db.session.add_all(
        [
            Contact(event_id=earlier.id, owner_registration_id=theirs.id, other_registration_id=mine.id),
            Contact(event_id=earlier.id, owner_registration_id=mine.id, other_registration_id=guest.id),
        ]
    )
    db.session.commit()
    assert met_before(world.nuri.id, world.event) == {world.gurotech.id, other.id}


def test_the_reason_words_follow_the_korean_particle():
    assert [_ends_closed(w) for w in ["인력", "판로", "공동R&D", "기술", "공간", "콘텐츠 IP", "AI", "5G"]] == [
        True,
        False,
        False,
        True,
        True,
        False,
        False,
        False,
    ]
    assert _ends_closed("CRM") is True and _ends_closed("3") is True


def test_reasons_in_english(app):
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("en"):
        reason = matching.Reason(matching.ReasonKind.THEY_OFFER, "판로")
        assert reason_text(reason, {"판로": "Sales channels"}) == "Offers 'Sales channels' you seek"
        reason = matching.Reason(matching.ReasonKind.THEY_SEEK, "인력")
        assert reason_text(reason, {"인력": "Talent"}) == "Seeks 'Talent' you offer"
        assert reason_text(matching.Reason(matching.ReasonKind.FIRST_MEETING), {}) == "First meeting"


def test_the_english_page_shows_english_words(client, world):
    from tests.helpers import csrf_token

    client.post("/language", data={"locale": "en", "next": "/", "csrf_token": csrf_token(client, "/")})
    html = text(client.get(hub_path(world.kim)))
    assert "Suggested companies" in html and "Offers 'Sales channels' you seek" in html and "Another cluster" in html


# --- a fixed number of queries -------------------------------------------------------------------------


def _add_companies(world, count: int, start: int) -> None:
    for i in range(start, start + count):
        company = make_company(world.guro if i % 2 else world.dmc, name=f"참가기업{i:03d}")
        give_profile(company, offer_tags=["판로"] if i % 3 else ["투자"], seek_tags=["기술"], fields=f"분야{i}")
        person = make_registration(world.event, company, name=f"참가자{i:03d}", job_title="팀장")
        make_registration(world.event, company, name=f"동료{i:03d}")
        consent(person)
        if i % 4 == 0:  # some met 누리 before
            earlier = _earlier_event(world, days_ago=10 + i)
            make_checkin(make_registration(earlier, company))
            make_checkin(make_registration(earlier, world.nuri))
    db.session.commit()


def _count(client, path) -> int:
    with count_queries(db.engine) as statements:
        response = client.get(path)
    assert response.status_code == 200
    return len(statements)


@pytest.mark.parametrize("page", ["hub", "list", "search"])
def test_the_same_number_of_queries_for_5_and_50_companies(client, world, page):
    paths = {
        "hub": hub_path(world.kim),
        "list": companies_path(world.kim),
        "search": companies_path(world.kim, q="판로"),
    }
    _add_companies(world, 4, 0)  # 구로테크 + 4 = 5 listed companies
    few = _count(client, paths[page])
    _add_companies(world, 45, 4)  # 50
    many = _count(client, paths[page])
    assert few == many, f"{page}: {few} queries for 5 companies, {many} for 50"
    if page != "hub":  # the hub also holds the meetings and contacts parts
        assert many <= 8
    if page == "list":
        assert "20개사" not in text(client.get(paths["list"])) and "50개사" in text(client.get(paths["list"]))
