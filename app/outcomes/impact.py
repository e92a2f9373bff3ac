"""The impact report: from attending to meeting to business, with the company network and its picture.

For a cluster (or, for administrators, every cluster) and a period: the pipeline of companies
attended -> met (a meeting held or cards exchanged) -> followed up (answered a follow-up) ->
agreement -> contract or government project, the amounts won (confirmed apart from one-sided),
the network figures against the period before, the ties between clusters, the brokers, and the
outcome stories (events -> companies -> result). Reading is a fixed number of queries; the
network picture is an SVG drawn here (networkx's spring layout, seeded, so it is stable).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import statistics
from collections import Counter, defaultdict

import networkx as nx
from flask_babel import lazy_gettext as _l
from markupsafe import escape
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.i18n import to_kst
from app.models import (
    Attribution,
    Cluster,
    Company,
    Event,
    FollowUp,
    FollowUpAnswer,
    Outcome,
    OutcomeStage,
    outcome_events,
)
from app.outcomes import network

# One colour per cluster, in cluster order (colour-blind safe: Okabe-Ito).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
SVG_WIDTH, SVG_HEIGHT, MARGIN = 720, 460, 24
BUSINESS = (OutcomeStage.CONTRACT, OutcomeStage.GOV_PROJECT)
MAX_DOTS = 499
MAX_LINES = 3000
# Time from the first event an outcome is attributed to, to the outcome: the city asks how long
# business takes to grow out of a meeting (months, not days).
TIME_BUCKETS = ((91, "under_3m"), (182, "3_6m"), (365, "6_12m"), (None, "over_12m"))
TIME_BUCKET_LABELS = {
    "under_3m": _l("3개월 미만"),
    "3_6m": _l("3~6개월"),
    "6_12m": _l("6~12개월"),
    "over_12m": _l("12개월 이상"),
}
PIPELINE_LABELS = {
    "attended": _l("참석 기업"),
    "met": _l("만난 기업 (미팅·명함)"),
    "followed_up": _l("후속 설문 응답"),
    "agreement": _l("협약 이상"),
    "business": _l("계약·정부과제"),
}


@dataclasses.dataclass(frozen=True)
class Stage:
    key: str
    companies: int


@dataclasses.dataclass(frozen=True)
class Story:
    outcome: Outcome
    events: list[Event]
    companies: list[Company]

    @property
    def days_to_outcome(self) -> int | None:
        """Days from the first attributed event (Seoul date) to the outcome's date."""
        if not self.events:
            return None
        first = min(to_kst(e.starts_at).date() for e in self.events)
        return max((self.outcome.occurred_on - first).days, 0)


@dataclasses.dataclass(frozen=True)
class EventRow:
    """The pipeline of one event: companies that attended, met, answered its follow-up, agreed, won."""

    event: Event
    attended: int
    met: int
    followed_up: int
    agreement: int
    business: int
    amount_confirmed: int


@dataclasses.dataclass(frozen=True)
class TimeToOutcome:
    count: int
    median_days: float | None
    min_days: int | None
    max_days: int | None
    buckets: dict[str, int]  # TIME_BUCKETS key -> outcomes


@dataclasses.dataclass(frozen=True)
class Attributions:
    """ "Would this have happened without the event?": the follow-up answers and the ledger's outcomes."""

    answers: dict[Attribution, int]
    outcomes: dict[Attribution, int]

    @property
    def answered(self) -> int:
        return sum(self.answers.values())


@dataclasses.dataclass
class ImpactReport:
    cluster: Cluster | None  # None: every cluster
    start: dt.datetime
    end: dt.datetime
    pipeline: list[Stage]
    amount_confirmed: int
    amount_one_sided: int
    figures: network.NetworkFigures
    previous: network.NetworkFigures
    clusters: list[Cluster]
    matrix: dict[tuple[int, int], int]  # (cluster a, cluster b), a <= b -> ties
    brokers: list[tuple[Company, network.Broker]]
    stories: list[Story]
    svg: str
    by_event: list[EventRow] = dataclasses.field(default_factory=list)
    time_to_outcome: TimeToOutcome | None = None
    attributions: Attributions | None = None

    @property
    def is_empty(self) -> bool:
        return self.figures.companies == 0 and not self.stories


def _outcomes(start: dt.datetime, end: dt.datetime, cluster_id: int | None) -> list[Outcome]:
    """Outcomes attributed to events of the period (hosted by the cluster, if given)."""
    events = network.events_in(start, end, cluster_id)
    return list(
        db.session.scalars(
            select(Outcome)
            .where(Outcome.id.in_(select(outcome_events.c.outcome_id).where(outcome_events.c.event_id.in_(events))))
            .options(selectinload(Outcome.parties), selectinload(Outcome.events))
            .order_by(Outcome.occurred_on.desc(), Outcome.id)
        )
    )


