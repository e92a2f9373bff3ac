"""Company networking profiles and the tag vocabulary: who may edit what, bad input changes nothing,
retired words stay on profiles but are no longer offered, and the seed-able default words."""

from __future__ import annotations

import html as html_lib

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import CompanyProfile, NetworkingTag, ProfileSide, profile_tags
from app.networking.tags import DEFAULT_SHARED_TAGS, ensure_default_tags
from tests.factories import make_cluster
from tests.helpers import login, post_form, see_committed


def text(response) -> str:
    return html_lib.unescape(response.get_data(as_text=True))


def profile_path(company) -> str:
    return f"/networking/companies/{company.id}/profile"


@pytest.fixture
def words(net):
    """The shared defaults, a DMC word, a G-Valley word and a retired DMC word, by label."""
    ensure_default_tags()
    db.session.add_all(
        [
            NetworkingTag(cluster_id=net.dmc.id, label_ko="콘텐츠 IP", sort_order=1),
            NetworkingTag(cluster_id=net.guro.id, label_ko="제조 설비", sort_order=1),
            NetworkingTag(cluster_id=net.dmc.id, label_ko="옛말", sort_order=2, is_active=False),
        ]
    )
    db.session.commit()
    return {t.label_ko: t for t in db.session.scalars(select(NetworkingTag))}


def tags_on(company) -> dict[str, set[str]]:
    rows = db.session.execute(
        select(profile_tags.c.side, NetworkingTag.label_ko)
        .join(NetworkingTag, NetworkingTag.id == profile_tags.c.tag_id)
        .where(profile_tags.c.company_id == company.id)
    )
    found: dict[str, set[str]] = {"offer": set(), "seek": set()}
    for side, label in rows:
        found[ProfileSide(side).value].add(label)
    return found


def form(words, offers=(), seeks=(), **fields) -> dict:
    data = {"offers": "", "seeks": "", "fields": ""} | fields
    data["offer_tags"] = [str(words[w].id) for w in offers]
    data["seek_tags"] = [str(words[w].id) for w in seeks]
    return data


# --- the page and who may use it -------------------------------------------------------------


def test_a_member_edits_the_profile_from_the_company_page(client, net, words):
    login(client, net.kim_user.email)
    company_page = client.get(f"/directory/companies/{net.nuri.id}").get_data(as_text=True)
    assert profile_path(net.nuri) in company_page
    page = client.get(profile_path(net.nuri))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "비공개" in html
    # Offered: shared words and DMC's; never G-Valley's nor a retired word.
    assert "콘텐츠 IP" in html and "판로" in html and "제조 설비" not in html and "옛말" not in html
    response = post_form(
        client,
        profile_path(net.nuri),
        form(
            words,
            offers=["기술", "콘텐츠 IP"],
            seeks=["판로", "투자"],
            fields="웹툰, 애니메이션 IP",
            is_discoverable="y",
        )
        | {"offers": "웹툰 IP 라이선스", "seeks": "해외 판로"},
    )
    assert response.status_code == 302
    see_committed()
    profile = db.session.get(CompanyProfile, net.nuri.id)
    assert (profile.offers, profile.seeks, profile.fields) == ("웹툰 IP 라이선스", "해외 판로", "웹툰, 애니메이션 IP")
    assert profile.is_discoverable is True and profile.updated_by_id == net.kim_user.id
    assert tags_on(net.nuri) == {"offer": {"기술", "콘텐츠 IP"}, "seek": {"판로", "투자"}}
    html = client.get(profile_path(net.nuri)).get_data(as_text=True)
    assert "공개 중" in html and "웹툰 IP 라이선스" in html


def test_a_profile_is_not_discoverable_unless_the_company_says_so(client, net, words):
    login(client, net.kim_user.email)
    assert post_form(client, profile_path(net.nuri), form(words, offers=["기술"])).status_code == 302
    see_committed()
    assert db.session.get(CompanyProfile, net.nuri.id).is_discoverable is False
    # And switching it off again works.
    post_form(client, profile_path(net.nuri), form(words, is_discoverable="y"))
    post_form(client, profile_path(net.nuri), form(words))
    see_committed()
    assert db.session.get(CompanyProfile, net.nuri.id).is_discoverable is False


