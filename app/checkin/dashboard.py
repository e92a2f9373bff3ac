"""Figures of the live check-in dashboard: arrivals against confirmed seats, and a council's quorum.

One call, ``dashboard_figures(event, now)``, runs a fixed number of queries (at most five,
nine for a council meeting) whatever the number of attendees, and returns a plain, JSON-ready dict that
the HTML page renders and the JSON API returns as it is: the page and its polling script show
the same numbers.

Words used in the figures:
- confirmed: registrations with status confirmed (the people expected at the door);
- checked_in: confirmed registrations that were ever admitted (a CheckIn row), the attendance
  figure; people who left stay in it;
- checked_out: of those, the ones who left (CheckIn.checked_out_at set), shown as 퇴장;
- present: checked_in - checked_out, the people in the room now;
- walkins: check-ins made by registering at the door (CheckIn.method == "walkin").
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, literal, select, union_all
from sqlalchemy.orm import aliased

from app.checkin.answers import RESULT_LABELS, result_tone
from app.events.council import quorum
from app.events.door import EventPhase, doors_open_at, event_phase
from app.extensions import db
from app.i18n import kst_hhmm, to_kst
from app.models import (
    CheckIn,
    Cluster,
    Company,
    Event,
    EventKind,
    Registration,
    RegistrationStatus,
    ScanLog,
    role_tag_label,
)

# The scanner admits people from 60 minutes before the start (docs/CHECKIN_API.md, not_open):
# the arrivals chart starts there, or at the first arrival if someone came earlier.
BUCKET = dt.timedelta(minutes=10)
# 12 hours of 10-minute bars; a longer span keeps its latest bars (the JSON stays small).
MAX_BUCKETS = 72
# The not-arrived list shows this many people (가나다 by company, then name); the total is exact.
NOT_ARRIVED_LIMIT = 300
LATEST_SCANS = 15
# Conflicts shown (newest first): a badge admitted at two gates while they were offline.
CONFLICTS_LIMIT = 20


@dataclasses.dataclass
class _Group:
    label: str
    detail: str = ""
    is_guest: bool = False
    sort_key: tuple = ()
    confirmed: int = 0
    checked_in: int = 0
    checked_out: int = 0
    walkins: int = 0

    def as_json(self) -> dict:
        return {
            "label": self.label,
            "detail": self.detail,
            "is_guest": self.is_guest,
            "confirmed": self.confirmed,
            "checked_in": self.checked_in,
            "checked_out": self.checked_out,
            "present": self.checked_in - self.checked_out,
            "not_arrived": self.confirmed - self.checked_in,
            "walkins": self.walkins,
        }


def _hhmmss(value: dt.datetime) -> str:
    return to_kst(value).strftime("%H:%M:%S")


# --- the figures ----------------------------------------------------------------------------


def dashboard_figures(event: Event, now: dt.datetime) -> dict:
    """Everything the dashboard shows about this event at ``now`` (UTC), as a JSON-ready dict."""
    totals, by_cluster, by_company = _counts(event.id)
    phase = event_phase(event, now)
    if phase == EventPhase.ENDED:
        # Over: nobody is "in the room" any more, whoever forgot to scan out.
        totals["present"] = None
    totals["present_label"] = str(totals["present"]) if totals["present"] is not None else phase.label
    not_arrived = _not_arrived(event.id, totals["confirmed"] - totals["checked_in"])
    latest_scans, conflicts = _scans_and_conflicts(event.id)
    figures = {
        "event": {
            "id": event.id,
            "title": event.title,
            "kind": event.kind.value,
            "is_council": event.kind == EventKind.COUNCIL,
            "starts_at": event.starts_at.isoformat(),
            "ends_at": event.ends_at.isoformat(),
        },
        "phase": phase.value,
        "phase_label": phase.label,
        "generated_at": now.isoformat(),
        "generated_at_label": _hhmmss(now),
        "totals": totals,
        "headline": _(
            "체크인 %(checked_in)d / 확정 %(confirmed)d", checked_in=totals["checked_in"], confirmed=totals["confirmed"]
        ),
        "by_cluster": by_cluster,
        "by_company": by_company,
        "arrivals": _arrivals(event, now),
        "not_arrived": not_arrived,
        "latest_scans": latest_scans,
        "conflicts": conflicts,
        "quorum": quorum(event) if event.kind == EventKind.COUNCIL else None,
    }
    return figures


def _counts(event_id: int) -> tuple[dict, list[dict], list[dict]]:
    """Totals, by cluster and by company, from one grouped query over confirmed registrations."""
    arrived = CheckIn.id.is_not(None)
    left = and_(arrived, CheckIn.checked_out_at.is_not(None))
    walkin = and_(arrived, CheckIn.method == "walkin")
    rows = db.session.execute(
        select(
            Registration.company_id,
            Registration.guest_brn,
            Registration.guest_company_name,
            func.min(Company.name),
            func.min(Company.sort_name),
            func.min(Company.cluster_id),
            func.count(Registration.id),
            func.count(CheckIn.id),
            func.coalesce(func.sum(case((left, 1), else_=0)), 0),
            func.coalesce(func.sum(case((walkin, 1), else_=0)), 0),
        )
        .select_from(Registration)
        .outerjoin(Company, Registration.company_id == Company.id)
        .outerjoin(CheckIn, CheckIn.registration_id == Registration.id)
        .where(Registration.event_id == event_id, Registration.status == RegistrationStatus.CONFIRMED)
        .group_by(Registration.company_id, Registration.guest_brn, Registration.guest_company_name)
    ).all()
    clusters = {c.id: c for c in db.session.scalars(select(Cluster))} if rows else {}

    total = _Group(label="")
    cluster_groups: dict[tuple, _Group] = {}
    company_groups: dict[tuple, _Group] = {}
    for company_id, brn, guest_name, name, sort_name, cluster_id, confirmed, checked_in, checked_out, walkins in rows:
        counts = dict(confirmed=confirmed, checked_in=checked_in, checked_out=int(checked_out), walkins=int(walkins))
        cluster = clusters.get(cluster_id)
        if company_id is None:
            cluster_key = ("guest",)
            cluster_group = dict(label=_("외부 기업 (게스트)"), is_guest=True, sort_key=(2, 0))
            company_key = ("guest", brn or "", guest_name or "")
            company_group = dict(
                label=guest_name or "",
                detail=_("외부 기업 (게스트)"),
                is_guest=True,
                sort_key=(1, (guest_name or "").lower()),
            )
        else:
            cluster_key = ("cluster", cluster_id)
            cluster_group = (
                dict(label=cluster.name, sort_key=(0, cluster_id))
                if cluster is not None
                else dict(label=_("클러스터 없음"), sort_key=(1, 0))
            )
            company_key = ("company", company_id)
            company_group = dict(
                label=name, detail=cluster.name if cluster is not None else "", sort_key=(0, sort_name or "", name)
            )
        for groups, key, fields in (
            (cluster_groups, cluster_key, cluster_group),
            (company_groups, company_key, company_group),
        ):
            group = groups.get(key)
            if group is None:
                group = groups[key] = _Group(**fields)
            _add(group, counts)
        _add(total, counts)

    totals = {
        "confirmed": total.confirmed,
        "checked_in": total.checked_in,
        "checked_out": total.checked_out,
        "present": total.checked_in - total.checked_out,
        "not_arrived": total.confirmed - total.checked_in,
        "walkins": total.walkins,
    }
    by_cluster = [g.as_json() for g in sorted(cluster_groups.values(), key=lambda g: g.sort_key)]
    by_company = [g.as_json() for g in sorted(company_groups.values(), key=lambda g: g.sort_key)]
    return totals, by_cluster, by_company


def _add(group: _Group, counts: dict) -> None:
    group.confirmed += counts["confirmed"]
    group.checked_in += counts["checked_in"]
    group.checked_out += counts["checked_out"]
    group.walkins += counts["walkins"]


def _not_arrived(event_id: int, total: int) -> dict:
    """Confirmed people without a check-in: 가나다 by company, guest firms after the tenants, then name."""
    people = []
    if total > 0:
        company_order = func.coalesce(Company.sort_name, func.lower(Registration.guest_company_name), "")
        rows = db.session.execute(
            select(Registration.id, Registration.name, Registration.role, Company.name, Registration.guest_company_name)
            .select_from(Registration)
            .outerjoin(Company, Registration.company_id == Company.id)
            .outerjoin(CheckIn, CheckIn.registration_id == Registration.id)
            .where(
                Registration.event_id == event_id,
                Registration.status == RegistrationStatus.CONFIRMED,
                CheckIn.id.is_(None),
            )
            .order_by(Registration.company_id.is_(None), company_order, Registration.name, Registration.id)
            .limit(NOT_ARRIVED_LIMIT)
        ).all()
        people = [
            {
                "registration_id": reg_id,
                "name": name,
                "company": company_name or guest_name or "",
                "is_guest": company_name is None,
                "role": role.value,
                "role_label": role_tag_label(role, company_name is None),
            }
            for reg_id, name, role, company_name, guest_name in rows
        ]
    return {"total": total, "people": people, "truncated": total > len(people)}


def _floor_bucket(value: dt.datetime) -> dt.datetime:
    """The start of the Seoul-time 10-minute bucket holding the instant (returned in UTC)."""
    local = to_kst(value)
    local = local.replace(minute=local.minute - local.minute % 10, second=0, microsecond=0)
    return local.astimezone(dt.UTC)


def _arrivals(event: Event, now: dt.datetime) -> dict:
    """Check-ins per 10 minutes (Seoul clock), from doors-open or the first arrival, whichever is
    earlier, to now (or the end of the event once it is over, or the last arrival if later).

    Before doors open and with nobody in yet there are no bars. People who left still count
    where they arrived.
    """
    times = db.session.scalars(
        select(CheckIn.checked_in_at)
        .join(Registration, CheckIn.registration_id == Registration.id)
        .where(CheckIn.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED)
        .order_by(CheckIn.checked_in_at)
    ).all()
    doors_open = doors_open_at(event)
    result = {"bucket_minutes": int(BUCKET.total_seconds() // 60), "buckets": [], "max": 0, "truncated": False}
    if not times and now < doors_open:
        return result
    start = min([doors_open, *times[:1]])
    end = max([min(now, event.ends_at), *times[-1:]])
    first, last = _floor_bucket(start), _floor_bucket(end)
    count = int((last - first) / BUCKET) + 1
    if count > MAX_BUCKETS:
        first, count = last - BUCKET * (MAX_BUCKETS - 1), MAX_BUCKETS
        result["truncated"] = True
    per_bucket = [0] * count
    for arrived_at in times:
        index = int((_floor_bucket(arrived_at) - first) / BUCKET)
        if 0 <= index < count:
            per_bucket[index] += 1
    result["buckets"] = [
        {"start": (first + BUCKET * i).isoformat(), "label": kst_hhmm(first + BUCKET * i), "count": n}
        for i, n in enumerate(per_bucket)
    ]
    result["max"] = max(per_bucket)
    return result


def _scans_and_conflicts(event_id: int) -> tuple[list[dict], dict]:
    """The latest scans and the conflicts (second admissions of a badge, found when gates upload
    their offline scans: app/checkin/uploads.py) with the gate and time of the admission each
    repeats, in one query (a UNION of the two lists), the conflicts' total exact."""
    first = aliased(ScanLog)
    base = (
        select(
            ScanLog.id,
            ScanLog.scanned_at,
            ScanLog.gate,
            ScanLog.mode,
            ScanLog.result,
            Registration.name,
            first.scanned_at.label("first_at"),
            first.gate.label("first_gate"),
        )
        .outerjoin(Registration, ScanLog.registration_id == Registration.id)
        .outerjoin(first, first.id == ScanLog.conflict_with_id)
        .where(ScanLog.event_id == event_id)
        .order_by(ScanLog.scanned_at.desc(), ScanLog.id.desc())
    )
    latest = base.add_columns(literal("latest").label("kind"), literal(0).label("total")).limit(LATEST_SCANS)
    conflicts = (
        base.add_columns(literal("conflict").label("kind"), func.count().over().label("total"))
        .where(ScanLog.conflict_with_id.is_not(None), first.id.is_not(None))
        .limit(CONFLICTS_LIMIT)
    )
    rows = db.session.execute(union_all(select(latest.subquery()), select(conflicts.subquery()))).all()
    rows.sort(key=lambda r: (r.scanned_at, r.id), reverse=True)
    scans, items, total = [], [], 0
    for row in rows:
        if row.kind == "conflict":
            total = row.total
            items.append(
                {
                    "name": row.name or "",
                    "scanned_at": row.scanned_at.isoformat(),
                    "time_label": _hhmmss(row.scanned_at),
                    "gate": row.gate or "",
                    "first_scanned_at": row.first_at.isoformat(),
                    "first_time_label": _hhmmss(row.first_at),
                    "first_gate": row.first_gate or "",
                }
            )
            continue
        if row.mode == "out" and row.result == "ok":
            label = _("퇴장")
        elif row.mode == "undo" and row.result in ("ok", "undone"):
            label = _("체크인 취소")
        else:
            label = str(RESULT_LABELS.get(row.result, row.result))
        scans.append(
            {
                "scanned_at": row.scanned_at.isoformat(),
                "time_label": _hhmmss(row.scanned_at),
                "gate": row.gate or "",
                "mode": row.mode,
                "result": row.result,
                "result_label": label,
                "tone": result_tone(row.result),
                "name": row.name or "",
                # A second admission: where and when the badge had been admitted first.
                "conflict": row.first_at is not None,
                "first_time_label": _hhmmss(row.first_at) if row.first_at is not None else "",
                "first_gate": (row.first_gate or "") if row.first_at is not None else "",
            }
        )
    return scans, {"total": total, "items": items}
