"""The outcome ledger: record business that came out of events, move it forward, confirm it, and who sees it.

Outcomes are company business data (they outlive the personal-data retention). A company's own
report is confirmed for that company; the outcome counts in full (``confirmed``) once every company
named in it has confirmed. A stage moved forward by one company's report is that company's claim
again: the other companies' confirmations of the earlier stage no longer cover it. Stages only move
forward; every change leaves an OutcomeChange. Services here never commit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import Select, false, func, or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.i18n import seoul_today
from app.models import (
    Attribution,
    Company,
    Event,
    Outcome,
    OutcomeChange,
    OutcomeParty,
    OutcomeStage,
    Registration,
    RegistrationStatus,
    Role,
    User,
    outcome_events,
    utcnow,
)

MAX_AMOUNT = 2**63 - 1  # BigInteger
TITLE_MAX = 200
URL_MAX = 500
SOURCES = ("staff", "followup")
EVIDENCE_MAX_BYTES = 5 * 1024 * 1024  # the request limit (MAX_CONTENT_LENGTH) is 10 MB
# Documents people scan or export: PDF, images, office files. Checked by extension and magic bytes.
EVIDENCE_TYPES = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    "hwp": ("application/x-hwp", (b"\xd0\xcf\x11\xe0",)),
    "hwpx": ("application/hwp+zip", (b"PK\x03\x04",)),
}


class OutcomeError(Exception):
    """Input the ledger refuses; str(exc) is the Korean message for the user. Nothing was written."""


# --- validation ----------------------------------------------------------------------------------


def _stage(value) -> OutcomeStage:
    try:
        return value if isinstance(value, OutcomeStage) else OutcomeStage(value)
    except ValueError:
        raise OutcomeError(_("단계를 목록에서 골라 주세요.")) from None


def _attribution(value) -> Attribution | None:
    if value in (None, ""):
        return None
    try:
        return value if isinstance(value, Attribution) else Attribution(value)
    except ValueError:
        raise OutcomeError(_("행사 기여도를 목록에서 골라 주세요.")) from None


def _date(value) -> dt.date:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise OutcomeError(_("날짜를 YYYY-MM-DD 형식으로 입력해 주세요."))
    if value > seoul_today():
        raise OutcomeError(_("성과 날짜는 오늘 이후일 수 없습니다."))
    return value


def _amount(value) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise OutcomeError(_("금액은 숫자(원)로 입력해 주세요."))
    if value < 0:
        raise OutcomeError(_("금액은 0원 이상이어야 합니다."))
    if value > MAX_AMOUNT:
        raise OutcomeError(_("금액이 너무 큽니다."))
    return value


def parse_amount(text: str | None) -> int | None:
    """An amount typed in a form ("5,200,000,000", "5200000000원") as an int, None when empty."""
    cleaned = (text or "").strip().replace(",", "").replace(" ", "").removesuffix("원")
    if not cleaned:
        return None
    if not cleaned.isdigit() or not cleaned.isascii():
        if cleaned.startswith("-") and cleaned[1:].isdigit():
            raise OutcomeError(_("금액은 0원 이상이어야 합니다."))
        raise OutcomeError(_("금액은 숫자(원)로 입력해 주세요."))
    if len(cleaned.lstrip("0")) > len(str(MAX_AMOUNT)):  # before int(): Python refuses 4,300+ digits
        raise OutcomeError(_("금액이 너무 큽니다."))
    return _amount(int(cleaned))


def _url(value: str | None) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    if len(value) > URL_MAX or not value.lower().startswith(("https://", "http://")) or " " in value:
        raise OutcomeError(_("증빙 링크는 http:// 또는 https:// 로 시작하는 주소여야 합니다 (500자 이내)."))
    return value


def _ids(values: Iterable) -> list[int]:
    out: list[int] = []
    for v in values or ():
        try:
            n = int(v)
        except (TypeError, ValueError):
            continue
        if n not in out:
            out.append(n)
    return out


def _companies(company_ids: Iterable) -> list[Company]:
    ids = _ids(company_ids)
    if len(ids) < 2:
        raise OutcomeError(_("성과에는 서로 다른 기업이 둘 이상 있어야 합니다."))
    companies = list(db.session.scalars(select(Company).where(Company.id.in_(ids))))
    if len(companies) != len(ids):
        raise OutcomeError(_("선택한 기업 중 없는 기업이 있습니다."))
    return sorted(companies, key=lambda c: ids.index(c.id))


def _events(event_ids: Iterable) -> list[Event]:
    ids = _ids(event_ids)
    if not ids:
        raise OutcomeError(_("성과가 나온 행사를 하나 이상 골라 주세요."))
    events = list(db.session.scalars(select(Event).where(Event.id.in_(ids))))
    if len(events) != len(ids):
        raise OutcomeError(_("선택한 행사 중 없는 행사가 있습니다."))
    return events


def _attended(event_ids: list[int], company_ids: list[int]) -> set[int]:
    """Companies among these with a confirmed registration at any of these events (one query)."""
    return set(
        db.session.scalars(
            select(Registration.company_id)
            .where(
                Registration.event_id.in_(event_ids),
                Registration.company_id.in_(company_ids),
                Registration.status == RegistrationStatus.CONFIRMED,
            )
            .distinct()
        )
    )


def _check_companies_at_events(companies: list[Company], events: list[Event]) -> None:
    present = _attended([e.id for e in events], [c.id for c in companies])
    outside = [c.name for c in companies if c.id not in present]
    if outside:
        raise OutcomeError(
            _("%(names)s 은(는) 선택한 행사에 참가하지 않은 기업입니다.", names=", ".join(sorted(outside)))
        )


def _refresh_confirmed(outcome: Outcome) -> None:
    outcome.confirmed = bool(outcome.parties) and all(p.confirmed_at is not None for p in outcome.parties)


def _user_id(user: User | None) -> int | None:
    return user.id if user is not None else None


# --- services ------------------------------------------------------------------------------------


def record_outcome(
    *,
    title: str,
    stage,
    occurred_on: dt.date,
    company_ids: Iterable[int],
    event_ids: Iterable[int],
    amount_won: int | None = None,
    attribution=None,
    description: str = "",
    source: str = "staff",
    reported_by_company_id: int | None = None,
    recorded_by: User | None = None,
    follow_up_answer=None,
    evidence_url: str | None = None,
) -> Outcome:
    """A new outcome with its companies and events and a "created" history row; OutcomeError on bad input."""
    title = (title or "").strip()
    if not title:
        raise OutcomeError(_("성과 제목을 입력해 주세요."))
    if len(title) > TITLE_MAX:
        raise OutcomeError(_("성과 제목은 200자 이내로 입력해 주세요."))
    stage = _stage(stage)
    occurred_on = _date(occurred_on)
    amount_won = _amount(amount_won)
    attribution = _attribution(attribution)
    evidence_url = _url(evidence_url)
    if source not in SOURCES:
        raise OutcomeError(_("알 수 없는 출처입니다."))
    companies = _companies(company_ids)
    if reported_by_company_id is not None and reported_by_company_id not in {c.id for c in companies}:
        raise OutcomeError(_("보고한 기업은 성과의 기업 중 하나여야 합니다."))
    events = _events(event_ids)
    _check_companies_at_events(companies, events)

    if follow_up_answer is not None and follow_up_answer.id is None:
        db.session.flush()
    now = utcnow()
    outcome = Outcome(
        title=title,
        description=(description or "").strip(),
        stage=stage,
        occurred_on=occurred_on,
        amount_won=amount_won,
        attribution=attribution,
        source=source,
        evidence_url=evidence_url,
        reported_by_company_id=reported_by_company_id,
        recorded_by_id=_user_id(recorded_by),
        follow_up_answer_id=follow_up_answer.id if follow_up_answer is not None else None,
        parties=[
            OutcomeParty(company_id=c.id, confirmed_at=now if c.id == reported_by_company_id else None)
            for c in companies
        ],
        events=events,
        created_at=now,
        updated_at=now,
    )
    _refresh_confirmed(outcome)
    outcome.changes.append(
        OutcomeChange(
            at=now,
            what="created",
            to_stage=stage,
            summary=title[:500],
            by_user_id=_user_id(recorded_by),
            by_company_id=reported_by_company_id,
        )
    )
    db.session.add(outcome)
    db.session.flush()
    return outcome


def advance_stage(
    outcome: Outcome,
    stage,
    *,
    occurred_on: dt.date | None = None,
    amount_won: int | None = None,
    by_user: User | None = None,
    by_company_id: int | None = None,
    summary: str = "",
) -> None:
    """Move the outcome to a later stage (never back), optionally with its new date and amount.

    Moved by a company's report, only that company has confirmed the new stage; moved by staff
    (what they learnt), the confirmations stand.
    """
    stage = _stage(stage)
    if stage.rank <= outcome.stage.rank:
        raise OutcomeError(
            _(
                "단계는 앞으로만 옮길 수 있습니다 (현재: %(current)s).",
                current=outcome.stage.label,
            )
        )
    if occurred_on is not None:
        occurred_on = _date(occurred_on)
    amount_won = _amount(amount_won)
    party_ids = {p.company_id for p in outcome.parties}
    if by_company_id is not None and by_company_id not in party_ids:
        raise OutcomeError(_("이 성과에 이름이 없는 기업입니다."))

    now = utcnow()
    previous = outcome.stage
    outcome.stage = stage
    if occurred_on is not None:
        outcome.occurred_on = occurred_on
    if amount_won is not None:
        outcome.amount_won = amount_won
    if by_company_id is not None:
        for party in outcome.parties:
            party.confirmed_at = now if party.company_id == by_company_id else None
    _refresh_confirmed(outcome)
    outcome.updated_at = now
    outcome.changes.append(
        OutcomeChange(
            at=now,
            what="stage",
            from_stage=previous,
            to_stage=stage,
            summary=(summary or "").strip()[:500],
            by_user_id=_user_id(by_user),
            by_company_id=by_company_id,
        )
    )
    db.session.flush()


def confirm_outcome(outcome: Outcome, company_id: int, *, by_user: User | None = None) -> None:
    """That company confirms the outcome (idempotent); it counts in full once every company has."""
    party = next((p for p in outcome.parties if p.company_id == company_id), None)
    if party is None:
        raise OutcomeError(_("이 성과에 이름이 없는 기업입니다."))
    if party.confirmed_at is not None:
        return
    now = utcnow()
    party.confirmed_at = now
    _refresh_confirmed(outcome)
    outcome.updated_at = now
    company = db.session.get(Company, company_id)
    outcome.changes.append(
        OutcomeChange(
            at=now,
            what="confirmed",
            summary=company.name[:500] if company else "",
            by_user_id=_user_id(by_user),
            by_company_id=company_id,
        )
    )
    db.session.flush()


def link_events(outcome: Outcome, event_ids: Iterable[int], *, by_user: User | None = None) -> int:
    """Attribute the outcome to more events (each attended by at least one of its companies); how many were new."""
    events = _events(event_ids)
    known = {e.id for e in outcome.events}
    new = [e for e in events if e.id not in known]
    if not new:
        raise OutcomeError(_("이미 연결된 행사입니다."))
    party_ids = [p.company_id for p in outcome.parties]
    attended = {
        event_id
        for (event_id,) in db.session.execute(
            select(Registration.event_id)
            .where(
                Registration.event_id.in_([e.id for e in new]),
                Registration.company_id.in_(party_ids),
                Registration.status == RegistrationStatus.CONFIRMED,
            )
            .distinct()
        )
    }
    outside = [e.title_ko for e in new if e.id not in attended]
    if outside:
        raise OutcomeError(_("%(titles)s 에는 이 성과의 기업이 참가하지 않았습니다.", titles=", ".join(outside)))
    now = utcnow()
    outcome.events.extend(new)
    outcome.updated_at = now
    outcome.changes.append(
        OutcomeChange(
            at=now,
            what="events",
            summary=", ".join(e.title_ko for e in new)[:500],
            by_user_id=_user_id(by_user),
        )
    )
    db.session.flush()
    return len(new)


def evidence_type(filename: str, data: bytes) -> str:
    """The content type of an evidence file, or OutcomeError when it is too big or not an allowed type."""
    if not data:
        raise OutcomeError(_("빈 파일은 올릴 수 없습니다."))
    if len(data) > EVIDENCE_MAX_BYTES:
        raise OutcomeError(_("증빙 파일은 5MB 이하만 올릴 수 있습니다."))
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    allowed = EVIDENCE_TYPES.get(extension)
    if allowed is None or not data.startswith(allowed[1]):
        raise OutcomeError(_("증빙 파일은 PDF, PNG, JPG, DOCX, XLSX, HWP 파일만 올릴 수 있습니다."))
    return allowed[0]


def attach_evidence(outcome: Outcome, *, filename: str, data: bytes, by_user: User | None = None) -> None:
    """Keep an evidence file with the outcome (replacing an earlier one); staff-visible only."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:200] or "evidence"
    outcome.evidence_content_type = evidence_type(name, data)
    outcome.evidence_filename = name
    outcome.evidence_data = data
    now = utcnow()
    outcome.updated_at = now
    outcome.changes.append(OutcomeChange(at=now, what="evidence", summary=name, by_user_id=_user_id(by_user)))
    db.session.flush()


