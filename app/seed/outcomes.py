"""Demo outcomes: what came of the past meetings, so the impact report tells a story on `make run`.

The research group born from the meetings wins a government project (the agency's flagship story,
over 5 billion won), a DMC night leads to an MoU and a contract, and one one-sided report waits for
the other company's confirmation. Recorded as staff would record them, with their history; looked
up by title (idempotent). Never commits.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import select

from app.extensions import db
from app.models import Company, Event, Outcome, OutcomeChange, OutcomeParty, OutcomeStage, User
from app.seed.data import COMPANY_BY_DOMAIN, STAFF_OF


@dataclasses.dataclass(frozen=True)
class OutcomeSeed:
    title: str
    description: str
    stage: OutcomeStage
    parties: tuple[str, ...]  # company domains
    events: tuple[str, ...]  # event titles it is attributed to
    days_after: int  # after the last of its events
    amount_won: int | None = None
    confirmed: bool = True
    recorded_by: str = "yangjae"  # whose staff recorded it (STAFF_OF)


OUTCOMES = (
    OutcomeSeed(
        "공공데이터 활용 AI 실증 과제 수주",
        "빅데이터연구회 모임과 연합 포럼에서 만난 네 기업이 컨소시엄을 꾸려 정부 실증 과제를 따냈습니다.",
        OutcomeStage.GOV_PROJECT,
        ("deeplight", "datasulgi", "nurimedia", "codenuri"),
        ("빅데이터연구회 제5차 정기모임", "제1회 서울 클러스터 연합 포럼"),
        days_after=10,
        amount_won=5_200_000_000,
    ),
    OutcomeSeed(
        "웹툰 원작 영상화 업무협약",
        "DMC 네트워킹 나이트의 1:1 미팅에서 시작해 원작 두 편의 영상화 MoU를 맺었습니다.",
        OutcomeStage.AGREEMENT,
        ("nurimedia", "ieumtoon"),
        ("제14회 DMC 네트워킹 나이트",),
        days_after=18,
        recorded_by="dmc",
    ),
    OutcomeSeed(
        "게임 사운드 외주 계약",
        "미팅 후 두 번의 추가 협의를 거쳐 신작 게임의 사운드 제작 계약을 맺었습니다.",
        OutcomeStage.CONTRACT,
        ("byeolbit", "daonsound"),
        ("제14회 DMC 네트워킹 나이트",),
        days_after=25,
        amount_won=48_000_000,
        recorded_by="dmc",
    ),
    OutcomeSeed(
        "스마트공장 센서 공동 제안",
        "연합 포럼에서 만난 두 기업이 센서 데이터 분석을 묶어 공동 제안서를 냈습니다 (한쪽 보고).",
        OutcomeStage.JOINT_RD,
        ("sfone", "geosensor"),
        ("제1회 서울 클러스터 연합 포럼",),
        days_after=15,
        confirmed=False,
        recorded_by="guro",
    ),
)


def seed_outcomes(now: dt.datetime) -> int:
    """Create the demo outcomes that are missing and whose events and companies exist."""
    existing = set(db.session.scalars(select(Outcome.title).where(Outcome.title.in_([o.title for o in OUTCOMES]))))
    events = {
        e.title_ko: e
        for e in db.session.scalars(select(Event).where(Event.title_ko.in_([t for o in OUTCOMES for t in o.events])))
    }
    brns = [COMPANY_BY_DOMAIN[d].brn for o in OUTCOMES for d in o.parties]
    companies = {c.brn: c for c in db.session.scalars(select(Company).where(Company.brn.in_(brns)))}
    staff = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(list(STAFF_OF.values()))))}
    created = 0
    for seed in OUTCOMES:
        attributed = [events[t] for t in seed.events if t in events]
        parties = [companies.get(COMPANY_BY_DOMAIN[d].brn) for d in seed.parties]
        if seed.title in existing or len(attributed) != len(seed.events) or None in parties:
            continue
        latest = max(e.ends_at for e in attributed)
        if latest > now:
            continue  # its events have not happened yet (they move with the clock)
        # Some days after its events, but never later than today: the demo events move with the
        # clock, and an event of three weeks ago still gets its contract.
        occurred = min(latest + dt.timedelta(days=seed.days_after), now)
        by = staff.get(STAFF_OF.get(seed.recorded_by, ""))
        outcome = Outcome(
            title=seed.title,
            description=seed.description,
            stage=seed.stage,
            occurred_on=occurred.date(),
            amount_won=seed.amount_won,
            source="staff" if seed.confirmed else "followup",
            confirmed=seed.confirmed,
            recorded_by=by if seed.confirmed else None,
            reported_by_company=None if seed.confirmed else parties[0],
            parties=[
                OutcomeParty(company=c, confirmed_at=occurred if seed.confirmed or i == 0 else None)
                for i, c in enumerate(parties)
            ],
            events=attributed,
            created_at=occurred,
            updated_at=occurred,
        )
        outcome.changes.append(
            OutcomeChange(
                at=occurred, what="created", to_stage=seed.stage, summary=seed.title, by_user_id=by.id if by else None
            )
        )
        db.session.add(outcome)
        created += 1
    db.session.flush()
    return created
