"""Research groups: create, edit, unique names per cluster, member companies from any cluster."""

import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import ResearchGroup, research_group_members
from tests.directory.groups.conftest import login, post
from tests.factories import make_company
from tests.helpers import see_committed

GROUPS = "/directory/research-groups"


def _group_count(**where) -> int:
    see_committed()
    query = select(func.count()).select_from(ResearchGroup)
    for key, value in where.items():
        query = query.where(getattr(ResearchGroup, key) == value)
    return db.session.scalar(query)


def _member_ids(group_id: int) -> set[int]:
    see_committed()
    return set(
        db.session.scalars(
            select(research_group_members.c.company_id).where(research_group_members.c.research_group_id == group_id)
        )
    )


def _options(html: str) -> list[str]:
    select_html = re.search(r'<select[^>]*id="company_id".*?</select>', html, re.S).group(0)
    return re.findall(r"<option[^>]*>([^<]*)</option>", select_html)


def _members_table(html: str) -> str:
    return html[html.index("<tbody>") : html.index("</tbody>")]


def test_create_a_group(client, world):
    login(client, "staff")

    resp = post(
        client, f"{GROUPS}/new", {"name": "  AI  연구회 ", "cluster_id": world.dmc.id, "description": "AI 과제 발굴"}
    )

    assert resp.status_code == 302
    see_committed()
    group = db.session.scalar(select(ResearchGroup).where(ResearchGroup.name == "AI 연구회"))
    assert group is not None and group.cluster_id == world.dmc.id and group.description == "AI 과제 발굴"
    assert resp.headers["Location"] == f"{GROUPS}/{group.id}"
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "연구회 ‘AI 연구회’을(를) 만들었습니다." in html
    assert "아직 회원사가 없습니다." in html


def test_new_group_form_offers_only_managed_clusters(client, world):
    login(client, "staff")
    html = client.get(f"{GROUPS}/new").get_data(as_text=True)
    assert "상암 DMC" in html and "구로 G밸리" not in html


def test_new_group_form_preselects_the_cluster_and_marks_unlaunched_ones(client, world):
    login(client, "admin")
    html = client.get(f"{GROUPS}/new?cluster=guro").get_data(as_text=True)
    assert "강북 K밸리 (준비 중)" in html
    assert re.search(rf'<option selected value="{world.guro.id}">|<option value="{world.guro.id}" selected>', html)


@pytest.mark.parametrize("name", ["빅데이터연구회", " 빅데이터연구회 ", "빅데이터연구회  "])
def test_duplicate_name_in_the_same_cluster_is_refused(client, world, name):
    login(client, "staff")

    resp = post(client, f"{GROUPS}/new", {"name": name, "cluster_id": world.dmc.id})

    assert resp.status_code == 400
    assert "상암 DMC에 이미 같은 이름의 연구회(빅데이터연구회)가 있습니다." in resp.get_data(as_text=True)
    assert _group_count(cluster_id=world.dmc.id) == 1


def test_duplicate_name_ignores_latin_case(client, world):
    db.session.add(ResearchGroup(name="AI Lab", cluster=world.dmc))
    db.session.commit()
    before = _group_count(cluster_id=world.dmc.id)
    login(client, "staff")

    resp = post(client, f"{GROUPS}/new", {"name": "ai lab", "cluster_id": world.dmc.id})

    assert resp.status_code == 400
    assert "이미 같은 이름의 연구회(AI Lab)가 있습니다." in resp.get_data(as_text=True)
    assert _group_count(cluster_id=world.dmc.id) == before


def test_same_name_in_another_cluster_is_fine(client, world):
    login(client, "other_staff")

    resp = post(client, f"{GROUPS}/new", {"name": "빅데이터연구회", "cluster_id": world.guro.id})

    assert resp.status_code == 302
    assert _group_count(name="빅데이터연구회") == 2


def test_edit_a_group(client, world):
    login(client, "staff")
    path = f"{GROUPS}/{world.group.id}/edit"
    html = client.get(path).get_data(as_text=True)
    assert 'value="빅데이터연구회"' in html and "데이터 공유" in html

    resp = post(client, path, {"name": "빅데이터·AI연구회", "cluster_id": world.dmc.id, "description": ""})

    assert resp.status_code == 302
    see_committed()
    group = db.session.get(ResearchGroup, world.group.id)
    assert group.name == "빅데이터·AI연구회" and group.description is None


def test_edit_keeping_the_name_is_not_a_duplicate(client, world):
    login(client, "staff")

    resp = post(
        client,
        f"{GROUPS}/{world.group.id}/edit",
        {"name": "빅데이터연구회", "cluster_id": world.dmc.id, "description": "새 소개"},
    )

    assert resp.status_code == 302
    see_committed()
    assert db.session.get(ResearchGroup, world.group.id).description == "새 소개"


def test_rename_to_an_existing_name_is_refused(client, world):
    db.session.add(ResearchGroup(name="AI연구회", cluster=world.dmc))
    db.session.commit()
    login(client, "staff")

    resp = post(client, f"{GROUPS}/{world.group.id}/edit", {"name": "AI연구회", "cluster_id": world.dmc.id})

    assert resp.status_code == 400
    assert "이미 같은 이름의 연구회(AI연구회)가 있습니다." in resp.get_data(as_text=True)
    see_committed()
    assert db.session.get(ResearchGroup, world.group.id).name == "빅데이터연구회"


def test_admin_moves_a_group_to_another_cluster_unless_the_name_is_taken_there(client, world):
    db.session.add(ResearchGroup(name="빅데이터연구회", cluster=world.guro))
    db.session.commit()
    login(client, "admin")
    path = f"{GROUPS}/{world.group.id}/edit"

    assert post(client, path, {"name": "빅데이터연구회", "cluster_id": world.guro.id}).status_code == 400
    assert post(client, path, {"name": "빅데이터연구회", "cluster_id": world.gangbuk.id}).status_code == 302
    see_committed()
    assert db.session.get(ResearchGroup, world.group.id).cluster_id == world.gangbuk.id


