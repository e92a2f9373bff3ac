"""Fixtures for the import tests: two clusters with their staff, an admin and a member."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from app.extensions import db
from app.models import Role
from tests.factories import make_cluster, make_company, make_user


@pytest.fixture
def world(app):
    """Committed, so that requests see them."""
    dmc = make_cluster(slug="dmc", name_ko="상암 DMC")
    magok = make_cluster(slug="magok", name_ko="마곡")
    w = SimpleNamespace(
        dmc=dmc,
        magok=magok,
        staff=make_user(Role.STAFF, clusters=[dmc], email="staff@example.com"),
        other_staff=make_user(Role.STAFF, clusters=[magok], email="magok-staff@example.com"),
        both_staff=make_user(Role.STAFF, clusters=[dmc, magok], email="both@example.com"),
        admin=make_user(Role.ADMIN, email="admin@example.com"),
        member=make_user(Role.MEMBER, company=make_company(dmc), email="member@example.com"),
    )
    db.session.commit()
    return w
