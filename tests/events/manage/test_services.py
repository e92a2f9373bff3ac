"""Event management services: validation, create/publish/edit/cancel/duplicate, recurring series."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.events.manage import (
    EventData,
    EventError,
    SeriesRule,
    cancel_event,
    create_event,
    create_series,
    duplicate_event,
    publish_event,
    update_event,
)
from app.extensions import db
from app.i18n import SEOUL
from app.models import (
    Event,
    EventKind,
    EventStatus,
    OutboxMessage,
    Registration,
    RegistrationStatus,
    ResearchGroup,
    Role,
)
from tests.factories import make_cluster, make_event, make_registration, make_user

UTC = dt.UTC


def kst(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SEOUL)


def data(cluster, **kw) -> EventData:
    values = dict(
        kind=EventKind.NETWORKING,
        host_cluster_id=cluster.id,
        title_ko="DMC 네트워킹 나이트",
        starts_at=kst(2027, 1, 12, 19, 0),
        ends_at=kst(2027, 1, 12, 21, 0),
        capacity=40,
        venue_name="DMC 첨단산업센터",
        venue_address="서울특별시 마포구 매봉산로 37",
    )
    values.update(kw)
    return EventData(**values)


@pytest.fixture
def setup(app):
    cluster = make_cluster()
    staff = make_user(Role.STAFF, clusters=[cluster])
    db.session.commit()  # services take the write lock first, as in a request that has written nothing
    return cluster, staff


def count_events() -> int:
    return db.session.scalar(select(func.count()).select_from(Event))


def test_create_is_a_draft_in_utc(setup):
    cluster, staff = setup
    event = create_event(data(cluster), staff)
    db.session.commit()
    assert event.status == EventStatus.DRAFT and event.sequence == 0
    assert event.created_by_id == staff.id
    assert event.starts_at == dt.datetime(2027, 1, 12, 10, 0, tzinfo=UTC)
    assert event.host_cluster_id == cluster.id


@pytest.mark.parametrize(
    "changes, message",
    [
        (dict(title_ko="  "), "행사명을 입력해 주세요."),
        (dict(ends_at=kst(2027, 1, 12, 19, 0)), "종료 일시는 시작 일시보다 뒤여야 합니다."),
        (dict(ends_at=kst(2027, 1, 12, 18, 0)), "종료 일시는 시작 일시보다 뒤여야 합니다."),
        (dict(capacity=0), "정원은 1명 이상이어야 합니다."),
        (dict(seats_per_company=0), "기업당 인원은 1명 이상이거나 비워 두어야 합니다."),
        (
            dict(registration_closes_at=kst(2027, 1, 12, 21, 0)),
            "신청 마감은 행사 시작 시각 이전이어야 합니다. 온라인 신청은 늦어도 행사 시작 때 마감됩니다.",
        ),
        # Between the start and the end: online registration would be closed anyway.
        (
            dict(registration_closes_at=kst(2027, 1, 12, 19, 30)),
            "신청 마감은 행사 시작 시각 이전이어야 합니다. 온라인 신청은 늦어도 행사 시작 때 마감됩니다.",
        ),
        (
            dict(registration_opens_at=kst(2027, 1, 10, 9, 0), registration_closes_at=kst(2027, 1, 9, 9, 0)),
            "신청 시작은 신청 마감보다 앞서야 합니다.",
        ),
        (dict(kind=EventKind.RESEARCH), "연구회 모임은 주최 클러스터의 연구회를 선택해야 합니다."),
        (
            dict(kind=EventKind.FORUM),
            "클러스터 간 포럼은 주최 클러스터 외에 참여 클러스터를 하나 이상 선택해야 합니다.",
        ),
        (dict(kind="party"), "행사 종류를 선택해 주세요."),
    ],
)
def test_validation_errors_write_nothing(setup, changes, message):
    cluster, staff = setup
    db.session.commit()
    with pytest.raises(EventError) as exc:
        create_event(data(cluster, **changes), staff)
    assert str(exc.value) == message
    db.session.rollback()
    assert count_events() == 0


def test_research_group_must_belong_to_host(setup):
    cluster, staff = setup
    other = make_cluster()
    foreign = ResearchGroup(name="빅데이터연구회", cluster=other)
    own = ResearchGroup(name="AI연구회", cluster=cluster)
    db.session.add_all([foreign, own])
    db.session.commit()
    with pytest.raises(EventError, match="연구회"):
        create_event(data(cluster, kind=EventKind.RESEARCH, research_group_id=foreign.id), staff)
    event = create_event(data(cluster, kind=EventKind.RESEARCH, research_group_id=own.id), staff)
    assert event.research_group_id == own.id


def test_forum_keeps_participating_clusters(setup):
    cluster, staff = setup
    other = make_cluster()
    db.session.commit()
    event = create_event(data(cluster, kind=EventKind.FORUM, participating_cluster_ids=[other.id, cluster.id]), staff)
    assert [c.id for c in event.participating_clusters] == [other.id]


def test_only_managed_host_cluster(setup):
    cluster, staff = setup
    other = make_cluster()
    admin = make_user(Role.ADMIN)
    db.session.commit()
    with pytest.raises(EventError) as exc:
        create_event(data(other), staff)
    assert str(exc.value) == "담당하는 클러스터만 주최 클러스터로 정할 수 있습니다."
    assert create_event(data(other), admin).host_cluster_id == other.id


def test_publish(setup):
    cluster, staff = setup
    event = create_event(data(cluster), staff)
    db.session.commit()
    publish_event(event, staff)
    assert event.status == EventStatus.PUBLISHED and event.sequence == 0
    with pytest.raises(EventError):
        publish_event(event, staff)


def _with_registrants(cluster):
    event = make_event(
        cluster, starts_at=kst(2027, 1, 12, 19, 0).astimezone(UTC), ends_at=kst(2027, 1, 12, 21, 0).astimezone(UTC)
    )
    make_registration(event, email="a@example.com")
    make_registration(event, email="b@example.com", status=RegistrationStatus.WAITLISTED)
    make_registration(event, email="gone@example.com", status=RegistrationStatus.CANCELLED)
    db.session.commit()
    return event


def _outbox():
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_non_material_edit_keeps_sequence_and_sends_nothing(setup):
    cluster, staff = setup
    event = _with_registrants(cluster)
    assert update_event(event, data(cluster, title_ko="새 이름", capacity=50, description_ko="소개"), staff) is False
    db.session.commit()
    assert event.sequence == 0 and event.title_ko == "새 이름" and event.capacity == 50
    assert _outbox() == []


@pytest.mark.parametrize(
    "changes",
    [
        dict(starts_at=kst(2027, 1, 12, 18, 30)),
        dict(ends_at=kst(2027, 1, 12, 22, 0)),
        dict(venue_name="마곡 R&D센터"),
        dict(venue_address="서울특별시 강서구"),
    ],
)
def test_material_edit_bumps_sequence_and_mails_active_registrants(setup, changes):
    cluster, staff = setup
    event = _with_registrants(cluster)
    assert update_event(event, data(cluster, **changes), staff) is True
    db.session.commit()
    assert event.sequence == 1
    mails = _outbox()
    assert sorted(m.recipient for m in mails) == ["a@example.com", "b@example.com"]
    assert all("행사 변경 안내" in m.subject for m in mails)
    assert "일시 또는 장소가 바뀌었습니다" in mails[0].body_text


def test_cancel_bumps_sequence_mails_and_keeps_registrations(setup):
    cluster, staff = setup
    event = _with_registrants(cluster)
    assert cancel_event(event, staff) == 2
    db.session.commit()
    assert event.status == EventStatus.CANCELLED and event.sequence == 1
    assert sorted(m.recipient for m in _outbox()) == ["a@example.com", "b@example.com"]
    assert "행사 취소 안내" in _outbox()[0].subject
    assert (
        db.session.scalar(select(func.count()).select_from(Registration).where(Registration.event_id == event.id)) == 3
    )
    with pytest.raises(EventError):
        cancel_event(event, staff)
    with pytest.raises(EventError, match="취소된 행사는 수정할 수 없습니다."):
        update_event(event, data(cluster), staff)


def test_duplicate_is_a_fresh_draft(setup):
    cluster, staff = setup
    other = make_cluster()
    event = _with_registrants(cluster)
    event.kind = EventKind.FORUM
    event.participating_clusters = [other]
    event.sequence = 3
    event.title_en = "Night"
    db.session.commit()
    copy = duplicate_event(event, staff)
    db.session.commit()
    assert copy.id != event.id
    assert copy.title_ko == "[복사] " + event.title_ko and copy.title_en == "[Copy] Night"
    assert copy.status == EventStatus.DRAFT and copy.sequence == 0
    assert copy.starts_at == event.starts_at and copy.venue_name == event.venue_name
    assert [c.id for c in copy.participating_clusters] == [other.id]
    assert (
        db.session.scalar(select(func.count()).select_from(Registration).where(Registration.event_id == copy.id)) == 0
    )


def test_series_second_tuesday_for_six_months(setup):
    cluster, staff = setup
    events = create_series(
        data(
            cluster, kind=EventKind.COUNCIL, title_ko="협의회 정기회의", registration_closes_at=kst(2027, 1, 11, 18, 0)
        ),
        SeriesRule("monthly", months=6),
        staff,
    )
    db.session.commit()
    assert [e.starts_at.astimezone(SEOUL).date().isoformat() for e in events] == [
        "2027-01-12",
        "2027-02-09",
        "2027-03-09",
        "2027-04-13",
        "2027-05-11",
        "2027-06-08",
    ]
    for e in events:
        local = e.starts_at.astimezone(SEOUL)
        assert (local.hour, local.minute, local.weekday()) == (19, 0, 1)
        assert e.starts_at.hour == 10 and e.ends_at - e.starts_at == dt.timedelta(hours=2)
        assert e.registration_closes_at == e.starts_at - dt.timedelta(hours=25)
        assert e.status == EventStatus.DRAFT and e.kind == EventKind.COUNCIL
    assert count_events() == 6


def test_series_weekly_biweekly_until_and_cap(setup):
    cluster, staff = setup
    weekly = create_series(data(cluster), SeriesRule("weekly", until=dt.date(2027, 2, 2)), staff)
    assert [e.starts_at.astimezone(SEOUL).day for e in weekly] == [12, 19, 26, 2]
    biweekly = create_series(data(cluster), SeriesRule("biweekly", months=1), staff)
    assert [e.starts_at.astimezone(SEOUL).day for e in biweekly] == [12, 26]
    db.session.commit()
    with pytest.raises(EventError, match="52"):
        create_series(data(cluster), SeriesRule("weekly", months=13), staff)
    with pytest.raises(EventError):
        create_series(data(cluster), SeriesRule("weekly"), staff)
    with pytest.raises(EventError):
        create_series(data(cluster), SeriesRule("monthly", until=dt.date(2026, 12, 1)), staff)
    db.session.rollback()
    assert count_events() == 6


def test_series_fifth_weekday_means_last(setup):
    cluster, staff = setup
    # 2027-03-30 is the 5th (and last) Tuesday of March.
    events = create_series(
        data(cluster, starts_at=kst(2027, 3, 30, 10, 0), ends_at=kst(2027, 3, 30, 12, 0)),
        SeriesRule("monthly", months=3),
        staff,
    )
    assert [e.starts_at.astimezone(SEOUL).date().isoformat() for e in events] == [
        "2027-03-30",
        "2027-04-27",
        "2027-05-25",
    ]
