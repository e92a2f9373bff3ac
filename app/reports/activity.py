"""Cluster activity report (issue 7 item 5): what a cluster's events did over a period, for the city.

Services only: plain arguments in, a plain `ActivityReport` out; no request, no commit.

Words used in the figures (the same as the check-in dashboard's):
- an event counts when the cluster hosts it, it is published (not a draft, not cancelled), it
  starts within the period (Seoul dates, both ends included) and it has ended (`held`); the
  period's events that have not ended yet are only counted, as `scheduled`;
- confirmed: registrations with status confirmed; attended: confirmed registrations with a
  CheckIn (people who left stay in it); walk-ins: check-ins with method "walkin";
- a company attended an event when at least one of its people was checked in there. Guests'
  firms (no Company row) are counted apart, by the name they typed.

`activity_report` runs a fixed number of queries (four) whatever the number of events,
registrations or companies: the figures are aggregated in SQL per event and per company, and
grouped by kind and Seoul month here (month boundaries in Seoul time on every database).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections import Counter
from collections.abc import Mapping

from flask_babel import gettext as _
from sqlalchemy import and_, func, select

from app.extensions import db
from app.i18n import SEOUL
from app.models import CheckIn, Cluster, Company, Event, EventKind, EventStatus, Registration, RegistrationStatus
from app.networking.figures import NetworkingFigures, figures_for

# Longest period one report covers (the page and the PDF stay small, the queries quick).
MAX_PERIOD_DAYS = 3 * 366
TOP_COMPANIES = 10
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Dates outside these years are typing mistakes (and would overflow datetime arithmetic).
_MIN_YEAR, _MAX_YEAR = 2000, 2100


# --- the period -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Period:
    """Seoul calendar dates, both included."""

    start: dt.date
    end: dt.date

    @property
    def start_utc(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time(), SEOUL).astimezone(dt.UTC)

    @property
    def end_utc(self) -> dt.datetime:
        """The instant after the period: the next day's Seoul midnight."""
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), SEOUL).astimezone(dt.UTC)

    def months(self) -> list[tuple[int, int]]:
        year, month = self.start.year, self.start.month
        out = []
        while (year, month) <= (self.end.year, self.end.month):
            out.append((year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return out

    def as_args(self) -> dict:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


def quarter_of(day: dt.date, offset: int = 0) -> Period:
    """The calendar quarter holding ``day``, or ``offset`` quarters from it."""
    index = day.year * 4 + (day.month - 1) // 3 + offset
    year, quarter = divmod(index, 4)
    start = dt.date(year, quarter * 3 + 1, 1)
    next_start = dt.date(year + 1, 1, 1) if quarter == 3 else dt.date(year, quarter * 3 + 4, 1)
    return Period(start, next_start - dt.timedelta(days=1))


def default_period(today: dt.date) -> Period:
    """This quarter (Seoul), the period the city asks figures for."""
    return quarter_of(today)


def _parse_date(raw: str) -> dt.date | None:
    raw = (raw or "").strip()
    if not _DATE_RE.fullmatch(raw):
        return None
    try:
        value = dt.date.fromisoformat(raw)
    except ValueError:
        return None
    return value if _MIN_YEAR <= value.year <= _MAX_YEAR else None


def parse_period(args: Mapping[str, str], today: dt.date) -> tuple[Period, str | None]:
    """The period asked for by ``from``/``to`` (YYYY-MM-DD), or the default one and a message
    for people saying why. A missing end takes the default's."""
    default = default_period(today)
    raw_from, raw_to = (args.get("from") or "").strip(), (args.get("to") or "").strip()
    if not raw_from and not raw_to:
        return default, None
    start = _parse_date(raw_from) if raw_from else default.start
    end = _parse_date(raw_to) if raw_to else default.end
    if start is None or end is None:
        return default, _("날짜는 2026-01-31처럼 YYYY-MM-DD 형식으로 입력해 주세요. 이번 분기로 표시합니다.")
    if start > end:
        return default, _("시작일이 종료일보다 늦습니다. 이번 분기로 표시합니다.")
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        return default, _("기간은 최대 3년까지 조회할 수 있습니다. 이번 분기로 표시합니다.")
    return Period(start, end), None


# --- the figures ------------------------------------------------------------------------------


@dataclasses.dataclass
class KindRow:
    kind: EventKind
    events: int = 0
    confirmed: int = 0
    attended: int = 0

    @property
    def label(self) -> str:
        return self.kind.label

    @property
    def rate(self) -> float | None:
        return self.attended / self.confirmed if self.confirmed else None


@dataclasses.dataclass
class MonthRow:
    year: int
    month: int
    events: int = 0
    attended: int = 0

    @property
    def label(self) -> str:
        return _("%(year)d년 %(month)d월", year=self.year, month=self.month)

    @property
    def short_label(self) -> str:
        return f"{self.year % 100:02d}.{self.month:02d}"


@dataclasses.dataclass
class CompanyRow:
    id: int
    name: str
    sort_name: str
    cluster_id: int | None
    events: int


@dataclasses.dataclass
class ClusterFlow:
    """Companies of one cluster at another cluster's events (in either direction)."""

    cluster_id: int | None
    name: str
    companies: int = 0
    attendances: int = 0  # company x event pairs


@dataclasses.dataclass
class ActivityReport:
    cluster: Cluster
    period: Period
    generated_at: dt.datetime
    held_events: int
    scheduled_events: int
    confirmed: int
    attended: int
    walkins: int
    by_kind: list[KindRow]
    months: list[MonthRow]
    companies: int  # registered companies that attended at least one event
    guest_firms: int  # guests' firms (by typed name) that attended
    own_companies: int  # of `companies`, the cluster's own
    repeat: dict  # "1", "2", "3+" -> number of companies
    top_companies: list[CompanyRow]
    inbound: list[ClusterFlow]  # other clusters' companies at this cluster's events
    outbound: list[ClusterFlow]  # this cluster's companies at other clusters' events
    # Networking at the held events (app/networking/figures.py): consent, meetings, contacts.
    networking: NetworkingFigures = dataclasses.field(default_factory=NetworkingFigures)

    @property
    def rate(self) -> float | None:
        return self.attended / self.confirmed if self.confirmed else None

    @property
    def is_empty(self) -> bool:
        return self.held_events == 0


def _period_events(cluster_id: int, period: Period):
    return and_(
        Event.host_cluster_id == cluster_id,
        Event.status == EventStatus.PUBLISHED,
        Event.starts_at >= period.start_utc,
        Event.starts_at < period.end_utc,
    )


def _attended_rows():
    """Confirmed registrations joined to their check-in (inner join: attended only)."""
    return (
        select()
        .select_from(Registration)
        .join(CheckIn, CheckIn.registration_id == Registration.id)
        .join(Event, Event.id == Registration.event_id)
        .where(Registration.status == RegistrationStatus.CONFIRMED)
    )


def _cluster_names() -> dict[int, Cluster]:
    return {c.id: c for c in db.session.scalars(select(Cluster))}


def activity_report(cluster: Cluster, period: Period, now: dt.datetime) -> ActivityReport:
    held = and_(_period_events(cluster.id, period), Event.ends_at <= now)

    # 1. Per event: kind, start, confirmed, attended, walk-ins (one row per event of the period).
    confirmed = (
        select(
            Registration.event_id.label("event_id"),
            func.count(Registration.id).label("confirmed"),
            func.count(CheckIn.id).label("attended"),
            func.count(CheckIn.id).filter(CheckIn.method == "walkin").label("walkins"),
        )
        .outerjoin(CheckIn, CheckIn.registration_id == Registration.id)
        .where(Registration.status == RegistrationStatus.CONFIRMED)
        .group_by(Registration.event_id)
        .subquery()
    )
    event_rows = db.session.execute(
        select(
            Event.id,
            Event.kind,
            Event.starts_at,
            Event.ends_at,
            func.coalesce(confirmed.c.confirmed, 0),
            func.coalesce(confirmed.c.attended, 0),
            func.coalesce(confirmed.c.walkins, 0),
        )
        .outerjoin(confirmed, confirmed.c.event_id == Event.id)
        .where(_period_events(cluster.id, period))
    ).all()

    by_kind = {kind: KindRow(kind) for kind in EventKind}
    months = {(y, m): MonthRow(y, m) for y, m in period.months()}
    held_events = scheduled = total_confirmed = total_attended = walkins = 0
    for _id, kind, starts_at, ends_at, n_confirmed, n_attended, n_walkins in event_rows:
        if ends_at > now:
            scheduled += 1
            continue
        held_events += 1
        total_confirmed += n_confirmed
        total_attended += n_attended
        walkins += n_walkins
        row = by_kind[kind]
        row.events += 1
        row.confirmed += n_confirmed
        row.attended += n_attended
        local = starts_at.astimezone(SEOUL)
        month = months[(local.year, local.month)]
        month.events += 1
        month.attended += n_attended

    # 2. Companies that attended this cluster's held events, with how many events each.
    company_rows = db.session.execute(
        _attended_rows()
        .add_columns(
            Company.id,
            Company.name,
            Company.sort_name,
            Company.cluster_id,
            func.count(func.distinct(Registration.event_id)),
        )
        .join(Company, Company.id == Registration.company_id)
        .where(held)
        .group_by(Company.id, Company.name, Company.sort_name, Company.cluster_id)
    ).all()
    companies = [CompanyRow(*row) for row in company_rows]

    # 3. Guests' firms: distinct typed names (case and spacing aside).
    guest_firms = (
        db.session.scalar(
            _attended_rows()
            .add_columns(func.count(func.distinct(func.lower(func.trim(Registration.guest_company_name)))))
            .where(held, Registration.company_id.is_(None), Registration.guest_company_name.is_not(None))
        )
        or 0
    )

    # 4. This cluster's companies at events hosted by other clusters in the period.
    visits = (
        _attended_rows()
        .add_columns(
            Event.host_cluster_id.label("host_cluster_id"),
            Registration.event_id.label("event_id"),
            Registration.company_id.label("company_id"),
        )
        .join(Company, Company.id == Registration.company_id)
        .where(
            Company.cluster_id == cluster.id,
            Event.host_cluster_id != cluster.id,
            Event.status == EventStatus.PUBLISHED,
            Event.starts_at >= period.start_utc,
            Event.starts_at < period.end_utc,
            Event.ends_at <= now,
        )
        .distinct()
        .subquery()
    )
    outbound_rows = db.session.execute(
        select(visits.c.host_cluster_id, func.count(func.distinct(visits.c.company_id)), func.count()).group_by(
            visits.c.host_cluster_id
        )
    ).all()

    # 5. Cluster names for both directions (a small table: one query).
    clusters = _cluster_names() if (companies or outbound_rows) else {}

    def cluster_name(cluster_id):
        return clusters[cluster_id].name if cluster_id in clusters else _("소속 클러스터 없음")

    inbound: dict[int | None, ClusterFlow] = {}
    for company in companies:
        if company.cluster_id == cluster.id:
            continue
        flow = inbound.setdefault(company.cluster_id, ClusterFlow(company.cluster_id, cluster_name(company.cluster_id)))
        flow.companies += 1
        flow.attendances += company.events
    outbound = [
        ClusterFlow(cid, cluster_name(cid), n_companies, n_pairs) for cid, n_companies, n_pairs in outbound_rows
    ]

    distribution = Counter(min(c.events, 3) for c in companies)
    held_ids = [event_id for event_id, _k, _s, ends_at, *_rest in event_rows if ends_at <= now]
    return ActivityReport(
        cluster=cluster,
        period=period,
        generated_at=now,
        held_events=held_events,
        scheduled_events=scheduled,
        confirmed=total_confirmed,
        attended=total_attended,
        walkins=walkins,
        by_kind=list(by_kind.values()),
        months=list(months.values()),
        companies=len(companies),
        guest_firms=guest_firms,
        own_companies=sum(1 for c in companies if c.cluster_id == cluster.id),
        repeat={"1": distribution[1], "2": distribution[2], "3+": distribution[3]},
        top_companies=sorted(companies, key=lambda c: (-c.events, c.sort_name, c.id))[:TOP_COMPANIES],
        inbound=sorted(inbound.values(), key=lambda f: (-f.companies, f.cluster_id is None, f.name)),
        outbound=sorted(outbound, key=lambda f: (-f.companies, f.name)),
        networking=figures_for(held_ids),
    )


# --- who may see which cluster ----------------------------------------------------------------


def cluster_by_slug(slug: str) -> Cluster | None:
    slug = (slug or "").strip()
    if not slug or len(slug) > 32:
        return None
    return db.session.scalar(select(Cluster).where(Cluster.slug == slug))


def report_filename(report: ActivityReport) -> tuple[str, str]:
    from app.exports import clean_filename

    p = report.period
    name = clean_filename(f"클러스터활동보고서_{report.cluster.name_ko}_{p.start.isoformat()}_{p.end.isoformat()}")
    return (name or "클러스터활동보고서") + ".pdf", f"activity-{report.cluster.slug}-{p.start}-{p.end}.pdf"


def report_charts(report: ActivityReport) -> dict:
    """The report's SVG charts (Markup), for the page and the PDF alike."""
    from app.reports.charts import COLOURS, MUTED, Series, bar_chart, hbar_chart

    kinds = [row for row in report.by_kind if row.events]
    charts = {
        "kinds": hbar_chart(
            [row.label for row in kinds],
            [
                Series(_("출석"), [row.attended for row in kinds], COLOURS[0]),
                Series(_("불참"), [row.confirmed - row.attended for row in kinds], MUTED),
            ],
            title=_("행사 유형별 확정 인원과 출석"),
            stacked=True,
        )
        if kinds
        else None,
        "months": bar_chart(
            [m.short_label for m in report.months],
            [Series(_("출석 인원"), [m.attended for m in report.months], COLOURS[0])],
            sublabels=[_("행사 %(count)d건", count=m.events) for m in report.months],
            title=_("월별 행사 수와 출석 인원"),
        ),
    }
    clusters: dict = {}
    for flow in report.inbound:
        clusters.setdefault((flow.cluster_id, flow.name), [0, 0])[0] = flow.companies
    for flow in report.outbound:
        clusters.setdefault((flow.cluster_id, flow.name), [0, 0])[1] = flow.companies
    charts["clusters"] = (
        hbar_chart(
            [name for _cid, name in clusters],
            [
                Series(_("우리 행사에 온 기업"), [v[0] for v in clusters.values()], COLOURS[0]),
                Series(_("그 클러스터 행사에 간 우리 기업"), [v[1] for v in clusters.values()], COLOURS[1]),
            ],
            title=_("클러스터 간 교류 (기업 수)"),
        )
        if clusters
        else None
    )
    return charts
