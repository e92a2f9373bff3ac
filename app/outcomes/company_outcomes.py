"""A company's own view of the ledger: the companies it met at events, its report of an outcome with one
of them (one-sided until the other confirms) and its confirmation of outcomes naming it. Never commits."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.models import (
    Attribution,
    Company,
    Event,
    Outcome,
    OutcomeStage,
    Registration,
    RegistrationStatus,
    User,
    utcnow,
)
from app.outcomes import ledger

EVENT_CHOICES = 300  # the company's past events offered in the form, newest first


def _attended_events(company_id: int):
    """Ids of past events the company took part in (a confirmed registration), as a subquery."""
    return (
        select(Registration.event_id)
        .join(Event, Event.id == Registration.event_id)
        .where(
            Registration.company_id == company_id,
            Registration.status == RegistrationStatus.CONFIRMED,
            Event.starts_at <= utcnow(),
        )
    )


def companies_met(company_id: int) -> list[Company]:
    """Active companies that took part in a past event the company took part in, 가나다 order (one query)."""
    met = select(Registration.company_id).where(
        Registration.event_id.in_(_attended_events(company_id)),
        Registration.status == RegistrationStatus.CONFIRMED,
        Registration.company_id.is_not(None),
        Registration.company_id != company_id,
    )
    return list(
        db.session.scalars(
            select(Company)
            .where(Company.id.in_(met), Company.is_active.is_(True))
            .order_by(Company.sort_name, Company.id)
        )
    )


def attended_events(company_id: int) -> list[Event]:
    """The company's past events, newest first (the form's optional event choice)."""
    return list(
        db.session.scalars(
            select(Event)
            .where(Event.id.in_(_attended_events(company_id)))
            .order_by(Event.starts_at.desc(), Event.id.desc())
            .limit(EVENT_CHOICES)
        )
    )


def shared_event_ids(company_id: int, other_id: int) -> list[int]:
    """Past events both companies took part in."""
    return list(
        db.session.scalars(
            select(Event.id)
            .where(Event.id.in_(_attended_events(company_id)), Event.id.in_(_attended_events(other_id)))
            .order_by(Event.starts_at)
        )
    )


def report_outcome(
    user: User,
    *,
    other_company_id: int | None,
    stage,
    occurred_on: dt.date,
    amount_won: int | None,
    description: str = "",
    title: str = "",
    event_id: int | None = None,
    attribution=None,
) -> Outcome:
    """The member's company reports an outcome with a company it met at an event: confirmed for the
    reporting company only (one-sided) until the other confirms. OutcomeError on bad input."""
    mine = user.company
    if mine is None:
        raise ledger.OutcomeError(_("기업에 속한 계정만 성과를 알릴 수 있습니다."))
    other = next((c for c in companies_met(mine.id) if c.id == other_company_id), None)
    if other is None:
        raise ledger.OutcomeError(_("함께 행사에 참가한 기업만 고를 수 있습니다."))
    stage = ledger._stage(stage)
    if not stage.is_outcome:
        raise ledger.OutcomeError(_("단계를 목록에서 골라 주세요."))
    if event_id is not None:
        if event_id not in {e.id for e in attended_events(mine.id)}:
            raise ledger.OutcomeError(_("우리 기업이 참가한 지난 행사만 고를 수 있습니다."))
        event_ids = [event_id]
    else:
        event_ids = shared_event_ids(mine.id, other.id)
    title = (title or "").strip() or f"{stage.label} ({mine.name} · {other.name})"[: ledger.TITLE_MAX]
    return ledger.record_outcome(
        title=title,
        stage=stage,
        occurred_on=occurred_on,
        company_ids=[mine.id, other.id],
        event_ids=event_ids,
        amount_won=amount_won,
        attribution=attribution,
        description=description,
        source="followup",
        reported_by_company_id=mine.id,
        recorded_by=user,
    )


def awaiting_confirmation(outcome: Outcome, company_id: int | None) -> bool:
    """The outcome names the company and the company has not confirmed it (reported by another side)."""
    party = next((p for p in outcome.parties if p.company_id == company_id), None)
    return party is not None and party.confirmed_at is None


STAGES = [s for s in OutcomeStage if s.is_outcome]
ATTRIBUTIONS = list(Attribution)
