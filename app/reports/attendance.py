"""An event's attendance: who was expected (confirmed), who came (checked in), and the figures staff report.

One query loads every confirmed registration of the event with its company, cluster and
check-in (`attendance_rows`); the figures (`attendance_summary`) and the company blocks of
the printed report (`company_blocks`) are computed from those rows in Python, so a report
costs the same few queries for 5 attendees or 2,000.

Words (as on the live dashboard, app/checkin/dashboard.py):
- confirmed: registrations with status confirmed, walk-ins included (they register at the door);
- attended: confirmed registrations with a CheckIn row (people who left later stay in it);
- no-show rate: (confirmed - attended) / confirmed, None when nobody is confirmed;
- walk-ins: attended with CheckIn.method "walkin".

Order: companies of the directory in 가나다 order of Company.sort_name (legal-form markers
such as (주) ignored), then guest firms (no Company row) in 가나다 order of their own name,
as the dashboard lists them: staff read "our tenants" first, outside guests after. People in
a company by name. Sorted in Python: code-point order of Hangul syllables is 가나다 order on
every database, whatever its collation.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import AttendeeRole, CheckIn, Cluster, Company, Event, Registration, RegistrationStatus, role_tag_label
from app.models.company import company_sort_name


@dataclasses.dataclass(frozen=True)
class AttendanceRow:
    """One confirmed registration and its check-in, as plain values (no lazy loads later)."""

    registration_id: int
    name: str
    email: str
    mobile: str
    role: AttendeeRole
    company_id: int | None
    company_name: str
    company_sort: str
    cluster_id: int | None
    cluster_name: str
    is_guest: bool
    checked_in_at: dt.datetime | None
    checked_out_at: dt.datetime | None
    gate: str
    method: str

    @property
    def attended(self) -> bool:
        return self.checked_in_at is not None

    @property
    def is_walkin(self) -> bool:
        return self.attended and self.method == "walkin"

    @property
    def role_label(self) -> str:
        return role_tag_label(self.role, self.is_guest)

    @property
    def company_key(self) -> tuple:
        """Directory companies first (가나다), then guest firms (가나다); a tie keeps firms apart."""
        if self.is_guest:
            return (1, self.company_sort, self.company_name, 0)
        return (0, self.company_sort, self.company_name, self.company_id or 0)

    @property
    def sort_key(self) -> tuple:
        return (*self.company_key, self.name.casefold(), self.registration_id)


def attendance_rows(event: Event) -> list[AttendanceRow]:
    """Every confirmed registration of the event, in report order; one query."""
    cluster = aliased(Cluster)
    result = db.session.execute(
        select(
            Registration.id,
            Registration.name,
            Registration.email,
            Registration.mobile,
            Registration.role,
            Registration.company_id,
            Registration.guest_company_name,
            Company.name,
            Company.sort_name,
            Company.cluster_id,
            cluster.name_ko,
            cluster.name_en,
            CheckIn.checked_in_at,
            CheckIn.checked_out_at,
            CheckIn.gate,
            CheckIn.method,
        )
        .select_from(Registration)
        .outerjoin(Company, Registration.company_id == Company.id)
        .outerjoin(cluster, Company.cluster_id == cluster.id)
        .outerjoin(CheckIn, CheckIn.registration_id == Registration.id)
        .where(Registration.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED)
    ).all()
    english = str(get_locale()) == "en"
    rows = []
    for (
        rid,
        name,
        email,
        mobile,
        role,
        company_id,
        guest_name,
        company_name,
        sort_name,
        cluster_id,
        cluster_ko,
        cluster_en,
        checked_in_at,
        checked_out_at,
        gate,
        method,
    ) in result:
        is_guest = company_id is None
        if is_guest:
            cluster_name = str(GUEST_GROUP)
        elif cluster_id is None:
            cluster_name = str(NO_CLUSTER)
        else:
            # As Cluster.name does: the English name in the English UI when there is one.
            cluster_name = cluster_en if english and cluster_en else cluster_ko
        firm = (guest_name or "") if is_guest else company_name
        rows.append(
            AttendanceRow(
                registration_id=rid,
                name=name,
                email=email,
                mobile=mobile or "",
                role=role,
                company_id=company_id,
                company_name=firm,
                company_sort=company_sort_name(firm) if is_guest else (sort_name or ""),
                cluster_id=cluster_id,
                cluster_name=cluster_name,
                is_guest=is_guest,
                checked_in_at=checked_in_at,
                checked_out_at=checked_out_at if checked_in_at else None,
                gate=(gate or "") if checked_in_at else "",
                method=(method or "") if checked_in_at else "",
            )
        )
    rows.sort(key=lambda r: r.sort_key)
    return rows


GUEST_GROUP = _l("외부 기업 (게스트)")
NO_CLUSTER = _l("클러스터 없음")


# --- figures ---------------------------------------------------------------------------------


@dataclasses.dataclass
class Tally:
    """Attended / confirmed (and walk-ins) of the whole event, one cluster or one company."""

    label: str
    confirmed: int = 0
    attended: int = 0
    walkins: int = 0

    def add(self, row: AttendanceRow) -> None:
        self.confirmed += 1
        self.attended += row.attended
        self.walkins += row.is_walkin

    @property
    def no_shows(self) -> int:
        return self.confirmed - self.attended

    @property
    def no_show_rate(self) -> float | None:
        return self.no_shows / self.confirmed if self.confirmed else None

    @property
    def no_show_percent(self) -> str:
        """e.g. 12.5%, or an em dash when nobody was confirmed."""
        rate = self.no_show_rate
        return "—" if rate is None else f"{rate * 100:.1f}%"


@dataclasses.dataclass
class CompanyBlock:
    """One company (or guest firm) of the report: its tally and its people, in name order."""

    tally: Tally
    cluster_name: str
    is_guest: bool
    rows: list[AttendanceRow]


@dataclasses.dataclass
class AttendanceSummary:
    total: Tally
    by_cluster: list[Tally]
    by_company: list[CompanyBlock]


def attendance_summary(rows: list[AttendanceRow]) -> AttendanceSummary:
    """The figures of the rows (already in report order, see `attendance_rows`); no queries.

    Clusters in order of their id (the order of the seed, DMC first, as the dashboard shows
    them), companies without a cluster after them, guest firms last.
    """
    total = Tally(label=_("전체"))
    clusters: dict[tuple, Tally] = {}
    blocks: list[CompanyBlock] = []
    last_key = None
    for row in rows:
        total.add(row)
        if row.is_guest:
            cluster_key = (2, 0)
        elif row.cluster_id is None:
            cluster_key = (1, 0)
        else:
            cluster_key = (0, row.cluster_id)
        cluster = clusters.get(cluster_key)
        if cluster is None:
            cluster = clusters[cluster_key] = Tally(label=row.cluster_name)
        cluster.add(row)
        if row.company_key != last_key:
            blocks.append(
                CompanyBlock(
                    tally=Tally(label=row.company_name), cluster_name=row.cluster_name, is_guest=row.is_guest, rows=[]
                )
            )
            last_key = row.company_key
        blocks[-1].tally.add(row)
        blocks[-1].rows.append(row)
    return AttendanceSummary(total=total, by_cluster=[clusters[k] for k in sorted(clusters)], by_company=blocks)


def attendance_counts(event: Event) -> Tally:
    """Confirmed, attended and walk-ins of the event in one aggregate query (for the reports page)."""
    arrived = CheckIn.id.is_not(None)
    confirmed, attended, walkins = db.session.execute(
        select(
            func.count(Registration.id),
            func.count(CheckIn.id),
            func.coalesce(func.sum(case((and_(arrived, CheckIn.method == "walkin"), 1), else_=0)), 0),
        )
        .select_from(Registration)
        .outerjoin(CheckIn, CheckIn.registration_id == Registration.id)
        .where(Registration.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED)
    ).one()
    return Tally(label=_("전체"), confirmed=confirmed, attended=attended, walkins=int(walkins))
