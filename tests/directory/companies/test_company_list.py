"""The staff company list: search, filters, paging, privacy across clusters, bounded queries."""

import pytest

from app.extensions import db
from app.models import ResearchGroup
from tests.factories import make_company
from tests.helpers import login
from tests.query_counter import count_queries


def names_on(client, query=""):
    html = client.get("/directory/companies" + query).get_data(as_text=True)
    return html


def test_anonymous_is_sent_to_login(client, world):
    resp = client.get("/directory/companies")
    assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"]


def test_member_is_sent_to_their_own_company(client, world):
    login(client, "kim@nuri.example")
    resp = client.get("/directory/companies")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/directory/companies/{world.nuri.id}")


def test_staff_see_own_cluster_private_data_and_only_names_elsewhere(client, world):
    login(client, "dmc.staff@example.com")
    html = names_on(client)
    assert "(주)누리미디어랩" in html and "124-81-00998" in html and "김누리" in html
    # Guro's company: name and cluster only.
    assert "(주)동진정밀" in html and "구로 G밸리" in html
    assert "220-81-62517" not in html and "박동진" not in html and "정밀가공" not in html


def test_admin_sees_everything(client, world):
    login(client, "admin@example.com")
    html = names_on(client)
    assert "220-81-62517" in html and "124-81-00998" in html


def test_sorted_in_korean_order_ignoring_legal_form(client, world):
    login(client, "admin@example.com")
    html = names_on(client)
    # 가람 < 누리 < 동진, whatever "(주)" says.
    assert html.index("가람이앤엠") < html.index("(주)누리미디어랩") < html.index("(주)동진정밀")


@pytest.mark.parametrize(
    "query,expected,absent",
    [
        ("?q=누리", "(주)누리미디어랩", "가람이앤엠"),
        ("?q=nuri+media", "(주)누리미디어랩", "가람이앤엠"),
        ("?q=NURI", "(주)누리미디어랩", "가람이앤엠"),
        ("?q=124-81-00998", "(주)누리미디어랩", "가람이앤엠"),
        ("?q=1248100998", "(주)누리미디어랩", "가람이앤엠"),
        ("?q=00998", "(주)누리미디어랩", "가람이앤엠"),
        ("?cluster=guro", "(주)동진정밀", "(주)누리미디어랩"),
        ("?industry=공연기획", "가람이앤엠", "(주)누리미디어랩"),
        ("?council=yes", "(주)누리미디어랩", "가람이앤엠"),
        ("?council=no", "가람이앤엠", "(주)누리미디어랩"),
    ],
)
def test_search_and_filters(client, world, query, expected, absent):
    login(client, "dmc.staff@example.com")
    html = names_on(client, query)
    assert expected in html and absent not in html


def test_brn_search_does_not_reveal_other_clusters(client, world):
    login(client, "dmc.staff@example.com")
    html = names_on(client, "?q=220-81-62517")
    assert "(주)동진정밀" not in html
    assert "조건에 맞는 기업이 없습니다" in html
    # Private filters do not reach into another cluster either.
    assert "(주)동진정밀" not in names_on(client, "?industry=정밀가공")


def test_research_group_filter(client, world):
    group = ResearchGroup(name="빅데이터연구회", cluster=world.dmc, companies=[world.garam])
    db.session.add(group)
    db.session.commit()
    login(client, "dmc.staff@example.com")
    html = names_on(client, f"?group={group.id}")
    assert "가람이앤엠" in html and "(주)누리미디어랩" not in html


def test_inactive_companies_hidden_unless_asked(client, world):
    world.garam.is_active = False
    db.session.commit()
    login(client, "dmc.staff@example.com")
    assert "가람이앤엠" not in names_on(client)
    assert "가람이앤엠" in names_on(client, "?status=inactive")
    assert "가람이앤엠" in names_on(client, "?status=all")


def test_garbage_filters_are_ignored_not_errors(client, world):
    login(client, "dmc.staff@example.com")
    for query in ("?group=abc", "?page=-3", "?page=zz", "?council=maybe", "?q=" + "가" * 500):
        assert client.get("/directory/companies" + query).status_code == 200
    # A NUL byte is refused app-wide (app/forms.py reject_nul_input) with the Korean 400 page.
    response = client.get("/directory/companies?status=%00")
    assert response.status_code == 400 and "요청" in response.get_data(as_text=True)


def test_pagination(client, world):
    for i in range(55):
        make_company(world.dmc, name=f"페이지기업{i:02d}")
    db.session.commit()
    login(client, "dmc.staff@example.com")
    first = names_on(client, "?cluster=dmc")
    second = names_on(client, "?cluster=dmc&page=2")
    assert "페이지기업00" in first and "1 / 2" in first
    assert "페이지기업54" in second and "페이지기업00" not in second


def _list_queries(client) -> int:
    client.get("/directory/companies")
    with count_queries(db.engine) as statements:
        assert client.get("/directory/companies").status_code == 200
    return len(statements)


def test_list_runs_a_bounded_number_of_queries(client, world):
    db.session.add(ResearchGroup(name="첫 연구회", cluster=world.dmc, companies=[world.nuri]))
    db.session.commit()
    login(client, "admin@example.com")
    few = _list_queries(client)
    for i in range(120):
        company = make_company(world.dmc if i % 2 else world.guro, name=f"대량기업{i:03d}")
        db.session.add(ResearchGroup(name=f"연구회{i}", cluster=company.cluster, companies=[company]))
    db.session.commit()
    many = _list_queries(client)
    assert many == few, f"{few} queries for 3 companies, {many} for 123"
