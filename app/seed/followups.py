"""Demo follow-ups: the staged follow-ups of the past events, about two in three answered, so the impact
report's "followed up" step and its attribution answers have figures on `make run`.

Each attending company gets the follow-ups whose stage has passed, as the scheduler would have sent
them (no mail is queued: the links are random and unknown, like any link already mailed). The
answers are about the companies met (1:1 meetings, contacts), or one or two co-attendees; a pair
the demo ledger holds an outcome for answers that outcome's stage and amount, and the one-sided
outcome is linked to its reporter's answer. Fixed by ``random.Random`` seeded with natural keys;
creates only what is missing and never commits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import secrets
from collections import defaultdict

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import (
    Attribution,
    CheckIn,
    Company,
    Event,
    EventKind,
    EventStatus,
    FollowUp,
    FollowUpAnswer,
    Outcome,
    OutcomeStage,
    Registration,
)
from app.outcomes import network

ANSWERED_SHARE = 0.65
# Stages of pairs without a ledger outcome, most often a contact that went nowhere or a useful one.
PLAIN_STAGES = (
    (OutcomeStage.NO_CONTACT, 3),
    (OutcomeStage.INFO_EXCHANGED, 4),
    (OutcomeStage.VALUABLE_CONTACT, 3),
    (OutcomeStage.NEGOTIATION, 1),
)
ATTRIBUTIONS = ((Attribution.NO, 3), (Attribution.PARTLY, 4), (Attribution.YES, 1), (None, 2))
NOTES = (
    "",
    "",
    "",
    "자료를 주고받았고 다음 달에 다시 만나기로 했습니다.",
    "서로 필요한 기술이 달라 당장은 협업 계획이 없습니다.",
    "시제품 테스트를 함께 해 보기로 했습니다.",
    "담당자가 바뀌어 연락이 끊겼습니다.",
)


def _weighted(rng: random.Random, choices):
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights=weights)[0]


def _stages(kind: EventKind) -> tuple[int, ...]:
    return tuple(sorted(int(d) for d in current_app.config.get("FOLLOWUP_STAGES_DAYS", {}).get(kind.value, ())))


def seed_follow_ups(now: dt.datetime) -> dict[str, int]:
    """Create the missing demo follow-ups of events whose first stage has passed, and their answers."""
    created = {"follow_ups": 0, "follow_up_answers": 0}
    kinds = [k for k in EventKind if _stages(k)]
    if not kinds:
        return created
    first = min(d for k in kinds for d in _stages(k))
    events = list(
        db.session.scalars(
            select(Event)
            .where(
                Event.status == EventStatus.PUBLISHED,
                Event.kind.in_(kinds),
                Event.ends_at <= now - dt.timedelta(days=first),
            )
            .order_by(Event.starts_at)
        )
    )
    if not events:
        return created
    event_ids = [e.id for e in events]

    # Who came: the first checked-in attendee of each company.
    respondents: dict[tuple[int, int], int] = {}
    for event_id, company_id, registration_id in db.session.execute(
        select(Registration.event_id, Registration.company_id, Registration.id)
        .join(CheckIn, CheckIn.registration_id == Registration.id)
        .where(Registration.event_id.in_(event_ids), Registration.company_id.is_not(None))
        .order_by(Registration.id)
    ):
        respondents.setdefault((event_id, company_id), registration_id)
    if not respondents:
        return created
    present: dict[int, set[int]] = defaultdict(set)
    for event_id, company_id in respondents:
        present[event_id].add(company_id)

    # Whom they met: meetings held and contacts, from the network's reading of those events.
    ties, _attended = network.collect_ties(min(e.starts_at for e in events), now)
    met: dict[tuple[int, int], dict[int, str]] = defaultdict(dict)
    for tie in ties:
        if tie.event_id in present and tie.kind in (network.MEETING, network.CONTACT):
            for own, other in ((tie.a, tie.b), (tie.b, tie.a)):
                if tie.kind == network.MEETING or other not in met[(tie.event_id, own)]:
                    met[(tie.event_id, own)][other] = tie.kind

    # What the ledger says of a pair at an event.
    outcomes: dict[tuple[int, frozenset[int]], Outcome] = {}
    for outcome in db.session.scalars(select(Outcome)):
        ids = [p.company_id for p in outcome.parties]
        for event in outcome.events:
            for a in ids:
                for b in ids:
                    if a < b:
                        outcomes.setdefault((event.id, frozenset((a, b))), outcome)

    existing = set(
        db.session.execute(
            select(FollowUp.event_id, FollowUp.company_id, FollowUp.stage_days).where(FollowUp.event_id.in_(event_ids))
        ).all()
    )
    brn = dict(
        db.session.execute(select(Company.id, Company.brn).where(Company.id.in_({c for _e, c in respondents}))).all()
    )
    link_days = dt.timedelta(days=int(current_app.config["FOLLOWUP_LINK_DAYS"]))
    reminder_after = dt.timedelta(days=int(current_app.config["FOLLOWUP_REMINDER_DAYS"]))

    for event in events:
        for days in _stages(event.kind):
            sent_at = event.ends_at + dt.timedelta(days=days)
            if sent_at > now:
                continue
            for company_id in sorted(present[event.id]):
                if (event.id, company_id, days) in existing:
                    continue
                rng = random.Random(f"{event.title_ko}|{event.starts_at.date()}|{brn[company_id]}|{days}")
                follow_up = FollowUp(
                    event_id=event.id,
                    company_id=company_id,
                    stage_days=days,
                    respondent_id=respondents[(event.id, company_id)],
                    token_hash=hashlib.sha256(secrets.token_bytes(24)).hexdigest(),
                    sent_at=sent_at,
                    expires_at=sent_at + link_days,
                )
                db.session.add(follow_up)
                created["follow_ups"] += 1
                if rng.random() >= ANSWERED_SHARE:
                    # Not answered: the scheduler's one reminder went out (none is left to send).
                    reminded_at = sent_at + reminder_after
                    follow_up.reminded_at = reminded_at if reminded_at <= now else None
                    continue
                answered_at = min(sent_at + dt.timedelta(days=rng.randint(1, 10), hours=rng.randint(0, 8)), now)
                follow_up.answered_at = answered_at
                others = dict(met.get((event.id, company_id), {}))
                if not others:
                    pool = sorted(present[event.id] - {company_id})
                    others = {c: "co_attendance" for c in rng.sample(pool, min(len(pool), rng.randint(1, 2)))}
                for other_id, met_by in sorted(others.items()):
                    outcome = outcomes.get((event.id, frozenset((company_id, other_id))))
                    answer = FollowUpAnswer(
                        other_company_id=other_id,
                        met_by=met_by,
                        attribution=_weighted(rng, ATTRIBUTIONS),
                        note=rng.choice(NOTES),
                        updated_at=answered_at,
                    )
                    if outcome is not None and outcome.occurred_on <= answered_at.date():
                        answer.stage, answer.amount_won = outcome.stage, outcome.amount_won
                        answer.attribution = answer.attribution or Attribution.PARTLY
                    elif outcome is not None:
                        answer.stage = OutcomeStage.NEGOTIATION  # the outcome came after this answer
                    else:
                        answer.stage = _weighted(rng, PLAIN_STAGES)
                    follow_up.answers.append(answer)
                    created["follow_up_answers"] += 1
                    if (
                        outcome is not None
                        and outcome.source == "followup"
                        and outcome.reported_by_company_id == company_id
                        and outcome.follow_up_answer_id is None
                        and answer.stage == outcome.stage
                    ):
                        db.session.flush()
                        outcome.follow_up_answer_id = answer.id
    db.session.flush()
    return created
