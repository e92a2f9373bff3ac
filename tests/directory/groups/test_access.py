"""Who may use each council and research group page: admin, staff of the cluster, staff of
another cluster, company member, anonymous; denied requests change nothing."""

import datetime as dt

import pytest
from sqlalchemy import select

from app.extensions import db
from app.i18n import SEOUL
from app.models import Company, ResearchGroup, research_group_members
from tests.directory.groups.conftest import login, post
from tests.helpers import see_committed

FORBIDDEN_TITLE = "접근 권한이 없습니다"


def _today() -> str:
    return dt.datetime.now(SEOUL).date().isoformat()


# name: (method, path, form data); paths and data built from the world.
ENDPOINTS = {
    "clusters": ("GET", lambda w: "/directory/clusters", None),
    "council": ("GET", lambda w: "/directory/clusters/dmc/council", None),
    "council_add": (
        "POST",
        lambda w: "/directory/clusters/dmc/council",
        lambda w: {"company_id": w.narae.id, "joined_on": _today()},
    ),
    "council_remove_confirm": ("GET", lambda w: f"/directory/clusters/dmc/council/{w.garam.id}/remove", None),
    "council_remove": ("POST", lambda w: f"/directory/clusters/dmc/council/{w.garam.id}/remove", lambda w: {}),
    "council_edit_date": (
        "POST",
        lambda w: f"/directory/clusters/dmc/council/{w.garam.id}/joined-on",
        lambda w: {"joined_on": "2023-05-06"},
    ),
    "groups": ("GET", lambda w: "/directory/research-groups", None),
    "group_new_form": ("GET", lambda w: "/directory/research-groups/new", None),
    "group_new": (
        "POST",
        lambda w: "/directory/research-groups/new",
        lambda w: {"name": "AI연구회", "cluster_id": w.dmc.id, "description": "AI"},
    ),
    "group_detail": ("GET", lambda w: f"/directory/research-groups/{w.group.id}", None),
    "group_edit_form": ("GET", lambda w: f"/directory/research-groups/{w.group.id}/edit", None),
    "group_edit": (
        "POST",
        lambda w: f"/directory/research-groups/{w.group.id}/edit",
        lambda w: {"name": "빅데이터·AI연구회", "cluster_id": w.dmc.id, "description": ""},
    ),
    "group_add_member": (
        "POST",
        lambda w: f"/directory/research-groups/{w.group.id}/members",
        lambda w: {"company_id": w.dongjin.id},
    ),
    "group_remove_member_confirm": (
        "GET",
        lambda w: f"/directory/research-groups/{w.group.id}/members/{w.garam.id}/remove",
        None,
    ),
    "group_remove_member": (
        "POST",
        lambda w: f"/directory/research-groups/{w.group.id}/members/{w.garam.id}/remove",
        lambda w: {},
    ),
}

# Pages about "the clusters I manage" (not about one DMC object) open for staff of any cluster.
OWN_SCOPE_PAGES = {"clusters", "groups", "group_new_form"}


def _state():
    see_committed()
    companies = db.session.execute(
        select(Company.id, Company.is_council_member, Company.council_joined_on).order_by(Company.id)
    ).all()
    groups = db.session.execute(
        select(ResearchGroup.id, ResearchGroup.name, ResearchGroup.cluster_id).order_by(ResearchGroup.id)
    ).all()
    members = db.session.execute(select(research_group_members).order_by(*research_group_members.c)).all()
    return companies, groups, members


def _request(client, world, name):
    method, path, data = ENDPOINTS[name]
    if method == "GET":
        return client.get(path(world))
    return post(client, path(world), data(world))


def _expected(role, name):
    if role == "anonymous":
        return "login"
    if role in ("admin", "staff"):
        return "allowed"
    if role == "other_staff" and name in OWN_SCOPE_PAGES:
        return "allowed"
    return 403