def test_another_companys_member_cannot_read_or_edit(client, net, words):
    login(client, net.lee_user.email)
    assert client.get(profile_path(net.nuri)).status_code == 403
    from tests.helpers import csrf_token

    token = csrf_token(client, profile_path(net.hanbit))
    response = client.post(profile_path(net.nuri), data=form(words, is_discoverable="y") | {"csrf_token": token})
    assert response.status_code == 403
    see_committed()
    assert db.session.get(CompanyProfile, net.nuri.id) is None


def test_staff_of_the_cluster_and_admins_edit_staff_of_another_cluster_cannot(client, net, words):
    login(client, net.dmc_staff.email)
    page = client.get(profile_path(net.nuri))
    assert page.status_code == 200 and "/staff/networking/tags" in page.get_data(as_text=True)
    assert post_form(client, profile_path(net.nuri), form(words, offers=["기술"])).status_code == 302
    see_committed()
    assert db.session.get(CompanyProfile, net.nuri.id).updated_by_id == net.dmc_staff.id

    login(client, net.guro_staff.email)
    assert client.get(profile_path(net.nuri)).status_code == 403
    assert client.get(profile_path(net.gurotech)).status_code == 200

    login(client, net.admin.email)
    assert client.get(profile_path(net.nuri)).status_code == 200
    assert post_form(client, profile_path(net.gurotech), form(words, seeks=["제조 설비"])).status_code == 302
    see_committed()
    assert tags_on(net.gurotech) == {"offer": set(), "seek": {"제조 설비"}}


def test_anonymous_goes_to_login_and_an_unknown_company_is_404(client, net):
    response = client.get(profile_path(net.nuri))
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    login(client, net.admin.email)
    assert client.get("/networking/companies/999999/profile").status_code == 404
    assert client.get("/networking/companies/99999999999/profile").status_code == 404


# --- bad input: a clear Korean message, nothing changed ----------------------------------------


@pytest.fixture
def saved(client, net, words):
    """누리's profile as it stands before each bad submission."""
    login(client, net.kim_user.email)
    post_form(client, profile_path(net.nuri), form(words, offers=["기술"], is_discoverable="y") | {"offers": "원래"})
    see_committed()
    return net.nuri


def assert_unchanged(company):
    see_committed()
    profile = db.session.get(CompanyProfile, company.id)
    assert (profile.offers, profile.is_discoverable) == ("원래", True)
    assert tags_on(company) == {"offer": {"기술"}, "seek": set()}


@pytest.mark.parametrize(
    "field, limit",
    [("offers", 2000), ("seeks", 2000), ("fields", 200)],
)
def test_overlong_text_is_refused(client, words, saved, field, limit):
    data = form(words, seeks=["판로"]) | {field: "가" * (limit + 1)}
    response = post_form(client, profile_path(saved), data)
    assert response.status_code == 400
    assert f"{limit}자 이내로 입력해 주세요" in text(response)
    assert_unchanged(saved)


@pytest.mark.parametrize("bad", ["999999", "abc", "-1", "0", "99999999999", "１"])
def test_unknown_tag_ids_are_refused(client, words, saved, bad):
    data = form(words, offers=["기술"]) | {"seek_tags": [str(words["판로"].id), bad]}
    response = post_form(client, profile_path(saved), data)
    assert response.status_code == 400
    assert "목록에 없는 태그가 있습니다" in text(response)
    assert_unchanged(saved)


def test_another_clusters_word_is_refused(client, words, saved):
    response = post_form(client, profile_path(saved), form(words, offers=["기술", "제조 설비"]))
    assert response.status_code == 400
    assert "'제조 설비' 태그는 다른 클러스터의 태그라 고를 수 없습니다" in text(response)
    assert_unchanged(saved)


def test_a_retired_word_cannot_be_chosen_anew(client, words, saved):
    response = post_form(client, profile_path(saved), form(words, offers=["기술"], seeks=["옛말"]))
    assert response.status_code == 400
    assert "'옛말' 태그는 사용이 중지되어 새로 고를 수 없습니다" in text(response)
    assert_unchanged(saved)


def test_too_many_tags_on_one_side_are_refused(client, net, words, saved):
    extra = [NetworkingTag(cluster_id=net.dmc.id, label_ko=f"단어{i}") for i in range(21)]
    db.session.add_all(extra)
    db.session.commit()
    data = form(words, offers=["기술"]) | {"seek_tags": [str(t.id) for t in extra]}
    response = post_form(client, profile_path(saved), data)
    assert response.status_code == 400 and "20개까지" in text(response)
    assert_unchanged(saved)


