"""A networking night with companies of two clusters, their attendees and members, and staff.

Shared by the networking tests: `net` has the event, companies (nuri and hanbit of DMC, gurotech
of G-Valley, a guest), one registration per person, member accounts for some, and helpers to
open a person's personal networking page.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from app.extensions import db
from app.models import Cluster, Company, Event, Registration, Role, User, utcnow
from app.networking.access import link_token
from tests.factories import make_cluster, make_company, make_event, make_registration, make_user, valid_brn


@dataclasses.dataclass
class NetWorld:
    dmc: Cluster
    guro: Cluster
    event: Event
    nuri: Company
    hanbit: Company
    gurotech: Company
    kim: Registration  # (주)누리미디어, has a member account kim@nuri.example
    park: Registration  # (주)누리미디어, a colleague without an account
    lee: Registration  # 한빛소프트, member account lee@hanbit.example
    choi: Registration  # 구로테크 (another cluster)
    guest: Registration  # an outside company, no Company row
    kim_user: User
    lee_user: User
    outsider_user: User  # a member of a company that does not attend
    dmc_staff: User
    guro_staff: User
    admin: User


def hub_path(registration: Registration, suffix: str = "") -> str:
    return f"/networking/r/{registration.id}/{link_token(registration)}{suffix}"


def consent(*registrations: Registration) -> None:
    for registration in registrations:
        registration.networking_consent_version = "2026-12-v1"
        registration.networking_consent_at = utcnow()
    db.session.commit()


@pytest.fixture
def net(app) -> NetWorld:
    dmc = make_cluster("dmc", name_ko="상암 DMC", name_en="Sangam DMC")
    guro = make_cluster("guro", name_ko="구로 G밸리", name_en="Guro G-Valley")
    nuri = make_company(dmc, name="(주)누리미디어")
    hanbit = make_company(dmc, name="한빛소프트")
    gurotech = make_company(guro, name="구로테크")
    outsider = make_company(dmc, name="안오는기업")
    event = make_event(
        dmc,
        title_ko="DMC 네트워킹 나이트",
        starts_in=dt.timedelta(days=3),
        open_to_all_clusters=True,
        open_to_guests=True,
        networking_enabled=True,
    )
    kim = make_registration(
        event, nuri, name="김누리", email="kim@nuri.example", job_title="대표", mobile="010-1111-2222"
    )
    park = make_registration(event, nuri, name="박누리", email="park@nuri.example")
    lee = make_registration(event, hanbit, name="이한빛", email="lee@hanbit.example", job_title="CTO")
    choi = make_registration(event, gurotech, name="최구로", email="choi@gurotech.example")
    guest = make_registration(
        event,
        None,
        name="정게스트",
        email="jung@outside.example",
        guest_company_name="바깥컨설팅",
        guest_brn=valid_brn(),
    )
    world = NetWorld(
        dmc=dmc,
        guro=guro,
        event=event,
        nuri=nuri,
        hanbit=hanbit,
        gurotech=gurotech,
        kim=kim,
        park=park,
        lee=lee,
        choi=choi,
        guest=guest,
        kim_user=make_user(company=nuri, email="kim@nuri.example", name="김누리"),
        lee_user=make_user(company=hanbit, email="lee@hanbit.example", name="이한빛"),
        outsider_user=make_user(company=outsider, email="someone@outsider.example"),
        dmc_staff=make_user(Role.STAFF, clusters=[dmc], email="dmc.staff@example.com"),
        guro_staff=make_user(Role.STAFF, clusters=[guro], email="guro.staff@example.com"),
        admin=make_user(Role.ADMIN, email="admin@example.com"),
    )
    db.session.commit()
    return world