@pytest.mark.parametrize("name", list(ENDPOINTS))
@pytest.mark.parametrize("role", ["admin", "staff", "other_staff", "member", "anonymous"])
def test_access(client, world, role, name):
    login(client, role)
    before = _state()

    resp = _request(client, world, name)

    expected = _expected(role, name)
    method = ENDPOINTS[name][0]
    if expected == "login":
        assert resp.status_code == 302
        assert resp.headers["Location"].startswith("/auth/login?next=")
    elif expected == 403:
        assert resp.status_code == 403
        assert FORBIDDEN_TITLE in resp.get_data(as_text=True)
    else:
        assert resp.status_code == (200 if method == "GET" else 302), resp.get_data(as_text=True)[:2000]
        if method == "POST":
            assert resp.headers["Location"].startswith("/directory/")
    after = _state()
    if expected != "allowed" or method == "GET":
        assert after == before
    else:
        assert after != before


def test_staff_of_another_cluster_cannot_create_a_group_in_dmc(client, world):
    login(client, "other_staff")
    resp = post(client, "/directory/research-groups/new", {"name": "침입연구회", "cluster_id": world.dmc.id})
    assert resp.status_code == 403
    # ...but may in their own cluster.
    resp = post(client, "/directory/research-groups/new", {"name": "침입연구회", "cluster_id": world.guro.id})
    assert resp.status_code == 302


def test_staff_cannot_move_a_group_to_a_cluster_they_do_not_manage(client, world):
    login(client, "staff")
    resp = post(
        client,
        f"/directory/research-groups/{world.group.id}/edit",
        {"name": "빅데이터연구회", "cluster_id": world.guro.id},
    )
    assert resp.status_code == 403
    see_committed()
    assert db.session.get(ResearchGroup, world.group.id).cluster_id == world.dmc.id


def test_staff_list_pages_show_only_their_clusters(client, world):
    guro_group = ResearchGroup(name="스마트제조연구회", cluster=world.guro)
    db.session.add(guro_group)
    db.session.commit()
    login(client, "other_staff")

    clusters = client.get("/directory/clusters").get_data(as_text=True)
    groups = client.get("/directory/research-groups").get_data(as_text=True)

    assert "구로 G밸리" in clusters and "상암 DMC" not in clusters and "강북 K밸리" not in clusters
    assert "스마트제조연구회" in groups and "빅데이터연구회" not in groups
    assert client.get("/directory/research-groups?cluster=dmc").status_code == 403
    assert client.get(f"/directory/research-groups/{guro_group.id}").status_code == 200


def test_staff_of_no_cluster_cannot_create_groups(client, world):
    from app.models import Role
    from tests.factories import PASSWORD, make_user
    from tests.helpers import post_form

    make_user(Role.STAFF, clusters=[], email="new.staff@example.com")
    db.session.commit()
    post_form(client, "/auth/login", {"email": "new.staff@example.com", "password": PASSWORD})

    assert client.get("/directory/research-groups/new").status_code == 403
    html = client.get("/directory/clusters").get_data(as_text=True)
    assert "관리할 수 있는 클러스터가 없습니다." in html
    html = client.get("/directory/research-groups").get_data(as_text=True)
    assert "아직 연구회가 없습니다." in html


POST_ENDPOINTS = [name for name, (method, _p, _d) in ENDPOINTS.items() if method == "POST"]


@pytest.mark.parametrize("name", POST_ENDPOINTS)
def test_post_without_csrf_token_is_refused(client, world, name):
    login(client, "admin")
    before = _state()
    _method, path, data = ENDPOINTS[name]

    resp = client.post(path(world), data=data(world))

    assert resp.status_code == 400
    assert "보안 확인에 실패했습니다" in resp.get_data(as_text=True)
    assert _state() == before


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/directory/clusters/nowhere/council"),
        ("POST", "/directory/clusters/nowhere/council"),
        ("GET", "/directory/clusters/dmc/council/999999/remove"),
        ("POST", "/directory/clusters/dmc/council/999999/remove"),
        ("POST", "/directory/clusters/dmc/council/999999/joined-on"),
        ("GET", "/directory/clusters/dmc/council/99999999999999999999/remove"),
        ("GET", "/directory/research-groups/999999"),
        ("GET", "/directory/research-groups/99999999999999999999"),
        ("GET", "/directory/research-groups/999999/edit"),
        ("POST", "/directory/research-groups/999999/edit"),
        ("POST", "/directory/research-groups/999999/members"),
        ("GET", "/directory/research-groups/{group}/members/999999/remove"),
        ("POST", "/directory/research-groups/{group}/members/99999999999999999999/remove"),
        ("GET", "/directory/research-groups/999999/members/{garam}/remove"),
        ("GET", "/directory/research-groups/{group}/members/{daon}/remove"),  # not a member
        ("GET", "/directory/clusters/dmc/council/{daon}/remove"),  # not on the council
        ("GET", "/directory/clusters/dmc/council/{dongjin}/remove"),  # another cluster's company
        ("POST", "/directory/clusters/dmc/council/{dongjin}/joined-on"),
        ("POST", "/directory/clusters/dmc/council/{daon}/joined-on"),
    ],
)
def test_unknown_ids_are_404(client, world, method, path):
    login(client, "admin")
    path = path.format(group=world.group.id, garam=world.garam.id, daon=world.daon.id, dongjin=world.dongjin.id)

    if method == "GET":
        resp = client.get(path)
    else:
        resp = post(client, path, {"joined_on": "2024-01-01", "name": "x", "cluster_id": world.dmc.id})

    assert resp.status_code == 404


