"""Clusters for the public event list tests (one not yet launched) and a helper reading a list page."""

import re
from types import SimpleNamespace

import pytest

from app.extensions import db
from tests.factories import make_cluster

_TITLE = re.compile(r'<h3><a href="/events/\d+">([^<]*)</a></h3>')


def titles(client, path: str) -> list[str]:
    """Event titles on a list page, in page order (the page must answer 200)."""
    resp = client.get(path)
    assert resp.status_code == 200, resp.status_code
    return _TITLE.findall(resp.get_data(as_text=True))


@pytest.fixture
def clusters(app):
    world = SimpleNamespace(
        dmc=make_cluster("dmc", name_ko="상암 DMC", name_en="Sangam DMC"),
        guro=make_cluster("guro", name_ko="구로 G밸리", name_en="Guro G-Valley"),
        gangbuk=make_cluster("gangbuk", name_ko="강북 K밸리", name_en="Gangbuk K-Valley", is_active=False),
    )
    db.session.commit()
    return world
