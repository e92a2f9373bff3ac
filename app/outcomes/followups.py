"""Staged follow-ups: after an event each attending company is asked, by mail with a link that needs
no password, what came of the companies it met (about 2 weeks, 6 months and 12 months later).

``schedule_follow_ups(now)`` is run by the mail worker (or ``flask mail follow-ups``), never in a
request; it queues what is due and leaves the commit to its caller. Each (event, company, stage)
goes out once: the ``follow_ups`` row is inserted in a savepoint under its unique constraint with
the mail queued in the same transaction, so two schedulers at once never both send (PostgreSQL: the
second insert waits and fails on the constraint; SQLite: ``begin_write()`` queues the second
scheduler behind the first). One reminder goes to companies that have not answered after
``FOLLOWUP_REMINDER_DAYS``; it carries a new link (only a hash of a link is stored, so the first one
cannot be mailed again) and the earlier link stops working.

A stage is due from ``stage_days`` after the event's end for ``STAGE_LATE_LIMIT``; a scheduler down
longer (or a first run over old events) sends nothing stale. Stages per event kind come from
``FOLLOWUP_STAGES_DAYS``; links answer for ``FOLLOWUP_LINK_DAYS``.

Answering (``save_answers``): per company met, the stage the pair reached, an optional amount in 원,
whether it would have happened without the event, and a note. An answer at an outcome stage (from
an agreement on) is a one-sided outcome in the ledger, or confirms the outcome the other company
already reported; answers can be corrected until the link expires. Ledger stages only move forward:
a correction to a lower stage changes the answer, not the ledger.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
from collections import defaultdict

from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload, selectinload

from app import tokens
from app.database import begin_write
from app.extensions import db
from app.i18n import seoul_today
from app.mail import recipient_locales
from app.mail.outbox import queue_template
from app.models import (
    Attribution,
    CheckIn,
    Company,
    Contact,
    Event,
    EventKind,
    EventStatus,
    FollowUp,
    FollowUpAnswer,
    Meeting,
    MeetingStatus,
    Outcome,
    OutcomeParty,
    OutcomeStage,
    Registration,
    Role,
    User,
    outcome_events,
    utcnow,
)
from app.outcomes import ledger
from app.periodic import run_if_due

log = logging.getLogger(__name__)

STAGE_LATE_LIMIT = dt.timedelta(days=30)
# The worker looks for due follow-ups this often (two small queries when nothing is due).
FOLLOW_UPS_EVERY = dt.timedelta(minutes=30)
NOTE_MAX = 2000
MEETING, CONTACT, CO_ATTENDANCE = "meeting", "contact", "co_attendance"
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


class FollowUpError(Exception):
    """Input the follow-up page refuses; str(exc) is the Korean message. Nothing was written."""


# --- links -----------------------------------------------------------------------------------------


def new_token() -> tuple[str, str]:
    """A random link token (app.tokens, as every other link) and the SHA-256 hex that is stored."""
    token = tokens.new_token()
    return token, tokens.hash_token(token)


def follow_up_url(token: str) -> str:
    if has_request_context():
        return url_for("outcomes.follow_up", token=token, _external=True)
    path = current_app.url_map.bind("localhost").build("outcomes.follow_up", {"token": token})
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def find_by_token(token: str | None) -> FollowUp | None:
    """The follow-up a link names, or None for a malformed or unknown (forged, replaced) token."""
    if not token or not _TOKEN_SHAPE.match(token):
        return None
    return db.session.scalar(
        select(FollowUp)
        .where(FollowUp.token_hash == tokens.hash_token(token))
        .options(joinedload(FollowUp.event), joinedload(FollowUp.company))
    )


def is_expired(follow_up: FollowUp, now: dt.datetime) -> bool:
    return now >= follow_up.expires_at


# --- the scheduler ---------------------------------------------------------------------------------


def stages_of(kind: EventKind) -> tuple[int, ...]:
    stages = current_app.config.get("FOLLOWUP_STAGES_DAYS", {}).get(kind.value, ())
    return tuple(sorted({int(d) for d in stages}))


def _link_days() -> dt.timedelta:
    return dt.timedelta(days=int(current_app.config["FOLLOWUP_LINK_DAYS"]))


def _due(now: dt.datetime) -> list[tuple[Event, int]]:
    """(event, stage days) for every stage whose window is open at ``now``; one query."""
    stages = {kind: stages_of(kind) for kind in EventKind}
    all_days = [d for days in stages.values() for d in days]
    if not all_days:
        return []
    events = db.session.scalars(
        select(Event).where(
            Event.status == EventStatus.PUBLISHED,
            Event.kind.in_([k for k, days in stages.items() if days]),
            Event.ends_at <= now - dt.timedelta(days=min(all_days)),
            Event.ends_at > now - dt.timedelta(days=max(all_days)) - STAGE_LATE_LIMIT,
        )
    ).all()
    due = []
    for event in events:
        for days in stages[event.kind]:
            opens = event.ends_at + dt.timedelta(days=days)
            if opens <= now < opens + STAGE_LATE_LIMIT:
                due.append((event, days))
    return due


@dataclasses.dataclass
class _Recipient:
    email: str
    registration_id: int | None


def _recipients(event_ids: list[int]) -> dict[tuple[int, int], _Recipient]:
    """(event, company) -> whom to ask: the company's first checked-in attendee whose data is kept,
    else (data purged, e.g. at 12 months) the company's first active member account. Two queries."""
    checked_in = db.session.execute(
        select(
            Registration.event_id, Registration.company_id, Registration.id, Registration.email, Registration.purged_at
        )
        .join(CheckIn, CheckIn.registration_id == Registration.id)
        .where(Registration.event_id.in_(event_ids), Registration.company_id.is_not(None))
        .distinct()
        .order_by(Registration.id)
    ).all()
    out: dict[tuple[int, int], _Recipient] = {}
    needs_account: set[tuple[int, int]] = set()
    for event_id, company_id, registration_id, email, purged_at in checked_in:
        key = (event_id, company_id)
        if key in out:
            continue
        if purged_at is None and email:
            out[key] = _Recipient(email, registration_id)
            needs_account.discard(key)
        else:
            needs_account.add(key)
    if needs_account:
        accounts: dict[int, str] = {}
        for company_id, email in db.session.execute(
            select(User.company_id, User.email)
            .where(
                User.company_id.in_({c for _e, c in needs_account}),
                User.role == Role.MEMBER,
                User.is_active_account.is_(True),
            )
            .order_by(User.id)
        ):
            accounts.setdefault(company_id, email)
        for key in needs_account:
            if key[1] in accounts:
                out[key] = _Recipient(accounts[key[1]], None)
    return out