def test_a_retired_word_already_on_the_profile_stays_until_unticked(client, net, words, saved):
    words["기술"].is_active = False
    db.session.commit()
    html = client.get(profile_path(saved)).get_data(as_text=True)
    assert "사용 중지된 태그" in html and "기술" in html
    assert post_form(client, profile_path(saved), form(words, offers=["기술"], seeks=["판로"])).status_code == 302
    see_committed()
    assert tags_on(saved) == {"offer": {"기술"}, "seek": {"판로"}}
    # Unticked, it is gone and cannot come back.
    post_form(client, profile_path(saved), form(words, seeks=["판로"]))
    see_committed()
    assert tags_on(saved) == {"offer": set(), "seek": {"판로"}}
    assert post_form(client, profile_path(saved), form(words, offers=["기술"])).status_code == 400


# --- the vocabulary page -----------------------------------------------------------------------

TAGS = "/staff/networking/tags"


def test_staff_see_the_shared_words_read_only_and_their_clusters_words(client, net, words):
    login(client, net.dmc_staff.email)
    page = client.get(TAGS)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "공통 태그" in html and "콘텐츠 IP" in html and "제조 설비" not in html
    assert f"/staff/networking/tags/{words['기술'].id}/edit" not in html
    assert f"/staff/networking/tags/{words['콘텐츠 IP'].id}/edit" in html
    assert 'value="shared"' not in html  # staff cannot add shared words


def test_members_may_not_manage_words(client, net, words):
    login(client, net.kim_user.email)
    assert client.get(TAGS).status_code == 403
    assert client.get(f"{TAGS}/{words['콘텐츠 IP'].id}/edit").status_code == 403


def test_staff_add_a_word_to_their_cluster_only(client, net, words):
    login(client, net.dmc_staff.email)
    response = post_form(client, TAGS, {"scope": str(net.dmc.id), "label_ko": " 방송  장비 ", "label_en": "Broadcast"})
    assert response.status_code == 302
    see_committed()
    added = db.session.scalars(select(NetworkingTag).where(NetworkingTag.label_ko == "방송 장비")).one()
    assert (added.cluster_id, added.label_en, added.is_active) == (net.dmc.id, "Broadcast", True)
    # Not to another cluster, not to the shared words.
    for scope in (str(net.guro.id), "shared", "999999", "x"):
        assert post_form(client, TAGS, {"scope": scope, "label_ko": "몰래"}).status_code == 403
    see_committed()
    assert db.session.scalars(select(NetworkingTag).where(NetworkingTag.label_ko == "몰래")).first() is None


def test_duplicates_and_bad_labels_get_a_clear_message(client, net, words):
    login(client, net.dmc_staff.email)
    response = post_form(client, TAGS, {"scope": str(net.dmc.id), "label_ko": "콘텐츠 IP"})
    assert response.status_code == 400 and "'콘텐츠 IP' 태그가 이미 있습니다" in text(response)
    response = post_form(client, TAGS, {"scope": str(net.dmc.id), "label_ko": "판로"})
    assert response.status_code == 400 and "이미 공통 태그에 있습니다" in text(response)
    response = post_form(client, TAGS, {"scope": str(net.dmc.id), "label_ko": "가" * 41})
    assert response.status_code == 400 and "40자 이내로 입력해 주세요" in text(response)
    response = post_form(client, TAGS, {"scope": str(net.dmc.id), "label_ko": "   "})
    assert response.status_code == 400 and "태그 이름(한국어)을 입력해 주세요" in text(response)
    see_committed()
    assert db.session.scalar(select(NetworkingTag.id).where(NetworkingTag.label_ko == "가" * 41)) is None


def test_admins_manage_the_shared_words(client, net, words):
    login(client, net.admin.email)
    html = client.get(TAGS).get_data(as_text=True)
    assert "제조 설비" in html and "콘텐츠 IP" in html and 'value="shared"' in html
    assert post_form(client, TAGS, {"scope": "shared", "label_ko": "해외 진출"}).status_code == 302
    edit = f"{TAGS}/{words['판로'].id}/edit"
    assert post_form(client, edit, {"label_ko": "판로 개척", "label_en": "Market access"}).status_code == 302
    see_committed()
    shared = set(db.session.scalars(select(NetworkingTag.label_ko).where(NetworkingTag.cluster_id.is_(None))))
    assert {"해외 진출", "판로 개척"} <= shared and "판로" not in shared