def test_add_members_from_several_clusters_shown_in_korean_order(client, world):
    login(client, "staff")
    path = f"{GROUPS}/{world.group.id}/members"

    assert post(client, path, {"company_id": world.dongjin.id}).status_code == 302  # another cluster
    assert post(client, path, {"company_id": world.daon.id}).status_code == 302
    assert post(client, path, {"company_id": world.narae.id}).status_code == 302

    assert _member_ids(world.group.id) == {world.garam.id, world.dongjin.id, world.daon.id, world.narae.id}
    html = client.get(f"{GROUPS}/{world.group.id}").get_data(as_text=True)
    assert "회원사 4곳" in html
    table = _members_table(html)
    assert table.index("(주)가람") < table.index("나래(주)") < table.index("다온") < table.index("(주)동진정밀")
    row = table[table.index("(주)동진정밀") :]
    assert "구로 G밸리" in row.split("</tr>")[0]


def test_candidates_are_active_non_members_of_all_clusters_with_public_facts_only(client, world):
    login(client, "staff")

    html = client.get(f"{GROUPS}/{world.group.id}").get_data(as_text=True)

    assert _options(html) == ["나래(주) · 상암 DMC", "다온 · 상암 DMC", "(주)동진정밀 · 구로 G밸리"]
    assert "220-81-62517" not in html  # another cluster's BRN is never shown


def test_candidate_search_by_name(client, world):
    make_company(world.guro, name="100%디자인")
    db.session.commit()
    login(client, "staff")

    html = client.get(f"{GROUPS}/{world.group.id}?q=동진").get_data(as_text=True)
    assert _options(html) == ["(주)동진정밀 · 구로 G밸리"]
    assert 'value="동진"' in html

    html = client.get(f"{GROUPS}/{world.group.id}?q=%25").get_data(as_text=True)
    assert _options(html) == ["100%디자인 · 구로 G밸리"]

    html = client.get(f"{GROUPS}/{world.group.id}?q=없는기업").get_data(as_text=True)
    assert "‘없는기업’에 맞는 기업이 없습니다." in html


def test_candidate_list_is_limited_with_a_note(client, world, monkeypatch):
    from app.directory import groups as services

    monkeypatch.setattr(services, "CANDIDATE_LIMIT", 2)
    login(client, "staff")

    html = client.get(f"{GROUPS}/{world.group.id}").get_data(as_text=True)

    assert _options(html) == ["나래(주) · 상암 DMC", "다온 · 상암 DMC"]
    assert "처음 2곳만 표시합니다" in html


def test_duplicate_and_inactive_members_are_refused(client, world):
    login(client, "staff")
    path = f"{GROUPS}/{world.group.id}/members"

    resp = post(client, path, {"company_id": world.garam.id})
    assert resp.status_code == 400
    assert "(주)가람은(는) 이미 이 연구회의 회원사입니다." in resp.get_data(as_text=True)

    resp = post(client, path, {"company_id": world.dormant.id})
    assert resp.status_code == 400
    assert "비활성 기업은 연구회에 추가할 수 없습니다." in resp.get_data(as_text=True)
    assert _member_ids(world.group.id) == {world.garam.id}


def test_remove_a_member_after_confirmation(client, world):
    login(client, "staff")
    path = f"{GROUPS}/{world.group.id}/members/{world.garam.id}/remove"

    confirm = client.get(path).get_data(as_text=True)
    assert "(주)가람(상암 DMC)을(를) 빅데이터연구회 회원사에서 제외할까요?" in confirm
    assert _member_ids(world.group.id) == {world.garam.id}

    resp = post(client, path, {})

    assert resp.status_code == 302 and resp.headers["Location"] == f"{GROUPS}/{world.group.id}"
    assert _member_ids(world.group.id) == set()
    assert "(주)가람을(를) 연구회 회원사에서 제외했습니다." in client.get(resp.headers["Location"]).get_data(
        as_text=True
    )
    assert post(client, path, {}).status_code == 302  # second click: no error page


def test_remove_a_member_from_another_cluster(client, world):
    db.session.execute(
        research_group_members.insert().values(research_group_id=world.group.id, company_id=world.dongjin.id)
    )
    db.session.commit()
    login(client, "staff")

    resp = post(client, f"{GROUPS}/{world.group.id}/members/{world.dongjin.id}/remove", {})

    assert resp.status_code == 302
    assert _member_ids(world.group.id) == {world.garam.id}


def test_groups_list_in_korean_order_with_member_counts(client, world):
    db.session.add_all(
        [
            ResearchGroup(name="스마트제조연구회", cluster=world.guro),
            ResearchGroup(name="가상현실연구회", cluster=world.dmc),
        ]
    )
    db.session.commit()
    login(client, "admin")

    html = client.get(GROUPS).get_data(as_text=True)

    table = _members_table(html)
    assert table.index("가상현실연구회") < table.index("빅데이터연구회") < table.index("스마트제조연구회")
    big = table[table.index("빅데이터연구회") :].split("</tr>")[0]
    assert "1곳" in big and "상암 DMC" in big

    html = client.get(f"{GROUPS}?cluster=guro").get_data(as_text=True)
    assert "구로 G밸리 연구회" in html and "스마트제조연구회" in html and "빅데이터연구회" not in html


def test_empty_group_list_has_a_korean_empty_state(client, world):
    login(client, "other_staff")
    html = client.get(GROUPS).get_data(as_text=True)
    assert "아직 연구회가 없습니다." in html