def _followed_up(start: dt.datetime, end: dt.datetime, cluster_id: int | None) -> set[tuple[int, int]]:
    """(event, company) pairs of answered follow-ups of the period's events."""
    query = select(FollowUp.event_id, FollowUp.company_id).where(
        FollowUp.event_id.in_(network.events_in(start, end, cluster_id)), FollowUp.answered_at.is_not(None)
    )
    return {(event_id, company_id) for event_id, company_id in db.session.execute(query.distinct())}


def _answer_attributions(start: dt.datetime, end: dt.datetime, cluster_id: int | None) -> dict[Attribution, int]:
    """How the follow-up answers of the period's events rated the event's part, counted per answer."""
    query = (
        select(FollowUpAnswer.attribution, func.count())
        .join(FollowUp, FollowUp.id == FollowUpAnswer.follow_up_id)
        .where(
            FollowUp.event_id.in_(network.events_in(start, end, cluster_id)),
            FollowUpAnswer.attribution.is_not(None),
        )
        .group_by(FollowUpAnswer.attribution)
    )
    return {attribution: count for attribution, count in db.session.execute(query)}


def time_to_outcome(stories: list[Story]) -> TimeToOutcome:
    days = sorted(d for d in (s.days_to_outcome for s in stories) if d is not None)
    buckets = dict.fromkeys((key for _, key in TIME_BUCKETS), 0)
    for d in days:
        buckets[next(key for limit, key in TIME_BUCKETS if limit is None or d < limit)] += 1
    return TimeToOutcome(
        count=len(days),
        median_days=statistics.median(days) if days else None,
        min_days=days[0] if days else None,
        max_days=days[-1] if days else None,
        buckets=buckets,
    )


def _by_event(
    events: list[Event],
    present: dict[int, set[int]],
    ties: list[network.Tie],
    followed: set[tuple[int, int]],
    outcomes: list[Outcome],
) -> list[EventRow]:
    met: dict[int, set[int]] = defaultdict(set)
    for t in ties:
        if t.kind in (network.MEETING, network.CONTACT) and t.event_id is not None:
            met[t.event_id] |= {t.a, t.b}
    answered: dict[int, set[int]] = defaultdict(set)
    for event_id, company_id in followed:
        answered[event_id].add(company_id)
    agreed: dict[int, set[int]] = defaultdict(set)
    won: dict[int, set[int]] = defaultdict(set)
    amount: Counter = Counter()
    for o in outcomes:
        parties = {p.company_id for p in o.parties}
        for e in o.events:
            if o.stage.is_outcome:
                agreed[e.id] |= parties
            if o.stage in BUSINESS:
                won[e.id] |= parties
            if o.confirmed and o.amount_won:
                # An outcome attributed to several events counts its amount under each of them.
                amount[e.id] += o.amount_won
    return [
        EventRow(
            event=e,
            attended=len(present.get(e.id, ())),
            met=len(met[e.id]),
            followed_up=len(answered[e.id]),
            agreement=len(agreed[e.id]),
            business=len(won[e.id]),
            amount_confirmed=amount[e.id],
        )
        for e in events
    ]


def network_svg(figures: network.NetworkFigures, colour_of: dict[int, str], names: dict[int, str]) -> str:
    """Companies as dots coloured by cluster, ties as lines (thicker for heavier ties)."""
    graph = nx.Graph()
    graph.add_nodes_from(colour_of)
    for (a, b), weight in figures.pairs.items():
        graph.add_edge(a, b, weight=weight)
    if graph.number_of_nodes() == 0:
        return ""
    if graph.number_of_nodes() > MAX_DOTS:
        # The picture keeps the best-connected companies (networkx's dense layout, below 500
        # nodes, needs no SciPy); the figures above it always count everyone.
        keep = sorted(graph.nodes, key=lambda n: (-graph.degree(n), n))[:MAX_DOTS]
        graph = graph.subgraph(keep).copy()
    # Spring layout: connected companies close together; k spreads a few hundred dots readably.
    k = 1.6 / max(graph.number_of_nodes(), 1) ** 0.5
    positions = nx.spring_layout(graph, seed=20261203, k=k, iterations=60)
    xs = [p[0] for p in positions.values()]
    ys = [p[1] for p in positions.values()]
    min_x, min_y = min(xs), min(ys)
    scale_x = (SVG_WIDTH - 2 * MARGIN) / ((max(xs) - min_x) or 1.0)
    scale_y = (SVG_HEIGHT - 2 * MARGIN) / ((max(ys) - min_y) or 1.0)
    points = {
        node: (round(MARGIN + (x - min_x) * scale_x, 1), round(MARGIN + (y - min_y) * scale_y, 1))
        for node, (x, y) in positions.items()
    }

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SVG_WIDTH} {SVG_HEIGHT}" '
        f'width="{SVG_WIDTH}" height="{SVG_HEIGHT}" role="img" class="network">'
    ]
    # The heaviest ties first, at most MAX_LINES of them: a picture of every co-attendance of a
    # big forum would be a grey block (the figures count them all).
    drawn = sorted(
        ((pair, w) for pair, w in figures.pairs.items() if pair[0] in points and pair[1] in points),
        key=lambda item: (-item[1], item[0]),
    )[:MAX_LINES]
    for (a, b), weight in sorted(drawn):
        (x1, y1), (x2, y2) = points[a], points[b]
        width = min(0.6 + 0.4 * weight, 4)
        parts.append(
            f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="#888" stroke-opacity=".55" '
            f'stroke-width="{width:.1f}"/>'
        )
    radius = 5 if graph.number_of_nodes() <= 150 else 3.5
    for node in sorted(graph.nodes):
        x, y = points[node]
        name = escape(names.get(node, str(node)))
        parts.append(
            f'<circle cx="{x}" cy="{y}" r="{radius}" fill="{colour_of.get(node, "#999")}" '
            f'stroke="#fff" stroke-width="1"><title>{name}</title></circle>'
        )
    parts.append("</svg>")
    return "".join(parts)