def set_evidence_url(outcome: Outcome, url: str, *, by_user: User | None = None) -> None:
    """Keep a link to the evidence (an announcement, a contract registry); staff-visible only."""
    outcome.evidence_url = _url(url)
    if outcome.evidence_url is None:
        raise OutcomeError(_("증빙 파일을 고르거나 링크를 입력해 주세요."))
    now = utcnow()
    outcome.updated_at = now
    outcome.changes.append(
        OutcomeChange(at=now, what="evidence", summary=outcome.evidence_url, by_user_id=_user_id(by_user))
    )
    db.session.flush()


# --- who sees what -------------------------------------------------------------------------------


def _visible_condition(user):
    if user is None or not getattr(user, "is_authenticated", False):
        return false()
    if user.role == Role.ADMIN:
        return None
    if user.role == Role.STAFF:
        cluster_ids = [c.id for c in user.clusters]
        if not cluster_ids:
            return false()
        by_event = (
            select(outcome_events.c.outcome_id)
            .join(Event, Event.id == outcome_events.c.event_id)
            .where(Event.host_cluster_id.in_(cluster_ids))
        )
        by_company = (
            select(OutcomeParty.outcome_id)
            .join(Company, Company.id == OutcomeParty.company_id)
            .where(Company.cluster_id.in_(cluster_ids))
        )
        return or_(Outcome.id.in_(by_event), Outcome.id.in_(by_company))
    if user.company_id is None:
        return false()
    return Outcome.id.in_(select(OutcomeParty.outcome_id).where(OutcomeParty.company_id == user.company_id))