def _claim(follow_up: FollowUp) -> bool:
    """Insert the once-only row; False when another scheduler already has it."""
    try:
        with db.session.begin_nested():
            db.session.add(follow_up)
    except IntegrityError:
        return False
    return True


def schedule_follow_ups(now: dt.datetime | None = None) -> dict[str, int]:
    """Queue every follow-up and reminder due at ``now``; returns {"sent": n, "reminded": m}.

    The caller commits. Queries: one for the events, one for existing follow-ups, two for the
    recipients, one for their languages; then one insert and one outbox row per mail; plus the
    reminders (one query, and one update and one outbox row each).
    """
    now = now or utcnow()
    begin_write()
    counts = {"sent": 0, "reminded": 0}
    due = _due(now)
    if due:
        event_ids = sorted({e.id for e, _d in due})
        existing = set(
            db.session.execute(
                select(FollowUp.event_id, FollowUp.company_id, FollowUp.stage_days).where(
                    FollowUp.event_id.in_(event_ids)
                )
            ).all()
        )
        recipients = _recipients(event_ids)
        locales = recipient_locales(sorted({r.email for r in recipients.values()}))
        companies = {
            c.id: c for c in db.session.scalars(select(Company).where(Company.id.in_({c for _e, c in recipients})))
        }
        for event, days in due:
            for (event_id, company_id), recipient in sorted(recipients.items()):
                if event_id != event.id or (event_id, company_id, days) in existing:
                    continue
                token, digest = new_token()
                follow_up = FollowUp(
                    event_id=event.id,
                    company_id=company_id,
                    stage_days=days,
                    respondent_id=recipient.registration_id,
                    token_hash=digest,
                    sent_at=now,
                    expires_at=now + _link_days(),
                )
                if not _claim(follow_up):
                    continue
                _queue(recipient.email, locales[recipient.email], event, companies[company_id], follow_up, token)
                counts["sent"] += 1
    counts["reminded"] = _send_reminders(now)
    db.session.flush()
    return counts