def test_renaming_shows_the_new_word_on_profiles(client, net, words, saved):
    login(client, net.dmc_staff.email)
    edit = f"{TAGS}/{words['콘텐츠 IP'].id}/edit"
    assert client.get(edit).status_code == 200
    assert post_form(client, edit, {"label_ko": "웹툰 IP", "label_en": ""}).status_code == 302
    see_committed()
    assert db.session.get(NetworkingTag, words["콘텐츠 IP"].id).label_ko == "웹툰 IP"
    bad = post_form(client, edit, {"label_ko": "기술"})
    assert bad.status_code == 400 and "이미 공통 태그에 있습니다" in text(bad)


def test_staff_of_another_cluster_cannot_rename_or_retire(client, net, words):
    login(client, net.guro_staff.email)
    tag = words["콘텐츠 IP"]
    assert client.get(f"{TAGS}/{tag.id}/edit").status_code == 403
    assert post_form(client, f"{TAGS}/{tag.id}/edit", {"label_ko": "가로채기"}, token_from=TAGS).status_code == 403
    assert post_form(client, f"{TAGS}/{tag.id}/retire", {}, token_from=TAGS).status_code == 403
    # Nor a shared word.
    assert post_form(client, f"{TAGS}/{words['기술'].id}/retire", {}, token_from=TAGS).status_code == 403
    see_committed()
    assert db.session.get(NetworkingTag, tag.id).label_ko == "콘텐츠 IP"
    assert db.session.get(NetworkingTag, tag.id).is_active and db.session.get(NetworkingTag, words["기술"].id).is_active
    assert client.get(f"{TAGS}/999999/edit").status_code == 404


def test_retiring_keeps_the_word_on_profiles_but_stops_offering_it(client, net, words, saved):
    login(client, net.dmc_staff.email)
    tag = words["콘텐츠 IP"]
    post_form(client, profile_path(net.hanbit), form(words, offers=["콘텐츠 IP"]), token_from=profile_path(net.hanbit))
    response = post_form(client, f"{TAGS}/{tag.id}/retire", {}, token_from=TAGS, follow_redirects=True)
    assert "사용 중지했습니다" in text(response)
    see_committed()
    assert db.session.get(NetworkingTag, tag.id).is_active is False
    assert tags_on(net.hanbit)["offer"] == {"콘텐츠 IP"}  # stays where it was chosen
    # 누리 never had it: its form no longer offers it.
    assert "콘텐츠 IP" not in client.get(profile_path(net.nuri)).get_data(as_text=True)
    assert "콘텐츠 IP" in client.get(profile_path(net.hanbit)).get_data(as_text=True)
    post_form(client, f"{TAGS}/{tag.id}/restore", {}, token_from=TAGS)
    see_committed()
    assert db.session.get(NetworkingTag, tag.id).is_active is True
    # A retire without the form's token is refused.
    assert client.post(f"{TAGS}/{tag.id}/retire").status_code == 400


# --- the seed-able defaults ----------------------------------------------------------------------


def test_the_default_words_are_created_once(app):
    assert ensure_default_tags() == len(DEFAULT_SHARED_TAGS) == 6
    db.session.commit()
    assert ensure_default_tags() == 0
    shared = db.session.scalars(
        select(NetworkingTag).where(NetworkingTag.cluster_id.is_(None)).order_by(NetworkingTag.sort_order)
    ).all()
    assert [t.label_ko for t in shared] == ["기술", "판로", "투자", "공동R&D", "인력", "공간"]
    assert all(t.label_en for t in shared)
    # A retired default stays retired; a cluster's word of the same name does not count as shared.
    shared[0].is_active = False
    db.session.delete(shared[1])
    db.session.add(NetworkingTag(cluster_id=make_cluster().id, label_ko="판로"))
    db.session.commit()
    assert ensure_default_tags() == 1
    db.session.commit()
    assert db.session.get(NetworkingTag, shared[0].id).is_active is False