def outcomes_visible_to(user) -> Select:
    """select(Outcome) limited to what the user may see: admins all; staff the outcomes attributed to
    their clusters' events or naming their clusters' companies; a member those naming their company;
    nobody else anything. (Evidence is for staff only: see may_see_evidence.)"""
    condition = _visible_condition(user)
    query = select(Outcome)
    return query if condition is None else query.where(condition)


def can_see(user, outcome: Outcome) -> bool:
    condition = _visible_condition(user)
    if condition is None:
        return True
    return db.session.scalar(select(func.count()).select_from(Outcome).where(Outcome.id == outcome.id, condition)) > 0


def may_manage(user, outcome: Outcome) -> bool:
    """Staff who see an outcome may change it (advance, confirm for a company, link, evidence)."""
    return bool(getattr(user, "is_authenticated", False)) and user.is_staff and can_see(user, outcome)


def may_see_evidence(user, outcome: Outcome) -> bool:
    return may_manage(user, outcome)


# --- the ledger list -----------------------------------------------------------------------------

CONFIRMED = "confirmed"
ONE_SIDED = "one_sided"


@dataclasses.dataclass(frozen=True)
class LedgerFilter:
    cluster_id: int | None = None
    stage: OutcomeStage | None = None
    confirmation: str | None = None  # CONFIRMED, ONE_SIDED or None (both)
    event_id: int | None = None
    start: dt.date | None = None
    end: dt.date | None = None  # inclusive


