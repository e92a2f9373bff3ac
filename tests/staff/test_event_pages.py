"""Staff event pages: create (single and series), edit, publish, cancel, duplicate; access for every role."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.i18n import SEOUL
from app.models import Event, EventStatus, OutboxMessage, Role
from tests.factories import make_cluster, make_company, make_event, make_registration, make_user
from tests.helpers import body_of, login, post_form, see_committed, wait_for_mail

UTC = dt.UTC


@pytest.fixture
def world(app):
    dmc = make_cluster("dmc", name_ko="상암 DMC", name_en="Sangam DMC")
    guro = make_cluster("guro", name_ko="구로 G밸리", name_en="Guro G-Valley")
    event = make_event(
        dmc,
        title_ko="DMC 송년 네트워킹",
        status=EventStatus.DRAFT,
        starts_at=dt.datetime(2027, 1, 12, 10, 0, tzinfo=UTC),
        ends_at=dt.datetime(2027, 1, 12, 12, 0, tzinfo=UTC),
    )
    w = SimpleNamespace(
        dmc=dmc,
        guro=guro,
        event=event,
        admin=make_user(Role.ADMIN, email="admin@example.com"),
        dmc_staff=make_user(Role.STAFF, clusters=[dmc], email="dmc.staff@example.com"),
        guro_staff=make_user(Role.STAFF, clusters=[guro], email="guro.staff@example.com"),
        member=make_user(company=make_company(dmc), email="kim@nuri.example"),
    )
    db.session.commit()
    return w


def form(cluster, **overrides):
    data = {
        "kind": "networking",
        "host_cluster_id": str(cluster.id),
        "research_group_id": "0",
        "title_ko": "DMC 네트워킹 나이트",
        "title_en": "",
        "description_ko": "소개",
        "description_en": "",
        "starts_at": "2027-01-12T19:00",
        "ends_at": "2027-01-12T21:00",
        "venue_name": "DMC 첨단산업센터",
        "venue_address": "서울특별시 마포구 매봉산로 37",
        "capacity": "40",
        "seats_per_company": "",
        "registration_opens_at": "",
        "registration_closes_at": "2027-01-11T18:00",
        "allows_observers": "y",
        "repeat": "",
        "repeat_months": "",
        "repeat_until": "",
    }
    data.update(overrides)
    return data


def count_events() -> int:
    see_committed()
    return db.session.scalar(select(func.count()).select_from(Event))


def test_staff_create_a_draft_in_kst(client, world):
    login(client, "dmc.staff@example.com")
    page = client.get("/staff/events/new")
    assert page.status_code == 200 and "반복 일정" in page.get_data(as_text=True)
    resp = post_form(client, "/staff/events/new", form(world.dmc))
    assert resp.status_code == 302
    see_committed()
    event = db.session.scalars(select(Event).where(Event.title_ko == "DMC 네트워킹 나이트")).one()
    assert resp.headers["Location"].endswith(f"/staff/events/{event.id}/edit")
    assert event.status == EventStatus.DRAFT and event.sequence == 0
    assert event.starts_at == dt.datetime(2027, 1, 12, 10, 0, tzinfo=UTC)
    assert event.registration_closes_at == dt.datetime(2027, 1, 11, 9, 0, tzinfo=UTC)
    assert event.created_by_id == world.dmc_staff.id
    html = client.get(f"/staff/events/{event.id}/edit").get_data(as_text=True)
    assert 'value="2027-01-12T19:00"' in html and 'value="2027-01-11T18:00"' in html


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"ends_at": "2027-01-12T18:00"}, "종료 일시는 시작 일시보다 뒤여야 합니다."),
        ({"capacity": "0"}, "정원은 1명 이상이어야 합니다."),
        ({"title_ko": " "}, "행사명을 입력해 주세요."),
        ({"registration_closes_at": "2027-01-12T21:30"}, "신청 마감은 행사 시작 시각 이전이어야 합니다."),
        ({"kind": "research"}, "연구회 모임은 주최 클러스터의 연구회를 선택해야 합니다."),
    ],
)
def test_invalid_form_shows_korean_error_and_writes_nothing(client, world, overrides, message):
    login(client, "dmc.staff@example.com")
    resp = post_form(client, "/staff/events/new", form(world.dmc, **overrides))
    assert resp.status_code == 400
    assert message in resp.get_data(as_text=True)
    assert count_events() == 1


def test_staff_cannot_host_in_another_cluster(client, world):
    login(client, "dmc.staff@example.com")
    resp = post_form(client, "/staff/events/new", form(world.guro))
    assert resp.status_code == 400
    assert count_events() == 1


def test_series_second_tuesday_for_six_months(client, world):
    login(client, "dmc.staff@example.com")
    resp = post_form(
        client,
        "/staff/events/new",
        form(world.dmc, kind="council", title_ko="협의회 정기회의", repeat="monthly", repeat_months="6"),
    )
    assert resp.status_code == 302
    see_committed()
    events = db.session.scalars(
        select(Event).where(Event.title_ko == "협의회 정기회의").order_by(Event.starts_at)
    ).all()
    assert [e.starts_at.astimezone(SEOUL).date().isoformat() for e in events] == [
        "2027-01-12",
        "2027-02-09",
        "2027-03-09",
        "2027-04-13",
        "2027-05-11",
        "2027-06-08",
    ]
    assert {(e.starts_at.hour, e.ends_at.hour) for e in events} == {(10, 12)}
    assert all(e.status == EventStatus.DRAFT for e in events)


def test_publish(client, world):
    login(client, "dmc.staff@example.com")
    path = f"/staff/events/{world.event.id}/edit"
    resp = post_form(client, f"/staff/events/{world.event.id}/publish", {}, token_from=path)
    assert resp.status_code == 302
    see_committed()
    assert db.session.get(Event, world.event.id).status == EventStatus.PUBLISHED


def _edit_form(event, cluster, **overrides):
    values = dict(
        title_ko=event.title_ko,
        starts_at="2027-01-12T19:00",
        ends_at="2027-01-12T21:00",
        venue_name=event.venue_name,
        venue_address=event.venue_address,
    )
    values.update(overrides)
    return form(cluster, **values)


def test_non_material_edit_keeps_sequence(client, world, mailbox):
    make_registration(world.event, email="a@example.com")
    db.session.commit()
    login(client, "dmc.staff@example.com")
    path = f"/staff/events/{world.event.id}/edit"
    resp = post_form(client, path, _edit_form(world.event, world.dmc, capacity="99", title_ko="새 이름"))
    assert resp.status_code == 302
    see_committed()
    event = db.session.get(Event, world.event.id)
    assert event.sequence == 0 and event.capacity == 99 and event.title_ko == "새 이름"
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_material_edit_bumps_sequence_and_mails_registrants(client, world, mailbox):
    make_registration(world.event, email="a@example.com")
    db.session.commit()
    login(client, "dmc.staff@example.com")
    path = f"/staff/events/{world.event.id}/edit"
    resp = post_form(client, path, _edit_form(world.event, world.dmc, starts_at="2027-01-12T18:00"))
    assert resp.status_code == 302
    see_committed()
    assert db.session.get(Event, world.event.id).sequence == 1
    mails = wait_for_mail(mailbox, 1)
    assert [m["To"] for m in mails] == ["a@example.com"]
    assert "행사 변경 안내" in mails[0]["Subject"]
    assert "2027년 1월 12일 (화) 오후 6:00" in body_of(mails[0])


def test_cancel_confirm_then_cancel(client, world, mailbox):
    make_registration(world.event, email="a@example.com")
    db.session.commit()
    login(client, "dmc.staff@example.com")
    path = f"/staff/events/{world.event.id}/cancel"
    page = client.get(path)
    assert page.status_code == 200 and "DMC 송년 네트워킹" in page.get_data(as_text=True)
    assert post_form(client, path, {}).status_code == 302
    see_committed()
    event = db.session.get(Event, world.event.id)
    assert event.status == EventStatus.CANCELLED and event.sequence == 1
    mails = wait_for_mail(mailbox, 1)
    assert [m["To"] for m in mails] == ["a@example.com"] and "행사 취소 안내" in mails[0]["Subject"]


def test_duplicate(client, world):
    login(client, "dmc.staff@example.com")
    path = f"/staff/events/{world.event.id}/edit"
    resp = post_form(client, f"/staff/events/{world.event.id}/duplicate", {}, token_from=path)
    assert resp.status_code == 302
    see_committed()
    copy = db.session.scalars(select(Event).where(Event.title_ko == "[복사] DMC 송년 네트워킹")).one()
    assert resp.headers["Location"].endswith(f"/staff/events/{copy.id}/edit")
    assert copy.status == EventStatus.DRAFT and copy.sequence == 0


@pytest.mark.parametrize(
    "email, status",
    [
        ("admin@example.com", 200),
        ("dmc.staff@example.com", 200),
        ("guro.staff@example.com", 403),
        ("kim@nuri.example", 403),
    ],
)
def test_access_by_role(client, world, email, status):
    login(client, email)
    eid = world.event.id
    for path in (f"/staff/events/{eid}/edit", f"/staff/events/{eid}/cancel"):
        assert client.get(path).status_code == status
    if status == 403:
        token_page = "/"
        for action in ("publish", "duplicate", "cancel"):
            assert post_form(client, f"/staff/events/{eid}/{action}", {}, token_from=token_page).status_code == 403
        assert post_form(client, f"/staff/events/{eid}/edit", form(world.dmc), token_from=token_page).status_code == 403
        see_committed()
        event = db.session.get(Event, eid)
        assert event.status == EventStatus.DRAFT and count_events() == 1
    expected_new = 403 if email == "kim@nuri.example" else 200
    assert client.get("/staff/events/new").status_code == expected_new


def test_anonymous_goes_to_login(client, world):
    eid = world.event.id
    for path in ("/staff/events/new", f"/staff/events/{eid}/edit", f"/staff/events/{eid}/cancel"):
        resp = client.get(path)
        assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"]


def test_missing_csrf_is_400(client, world):
    login(client, "dmc.staff@example.com")
    eid = world.event.id
    assert client.post("/staff/events/new", data=form(world.dmc)).status_code == 400
    for action in ("publish", "duplicate", "cancel"):
        assert client.post(f"/staff/events/{eid}/{action}").status_code == 400
    assert count_events() == 1


def test_unknown_ids_are_404(client, world):
    login(client, "admin@example.com")
    for eid in (999999, 2**40):
        assert client.get(f"/staff/events/{eid}/edit").status_code == 404
        assert client.get(f"/staff/events/{eid}/cancel").status_code == 404
        assert post_form(client, f"/staff/events/{eid}/publish", {}, token_from="/staff/events/new").status_code == 404
