"""Council membership per cluster: the page, adding, removing, correcting the join date."""

import datetime as dt
import re

import pytest

from app.directory import groups as services
from app.extensions import db
from app.i18n import SEOUL
from app.models import Company
from tests.directory.groups.conftest import JOINED, login, post
from tests.factories import make_company
from tests.helpers import see_committed

COUNCIL = "/directory/clusters/dmc/council"


def _today() -> dt.date:
    return dt.datetime.now(SEOUL).date()


def _company(company_id: int) -> Company:
    see_committed()
    return db.session.get(Company, company_id)


def _members_table(html: str) -> str:
    return html[html.index("<tbody>") : html.index("</tbody>")]


def _options(html: str) -> list[str]:
    select = re.search(r'<select[^>]*id="company_id".*?</select>', html, re.S).group(0)
    return re.findall(r"<option[^>]*>([^<]*)</option>", select)


def test_council_page_lists_members_in_korean_order_with_join_dates(client, world):
    world.narae.is_council_member = True
    world.narae.council_joined_on = dt.date(2025, 1, 2)
    world.daon.is_council_member = True
    db.session.commit()
    login(client, "staff")

    resp = client.get(COUNCIL)

    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "상암 DMC 입주기업협의회" in html
    assert "회원사 3곳" in html
    table = _members_table(html)
    assert table.index("(주)가람") < table.index("나래(주)") < table.index("다온")
    assert "2024년 3월 4일 (월)" in table and "2025년 1월 2일 (목)" in table
    assert "미기록" in table  # 다온 has no join date
    assert "(주)동진정밀" not in html


def test_add_form_offers_active_non_member_companies_of_the_cluster_in_korean_order(client, world):
    make_company(world.dmc, name="(주)가나다랩")
    db.session.commit()
    login(client, "staff")

    html = client.get(COUNCIL).get_data(as_text=True)

    # Not 가람 (already a member), not 휴면미디어 (inactive), not 동진정밀 (another cluster).
    assert _options(html) == ["(주)가나다랩", "나래(주)", "다온"]
    today = _today().isoformat()
    assert f'value="{today}"' in html and f'max="{today}"' in html


def test_empty_council_has_a_korean_empty_state(client, world):
    world.garam.is_council_member = False
    db.session.commit()
    login(client, "admin")

    html = client.get(COUNCIL).get_data(as_text=True)

    assert "아직 협의회 회원사가 없습니다." in html
    assert "회원사 0곳" in html


def test_add_a_council_member_with_its_join_date(client, world):
    login(client, "staff")

    resp = post(client, COUNCIL, {"company_id": world.narae.id, "joined_on": "2025-06-30"})

    assert resp.status_code == 302 and resp.headers["Location"] == COUNCIL
    narae = _company(world.narae.id)
    assert narae.is_council_member and narae.council_joined_on == dt.date(2025, 6, 30)
    html = client.get(COUNCIL).get_data(as_text=True)
    assert "나래(주)을(를) 협의회 회원사로 추가했습니다." in html
    assert "회원사 2곳" in html


def test_join_date_today_in_seoul_is_accepted(client, world):
    login(client, "admin")

    resp = post(client, COUNCIL, {"company_id": world.narae.id, "joined_on": _today().isoformat()})

    assert resp.status_code == 302
    assert _company(world.narae.id).council_joined_on == _today()


def test_future_join_date_is_refused_with_a_korean_message(client, world):
    login(client, "staff")
    tomorrow = _today() + dt.timedelta(days=1)

    resp = post(client, COUNCIL, {"company_id": world.narae.id, "joined_on": tomorrow.isoformat()})

    assert resp.status_code == 400
    assert "가입일은 오늘(" in resp.get_data(as_text=True) and "이후일 수 없습니다" in resp.get_data(as_text=True)
    narae = _company(world.narae.id)
    assert not narae.is_council_member and narae.council_joined_on is None


def test_company_of_another_cluster_cannot_join_this_council(client, world):
    login(client, "admin")

    resp = post(client, COUNCIL, {"company_id": world.dongjin.id, "joined_on": "2024-01-01"})

    assert resp.status_code == 400
    assert "이 클러스터의 입주기업이 아니어서 협의회에 추가할 수 없습니다" in resp.get_data(as_text=True)
    assert not _company(world.dongjin.id).is_council_member


def test_inactive_company_cannot_join(client, world):
    login(client, "staff")

    resp = post(client, COUNCIL, {"company_id": world.dormant.id, "joined_on": "2024-01-01"})

    assert resp.status_code == 400
    assert "비활성 기업은 협의회에 추가할 수 없습니다." in resp.get_data(as_text=True)
    assert not _company(world.dormant.id).is_council_member