def filtered(user, f: LedgerFilter) -> Select:
    """The user's visible outcomes narrowed by the filter (a query, newest first)."""
    query = outcomes_visible_to(user)
    if f.cluster_id is not None:
        query = query.where(
            or_(
                Outcome.id.in_(
                    select(outcome_events.c.outcome_id)
                    .join(Event, Event.id == outcome_events.c.event_id)
                    .where(Event.host_cluster_id == f.cluster_id)
                ),
                Outcome.id.in_(
                    select(OutcomeParty.outcome_id)
                    .join(Company, Company.id == OutcomeParty.company_id)
                    .where(Company.cluster_id == f.cluster_id)
                ),
            )
        )
    if f.stage is not None:
        query = query.where(Outcome.stage == f.stage)
    if f.confirmation == CONFIRMED:
        query = query.where(Outcome.confirmed.is_(True))
    elif f.confirmation == ONE_SIDED:
        query = query.where(Outcome.confirmed.is_(False))
    if f.event_id is not None:
        query = query.where(
            Outcome.id.in_(select(outcome_events.c.outcome_id).where(outcome_events.c.event_id == f.event_id))
        )
    if f.start is not None:
        query = query.where(Outcome.occurred_on >= f.start)
    if f.end is not None:
        query = query.where(Outcome.occurred_on <= f.end)
    return query


