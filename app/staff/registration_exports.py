"""An event's registration list as CSV for Excel: Korean headers, KST times, a dated Korean file name."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _

from app.exports import attachment_disposition, clean_filename, csv_bytes
from app.i18n import SEOUL
from app.models import AttendeeRole, Event, EventKind
from app.staff.registration_queries import RegistrationRow


def _kst(value: dt.datetime | None) -> str:
    # A plain, sortable form that Excel reads as a date and time.
    return value.astimezone(SEOUL).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def _header(council: bool) -> list[str]:
    header = [
        _("대기 순번"),
        _("이름"),
        _("소속 기업"),
        _("구분"),
        _("클러스터"),
        _("직함"),
        _("이메일"),
        _("휴대전화"),
    ]
    if council:
        header.append(_("협의회 참석 구분"))
    return header + [_("상태"), _("신청 일시 (KST)"), _("취소 일시 (KST)"), _("개인정보 동의 버전")]


def _values(row: RegistrationRow, council: bool) -> list:
    r = row.registration
    values = [
        row.waitlist_position or "",
        r.name,
        r.company_name,
        _("게스트") if row.is_guest else _("입주기업"),
        row.cluster_name,
        r.job_title or "",
        r.email,
        r.mobile or "",
    ]
    if council:
        values.append(r.role.label if r.role in (AttendeeRole.VOTER, AttendeeRole.OBSERVER) else "")
    return values + [r.status.label, _kst(r.created_at), _kst(r.cancelled_at), r.consent_version or ""]


def registrations_csv(event: Event, rows: list[RegistrationRow]) -> bytes:
    council = event.kind == EventKind.COUNCIL
    return csv_bytes(_header(council), (_values(row, council) for row in rows))


def registrations_disposition(event: Event) -> str:
    """e.g. 2026-12-03_DMC 송년 네트워킹_신청자 명단.csv (ASCII fallback with the event id)."""
    day = event.starts_at.astimezone(SEOUL).date().isoformat()
    title = clean_filename(event.title_ko, max_length=80)
    name = f"{day}_{title}_{_('신청자 명단')}.csv"
    return attachment_disposition(name, fallback=f"moim-event-{event.id}-{day}-registrations.csv")
