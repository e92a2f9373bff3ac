"""A small world for council and research group tests: three clusters (one not yet launched),
their staff, companies named so that 가나다 order differs from insertion and code-point order."""

import datetime as dt
from types import SimpleNamespace

import pytest

from app.extensions import db
from app.models import ResearchGroup, Role
from tests.factories import make_cluster, make_company, make_user
from tests.helpers import login as sign_in
from tests.helpers import post_form

JOINED = dt.date(2024, 3, 4)


@pytest.fixture
def world(app):
    dmc = make_cluster("dmc", name_ko="상암 DMC", name_en="Sangam DMC")
    guro = make_cluster("guro", name_ko="구로 G밸리", name_en="Guro G-Valley")
    gangbuk = make_cluster("gangbuk", name_ko="강북 K밸리", name_en="Gangbuk K-Valley", is_active=False)
    # Inserted out of order: 다온, 나래(주), (주)가람 must be shown as 가람, 나래, 다온.
    daon = make_company(dmc, name="다온")
    narae = make_company(dmc, name="나래(주)")
    garam = make_company(dmc, name="(주)가람", is_council_member=True, council_joined_on=JOINED)
    dormant = make_company(dmc, name="휴면미디어", is_active=False)
    dongjin = make_company(guro, name="(주)동진정밀", brn="220-81-62517")
    group = ResearchGroup(name="빅데이터연구회", cluster=dmc, description="데이터 공유")
    group.companies.append(garam)
    db.session.add(group)
    w = SimpleNamespace(
        dmc=dmc,
        guro=guro,
        gangbuk=gangbuk,
        daon=daon,
        narae=narae,
        garam=garam,
        dormant=dormant,
        dongjin=dongjin,
        group=group,
        admin=make_user(Role.ADMIN, email="admin@example.com"),
        dmc_staff=make_user(Role.STAFF, clusters=[dmc], email="dmc.staff@example.com"),
        guro_staff=make_user(Role.STAFF, clusters=[guro], email="guro.staff@example.com"),
        member=make_user(company=garam, email="member@garam.example"),
    )
    db.session.commit()
    return w


EMAILS = {
    "admin": "admin@example.com",
    "staff": "dmc.staff@example.com",
    "other_staff": "guro.staff@example.com",
    "member": "member@garam.example",
}


def login(client, role: str) -> None:
    if role == "anonymous":
        return
    sign_in(client, EMAILS[role])


def post(client, path: str, data: dict | None = None, **kw):
    """POST with the CSRF token of the home page (tokens are per session, not per form)."""
    return post_form(client, path, data or {}, token_from="/", **kw)
