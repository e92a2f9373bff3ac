"""Staff event management: create, edit, publish, cancel, duplicate, and recurring series.

Services take plain arguments, never commit, and raise EventError (a Korean message) on bad input.

Two staff members may save the same event at the same moment. Every service that changes an
existing event first takes the write lock (`_lock_for_change`: begin_write(), then the event row
FOR UPDATE): on SQLite a writer that had only read would otherwise find its snapshot stale at
the first write and fail with "database is locked"; on PostgreSQL the second save would
overwrite the first one's sequence bump. The second writer now waits and then works on the
saved state.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import select

from app.database import begin_write
from app.events import notifications
from app.extensions import db
from app.i18n import SEOUL
from app.models import Cluster, Event, EventKind, EventStatus, Registration, RegistrationStatus, ResearchGroup, User

MAX_SERIES = 52
MATERIAL_FIELDS = ("starts_at", "ends_at", "venue_name", "venue_address")
ACTIVE_STATUSES = (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)


class EventError(ValueError):
    """Invalid event input; the message is shown to staff as is."""


@dataclasses.dataclass
class EventData:
    kind: EventKind
    host_cluster_id: int
    title_ko: str
    starts_at: dt.datetime  # aware
    ends_at: dt.datetime  # aware
    capacity: int
    title_en: str | None = None
    description_ko: str = ""
    description_en: str | None = None
    venue_name: str = ""
    venue_address: str = ""
    seats_per_company: int | None = None
    registration_opens_at: dt.datetime | None = None
    registration_closes_at: dt.datetime | None = None
    open_to_guests: bool = False
    open_to_all_clusters: bool = False
    allows_observers: bool = True
    research_group_id: int | None = None
    participating_cluster_ids: list[int] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class SeriesRule:
    """frequency: "weekly", "biweekly" or "monthly" (the Nth weekday of the first occurrence,
    e.g. 2nd Tuesday; a 5th weekday means the last one). Ends after `months` calendar
    months (counting the first one) or on `until` (a KST date, inclusive)."""

    frequency: str
    months: int | None = None
    until: dt.date | None = None


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise EventError(_("시각에 시간대 정보가 없습니다."))
    return value.astimezone(dt.UTC)


def _clean(data: EventData) -> EventData:
    data = dataclasses.replace(data)
    data.title_ko = (data.title_ko or "").strip()
    data.title_en = (data.title_en or "").strip() or None
    data.description_ko = (data.description_ko or "").strip()
    data.description_en = (data.description_en or "").strip() or None
    data.venue_name = (data.venue_name or "").strip()
    data.venue_address = (data.venue_address or "").strip()
    for name in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"):
        setattr(data, name, _aware(getattr(data, name)))
    return data


def _validate(data: EventData, actor: User) -> tuple[Cluster, ResearchGroup | None, list[Cluster]]:
    try:
        kind = EventKind(data.kind)
    except ValueError:
        raise EventError(_("행사 종류를 선택해 주세요.")) from None
    data.kind = kind
    if not data.title_ko:
        raise EventError(_("행사명을 입력해 주세요."))
    host = db.session.get(Cluster, data.host_cluster_id) if data.host_cluster_id else None
    if host is None or not actor.can_manage_cluster(host.id):
        raise EventError(_("담당하는 클러스터만 주최 클러스터로 정할 수 있습니다."))
    if data.starts_at is None or data.ends_at is None:
        raise EventError(_("시작 일시와 종료 일시를 입력해 주세요."))
    if data.ends_at <= data.starts_at:
        raise EventError(_("종료 일시는 시작 일시보다 뒤여야 합니다."))
    if data.capacity is None or data.capacity < 1:
        raise EventError(_("정원은 1명 이상이어야 합니다."))
    if data.seats_per_company is not None and data.seats_per_company < 1:
        raise EventError(_("기업당 인원은 1명 이상이거나 비워 두어야 합니다."))
    opens, closes = data.registration_opens_at, data.registration_closes_at
    # Online registration closes at the start at the latest (check_eligibility): a later
    # deadline would promise what the event page then refuses.
    if closes is not None and closes > data.starts_at:
        raise EventError(
            _("신청 마감은 행사 시작 시각 이전이어야 합니다. 온라인 신청은 늦어도 행사 시작 때 마감됩니다.")
        )
    if opens is not None and closes is not None and opens >= closes:
        raise EventError(_("신청 시작은 신청 마감보다 앞서야 합니다."))
    group = None
    if kind == EventKind.RESEARCH:
        group = db.session.get(ResearchGroup, data.research_group_id) if data.research_group_id else None
        if group is None or group.cluster_id != host.id:
            raise EventError(_("연구회 모임은 주최 클러스터의 연구회를 선택해야 합니다."))
    participating: list[Cluster] = []
    if kind == EventKind.FORUM:
        ids = sorted({int(i) for i in data.participating_cluster_ids if int(i) != host.id})
        participating = list(db.session.scalars(select(Cluster).where(Cluster.id.in_(ids)).order_by(Cluster.id)))
        if not participating or len(participating) != len(ids):
            raise EventError(_("클러스터 간 포럼은 주최 클러스터 외에 참여 클러스터를 하나 이상 선택해야 합니다."))
    return host, group, participating


def _apply(
    event: Event, data: EventData, host: Cluster, group: ResearchGroup | None, participating: list[Cluster]
) -> None:
    event.kind = data.kind
    event.host_cluster = host
    event.research_group = group
    event.participating_clusters = participating
    for name in (
        "title_ko",
        "title_en",
        "description_ko",
        "description_en",
        "starts_at",
        "ends_at",
        "venue_name",
        "venue_address",
        "capacity",
        "seats_per_company",
        "registration_opens_at",
        "registration_closes_at",
        "open_to_guests",
        "open_to_all_clusters",
        "allows_observers",
    ):
        setattr(event, name, getattr(data, name))


def create_event(data: EventData, actor: User) -> Event:
    """A new draft event."""
    begin_write()  # a writer from the start: its checks read what it then writes beside
    data = _clean(data)
    host, group, participating = _validate(data, actor)
    event = Event(status=EventStatus.DRAFT, sequence=0, created_by_id=actor.id)
    _apply(event, data, host, group, participating)
    db.session.add(event)
    db.session.flush()
    return event


def _active_recipients(event: Event) -> list[str]:
    emails = db.session.scalars(
        select(Registration.email)
        .where(Registration.event_id == event.id, Registration.status.in_(ACTIVE_STATUSES))
        .order_by(Registration.id)
    ).all()
    return list(dict.fromkeys(emails))


def _notify(event: Event, cancelled: bool) -> int:
    recipients = _active_recipients(event)
    if cancelled:
        notifications.event_cancelled(event, recipients)
    else:
        notifications.event_changed(event, recipients)
    return len(recipients)


def _lock_for_change(event: Event) -> Event:
    """Take the write lock and the event row before a change, and reload it as saved.

    On SQLite begin_write() ends the request's read transaction (nothing is written yet) and
    starts BEGIN IMMEDIATE; on PostgreSQL FOR UPDATE waits for a concurrent save to commit.
    The reload (populate_existing) makes the checks below see the other save's result.
    """
    begin_write()
    locked = db.session.execute(
        select(Event).where(Event.id == event.id).with_for_update().execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if locked is None:
        raise EventError(_("행사를 찾을 수 없습니다."))
    return locked


def update_event(event: Event, data: EventData, actor: User) -> bool:
    """Save changes; a material change (time, place) bumps `sequence` and mails the
    active registrants. Returns whether the change was material."""
    event = _lock_for_change(event)
    if event.status == EventStatus.CANCELLED:
        raise EventError(_("취소된 행사는 수정할 수 없습니다."))
    data = _clean(data)
    host, group, participating = _validate(data, actor)
    material = any(getattr(event, name) != getattr(data, name) for name in MATERIAL_FIELDS)
    _apply(event, data, host, group, participating)
    if material:
        event.sequence += 1
        db.session.flush()
        _notify(event, cancelled=False)
    db.session.flush()
    return material


def publish_event(event: Event, actor: User) -> None:
    event = _lock_for_change(event)
    if event.status != EventStatus.DRAFT:
        raise EventError(_("초안인 행사만 공개할 수 있습니다."))
    event.status = EventStatus.PUBLISHED
    db.session.flush()


def cancel_event(event: Event, actor: User) -> int:
    """Cancel; registrations stay. Returns how many registrants were mailed."""
    event = _lock_for_change(event)
    if event.status == EventStatus.CANCELLED:
        raise EventError(_("이미 취소된 행사입니다."))
    event.status = EventStatus.CANCELLED
    event.sequence += 1
    db.session.flush()
    return _notify(event, cancelled=True)


def duplicate_event(event: Event, actor: User) -> Event:
    """A copy as a new draft, without registrations."""
    begin_write()
    if not actor.can_manage_cluster(event.host_cluster_id):
        raise EventError(_("담당하는 클러스터만 주최 클러스터로 정할 수 있습니다."))
    copy = Event(
        kind=event.kind,
        host_cluster_id=event.host_cluster_id,
        research_group_id=event.research_group_id,
        title_ko=("[복사] " + event.title_ko)[:200],
        title_en=("[Copy] " + event.title_en)[:200] if event.title_en else None,
        description_ko=event.description_ko,
        description_en=event.description_en,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        venue_name=event.venue_name,
        venue_address=event.venue_address,
        capacity=event.capacity,
        seats_per_company=event.seats_per_company,
        registration_opens_at=event.registration_opens_at,
        registration_closes_at=event.registration_closes_at,
        open_to_guests=event.open_to_guests,
        open_to_all_clusters=event.open_to_all_clusters,
        allows_observers=event.allows_observers,
        status=EventStatus.DRAFT,
        sequence=0,
        created_by_id=actor.id,
    )
    copy.participating_clusters = list(event.participating_clusters)
    db.session.add(copy)
    db.session.flush()
    return copy


def _add_months(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + n
    return index // 12, index % 12 + 1


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> dt.date | None:
    """The nth (1-4, or -1 for last) given weekday of a month."""
    days = [
        d for d in range(1, calendar.monthrange(year, month)[1] + 1) if dt.date(year, month, d).weekday() == weekday
    ]
    if nth == -1:
        return dt.date(year, month, days[-1])
    return dt.date(year, month, days[nth - 1]) if nth <= len(days) else None


def series_dates(first: dt.date, rule: SeriesRule) -> list[dt.date]:
    """Occurrence dates (KST) from the first one, following the rule."""
    if rule.frequency not in ("weekly", "biweekly", "monthly"):
        raise EventError(_("반복 주기를 선택해 주세요."))
    if (rule.months is None) == (rule.until is None):
        raise EventError(_("반복 기간(개월 수 또는 종료일) 중 하나만 입력해 주세요."))
    if rule.months is not None:
        if rule.months < 1:
            raise EventError(_("반복 개월 수는 1 이상이어야 합니다."))
        if rule.months > MAX_SERIES:
            # More months than occurrences allowed (at least one a month); a huge number
            # would also overflow the date arithmetic below.
            raise EventError(_("반복 일정은 한 번에 %(max)d회까지 만들 수 있습니다.", max=MAX_SERIES))
        y, m = _add_months(first.year, first.month, rule.months)
        limit = dt.date(y, m, 1) - dt.timedelta(days=1)  # last day of the last month
    else:
        if rule.until < first:
            raise EventError(_("반복 종료일은 첫 행사일 이후여야 합니다."))
        limit = rule.until
    dates: list[dt.date] = []
    if rule.frequency in ("weekly", "biweekly"):
        step = dt.timedelta(weeks=1 if rule.frequency == "weekly" else 2)
        day = first
        while day <= limit and len(dates) <= MAX_SERIES:
            dates.append(day)
            day += step
    else:
        nth = (first.day - 1) // 7 + 1
        if nth == 5:
            nth = -1
        i = 0
        while len(dates) <= MAX_SERIES:
            y, m = _add_months(first.year, first.month, i)
            if dt.date(y, m, 1) > limit:
                break
            day = _nth_weekday(y, m, first.weekday(), nth)
            if day is not None and first <= day <= limit:
                dates.append(day)
            i += 1
    if len(dates) > MAX_SERIES:
        raise EventError(_("반복 일정은 한 번에 %(max)d회까지 만들 수 있습니다.", max=MAX_SERIES))
    return dates


def create_series(data: EventData, rule: SeriesRule, actor: User) -> list[Event]:
    """One draft event per occurrence. `data` holds the first occurrence; every other one
    keeps its Seoul wall-clock times (and the registration window relative to the start)."""
    begin_write()
    data = _clean(data)
    _validate(data, actor)
    start_kst = data.starts_at.astimezone(SEOUL)
    events = []
    for day in series_dates(start_kst.date(), rule):
        local_start = dt.datetime.combine(day, start_kst.time().replace(tzinfo=None), tzinfo=SEOUL)
        shift = local_start.astimezone(dt.UTC) - data.starts_at
        occurrence = dataclasses.replace(
            data,
            starts_at=data.starts_at + shift,
            ends_at=data.ends_at + shift,
            registration_opens_at=data.registration_opens_at + shift if data.registration_opens_at else None,
            registration_closes_at=data.registration_closes_at + shift if data.registration_closes_at else None,
        )
        events.append(create_event(occurrence, actor))
    return events
