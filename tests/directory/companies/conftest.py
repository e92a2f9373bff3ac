"""A small world: two clusters, their staff, companies and members."""

from types import SimpleNamespace

import pytest

from app.extensions import db
from app.models import Role
from tests.factories import make_cluster, make_company, make_user


@pytest.fixture
def world(app):
    dmc = make_cluster("dmc", name_ko="상암 DMC", name_en="Sangam DMC")
    guro = make_cluster("guro", name_ko="구로 G밸리", name_en="Guro G-Valley")
    nuri = make_company(
        dmc,
        name="(주)누리미디어랩",
        name_en="Nuri Media Lab",
        brn="124-81-00998",
        industry="콘텐츠",
        contact_name="김누리",
        contact_email="nuri@example.com",
        contact_mobile="010-1111-2222",
        is_council_member=True,
    )
    garam = make_company(dmc, name="가람이앤엠", industry="공연기획")
    dongjin = make_company(
        guro,
        name="(주)동진정밀",
        brn="220-81-62517",
        industry="정밀가공",
        contact_name="박동진",
        contact_email="secret@dongjin.example",
    )
    w = SimpleNamespace(
        dmc=dmc,
        guro=guro,
        nuri=nuri,
        garam=garam,
        dongjin=dongjin,
        admin=make_user(Role.ADMIN, email="admin@example.com"),
        dmc_staff=make_user(Role.STAFF, clusters=[dmc], email="dmc.staff@example.com"),
        guro_staff=make_user(Role.STAFF, clusters=[guro], email="guro.staff@example.com"),
        nuri_member=make_user(company=nuri, email="kim@nuri.example", name="김누리"),
        dongjin_member=make_user(company=dongjin, email="park@dongjin.example"),
    )
    db.session.commit()
    return w
