"""Where meetings show: the hub's meetings part (bounded queries), the request page's slots, and
the short "우리 기업 1:1 미팅" list on the event page for members."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import utcnow
from app.networking.access import Attendee
from app.networking.meetings import meetings_panel
from tests.factories import make_company, make_registration
from tests.helpers import login, see_committed
from tests.networking.conftest import consent, hub_path
from tests.networking.meeting_helpers import (
    accepted,
    add_slots,
    add_tables,
    discoverable,
    make_meet_world,
    requested,
)
from tests.query_counter import count_queries


@pytest.fixture
def mnet(net):
    return make_meet_world(net)


def test_the_request_page_marks_each_slot_free_or_why_not(client, mnet):
    accepted(mnet.kim, mnet.lee, mnet.slots[0])  # nuri busy at 19:30
    accepted(mnet.choi, mnet.park, mnet.slots[1])  # nuri and gurotech busy at 19:50
    html = client.get(hub_path(mnet.lee, f"/meetings/new?company={mnet.gurotech.id}")).get_data(as_text=True)
    slots = html.split("<legend>")[1].split("</fieldset>")[0]
    first, second, third = slots.split("<label")[1:4]
    assert "disabled" in first and "귀사는 이 시간대에 이미 확정된 미팅이 있습니다" in first
    assert "disabled" in second and "상대 기업은 이 시간대에 이미 확정된 미팅이 있습니다" in second
    assert "disabled" not in third and "20:10~20:30" in third
    # Without a company chosen: the list of companies to choose from.
    page = client.get(hub_path(mnet.lee, "/meetings/new"))
    assert page.status_code == 200 and "구로테크" in page.get_data(as_text=True)
    # An unknown or malformed company: a Korean message.
    for query in ("company=999999", "company=abc", "company=99999999999999999999"):
        response = client.get(hub_path(mnet.lee, f"/meetings/new?{query}"))
        text = response.get_data(as_text=True)
        assert "미팅을 요청할 기업을 목록에서 골라 주세요" in text or response.status_code == 200, query


def test_no_slots_or_no_tables_yet(client, net):
    world = make_meet_world(net)
    for row in world.slots:
        db.session.delete(row)
    db.session.commit()
    assert "아직 이 행사에 미팅 시간대가 없습니다" in client.get(hub_path(world.kim)).get_data(as_text=True)
    add_slots(world.event, world.day)
    for table in world.tables:
        db.session.delete(table)
    db.session.commit()
    html = client.get(hub_path(world.kim, f"/meetings/new?company={world.hanbit.id}")).get_data(as_text=True)
    assert "두 기업이 함께 비어 있고 빈 테이블이 있는 시간대가 없습니다" in html


def test_the_hubs_meetings_part_reads_a_fixed_number_of_queries(app, client, mnet):
    def panel_queries(registration) -> int:
        see_committed()
        with app.test_request_context(), count_queries(db.engine) as statements:
            context = meetings_panel(Attendee(db.session.get(type(registration), registration.id)), utcnow())
            panel = context["meetings_panel"]
            # What the template reads of each meeting.
            read = [
                (m.slot.starts_at, m.table, m.requester.name, m.invitee.name, m.requested_by, m.responded_by)
                for m in panel.schedule + panel.incoming + panel.outgoing + panel.history
            ]
            assert read
        return len(statements)

    requested(mnet.choi, mnet.nuri, mnet.slots[0])
    few = panel_queries(mnet.kim)
    page_few = _page_queries(client, mnet.kim)
    more = add_slots(mnet.event, mnet.day, first="20:30", count=4)
    add_tables(mnet.event, 4, prefix="부스")
    db.session.commit()
    for n in range(10):
        company = make_company(mnet.dmc, name=f"추가기업{n:02d}")
        person = make_registration(mnet.event, company, name=f"추가{n}", email=f"extra{n}@example.com")
        consent(person)
        discoverable(company)
        slot = (mnet.slots + more)[n % 7]
        if n % 3 == 0 and slot != mnet.slots[0]:
            accepted(person, mnet.kim, slot)
        else:
            requested(person, mnet.nuri, slot, f"메시지 {n}")
    assert panel_queries(mnet.kim) == few
    assert _page_queries(client, mnet.kim) == page_few


def _page_queries(client, registration) -> int:
    with count_queries(db.engine) as statements:
        assert client.get(hub_path(registration)).status_code == 200
    return len(statements)


def test_the_event_page_shows_members_their_companys_meetings(client, mnet):
    accepted(mnet.kim, mnet.lee, mnet.slots[0])
    accepted(mnet.choi, mnet.park, mnet.slots[1])
    requested(mnet.lee, mnet.gurotech, mnet.slots[2])
    login(client, mnet.kim_user.email)
    html = client.get(f"/events/{mnet.event.id}").get_data(as_text=True)
    part = html.split("우리 기업 1:1 미팅")[1].split("</ul>")[0]
    assert "19:30~19:50 · 테이블 1 · 한빛소프트" in part and "19:50~20:10 · 테이블 1 · 구로테크" in part
    login(client, mnet.lee_user.email)
    part = client.get(f"/events/{mnet.event.id}").get_data(as_text=True).split("우리 기업 1:1 미팅")[1]
    assert "(주)누리미디어" in part.split("</ul>")[0] and "구로테크" not in part.split("</ul>")[0]  # pending
    # Not for members of other companies, staff or visitors.
    for email in (mnet.outsider_user.email, mnet.dmc_staff.email):
        login(client, email)
        assert "우리 기업 1:1 미팅" not in client.get(f"/events/{mnet.event.id}").get_data(as_text=True)
    client.post("/auth/logout", data={"csrf_token": _token(client)})
    assert "우리 기업 1:1 미팅" not in client.get(f"/events/{mnet.event.id}").get_data(as_text=True)


def _token(client) -> str:
    from tests.helpers import csrf_token

    return csrf_token(client, "/")
