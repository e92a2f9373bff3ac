"""The network figures against a graph small enough to compute by hand, and read from the demo data."""

from __future__ import annotations

import datetime as dt

import pytest

from app.extensions import db
from app.models import utcnow
from app.outcomes.network import (
    CO_ATTENDANCE,
    CONTACT,
    MEETING,
    OUTCOME,
    Tie,
    collect_ties,
    network_figures,
    period_network,
)
from app.seed import seed_demo
from tests.query_counter import count_queries

# Companies 1-2 in cluster 10, 3-4 in cluster 20, 5 in cluster 30 (attended, met nobody).
CLUSTER = {1: 10, 2: 10, 3: 20, 4: 20, 5: 30}
# A path 1 - 2 - 3 - 4: 1-2 at two events (co-attendance, then a meeting), 2-3 a contact, 3-4 an outcome.
TIES = [
    Tie.of(1, 2, CO_ATTENDANCE, 100),
    Tie.of(2, 1, MEETING, 101),
    Tie.of(3, 2, CONTACT, 101),
    Tie.of(3, 4, OUTCOME, None),
]


def test_figures_of_a_hand_computed_graph():
    figures = network_figures(TIES, CLUSTER, previous_pairs={(1, 2)}, companies=[1, 2, 3, 4, 5])
    # n = 5 (company 5 counts: it took part), m = 3 distinct pairs.
    assert (figures.companies, figures.ties) == (5, 3)
    assert figures.density == pytest.approx(2 * 3 / (5 * 4))  # 0.3
    # Only 2-3 joins two clusters: 1 of 3.
    assert figures.cross_cluster_share == pytest.approx(1 / 3, abs=1e-4)
    # 1-2 was tied before; 2-3 and 3-4 are new.
    assert figures.new_ties == 2
    # 1-2 met at events 100 and 101.
    assert figures.repeat_pairs == 1
    assert figures.by_kind == {CO_ATTENDANCE: 1, CONTACT: 1, MEETING: 1, OUTCOME: 1}
    # Weights: 1-2 co-attendance 1 + meeting 3; 2-3 contact 2; 3-4 outcome 5.
    assert figures.pairs == {(1, 2): 4, (2, 3): 2, (3, 4): 5}
    # Betweenness on the path with an isolated node: 2 lies on 1-3 and 1-4, 3 on 1-4 and 2-4;
    # normalized by (n-1)(n-2)/2 = 6 pairs of the others: 2/6 each. Ties break on degree, then id.
    assert [(b.company_id, b.betweenness) for b in figures.brokers] == [(2, round(2 / 6, 4)), (3, round(2 / 6, 4))]


def test_an_empty_period_and_a_single_pair():
    empty = network_figures([], {})
    assert (empty.companies, empty.ties, empty.density, empty.cross_cluster_share, empty.brokers) == (
        0,
        0,
        0.0,
        0.0,
        [],
    )
    one = network_figures([Tie.of(1, 3, CONTACT, 7)], CLUSTER)
    assert (one.companies, one.ties, one.density, one.cross_cluster_share, one.new_ties) == (2, 1, 1.0, 1.0, 1)
    assert network_figures([Tie.of(1, 1, CONTACT, 7)], CLUSTER).ties == 0  # a company with itself is no tie


def test_the_demo_network_has_ties_of_every_meeting_kind_and_bounded_queries(app):
    seed_demo()
    db.session.commit()
    end = utcnow()
    start = end - dt.timedelta(days=120)
    with count_queries(db.engine) as statements:
        ties, attended = collect_ties(start, end)
    assert len(statements) <= 4
    kinds = {t.kind for t in ties}
    assert {CO_ATTENDANCE, MEETING, CONTACT} <= kinds
    figures = period_network(start, end)
    assert figures.companies >= len(attended) > 10
    assert 0 < figures.density < 1 and 0 < figures.cross_cluster_share < 1  # the forum crosses clusters
    assert figures.brokers and figures.new_ties == figures.ties  # nothing in the 120 days before