def _queue(email: str, locale: str, event: Event, company: Company, follow_up: FollowUp, token: str, *, reminder=False):
    queue_template(
        email,
        "followup",
        locale=locale,
        event=event,
        company=company,
        stage=stage_label(follow_up.stage_days),
        expires_at=follow_up.expires_at,
        follow_up_url=follow_up_url(token),
        reminder=reminder,
    )


def _send_reminders(now: dt.datetime) -> int:
    """One reminder, with a new link, to follow-ups unanswered after FOLLOWUP_REMINDER_DAYS that
    still have more than a day to run. A conditional update claims each, so it goes out once."""
    after = dt.timedelta(days=int(current_app.config["FOLLOWUP_REMINDER_DAYS"]))
    pending = db.session.scalars(
        select(FollowUp)
        .where(
            FollowUp.answered_at.is_(None),
            FollowUp.reminded_at.is_(None),
            FollowUp.sent_at <= now - after,
            FollowUp.expires_at > now + dt.timedelta(days=1),
        )
        .options(joinedload(FollowUp.event), joinedload(FollowUp.company))
        .order_by(FollowUp.id)
    ).all()
    if not pending:
        return 0
    recipients = _recipients(sorted({f.event_id for f in pending}))
    locales = recipient_locales(sorted({r.email for r in recipients.values()}))
    sent = 0
    for follow_up in pending:
        recipient = recipients.get((follow_up.event_id, follow_up.company_id))
        if recipient is None:
            continue
        token, digest = new_token()
        claimed = db.session.execute(
            update(FollowUp)
            .where(FollowUp.id == follow_up.id, FollowUp.reminded_at.is_(None), FollowUp.answered_at.is_(None))
            .values(reminded_at=now, token_hash=digest)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:
            continue
        _queue(
            recipient.email,
            locales[recipient.email],
            follow_up.event,
            follow_up.company,
            follow_up,
            token,
            reminder=True,
        )
        sent += 1
    return sent


def follow_ups_if_due(last_run: dt.datetime | None, now: dt.datetime | None = None) -> dt.datetime | None:
    """The worker's step: run and commit every ``FOLLOW_UPS_EVERY``; returns the time of the last run."""

    def step(at: dt.datetime) -> None:
        counts = schedule_follow_ups(at)
        db.session.commit()
        if any(counts.values()):
            log.info("follow-ups queued: %s", counts)

    return run_if_due(last_run, now, FOLLOW_UPS_EVERY, step)


# --- the answer page -------------------------------------------------------------------------------


@dataclasses.dataclass
class MetCompany:
    company: Company
    met_by: str  # meeting, contact, co_attendance
    answer: FollowUpAnswer | None = None


def attending_companies(event_id: int) -> list[Company]:
    """Companies with someone checked in at the event, in 가나다 order; one query."""
    return list(
        db.session.scalars(
            select(Company)
            .where(
                Company.id.in_(
                    select(Registration.company_id)
                    .join(CheckIn, CheckIn.registration_id == Registration.id)
                    .where(Registration.event_id == event_id, Registration.company_id.is_not(None))
                )
            )
            .order_by(Company.sort_name, Company.id)
        )
    )


def _met(event_id: int, company_id: int, present: set[int]) -> dict[int, str]:
    """Other company -> how it was met at the event: an accepted meeting with both there, else
    a contact exchanged. Two queries."""
    met: dict[int, str] = {}
    for a, b in db.session.execute(
        select(Meeting.requester_company_id, Meeting.invitee_company_id).where(
            Meeting.event_id == event_id,
            Meeting.status == MeetingStatus.ACCEPTED,
            or_(Meeting.requester_company_id == company_id, Meeting.invitee_company_id == company_id),
        )
    ):
        other = b if a == company_id else a
        if other != company_id and other in present and company_id in present:
            met[other] = MEETING
    owner, other_reg = aliased(Registration), aliased(Registration)
    for a, b in db.session.execute(
        select(owner.company_id, other_reg.company_id)
        .select_from(Contact)
        .join(owner, owner.id == Contact.owner_registration_id)
        .join(other_reg, other_reg.id == Contact.other_registration_id)
        .where(Contact.event_id == event_id, or_(owner.company_id == company_id, other_reg.company_id == company_id))
    ):
        other = b if a == company_id else a
        if other is not None and other != company_id:
            met.setdefault(other, CONTACT)
    return met


@dataclasses.dataclass
class AnswerPage:
    follow_up: FollowUp
    met: list[MetCompany]  # met companies and those already answered about, in 가나다 order
    others: list[Company]  # attending companies one may add (not oneself, not already listed)


def answer_page(follow_up: FollowUp) -> AnswerPage:
    attending = attending_companies(follow_up.event_id)
    by_id = {c.id: c for c in attending}
    met = _met(follow_up.event_id, follow_up.company_id, set(by_id))
    answers = {
        a.other_company_id: a
        for a in db.session.scalars(
            select(FollowUpAnswer)
            .where(FollowUpAnswer.follow_up_id == follow_up.id)
            .options(joinedload(FollowUpAnswer.other_company))
        )
    }
    rows: dict[int, MetCompany] = {}
    for company_id, how in met.items():
        company = by_id.get(company_id) or db.session.get(Company, company_id)
        if company is not None:
            rows[company_id] = MetCompany(company, how)
    for company_id, answer in answers.items():
        row = rows.setdefault(company_id, MetCompany(answer.other_company, answer.met_by))
        row.answer = answer
    listed = sorted(rows.values(), key=lambda r: (r.company.sort_name, r.company.id))
    others = [c for c in attending if c.id != follow_up.company_id and c.id not in rows]
    return AnswerPage(follow_up, listed, others)


@dataclasses.dataclass(frozen=True)
class AnswerInput:
    """One row of the form as typed: the other company's id and the texts of its fields."""

    company_id: str
    stage: str
    amount: str = ""
    attribution: str = ""
    note: str = ""


@dataclasses.dataclass(frozen=True)
class _Checked:
    company: Company
    met_by: str
    stage: OutcomeStage
    amount_won: int | None
    attribution: Attribution | None
    note: str


def _check(page: AnswerPage, rows: list[AnswerInput]) -> list[_Checked]:
    follow_up = page.follow_up
    allowed = {r.company.id: (r.company, r.met_by) for r in page.met}
    allowed.update({c.id: (c, CO_ATTENDANCE) for c in page.others})
    answered = {r.company.id for r in page.met if r.answer is not None}
    checked: list[_Checked] = []
    seen: set[int] = set()
    for row in rows:
        raw_id = (row.company_id or "").strip()
        if not raw_id:
            if row.stage or row.amount.strip() or row.note.strip():
                raise FollowUpError(_("답변할 기업을 골라 주세요."))
            continue
        try:
            company_id = int(raw_id)
        except ValueError:
            raise FollowUpError(_("기업을 목록에서 골라 주세요.")) from None
        if company_id == follow_up.company_id:
            raise FollowUpError(_("우리 기업에 대해서는 답변할 수 없습니다. 만난 다른 기업을 골라 주세요."))
        if company_id not in allowed:
            raise FollowUpError(_("선택한 기업은 이 행사에 참가한 기업이 아닙니다. 목록에서 골라 주세요."))
        if company_id in seen:
            raise FollowUpError(_("같은 기업을 두 번 고르셨습니다. 한 번만 답해 주세요."))
        seen.add(company_id)
        company, met_by = allowed[company_id]
        if not row.stage:
            if company_id in answered:
                raise FollowUpError(
                    _("%(name)s에 대한 답변은 비울 수 없습니다. 단계를 골라 주세요.", name=company.name)
                )
            if row.amount.strip() or row.note.strip() or row.attribution:
                raise FollowUpError(_("%(name)s와(과)의 진행 단계를 골라 주세요.", name=company.name))
            continue
        try:
            stage = OutcomeStage(row.stage)
        except ValueError:
            raise FollowUpError(_("진행 단계를 목록에서 골라 주세요.")) from None
        try:
            amount = ledger.parse_amount(row.amount)
        except ledger.OutcomeError as exc:
            raise FollowUpError(f"{company.name}: {exc}") from None
        attribution = None
        if row.attribution:
            try:
                attribution = Attribution(row.attribution)
            except ValueError:
                raise FollowUpError(_("행사 기여도를 목록에서 골라 주세요.")) from None
        note = (row.note or "").strip()
        if len(note) > NOTE_MAX:
            raise FollowUpError(_("메모는 2,000자 이내로 입력해 주세요."))
        checked.append(_Checked(company, met_by, stage, amount, attribution, note))
    if not checked and not answered:
        raise FollowUpError(_("만난 기업 중 하나 이상에 대해 진행 단계를 골라 주세요."))
    return checked


def save_answers(follow_up: FollowUp, rows: list[AnswerInput], *, now: dt.datetime) -> list[str]:
    """Check every row, then create or correct the answers and record outcomes in the ledger.

    FollowUpError (Korean) when anything is wrong, before anything is written; returns notices for
    the page (e.g. a ledger outcome that a lower stage could not move back). The caller commits.
    Saves of one event's follow-ups run one after the other: the event's row is locked
    (PostgreSQL) or the transaction is the writer (SQLite) before anything is read. Two saves of
    one follow-up (a double click) would otherwise both add its answers, and two companies
    answering about each other at the same moment would each add an outcome for the pair.
    """
    begin_write()
    _lock_event_answers(follow_up.event_id)
    db.session.expire_all()  # what the other save committed, not what this session had loaded
    if is_expired(follow_up, now):
        raise FollowUpError(_("답변 기간이 끝난 링크입니다."))
    page = answer_page(follow_up)
    checked = _check(page, rows)
    existing = {r.company.id: r.answer for r in page.met if r.answer is not None}
    notices: list[str] = []
    for item in checked:
        answer = existing.get(item.company.id)
        previous = answer.stage if answer is not None else None
        if answer is None:
            answer = FollowUpAnswer(follow_up=follow_up, other_company_id=item.company.id, met_by=item.met_by)
            db.session.add(answer)
        answer.stage = item.stage
        answer.amount_won = item.amount_won
        answer.attribution = item.attribution
        answer.note = item.note
        answer.updated_at = now
        db.session.flush()
        if item.stage.is_outcome:
            notice = _record_outcome(follow_up, answer, item)
        elif previous is not None and previous.is_outcome:
            outcome = _pair_outcome(follow_up, answer, item.company.id)
            notice = _moved_back_notice(item.company, outcome) if outcome is not None else None
        else:
            notice = None
        if notice:
            notices.append(notice)
    follow_up.answered_at = now
    db.session.flush()
    return notices


def _lock_event_answers(event_id: int) -> None:
    """PostgreSQL: wait for any other save of this event's follow-ups (SQLite: begin_write did)."""
    db.session.execute(select(Event.id).where(Event.id == event_id).with_for_update())


def _pair_outcome(follow_up: FollowUp, answer: FollowUpAnswer, other_id: int) -> Outcome | None:
    """The ledger outcome this answer stands for: the one it created, else one attributed to this
    event naming exactly these two companies (reported by the other company, or by staff)."""
    own = db.session.scalar(
        select(Outcome).where(Outcome.follow_up_answer_id == answer.id).options(selectinload(Outcome.parties))
    )
    if own is not None:
        return own
    pair = {follow_up.company_id, other_id}
    candidates = db.session.scalars(
        select(Outcome)
        .join(outcome_events, and_(outcome_events.c.outcome_id == Outcome.id))
        .where(
            outcome_events.c.event_id == follow_up.event_id,
            Outcome.id.in_(select(OutcomeParty.outcome_id).where(OutcomeParty.company_id == follow_up.company_id)),
            Outcome.id.in_(select(OutcomeParty.outcome_id).where(OutcomeParty.company_id == other_id)),
        )
        .options(selectinload(Outcome.parties))
        .order_by(Outcome.id)
    ).all()
    return next((o for o in candidates if {p.company_id for p in o.parties} == pair), None)


def _moved_back_notice(other: Company, outcome: Outcome) -> str:
    return _(
        "%(name)s와(과)의 성과는 장부에 이미 '%(stage)s' 단계로 기록되어 있습니다. 장부의 단계는 "
        "앞으로만 바뀌니, 잘못 기록된 것이라면 클러스터팀에 알려 주세요.",
        name=other.name,
        stage=outcome.stage.label,
    )


def _record_outcome(follow_up: FollowUp, answer: FollowUpAnswer, item: _Checked) -> str | None:
    company_id = follow_up.company_id
    outcome = _pair_outcome(follow_up, answer, item.company.id)
    try:
        if outcome is None:
            with force_locale("ko"):
                title = f"{follow_up.company.name} · {item.company.name}: {item.stage.label}"
            ledger.record_outcome(
                title=title[: ledger.TITLE_MAX],
                stage=item.stage,
                occurred_on=seoul_today(),
                company_ids=[company_id, item.company.id],
                event_ids=[follow_up.event_id],
                amount_won=item.amount_won,
                attribution=item.attribution,
                description=item.note,
                source="followup",
                reported_by_company_id=company_id,
                follow_up_answer=answer,
            )
            return None
        if item.stage.rank > outcome.stage.rank:
            ledger.advance_stage(
                outcome,
                item.stage,
                occurred_on=seoul_today(),
                amount_won=item.amount_won,
                by_company_id=company_id,
                summary=_("후속 설문 답변"),
            )
            return None
        if item.stage.rank < outcome.stage.rank:
            return _moved_back_notice(item.company, outcome)
        party = next((p for p in outcome.parties if p.company_id == company_id), None)
        if party is not None and party.confirmed_at is None:
            ledger.confirm_outcome(outcome, company_id)
        if outcome.follow_up_answer_id == answer.id and item.amount_won is not None:
            outcome.amount_won = item.amount_won
    except ledger.OutcomeError as exc:
        raise FollowUpError(str(exc)) from None
    return None


# --- staff: response counts per event --------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ResponseRow:
    event: Event
    stage_days: int
    sent: int
    reminded: int
    answered: int
    answers: int  # companies answered about


def response_counts(cluster_ids: list[int] | None, limit: int = 100) -> list[ResponseRow]:
    """Per event and stage (newest events first): follow-ups sent, reminded, answered, and answers.
    ``cluster_ids`` None: every cluster (admin). Three queries."""
    query = (
        select(
            FollowUp.event_id,
            FollowUp.stage_days,
            func.count(FollowUp.id),
            func.count(FollowUp.reminded_at),
            func.count(FollowUp.answered_at),
        )
        .join(Event, Event.id == FollowUp.event_id)
        .group_by(FollowUp.event_id, FollowUp.stage_days)
    )
    if cluster_ids is not None:
        query = query.where(Event.host_cluster_id.in_(cluster_ids or [-1]))
    counts = db.session.execute(query).all()
    if not counts:
        return []
    event_ids = sorted({row[0] for row in counts})
    answers: dict[tuple[int, int], int] = defaultdict(int)
    for event_id, days, n in db.session.execute(
        select(FollowUp.event_id, FollowUp.stage_days, func.count(FollowUpAnswer.id))
        .join(FollowUpAnswer, FollowUpAnswer.follow_up_id == FollowUp.id)
        .where(FollowUp.event_id.in_(event_ids))
        .group_by(FollowUp.event_id, FollowUp.stage_days)
    ):
        answers[(event_id, days)] = n
    events = {e.id: e for e in db.session.scalars(select(Event).where(Event.id.in_(event_ids)))}
    rows = [ResponseRow(events[e], d, s, r, a, answers[(e, d)]) for e, d, s, r, a in counts]
    rows.sort(key=lambda r: (-r.event.ends_at.timestamp(), r.event.id, r.stage_days))
    return rows[:limit]


def stage_label(days: int) -> str:
    """ "2주", "6개월", "12개월" for the usual stages; otherwise the days after the event."""
    if days == 14:
        return _("2주")
    if days in (182, 183):
        return _("6개월")
    if days in (351, 365, 366):  # 351: the 12-month stage, sent before the personal data goes
        return _("12개월")
    return _("%(days)d일", days=days)
