"""The members tests' world: two clusters, a company in each, their staff and members, an admin."""

from __future__ import annotations

import datetime as dt
import functools

import pytest
from werkzeug.security import generate_password_hash

from app.extensions import db
from app.models import Invitation, Role, User, utcnow
from app.tokens import hash_token
from tests.factories import PASSWORD, make_cluster, make_company

PENDING_TOKEN = "pending-invitation-token-for-tests-0123456789"


@functools.cache
def _password_hash() -> str:
    return generate_password_hash(PASSWORD)


def make_account(role: Role, email: str, name: str, company=None, clusters=(), **kw) -> User:
    """Like tests.factories.make_user, but hashes the shared test password once per run (scrypt is slow)."""
    user = User(email=email, name=name, role=role, company=company, password_hash=_password_hash(), **kw)
    user.clusters = list(clusters)
    db.session.add(user)
    db.session.flush()
    return user


@pytest.fixture
def world(app):
    dmc = make_cluster(slug="dmc", name_ko="상암 DMC", name_en="Sangam DMC")
    guro = make_cluster(slug="guro", name_ko="구로 G밸리", name_en="Guro G-Valley")
    dmc_company = make_company(dmc, name="상암미디어랩")
    guro_company = make_company(guro, name="구로정밀")
    w = {
        "dmc": dmc,
        "guro": guro,
        "dmc_company": dmc_company,
        "guro_company": guro_company,
        "admin": make_account(Role.ADMIN, email="admin@example.com", name="정관리"),
        "staff": make_account(Role.STAFF, clusters=[dmc], email="staff@example.com", name="박담당"),
        "guro_staff": make_account(Role.STAFF, clusters=[guro], email="guro-staff@example.com", name="한구로"),
        "member": make_account(
            Role.MEMBER, company=dmc_company, email="member@example.com", name="김회원", mobile="010-1111-2222"
        ),
        "colleague": make_account(Role.MEMBER, company=dmc_company, email="colleague@example.com", name="이동료"),
        "outsider": make_account(Role.MEMBER, company=guro_company, email="outsider@example.com", name="최구로"),
    }
    w["pending"] = Invitation(
        email="pending@example.com",
        company=dmc_company,
        invited_by=w["staff"],
        token_hash=hash_token(PENDING_TOKEN),
        expires_at=utcnow() + dt.timedelta(days=7),
    )
    db.session.add(w["pending"])
    db.session.commit()
    return w


# Who tries, and whether the members pages of 상암미디어랩 (a DMC company) let them in.
ALLOWED = ["admin", "staff", "member"]
DENIED = ["guro_staff", "outsider"]
