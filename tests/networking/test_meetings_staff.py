"""Staff define an event's meeting slots (in Seoul time, inside the event) and tables, remove
them after a confirmation that cancels and tells, and print each company's schedule."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Meeting, MeetingSlot, MeetingStatus, MeetingTable
from app.routing import MAX_DB_INT
from tests.factories import make_event
from tests.helpers import (
    base_fonts,
    body_of,
    csrf_token,
    login,
    no_mail_sent_or_queued,
    pdf_pages,
    pdf_text,
    post_form,
    see_committed,
    wait_for_mail,
)
from tests.networking.meeting_helpers import accepted, add_slots, make_meet_world, requested, seoul
from tests.query_counter import count_queries


@pytest.fixture
def mnet(net):
    return make_meet_world(net)


def _base(mnet) -> str:
    return f"/staff/events/{mnet.event.id}/networking"


def _slots(event_id: int) -> list[tuple[dt.datetime, dt.datetime]]:
    see_committed()
    return [
        (s.starts_at, s.ends_at)
        for s in db.session.scalars(
            select(MeetingSlot).where(MeetingSlot.event_id == event_id).order_by(MeetingSlot.starts_at)
        )
    ]


def _tables(event_id: int) -> list[str]:
    see_committed()
    return list(
        db.session.scalars(
            select(MeetingTable.name)
            .where(MeetingTable.event_id == event_id)
            .order_by(MeetingTable.sort_order, MeetingTable.id)
        )
    )


@pytest.fixture
def empty(net):
    """The `net` event at 18:00-22:00 KST without slots or tables."""
    world = make_meet_world(net)
    for row in world.slots + world.tables:
        db.session.delete(row)
    db.session.commit()
    return world


# --- slots -----------------------------------------------------------------------------------------


def test_staff_generate_20_minute_slots_from_1930_to_2100_seoul_time(client, empty):
    login(client, empty.dmc_staff.email)
    page = client.get(_base(empty))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "1:1 미팅 시간대와 테이블" in html and "아직 미팅 시간대가 없습니다" in html
    assert f'value="{empty.day.isoformat()}"' in html  # the date field starts on the event's Seoul date

    response = post_form(
        client,
        f"{_base(empty)}/slots/generate",
        {"day": empty.day.isoformat(), "starts": "19:30", "ends": "21:00", "length": "20"},
        token_from=_base(empty),
    )
    assert response.status_code == 303 and response.headers["Location"].endswith(f"{_base(empty)}#meetings")
    slots = _slots(empty.event.id)
    starts = [seoul(empty.day, t) for t in ("19:30", "19:50", "20:10", "20:30")]
    assert slots == [(s, s + dt.timedelta(minutes=20)) for s in starts]
    assert slots[0][0].hour == 10 and slots[0][0].minute == 30  # 19:30 KST is 10:30 UTC
    followed = client.get(_base(empty)).get_data(as_text=True)
    assert "미팅 시간대 4개를 만들었습니다" in followed and "끝에 남는 10분은" in followed
    assert "19:30~19:50" in followed and "20:30~20:50" in followed


def test_a_single_slot_and_the_refusals(client, empty):
    login(client, empty.dmc_staff.email)
    day = empty.day.isoformat()
    ok = post_form(
        client,
        f"{_base(empty)}/slots/add",
        {"one_day": day, "one_starts": "21:00", "one_ends": "21:30"},
        token_from=_base(empty),
    )
    assert ok.status_code == 303
    assert _slots(empty.event.id) == [(seoul(empty.day, "21:00"), seoul(empty.day, "21:30"))]
    cases = [
        (
            "add",
            {"one_day": day, "one_starts": "21:15", "one_ends": "21:45"},
            "이미 있는 시간대(21:00~21:30)와 겹칩니다",
        ),
        ("add", {"one_day": day, "one_starts": "17:30", "one_ends": "18:10"}, "행사 시간("),
        ("add", {"one_day": day, "one_starts": "21:50", "one_ends": "22:10"}, "행사 시간("),
        ("add", {"one_day": day, "one_starts": "20:00", "one_ends": "19:40"}, "끝 시각이 시작 시각보다 늦어야 합니다"),
        ("add", {"one_day": "2026-13-40", "one_starts": "19:00", "one_ends": "19:20"}, "날짜를 2026-12-03 형식으로"),
        ("add", {"one_day": day, "one_starts": "25:00", "one_ends": "19:20"}, "시각을 19:30 형식(24시간)으로"),
        ("add", {"one_day": day, "one_starts": "", "one_ends": "19:20"}, "시각을 입력해 주세요"),
        ("add", {"one_starts": "19:00", "one_ends": "19:20"}, "날짜를 입력해 주세요"),
        (
            "generate",
            {"day": day, "starts": "19:00", "ends": "19:10", "length": "20"},
            "미팅 길이가 시작부터 끝까지의 시간보다 깁니다",
        ),
        ("generate", {"day": day, "starts": "19:00", "ends": "20:00", "length": "0"}, "5에서 240 사이의 숫자"),
        ("generate", {"day": day, "starts": "19:00", "ends": "20:00", "length": "9" * 30}, "5에서 240 사이의 숫자"),
        ("generate", {"day": day, "starts": "19:00", "ends": "20:00"}, "5에서 240 사이의 숫자"),
        (
            "generate",
            {"day": day, "starts": "20:40", "ends": "21:20", "length": "20"},
            "이미 있는 시간대(21:00~21:30)와 겹칩니다",
        ),
    ]
    for kind, data, expected in cases:
        response = post_form(client, f"{_base(empty)}/slots/{kind}", data, token_from=_base(empty))
        html = response.get_data(as_text=True)
        assert response.status_code == 400 and expected in html, (data, expected)
        assert "1:1 미팅 시간대와 테이블" in html  # the part shown again, with what was typed
        assert _slots(empty.event.id) == [(seoul(empty.day, "21:00"), seoul(empty.day, "21:30"))]


def test_removing_a_slot_with_meetings_asks_first_then_cancels_and_tells_both_companies(client, mnet, mailbox):
    meeting_id = accepted(mnet.kim, mnet.lee, mnet.slots[0]).id
    pending_id = requested(mnet.choi, mnet.nuri, mnet.slots[1]).id
    untouched_id = requested(mnet.choi, mnet.hanbit, mnet.slots[2]).id
    login(client, mnet.dmc_staff.email)
    # 19:30 holds the accepted meeting; 19:50 the pending request: remove both slots.
    path = f"{_base(mnet)}/slots/{mnet.slots[0].id}/remove"
    confirm = client.get(path)
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "미팅 1건이 취소되고" in html and "(주)누리미디어 ↔ 한빛소프트" in html
    assert len(_slots(mnet.event.id)) == 3  # the GET changed nothing
    response = post_form(client, path, {}, token_from=path, follow_redirects=True)
    assert "미팅 1건을 취소하고 두 기업에 메일로 알렸습니다" in response.get_data(as_text=True)
    path = f"{_base(mnet)}/slots/{mnet.slots[1].id}/remove"
    assert "구로테크 ↔ (주)누리미디어 · 요청됨" in client.get(path).get_data(as_text=True)
    post_form(client, path, {}, token_from=path)
    assert len(_slots(mnet.event.id)) == 1
    remaining = {m.id: m for m in db.session.scalars(select(Meeting))}
    assert meeting_id not in remaining and pending_id not in remaining  # gone with their slot
    assert remaining[untouched_id].status == MeetingStatus.REQUESTED
    mails = wait_for_mail(mailbox, 5)
    to = sorted(m["To"] for m in mails)
    # accepted: kim (requester) and lee (who accepted); pending: choi and everyone at nuri who could answer.
    assert to == sorted(
        ["kim@nuri.example", "lee@hanbit.example", "choi@gurotech.example", "kim@nuri.example", "park@nuri.example"]
    )
    assert all("1:1 미팅 취소" in str(m["Subject"]) for m in mails)
    assert "행사 운영진이 이 미팅 시간대를 없애" in body_of(mails[0])


def test_removing_an_empty_slot_mails_nobody(client, mnet, mailbox):
    login(client, mnet.dmc_staff.email)
    path = f"{_base(mnet)}/slots/{mnet.slots[2].id}/remove"
    assert "잡힌 미팅이 없어" in client.get(path).get_data(as_text=True)
    assert post_form(client, path, {}, token_from=path).status_code == 303
    assert len(_slots(mnet.event.id)) == 2
    assert no_mail_sent_or_queued(mailbox)


# --- tables ----------------------------------------------------------------------------------------


def test_tables_by_count_and_by_name(client, empty):
    login(client, empty.dmc_staff.email)
    gen = f"{_base(empty)}/tables/generate"
    assert post_form(client, gen, {"table_prefix": "테이블", "count": "3"}, token_from=_base(empty)).status_code == 303
    assert _tables(empty.event.id) == ["테이블 1", "테이블 2", "테이블 3"]
    # Again with 5: only the missing numbers are added.
    assert post_form(client, gen, {"table_prefix": "테이블", "count": "5"}, token_from=_base(empty)).status_code == 303
    assert _tables(empty.event.id) == [f"테이블 {n}" for n in range(1, 6)]
    add = f"{_base(empty)}/tables/add"
    assert post_form(client, add, {"table_name": "VIP 부스"}, token_from=_base(empty)).status_code == 303
    assert _tables(empty.event.id)[-1] == "VIP 부스"
    for path, data, expected in [
        (add, {"table_name": "VIP 부스"}, "테이블이 이미 있습니다"),
        (add, {"table_name": "   "}, "테이블 이름을 입력해 주세요"),
        (add, {"table_name": "가" * 61}, "60자 이내"),
        (gen, {"table_prefix": "테이블", "count": "0"}, "1에서 200 사이의 숫자"),
        (gen, {"table_prefix": "테이블", "count": "201"}, "1에서 200 사이의 숫자"),
        (gen, {"table_prefix": "테이블", "count": "abc"}, "1에서 200 사이의 숫자"),
        (gen, {"table_prefix": "", "count": "3"}, "테이블 이름을 입력해 주세요"),
    ]:
        response = post_form(client, path, data, token_from=_base(empty))
        assert response.status_code == 400 and expected in response.get_data(as_text=True), data
    assert len(_tables(empty.event.id)) == 6


def test_removing_a_table_cancels_its_meetings_and_tells_both_companies(client, mnet, mailbox):
    meeting = accepted(mnet.kim, mnet.lee, mnet.slots[0])  # 테이블 1
    login(client, mnet.dmc_staff.email)
    path = f"{_base(mnet)}/tables/{mnet.tables[0].id}/remove"
    assert "미팅 1건이 취소되고" in client.get(path).get_data(as_text=True)
    assert post_form(client, path, {}, token_from=path).status_code == 303
    assert _tables(mnet.event.id) == ["테이블 2"]
    meeting = db.session.get(Meeting, meeting.id)
    assert meeting.status == MeetingStatus.CANCELLED and meeting.table_id is None
    mails = {m["To"]: m for m in wait_for_mail(mailbox, 2)}
    assert set(mails) == {"kim@nuri.example", "lee@hanbit.example"}
    assert "미팅 테이블을 없애" in body_of(mails["kim@nuri.example"])


# --- access -----------------------------------------------------------------------------------------


def test_only_the_host_clusters_staff_manage_slots_and_tables(client, mnet):
    slot, table = mnet.slots[0], mnet.tables[0]
    posts = [
        ("slots/generate", {"day": mnet.day.isoformat(), "starts": "20:30", "ends": "21:30", "length": "20"}),
        ("slots/add", {"one_day": mnet.day.isoformat(), "one_starts": "21:00", "one_ends": "21:20"}),
        (f"slots/{slot.id}/remove", {}),
        ("tables/generate", {"table_prefix": "부스", "count": "3"}),
        ("tables/add", {"table_name": "부스 A"}),
        (f"tables/{table.id}/remove", {}),
    ]
    gets = ["meetings", f"slots/{slot.id}/remove", f"tables/{table.id}/remove", "schedule.pdf"]
    for user in (mnet.guro_staff, mnet.kim_user):
        login(client, user.email)
        for path in gets:
            assert client.get(f"{_base(mnet)}/{path}").status_code == 403, (user.email, path)
        token = csrf_token(client, "/")
        for path, data in posts:
            assert client.post(f"{_base(mnet)}/{path}", data={**data, "csrf_token": token}).status_code == 403
    assert len(_slots(mnet.event.id)) == 3 and len(_tables(mnet.event.id)) == 2
    # Signed out: to the sign-in page.
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})
    assert client.get(f"{_base(mnet)}/schedule.pdf").status_code == 302
    # Admins manage every cluster's events.
    login(client, mnet.admin.email)
    assert client.get(f"{_base(mnet)}/meetings").status_code == 200


def test_slots_and_tables_of_another_event_and_huge_ids_are_404(client, mnet):
    other = make_event(mnet.dmc, networking_enabled=True)
    foreign = add_slots(other, mnet.day)[0]
    db.session.commit()
    login(client, mnet.dmc_staff.email)
    for path in (
        f"{_base(mnet)}/slots/{foreign.id}/remove",
        f"{_base(mnet)}/slots/{MAX_DB_INT + 1}/remove",
        f"{_base(mnet)}/tables/999999/remove",
        f"/staff/events/{MAX_DB_INT + 1}/networking/schedule.pdf",
    ):
        assert client.get(path).status_code == 404, path
    token = csrf_token(client, "/")
    assert client.post(f"{_base(mnet)}/slots/{foreign.id}/remove", data={"csrf_token": token}).status_code == 404
    assert len(_slots(other.id)) == 3


# --- the printed schedule ------------------------------------------------------------------------------


def test_the_schedule_pdf_has_one_page_per_company_with_time_table_other_company_and_people(client, mnet):
    accepted(mnet.kim, mnet.lee, mnet.slots[0])  # 19:30 테이블 1: nuri-hanbit
    accepted(mnet.choi, mnet.park, mnet.slots[1])  # 19:50 테이블 1: gurotech-nuri (park answered)
    requested(mnet.lee, mnet.gurotech, mnet.slots[2])  # pending: not printed
    login(client, mnet.dmc_staff.email)
    settings = client.get(_base(mnet)).get_data(as_text=True)
    assert f"{_base(mnet)}/schedule.pdf" in settings
    hub = client.get(f"/staff/events/{mnet.event.id}/checkin").get_data(as_text=True)
    assert f"{_base(mnet)}/schedule.pdf" in hub

    response = client.get(f"{_base(mnet)}/schedule.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "inline" in response.headers["Content-Disposition"]
    pages = pdf_pages(response.data)
    assert len(pages) == 3  # 가나다: 구로테크, (주)누리미디어, 한빛소프트
    texts = [page.extract_text() for page in pages]
    # Each page starts with its company (가나다: 구로테크, (주)누리미디어 under ㄴ, 한빛소프트).
    assert [text.split("\n")[1].split("구로 G밸리")[0].split("상암 DMC")[0] for text in texts] == [
        "구로테크",
        "(주)누리미디어",
        "한빛소프트",
    ]
    nuri = texts[1]
    assert "19:30~19:50" in nuri and "19:50~20:10" in nuri and nuri.count("테이블 1") == 2
    assert "이한빛" in nuri and "최구로" in nuri and "김누리" in nuri and "박누리" in nuri
    assert "20:10~20:30" not in pdf_text(response.data)  # the pending request is not on the schedule
    assert "NanumSquare" in " ".join(base_fonts(response.data))


def test_an_empty_schedule_still_prints_a_page_saying_so(client, mnet):
    login(client, mnet.dmc_staff.email)
    response = client.get(f"{_base(mnet)}/schedule.pdf")
    assert response.status_code == 200 and "아직 확정된 1:1 미팅이 없습니다" in pdf_text(response.data)


def test_the_schedule_and_the_staff_part_read_a_bounded_number_of_queries(app, client, mnet):
    from app.networking.meeting_forms import staff_meetings_context
    from app.networking.schedule_pdf import company_schedules
    from tests.factories import make_company, make_registration
    from tests.networking.conftest import consent
    from tests.networking.meeting_helpers import add_tables, discoverable

    def counts():
        see_committed()
        with count_queries(db.engine) as schedule:
            company_schedules(mnet.event)
        with app.test_request_context(), count_queries(db.engine) as part:
            staff_meetings_context(mnet.event)
        return len(schedule), len(part)

    accepted(mnet.kim, mnet.lee, mnet.slots[0])
    few = counts()
    more_slots = add_slots(mnet.event, mnet.day, first="20:30", count=4)
    add_tables(mnet.event, 6, prefix="부스")
    db.session.commit()
    for n in range(12):
        company = make_company(mnet.dmc, name=f"추가기업{n:02d}")
        person = make_registration(mnet.event, company, name=f"추가{n}", email=f"extra{n}@example.com")
        consent(person)
        discoverable(company)
        accepted(person, mnet.lee if n % 2 else mnet.choi, (mnet.slots[1:] + more_slots)[n // 2])
    assert counts() == few
