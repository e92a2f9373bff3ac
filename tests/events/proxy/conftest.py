"""A DMC council meeting with three council member companies, a non-member, another cluster's member and staff."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from app.extensions import db
from app.models import EventKind, Role
from tests.factories import make_cluster, make_company, make_event, make_user


@pytest.fixture
def world(app):
    dmc = make_cluster("dmc", name_ko="상암 DMC")
    guro = make_cluster("guro", name_ko="구로 G밸리")
    # Names chosen so that 가나다 order (by sort_name, without (주)) differs from insertion order.
    nuri = make_company(dmc, name="누리미디어", is_council_member=True)
    hanbit = make_company(dmc, name="(주)한빛소프트", is_council_member=True, contact_email="Contact@Hanbit.example")
    gaon = make_company(dmc, name="주식회사 가온랩", is_council_member=True)
    dasom = make_company(dmc, name="다솜필름", is_council_member=True)
    plain = make_company(dmc, name="마루상사")  # tenant, not on the council
    retired = make_company(dmc, name="라온테크", is_council_member=True, is_active=False)
    guro_member = make_company(guro, name="구로정밀", is_council_member=True)
    w = SimpleNamespace(
        dmc=dmc,
        guro=guro,
        nuri=nuri,
        hanbit=hanbit,
        gaon=gaon,
        dasom=dasom,
        plain=plain,
        retired=retired,
        guro_member=guro_member,
        event=make_event(dmc, kind=EventKind.COUNCIL, title_ko="DMC 협의회 정기회의", capacity=30),
        member=make_user(company=nuri, email="kim@nuri.example", name="김누리"),
        hanbit_member=make_user(company=hanbit, email="lee@hanbit.example", name="이한빛"),
        gaon_member=make_user(company=gaon, email="park@gaon.example", name="박가온"),
        plain_member=make_user(company=plain, email="choi@maru.example", name="최마루"),
        guro_user=make_user(company=guro_member, email="jung@guro.example", name="정구로"),
        dmc_staff=make_user(Role.STAFF, clusters=[dmc], email="dmc.staff@example.com"),
        guro_staff=make_user(Role.STAFF, clusters=[guro], email="guro.staff@example.com"),
        admin=make_user(Role.ADMIN, email="admin@example.com"),
    )
    db.session.commit()
    return w