@pytest.mark.parametrize("company_id", ["999999", "99999999999999999999", "-1", "0"])
@pytest.mark.parametrize("where", ["council", "group"])
def test_unknown_company_in_a_form_is_404(client, world, company_id, where):
    login(client, "admin")
    if where == "council":
        resp = post(client, "/directory/clusters/dmc/council", {"company_id": company_id, "joined_on": "2024-01-01"})
    else:
        resp = post(client, f"/directory/research-groups/{world.group.id}/members", {"company_id": company_id})
    assert resp.status_code == 404


@pytest.mark.parametrize("cluster_id", ["999999", "99999999999999999999"])
def test_unknown_cluster_in_group_form_is_404(client, world, cluster_id):
    login(client, "admin")
    resp = post(client, "/directory/research-groups/new", {"name": "새연구회", "cluster_id": cluster_id})
    assert resp.status_code == 404


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"company_id": "abc", "joined_on": "2024-01-01"},
        {"company_id": "", "joined_on": "2024-01-01"},
        {"company_id": "{narae}", "joined_on": ""},
        {"company_id": "{narae}", "joined_on": "2024-13-45"},
        {"company_id": "{narae}", "joined_on": "어제"},
        {"company_id": "{narae}"},
    ],
)
def test_malformed_council_form_is_400_not_500(client, world, data):
    login(client, "staff")
    data = {k: v.format(narae=world.narae.id) for k, v in data.items()}
    before = _state()

    resp = post(client, "/directory/clusters/dmc/council", data)

    assert resp.status_code == 400
    assert _state() == before


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"name": "", "cluster_id": "{dmc}"},
        {"name": "   ", "cluster_id": "{dmc}"},
        {"name": "x", "cluster_id": "abc"},
        {"name": "x" * 201, "cluster_id": "{dmc}"},
        {"name": "x", "cluster_id": ""},
    ],
)
def test_malformed_group_form_is_400_not_500(client, world, data):
    login(client, "staff")
    data = {k: v.format(dmc=world.dmc.id) for k, v in data.items()}
    before = _state()

    resp = post(client, "/directory/research-groups/new", data)
    assert resp.status_code == 400
    resp = post(client, f"/directory/research-groups/{world.group.id}/edit", data)
    assert resp.status_code == 400
    assert _state() == before


@pytest.mark.parametrize("data", [{}, {"company_id": "abc"}, {"company_id": ""}])
def test_malformed_member_form_is_400_not_500(client, world, data):
    login(client, "staff")
    before = _state()
    resp = post(client, f"/directory/research-groups/{world.group.id}/members", data)
    assert resp.status_code == 400
    assert _state() == before


@pytest.mark.parametrize(
    "query",
    ["?page=abc", "?page=-3", "?page=99999", "?page=99999999999999999999999", "?cluster=nowhere"],
)
def test_odd_list_parameters_never_500(client, world, query):
    login(client, "admin")
    resp = client.get("/directory/research-groups" + query)
    assert resp.status_code in (200, 404)


@pytest.mark.parametrize("q", ["%", "_", "'; DROP TABLE companies; --", "가" * 500, "\\"])
def test_odd_searches_never_500(client, world, q):
    login(client, "admin")
    resp = client.get(f"/directory/research-groups/{world.group.id}", query_string={"q": q})
    assert resp.status_code == 200
