"""What the door answers: result codes, their words and colours, and the attendee shown.

The JSON of an answer is the contract of docs/CHECKIN_API.md; the scanner, the scan log and the
live dashboard read results, labels and tones from here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from flask_babel import lazy_gettext as _l

from app.i18n import format_kst, kept_str, kst_hhmm, request_language
from app.i18n import kept_gettext as _  # every scan answers in words: translations kept per language
from app.models import Cluster, Company, Event, Registration
from app.models.registration import ROLE_TAG_LABELS, role_tag

# Reasons a scan can end with. The scanner colours them: ok green, the AMBER ones amber, the rest red.
OK = "ok"
ALREADY_CHECKED_IN = "already_checked_in"
NOT_CHECKED_IN = "not_checked_in"
ALREADY_CHECKED_OUT = "already_checked_out"
UNKNOWN_CODE = "unknown_code"
WRONG_EVENT = "wrong_event"
CANCELLED = "cancelled"
WAITLISTED = "waitlisted"
NOT_OPEN = "not_open"
UNDONE = "undone"
# An uploaded offline scan made after its device link had expired: logged, nobody admitted.
LINK_EXPIRED = "link_expired"
AMBER = frozenset({ALREADY_CHECKED_IN, NOT_CHECKED_IN, ALREADY_CHECKED_OUT})


def result_tone(result: str) -> str:
    """The colour of an answer on the scanner, the scan log and the dashboard: ok, warn or error."""
    if result in (OK, UNDONE):
        return "ok"
    return "warn" if result in AMBER else "error"


RESULT_LABELS = {
    OK: _l("체크인 완료"),
    ALREADY_CHECKED_IN: _l("이미 체크인"),
    NOT_CHECKED_IN: _l("체크인 기록 없음"),
    ALREADY_CHECKED_OUT: _l("이미 퇴장"),
    UNKNOWN_CODE: _l("등록되지 않은 코드"),
    WRONG_EVENT: _l("다른 행사"),
    CANCELLED: _l("취소된 신청"),
    WAITLISTED: _l("대기자"),
    NOT_OPEN: _l("체크인 시간 아님"),
    UNDONE: _l("체크인 취소"),
    LINK_EXPIRED: _l("만료된 링크의 스캔"),
}


@dataclasses.dataclass
class Attendee:
    registration_id: int
    name: str
    company: str
    cluster: str
    role: str
    role_label: str

    def as_json(self) -> dict:
        # Spelled out rather than dataclasses.asdict (a deep copy): every scan answer builds one.
        return {
            "registration_id": self.registration_id,
            "name": self.name,
            "company": self.company,
            "cluster": self.cluster,
            "role": self.role,
            "role_label": self.role_label,
        }


@dataclasses.dataclass
class ScanAnswer:
    result: str
    mode: str
    attendee: Attendee | None = None
    at: dt.datetime | None = None  # check-in (or check-out) time the answer is about
    gate: str | None = None
    other_event: Event | None = None
    replayed: bool = False

    @property
    def message(self) -> str:
        return answer_message(self)

    @property
    def tone(self) -> str:
        return result_tone(self.result)

    def as_json(self) -> dict:
        other = None
        if self.other_event is not None:
            other = {
                "id": self.other_event.id,
                "title": self.other_event.title,
                "starts_at_label": format_kst(self.other_event.starts_at),
            }
        return {
            "result": self.result,
            "tone": self.tone,
            "message": self.message,
            "mode": self.mode,
            "attendee": self.attendee.as_json() if self.attendee else None,
            "checked_in_at": self.at.isoformat() if self.at else None,
            "checked_in_at_label": hhmm(self.at),
            "gate": self.gate,
            "other_event": other,
            "replayed": self.replayed,
        }


def hhmm(value: dt.datetime | None) -> str | None:
    """The answer's clock time, 19:02, or None (JSON null) when it has none."""
    return kst_hhmm(value) or None


def answer_message(answer: ScanAnswer) -> str:
    """The sentence the scanner shows, in the request's language."""
    r = answer.result
    if r == OK:
        if answer.mode == "out":
            return _("퇴장 기록 완료")
        return _("체크인 완료")
    if r == ALREADY_CHECKED_IN:
        if answer.gate:
            return _("이미 체크인됨 %(time)s · %(gate)s", time=hhmm(answer.at), gate=answer.gate)
        return _("이미 체크인됨 %(time)s", time=hhmm(answer.at))
    if r == ALREADY_CHECKED_OUT:
        return _("이미 퇴장 처리됨 %(time)s", time=hhmm(answer.at))
    if r == NOT_CHECKED_IN:
        return _("체크인 기록이 없습니다")
    if r == UNKNOWN_CODE:
        return _("등록되지 않은 코드입니다. 재발급된 명찰이거나 다른 QR일 수 있습니다.")
    if r == WRONG_EVENT:
        if answer.other_event is not None:
            return _(
                "다른 행사의 명찰입니다: %(title)s (%(when)s)",
                title=answer.other_event.title,
                when=format_kst(answer.other_event.starts_at),
            )
        return _("다른 행사의 명찰입니다.")
    if r == CANCELLED:
        return _("취소된 신청입니다. 입장할 수 없습니다.")
    if r == WAITLISTED:
        return _("대기자 명단에 있는 신청입니다. 확정된 좌석이 없습니다.")
    if r == NOT_OPEN:
        return _("지금은 체크인 시간이 아닙니다 (입장 시작 전이거나 행사가 끝났습니다).")
    if r == UNDONE:
        return _("체크인을 취소했습니다")
    if r == LINK_EXPIRED:
        return _("스캐너 링크가 만료된 뒤의 스캔이라 체크인하지 않았습니다.")
    return r


class ScanRequestError(ValueError):
    """Input the API refuses with a 400 before anything is looked up or written."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


ATTENDEE_COLUMNS = (
    Registration.id,
    Registration.event_id,
    Registration.status,
    Registration.role,
    Registration.name,
    Registration.company_id,
    Registration.guest_company_name,
    Company.name,
    Cluster.name_ko,
    Cluster.name_en,
)


def attendee_from_row(row) -> Attendee:
    # A lookup row may carry more after the attendee columns (the door's row: its check-in).
    reg_id, _event_id, _status, role, name, company_id, guest_company, company_name, cl_ko, cl_en = row[
        : len(ATTENDEE_COLUMNS)
    ]
    is_guest = company_id is None
    if is_guest:
        cluster = kept_str(ROLE_TAG_LABELS["guest"])
    else:
        cluster = (cl_en if cl_en and request_language() == "en" else cl_ko) or ""
    return Attendee(
        registration_id=reg_id,
        name=name,
        company=company_name or guest_company or "",
        cluster=cluster,
        role=role.value,
        role_label=kept_str(ROLE_TAG_LABELS[role_tag(role, is_guest)]),
    )
