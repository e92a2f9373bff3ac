"""Search at the door: people of one event by name, company or the last 4 digits of a mobile."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from app.checkin.answers import ATTENDEE_COLUMNS, Attendee, ScanRequestError, attendee_from_row, hhmm
from app.extensions import db
from app.models import CheckIn, Cluster, Company, Event, Registration, RegistrationStatus

SEARCH_LIMIT = 20
_DIGITS = re.compile(r"^\d{4}$")


@dataclasses.dataclass
class SearchHit:
    attendee: Attendee
    status: RegistrationStatus
    checked_in_at: dt.datetime | None
    checked_out_at: dt.datetime | None
    mobile_last4: str | None

    def as_json(self) -> dict:
        return {
            **self.attendee.as_json(),
            "status": self.status.value,
            "status_label": self.status.label,
            "checked_in": self.checked_in_at is not None and self.checked_out_at is None,
            "checked_in_at_label": hhmm(self.checked_in_at),
            "checked_out_at_label": hhmm(self.checked_out_at),
            "mobile_last4": self.mobile_last4,
        }


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search(event: Event, query: str) -> list[SearchHit]:
    """People of one event by part of a name or company, or the last 4 digits of a mobile.

    Confirmed first, then waitlisted, then cancelled (so the door can say why), 가나다 order.
    """
    query = (query or "").strip()
    if len(query) < 2 or len(query) > 100:
        raise ScanRequestError(_("검색어를 2자 이상 100자 이하로 입력해 주세요."))
    if _DIGITS.match(query):
        condition = func.replace(Registration.mobile, "-", "").like(f"%{query}")
    else:
        pattern = f"%{_like_escape(query.lower())}%"
        condition = or_(
            func.lower(Registration.name).like(pattern, escape="\\"),
            func.lower(Company.name).like(pattern, escape="\\"),
            func.lower(Registration.guest_company_name).like(pattern, escape="\\"),
        )
    # Status order is applied in Python below, over at most SEARCH_LIMIT * 3 rows.
    rows = db.session.execute(
        select(*ATTENDEE_COLUMNS, Registration.mobile, CheckIn.checked_in_at, CheckIn.checked_out_at)
        .outerjoin(Company, Company.id == Registration.company_id)
        .outerjoin(Cluster, Cluster.id == Company.cluster_id)
        .outerjoin(CheckIn, CheckIn.registration_id == Registration.id)
        .where(Registration.event_id == event.id, condition)
        .order_by(Registration.name, Registration.id)
        .limit(SEARCH_LIMIT * 3)
    ).all()
    rank = {RegistrationStatus.CONFIRMED: 0, RegistrationStatus.WAITLISTED: 1, RegistrationStatus.CANCELLED: 2}
    hits = [
        SearchHit(
            attendee=attendee_from_row(row[:10]),
            status=row[2],
            checked_in_at=row[11],
            checked_out_at=row[12],
            mobile_last4=(row[10] or "").replace("-", "")[-4:] or None,
        )
        for row in rows
    ]
    hits.sort(key=lambda h: rank[h.status])
    return hits[:SEARCH_LIMIT]
