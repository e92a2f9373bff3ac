"""The company network: ties between companies from co-attendance, meetings held, contacts and outcomes.

Cluster-programme evaluation (Giuliani & Pietrobelli, IDB technical note 317, 2011) reads a
programme's effect from its company-to-company network: how dense it is, how many ties cross
clusters, which new ties a period added, and which companies broker between others. This module
reads the ties of a period (``collect_ties``, a fixed number of queries) and computes those
figures with networkx (``network_figures``, a pure function, tested against a hand-computed
graph). A pair of companies is one tie however many ways they met; its weight sums the kinds.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Iterable

import networkx as nx
from sqlalchemy import and_, select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import (
    CheckIn,
    Company,
    Contact,
    Event,
    Meeting,
    MeetingStatus,
    Outcome,
    OutcomeParty,
    Registration,
    outcome_events,
)

CO_ATTENDANCE, MEETING, CONTACT, OUTCOME = "co_attendance", "meeting", "contact", "outcome"
# A meeting held says more than sitting in the same room; an outcome says the most.
WEIGHTS = {CO_ATTENDANCE: 1, CONTACT: 2, MEETING: 3, OUTCOME: 5}
TOP_BROKERS = 10
BETWEENNESS_EXACT = 100


@dataclasses.dataclass(frozen=True)
class Tie:
    """Two companies (a < b) linked by one kind of encounter at one event (None: an outcome)."""

    a: int
    b: int
    kind: str
    event_id: int | None

    @staticmethod
    def of(x: int, y: int, kind: str, event_id: int | None) -> Tie:
        a, b = (x, y) if x < y else (y, x)
        return Tie(a, b, kind, event_id)


@dataclasses.dataclass(frozen=True)
class Broker:
    company_id: int
    betweenness: float  # normalized: the share of shortest paths between other pairs through it
    ties: int


@dataclasses.dataclass(frozen=True)
class NetworkFigures:
    companies: int
    ties: int  # distinct pairs
    density: float  # 2m / (n(n-1))
    cross_cluster_share: float  # ties whose two companies are of different clusters, of all ties
    new_ties: int  # pairs not tied in the previous period
    repeat_pairs: int  # pairs that met at two or more events of the period
    by_kind: dict[str, int]  # pairs with at least one tie of each kind
    brokers: list[Broker]
    pairs: dict[tuple[int, int], int]  # pair -> weight (for the picture and the exports)


def graph_of(ties: Iterable[Tie]) -> nx.Graph:
    graph = nx.Graph()
    for tie in ties:
        if tie.a == tie.b:
            continue
        if graph.has_edge(tie.a, tie.b):
            graph[tie.a][tie.b]["weight"] += WEIGHTS[tie.kind]
        else:
            graph.add_edge(tie.a, tie.b, weight=WEIGHTS[tie.kind])
    return graph


def network_figures(
    ties: list[Tie],
    cluster_of: dict[int, int],
    previous_pairs: set[tuple[int, int]] = frozenset(),
    companies: Iterable[int] = (),
) -> NetworkFigures:
    """The figures of one period's ties. ``companies``: nodes without ties that still count
    (attending companies that met nobody), so the density is over everyone who took part."""
    graph = graph_of(ties)
    graph.add_nodes_from(companies)
    n, m = graph.number_of_nodes(), graph.number_of_edges()
    pairs = {(a, b) if a < b else (b, a): data["weight"] for a, b, data in graph.edges(data=True)}
    cross = sum(1 for a, b in pairs if cluster_of.get(a) != cluster_of.get(b))
    events_per_pair: dict[tuple[int, int], set[int]] = defaultdict(set)
    kinds: dict[str, set[tuple[int, int]]] = defaultdict(set)
    for tie in ties:
        if tie.a == tie.b:
            continue
        kinds[tie.kind].add((tie.a, tie.b))
        if tie.event_id is not None:
            events_per_pair[(tie.a, tie.b)].add(tie.event_id)
    # Unweighted shortest paths: a broker joins companies that would otherwise not be one step apart.
    # Exact up to BETWEENNESS_EXACT companies; above, estimated from that many sampled sources
    # (seeded, so the report is stable): exact betweenness is O(n*m), seconds at 500 companies.
    if n <= 2:
        betweenness = dict.fromkeys(graph.nodes, 0.0)
    elif n <= BETWEENNESS_EXACT:
        betweenness = nx.betweenness_centrality(graph, normalized=True)
    else:
        betweenness = nx.betweenness_centrality(graph, k=BETWEENNESS_EXACT, normalized=True, seed=20261203)
    brokers = sorted(
        (Broker(node, round(value, 4), graph.degree(node)) for node, value in betweenness.items() if value > 0),
        key=lambda b: (-b.betweenness, -b.ties, b.company_id),
    )[:TOP_BROKERS]
    return NetworkFigures(
        companies=n,
        ties=m,
        density=round(2 * m / (n * (n - 1)), 4) if n > 1 else 0.0,
        cross_cluster_share=round(cross / m, 4) if m else 0.0,
        new_ties=sum(1 for pair in pairs if pair not in previous_pairs),
        repeat_pairs=sum(1 for events in events_per_pair.values() if len(events) >= 2),
        by_kind={kind: len(kinds.get(kind, ())) for kind in WEIGHTS},
        brokers=brokers,
        pairs=pairs,
    )


# --- reading the ties of a period ----------------------------------------------------------------


def events_in(start: dt.datetime, end: dt.datetime, cluster_id: int | None):
    """The ids of events starting in [start, end), hosted by the cluster if given (a subquery)."""
    query = select(Event.id).where(Event.starts_at >= start, Event.starts_at < end)
    if cluster_id is not None:
        query = query.where(Event.host_cluster_id == cluster_id)
    return query


def collect_ties(start: dt.datetime, end: dt.datetime, cluster_id: int | None = None) -> tuple[list[Tie], set[int]]:
    """Every tie of events starting in [start, end) (hosted by the cluster, if given) and of outcomes
    dated in the period; and the companies that attended. Four queries, whatever the size."""
    ties, present = _ties_and_presence(start, end, cluster_id)
    return ties, {c for companies in present.values() for c in companies}


def _ties_and_presence(
    start: dt.datetime, end: dt.datetime, cluster_id: int | None
) -> tuple[list[Tie], dict[int, set[int]]]:
    """collect_ties, with the attending companies per event."""
    events = events_in(start, end, cluster_id).scalar_subquery()
    ties: list[Tie] = []

    # Co-attendance: companies with someone checked in at the same event.
    present: dict[int, set[int]] = defaultdict(set)
    for event_id, company_id in db.session.execute(
        select(CheckIn.event_id, Registration.company_id)
        .join(Registration, Registration.id == CheckIn.registration_id)
        .where(CheckIn.event_id.in_(events), Registration.company_id.is_not(None))
        .distinct()
    ):
        present[event_id].add(company_id)
    for event_id, companies in present.items():
        ties += [Tie.of(a, b, CO_ATTENDANCE, event_id) for a, b in itertools.combinations(sorted(companies), 2)]

    # Meetings held: accepted, and both companies were there.
    for event_id, a, b in db.session.execute(
        select(Meeting.event_id, Meeting.requester_company_id, Meeting.invitee_company_id).where(
            Meeting.event_id.in_(events), Meeting.status == MeetingStatus.ACCEPTED
        )
    ):
        if a in present.get(event_id, ()) and b in present.get(event_id, ()):
            ties.append(Tie.of(a, b, MEETING, event_id))

    # Contacts exchanged: one row per side; the pair is what counts.
    owner, other = aliased(Registration), aliased(Registration)
    for event_id, a, b in db.session.execute(
        select(Contact.event_id, owner.company_id, other.company_id)
        .join(owner, owner.id == Contact.owner_registration_id)
        .join(other, other.id == Contact.other_registration_id)
        .where(Contact.event_id.in_(events), owner.company_id.is_not(None), other.company_id.is_not(None))
    ):
        if a != b:
            ties.append(Tie.of(a, b, CONTACT, event_id))

    # Outcomes dated in the period (for a cluster: those attributed to its events).
    outcome_query = (
        select(Outcome.id, OutcomeParty.company_id)
        .join(OutcomeParty, OutcomeParty.outcome_id == Outcome.id)
        .where(Outcome.occurred_on >= start.date(), Outcome.occurred_on < end.date())
    )
    if cluster_id is not None:
        outcome_query = outcome_query.where(
            Outcome.id.in_(
                select(outcome_events.c.outcome_id).join(
                    Event, and_(Event.id == outcome_events.c.event_id, Event.host_cluster_id == cluster_id)
                )
            )
        )
    parties: dict[int, list[int]] = defaultdict(list)
    for outcome_id, company_id in db.session.execute(outcome_query):
        parties[outcome_id].append(company_id)
    for companies in parties.values():
        ties += [Tie.of(a, b, OUTCOME, None) for a, b in itertools.combinations(sorted(set(companies)), 2)]

    return ties, dict(present)


def cluster_map(company_ids: Iterable[int]) -> dict[int, int]:
    ids = list(set(company_ids))
    if not ids:
        return {}
    return dict(db.session.execute(select(Company.id, Company.cluster_id).where(Company.id.in_(ids))).all())


@dataclasses.dataclass(frozen=True)
class PeriodTies:
    """A period's ties and attending companies, and those of the period of the same length before."""

    ties: list[Tie]
    attended: set[int]
    before_ties: list[Tie]
    before_attended: set[int]
    present: dict[int, set[int]] = dataclasses.field(default_factory=dict)  # event -> attending companies

    @property
    def previous_pairs(self) -> set[tuple[int, int]]:
        return {(t.a, t.b) for t in self.before_ties if t.a != t.b}

    @property
    def nodes(self) -> set[int]:
        return self.attended | {t.a for t in self.ties} | {t.b for t in self.ties}

    @property
    def before_nodes(self) -> set[int]:
        return self.before_attended | {t.a for t in self.before_ties} | {t.b for t in self.before_ties}


def period_ties(
    start: dt.datetime,
    end: dt.datetime,
    cluster_id: int | None = None,
    previous: tuple[dt.datetime, dt.datetime] | None = None,
) -> PeriodTies:
    """The ties of [start, end) and of ``previous`` (default: the period of the same length just before)."""
    ties, present = _ties_and_presence(start, end, cluster_id)
    before_ties, before_attended = collect_ties(*(previous or (start - (end - start), start)), cluster_id)
    attended = {c for companies in present.values() for c in companies}
    return PeriodTies(ties, attended, before_ties, before_attended, present)


def period_network(
    start: dt.datetime,
    end: dt.datetime,
    cluster_id: int | None = None,
    previous: tuple[dt.datetime, dt.datetime] | None = None,
) -> NetworkFigures:
    """The figures of a period, its new ties counted against the period before (see period_ties)."""
    period = period_ties(start, end, cluster_id, previous)
    return network_figures(period.ties, cluster_map(period.nodes), period.previous_pairs, period.attended)