def impact_report(cluster: Cluster | None, start: dt.datetime, end: dt.datetime) -> ImpactReport:
    cluster_id = cluster.id if cluster is not None else None
    period = network.period_ties(start, end, cluster_id)
    ties, attended = period.ties, period.attended
    outcomes = _outcomes(start, end, cluster_id)
    party_ids = {p.company_id for o in outcomes for p in o.parties}
    companies = {
        c.id: c
        for c in db.session.scalars(
            select(Company).where(Company.id.in_(period.nodes | party_ids | period.before_nodes))
        )
    }
    cluster_of = {cid: c.cluster_id for cid, c in companies.items()}
    figures = network.network_figures(ties, cluster_of, period.previous_pairs, attended)
    previous = network.network_figures(period.before_ties, cluster_of, set(), period.before_attended)

    met = {c for t in ties if t.kind in (network.MEETING, network.CONTACT) for c in (t.a, t.b)}
    followed_pairs = _followed_up(start, end, cluster_id)
    followed = {company_id for _, company_id in followed_pairs}
    agreed = {p.company_id for o in outcomes if o.stage.is_outcome for p in o.parties}
    won = {p.company_id for o in outcomes if o.stage in BUSINESS for p in o.parties}
    pipeline = [
        Stage("attended", len(attended)),
        Stage("met", len(met)),
        Stage("followed_up", len(followed)),
        Stage("agreement", len(agreed)),
        Stage("business", len(won)),
    ]
    clusters = list(db.session.scalars(select(Cluster).order_by(Cluster.id)))
    colour = cluster_colours(clusters)
    matrix: Counter = Counter()
    for a, b in figures.pairs:
        ca, cb = sorted((cluster_of.get(a) or 0, cluster_of.get(b) or 0))
        matrix[(ca, cb)] += 1
    stories = [
        Story(o, list(o.events), [companies[p.company_id] for p in o.parties if p.company_id in companies])
        for o in outcomes
        if o.stage.is_outcome
    ]
    event_ids = set(period.present) | {e.id for o in outcomes for e in o.events if start <= e.starts_at < end}
    period_events = list(
        db.session.scalars(select(Event).where(Event.id.in_(event_ids)).order_by(Event.starts_at, Event.id))
    )
    graph_nodes = period.nodes
    svg = network_svg(
        figures,
        {n: colour.get(cluster_of.get(n), "#999") for n in graph_nodes},
        {n: companies[n].name for n in graph_nodes if n in companies},
    )
    return ImpactReport(
        cluster=cluster,
        start=start,
        end=end,
        pipeline=pipeline,
        amount_confirmed=sum(o.amount_won or 0 for o in outcomes if o.confirmed),
        amount_one_sided=sum(o.amount_won or 0 for o in outcomes if not o.confirmed),
        figures=figures,
        previous=previous,
        clusters=clusters,
        matrix=dict(matrix),
        brokers=[(companies[b.company_id], b) for b in figures.brokers if b.company_id in companies],
        stories=stories,
        svg=svg,
        by_event=_by_event(period_events, period.present, ties, followed_pairs, outcomes),
        time_to_outcome=time_to_outcome(stories),
        attributions=Attributions(
            answers=_answer_attributions(start, end, cluster_id),
            outcomes=dict(Counter(o.attribution for o in outcomes if o.attribution is not None)),
        ),
    )


def cluster_colours(clusters: list[Cluster]) -> dict[int, str]:
    return {c.id: PALETTE[i % len(PALETTE)] for i, c in enumerate(clusters)}