@dataclasses.dataclass(frozen=True)
class LedgerTotals:
    confirmed: int
    confirmed_amount: int
    one_sided: int
    one_sided_amount: int


def page_of(query: Select, page: int, per_page: int = 50):
    """One page of outcomes, newest first, with their companies and events loaded (the lists of the
    staff ledger and of a company's own outcomes)."""
    return db.paginate(
        query.options(
            selectinload(Outcome.parties).joinedload(OutcomeParty.company),
            selectinload(Outcome.events),
        ).order_by(Outcome.occurred_on.desc(), Outcome.id.desc()),
        page=page,
        per_page=per_page,
        error_out=False,
    )


def totals(query: Select) -> LedgerTotals:
    """Confirmed outcomes count in full; one-sided ones apart (one query)."""
    sub = query.subquery()
    rows = dict.fromkeys((True, False), (0, 0))
    for confirmed, count, amount in db.session.execute(
        select(sub.c.confirmed, func.count(), func.coalesce(func.sum(sub.c.amount_won), 0)).group_by(sub.c.confirmed)
    ):
        rows[bool(confirmed)] = (count, int(amount or 0))
    return LedgerTotals(rows[True][0], rows[True][1], rows[False][0], rows[False][1])


def all_of(query: Select) -> list[Outcome]:
    """Every outcome of the query with companies, events and who recorded it (the export)."""
    return list(
        db.session.scalars(
            query.options(
                selectinload(Outcome.parties).joinedload(OutcomeParty.company),
                selectinload(Outcome.events),
                selectinload(Outcome.recorded_by),
                selectinload(Outcome.reported_by_company),
            ).order_by(Outcome.occurred_on.desc(), Outcome.id.desc())
        )
    )
