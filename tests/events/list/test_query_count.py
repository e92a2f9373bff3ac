"""The public lists load in a bounded number of queries, however many events a page holds."""

import datetime as dt

from app.extensions import db
from app.models import EventKind, RegistrationStatus
from tests.factories import make_cluster, make_event, make_registration
from tests.query_counter import count_queries

PATHS = ("/events", "/events/past", "/events?q=행사&kind=networking", "/events?cluster=dmc&month=2031-12")


def _grow(clusters, n: int) -> None:
    """n more events in each list, each with registrations and participating clusters. Half are
    hosted by clusters not among the active ones, which the page has not loaded already."""
    for i in range(n):
        host = clusters.dmc if i % 2 else make_cluster(is_active=False)
        for starts_in in (dt.timedelta(days=3 + i), -dt.timedelta(days=3 + i)):
            event = make_event(
                host,
                title_ko=f"행사 {i}",
                kind=EventKind.NETWORKING,
                starts_in=starts_in,
                participating_clusters=[make_cluster()],
            )
            make_registration(event)
            make_registration(event, status=RegistrationStatus.WAITLISTED)
        make_event(clusters.dmc, title_ko=f"12월 행사 {i}", starts_at=dt.datetime(2031, 12, 1 + i, 10, tzinfo=dt.UTC))
    db.session.commit()


def _counts(client) -> dict[str, int]:
    counts = {}
    for path in PATHS:
        with count_queries(db.engine) as statements:
            assert client.get(path).status_code == 200
        counts[path] = len(statements)
    return counts


def test_query_count_does_not_grow_with_the_number_of_events(clusters, client):
    _grow(clusters, 2)
    few = _counts(client)
    _grow(clusters, 18)  # 20 per list: a full page each
    many = _counts(client)
    assert many == few, f"{few} with 2 events per page but {many} with 20"
    # active clusters, count, page, host clusters, registration counts
    assert max(many.values()) <= 5, many
