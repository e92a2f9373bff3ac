"""Fixtures for the import tests: two clusters with their staff, an admin and a member."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from werkzeug.security import generate_password_hash

from app.extensions import db
from app.models import user as user_model
from app.models import Role
from tests.factories import make_cluster, make_company, make_user


def _quick_hash(password: str) -> str:
    return generate_password_hash(password, method="pbkdf2:sha256:1000")


@pytest.fixture
def world(app, monkeypatch):
    """Committed, so that requests see them."""
    # scrypt costs ~0.2 s per account; these tests are not about passwords.
    monkeypatch.setattr(user_model, "generate_password_hash", _quick_hash)
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
