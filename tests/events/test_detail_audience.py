"""The event page says who may register, per kind and openness."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import EventKind, EventStatus
from tests.factories import make_cluster, make_event


def _audience(client, event) -> str:
    html = client.get(f"/events/{event.id}").get_data(as_text=True)
    return html.split("참가 대상", 1)[1].split("</dd>", 1)[0]


@pytest.mark.parametrize(
    "kw, expected, absent",
    [
        ({"kind": EventKind.NETWORKING}, "마곡 입주기업", "외부 기업"),
        ({"kind": EventKind.NETWORKING, "open_to_all_clusters": True}, "모든 클러스터 입주기업", "마곡"),
        ({"kind": EventKind.NETWORKING, "open_to_guests": True}, "외부 기업 참가 가능", "모든 클러스터"),
        ({"kind": EventKind.COUNCIL, "allows_observers": True}, "참관 가능", "외부 기업"),
        ({"kind": EventKind.COUNCIL, "allows_observers": False}, "회원사당 의결권 1표", "참관"),
        ({"kind": EventKind.FORUM}, "참여 클러스터 입주기업", "외부 기업"),
    ],
)
def test_event_page_names_who_may_register(app, client, kw, expected, absent):
    event = make_event(make_cluster(name_ko="마곡"), status=EventStatus.PUBLISHED, **kw)
    db.session.commit()
    audience = _audience(client, event)
    assert expected in audience and absent not in audience