def test_existing_member_is_not_added_twice_and_keeps_its_date(client, world):
    login(client, "staff")

    resp = post(client, COUNCIL, {"company_id": world.garam.id, "joined_on": "2025-01-01"})

    assert resp.status_code == 400
    assert "이미 협의회 회원사입니다" in resp.get_data(as_text=True)
    assert _company(world.garam.id).council_joined_on == JOINED


def test_missing_join_date_has_a_korean_message(client, world):
    login(client, "staff")

    resp = post(client, COUNCIL, {"company_id": world.narae.id, "joined_on": ""})

    assert resp.status_code == 400
    assert "가입일을 입력해 주세요." in resp.get_data(as_text=True)


def test_remove_asks_for_confirmation_first(client, world):
    login(client, "staff")
    path = f"{COUNCIL}/{world.garam.id}/remove"

    resp = client.get(path)

    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "(주)가람을(를) 상암 DMC 입주기업협의회 회원사에서 제외할까요?" in html
    assert f'action="{path}"' in html or '<form method="post">' in html
    assert 'name="csrf_token"' in html
    assert _company(world.garam.id).is_council_member  # a GET changes nothing


def test_remove_clears_membership_and_join_date(client, world):
    login(client, "staff")
    path = f"{COUNCIL}/{world.garam.id}/remove"

    resp = post(client, path, {})

    assert resp.status_code == 302 and resp.headers["Location"] == COUNCIL
    garam = _company(world.garam.id)
    assert not garam.is_council_member and garam.council_joined_on is None
    html = client.get(COUNCIL).get_data(as_text=True)
    assert "(주)가람을(를) 협의회 회원사에서 제외했습니다." in html
    assert "아직 협의회 회원사가 없습니다." in html
    # A second click (e.g. from a second tab) is not an error page.
    again = post(client, path, {})
    assert again.status_code == 302
    assert client.get(path).status_code == 404


def test_correct_the_join_date(client, world):
    login(client, "staff")

    resp = post(client, f"{COUNCIL}/{world.garam.id}/joined-on", {"joined_on": "2023-11-20"})

    assert resp.status_code == 302
    assert _company(world.garam.id).council_joined_on == dt.date(2023, 11, 20)
    assert "협의회 가입일을 수정했습니다." in client.get(COUNCIL).get_data(as_text=True)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("tomorrow", "이후일 수 없습니다"),
        ("", "가입일을 입력해 주세요."),
        ("2024-02-30", None),
        ("abc", None),
    ],
)
def test_bad_corrected_join_date_is_refused(client, world, value, message):
    login(client, "staff")
    if value == "tomorrow":
        value = (_today() + dt.timedelta(days=1)).isoformat()

    resp = post(client, f"{COUNCIL}/{world.garam.id}/joined-on", {"joined_on": value})

    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert 'class="flash flash-error"' in html
    if message:
        assert message in html
    assert _company(world.garam.id).council_joined_on == JOINED


def test_admin_manages_the_council_of_a_cluster_not_yet_launched(client, world):
    make_company(world.gangbuk, name="강북스타트업")
    db.session.commit()
    login(client, "admin")

    html = client.get("/directory/clusters/gangbuk/council").get_data(as_text=True)

    assert "강북 K밸리 입주기업협의회" in html and "준비 중" in html
    assert "강북스타트업" in _options(html)


def test_clusters_index_counts_council_members_and_groups(client, world):
    from app.models import ResearchGroup

    world.narae.is_council_member = True
    db.session.add(ResearchGroup(name="AI연구회", cluster=world.dmc))
    db.session.commit()
    login(client, "admin")

    html = client.get("/directory/clusters").get_data(as_text=True)

    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)[1:]
    assert [re.search(r"<td>([^<]*)", r).group(1).strip() for r in rows] == ["상암 DMC", "구로 G밸리", "강북 K밸리"]
    dmc, guro, gangbuk = rows
    assert "2곳" in dmc and "2개" in dmc
    assert "0곳" in guro and "0개" in guro
    assert "준비 중" in gangbuk and "준비 중" not in dmc
    assert 'href="/directory/clusters/dmc/council"' in dmc
    assert 'href="/directory/research-groups?cluster=dmc"' in dmc


def test_service_refuses_future_dates_by_seoul_calendar(app, world):
    today = dt.date(2026, 12, 3)
    with pytest.raises(services.GroupError):
        services.add_council_member(world.dmc, world.narae, dt.date(2026, 12, 4), today)
    services.add_council_member(world.dmc, world.narae, today, today)
    assert world.narae.is_council_member and world.narae.council_joined_on == today
    db.session.rollback()
