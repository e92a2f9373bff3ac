"""A DMC event with confirmed, waitlisted, cancelled and guest registrations, and one user per role."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from app.extensions import db
from app.models import Role
from tests.factories import make_cluster, make_company, make_event, make_registration, make_user, valid_brn
from tests.staff.registrations.helpers import CANCELLED, CONFIRMED, UTC, WAITLISTED, at


@pytest.fixture
def world(app):
    """Capacity 3, all taken; three waitlisted people whose ids run against their arrival order."""
    dmc = make_cluster("dmc", name_ko="상암 DMC", name_en="Sangam DMC")
    guro = make_cluster("guro", name_ko="구로 G밸리", name_en="Guro G-Valley")
    nuri = make_company(dmc, name="(주)누리미디어")
    hanbit = make_company(dmc, name="한빛소프트")
    gurotech = make_company(guro, name="구로테크")
    event = make_event(
        dmc,
        title_ko="DMC 송년 네트워킹",
        capacity=3,
        open_to_all_clusters=True,
        open_to_guests=True,
        starts_at=dt.datetime(2030, 12, 3, 10, 0, tzinfo=UTC),
        ends_at=dt.datetime(2030, 12, 3, 12, 0, tzinfo=UTC),
    )
    reg = lambda company, name, status, minutes, **kw: make_registration(  # noqa: E731
        event,
        company,
        name=name,
        status=status,
        created_at=at(minutes),
        consent_version="2026-11",
        consented_at=at(minutes),
        **kw,
    )
    w = SimpleNamespace(dmc=dmc, guro=guro, nuri=nuri, hanbit=hanbit, gurotech=gurotech, event=event)
    w.kim = reg(nuri, "김누리", CONFIRMED, 1, email="kim@nuri.example", mobile="010-1234-5678", job_title="대표")
    w.park = reg(nuri, "박동료", CONFIRMED, 2, email="park@nuri.example")
    w.lee = reg(gurotech, "이구로", CONFIRMED, 3, email="lee@gurotech.example")
    # Created in reverse: ids say choi < jung < han, arrival says han, jung, choi.
    w.choi = reg(hanbit, "최대기", WAITLISTED, 30, email="choi@hanbit.example")
    w.jung = reg(
        None,
        "정게스트",
        WAITLISTED,
        20,
        email="jung@guest.example",
        guest_company_name="바깥컨설팅",
        guest_brn=valid_brn(),
    )
    w.han = reg(hanbit, "한첫대기", WAITLISTED, 10, email="han@hanbit.example")
    w.gone = reg(gurotech, "취소된사람", CANCELLED, 5, email="gone@gurotech.example", cancelled_at=at(6))
    w.admin = make_user(Role.ADMIN, email="admin@example.com")
    w.dmc_staff = make_user(Role.STAFF, clusters=[dmc], email="dmc.staff@example.com")
    w.guro_staff = make_user(Role.STAFF, clusters=[guro], email="guro.staff@example.com")
    w.member = make_user(company=nuri, email="member@nuri.example")
    db.session.commit()
    return w
