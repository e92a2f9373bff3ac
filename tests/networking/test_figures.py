"""Networking figures for staff (per event, and in the cluster activity report), against a hand-counted world."""

from __future__ import annotations

import datetime as dt

import pytest

from app.extensions import db
from app.models import CompanyProfile, Contact, Meeting, MeetingSlot, MeetingStatus, MeetingTable, utcnow
from app.networking.figures import event_figures, figures_for
from app.reports import activity
from tests.factories import make_checkin
from tests.helpers import login
from tests.networking.conftest import consent
from tests.query_counter import count_queries


def _meeting(net, slot, requester, invitee, status, table=None):
    meeting = Meeting(event=net.event, slot=slot, table=table, requester=requester, invitee=invitee, status=status)
    db.session.add(meeting)
    return meeting


def _exchange(owner, other, *, both=True):
    db.session.add(Contact(event_id=owner.event_id, owner=owner, other=other))
    if both:
        db.session.add(Contact(event_id=owner.event_id, owner=other, other=owner, scanned_by_owner=False))


@pytest.fixture
def busy(net):
    """Hand-counted: 3 attending companies (nuri, hanbit, gurotech), 2 discoverable profiles; 3 people
    consented; 4 meetings asked, 2 accepted (one DMC-DMC held, one DMC-Guro where Guro never came);
    contact pairs kim-lee (DMC-DMC), kim-choi (DMC-Guro, one side's row only), lee-guest (guest)."""
    db.session.add_all(
        [
            CompanyProfile(company=net.nuri, is_discoverable=True),
            CompanyProfile(company=net.gurotech, is_discoverable=True),
            CompanyProfile(company=net.hanbit, is_discoverable=False),
        ]
    )
    consent(net.kim, net.lee, net.choi)
    start = net.event.starts_at
    slot1 = MeetingSlot(event=net.event, starts_at=start, ends_at=start + dt.timedelta(minutes=20))
    slot2 = MeetingSlot(
        event=net.event, starts_at=start + dt.timedelta(minutes=20), ends_at=start + dt.timedelta(minutes=40)
    )
    table = MeetingTable(event=net.event, name="테이블 1")
    db.session.add_all([slot1, slot2, table])
    _meeting(net, slot1, net.nuri, net.hanbit, MeetingStatus.ACCEPTED, table)
    _meeting(net, slot2, net.nuri, net.gurotech, MeetingStatus.ACCEPTED, table)
    _meeting(net, slot1, net.gurotech, net.hanbit, MeetingStatus.DECLINED)
    _meeting(net, slot2, net.hanbit, net.gurotech, MeetingStatus.REQUESTED)
    make_checkin(net.kim, checked_in_at=utcnow())
    make_checkin(net.lee, checked_in_at=utcnow())
    _exchange(net.kim, net.lee)
    _exchange(net.choi, net.kim, both=False)
    _exchange(net.lee, net.guest)
    db.session.commit()
    return net


def test_event_figures_match_the_hand_count(busy):
    f = event_figures(busy.event.id)
    assert (f.attending_companies, f.profiles_filled, f.taking_part) == (3, 2, 3)
    assert (f.meetings_requested, f.meetings_accepted, f.meetings_held) == (4, 2, 1)
    assert f.contacts == 3
    # Links between two directory companies: 2 accepted meetings + kim-lee + kim-choi; cross-cluster: 2.
    assert (f.links, f.cross_cluster_links, f.cross_cluster_share) == (4, 2, 0.5)


def test_an_event_without_networking_activity_is_empty(net):
    f = event_figures(net.event.id)
    assert f.is_empty and f.cross_cluster_share is None and f.attending_companies == 3


def test_queries_do_not_grow_with_events(busy, app):
    event_id = busy.event.id
    with count_queries(db.engine) as one:
        figures_for([event_id])
    with count_queries(db.engine) as many:
        figures_for([event_id, *range(1000, 1050)])
    assert len(one) == len(many) <= 6


def test_the_staff_page_shows_the_figures(client, busy):
    login(client, busy.dmc_staff.email)
    html = client.get(f"/staff/events/{busy.event.id}/networking").get_data(as_text=True)
    assert 'data-figure="held">1건' in html and 'data-figure="contacts">3쌍' in html
    assert 'data-figure="cross_cluster">50.0%' in html


def test_the_activity_report_adds_the_figures_of_its_held_events(busy):
    busy.event.starts_at = utcnow() - dt.timedelta(days=2)
    busy.event.ends_at = busy.event.starts_at + dt.timedelta(hours=2)
    db.session.commit()
    today = (utcnow() + dt.timedelta(hours=9)).date()
    period = activity.Period(today - dt.timedelta(days=30), today)
    report = activity.activity_report(busy.dmc, period, utcnow())
    assert (report.networking.meetings_held, report.networking.contacts) == (1, 3)
    # A period without the event has none.
    earlier = activity.Period(today - dt.timedelta(days=300), today - dt.timedelta(days=200))
    assert activity.activity_report(busy.dmc, earlier, utcnow()).networking.is_empty
