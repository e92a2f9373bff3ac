"""The place a waitlisted newcomer is told (one count, inside the locked registration) is the place
the staff list ranks them at (a window over the whole waitlist), ties in arrival time included."""

import datetime as dt

from app.events.notifications import waitlist_position
from app.events.queries import waitlist_positions
from app.extensions import db
from app.models import RegistrationStatus
from tests.factories import make_event, make_registration


def test_each_waitlisted_place_matches_the_staff_ranking(app):
    event = make_event(capacity=1)
    other = make_event(capacity=1)
    base = dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC)
    # Arrival times out of id order, two arrivals at the same instant, a cancelled one, another event.
    offsets = [5, 1, 3, 3, 0, 7]
    regs = [
        make_registration(event, status=RegistrationStatus.WAITLISTED, created_at=base + dt.timedelta(minutes=m))
        for m in offsets
    ]
    regs[2].status = RegistrationStatus.CANCELLED
    confirmed = make_registration(event, status=RegistrationStatus.CONFIRMED, created_at=base)
    make_registration(other, status=RegistrationStatus.WAITLISTED, created_at=base - dt.timedelta(days=1))
    db.session.commit()

    ranked = waitlist_positions([event.id])
    assert sorted(ranked.values()) == [1, 2, 3, 4, 5]
    for reg in regs:
        assert waitlist_position(reg) == ranked.get(reg.id)
    assert waitlist_position(confirmed) is None
    assert waitlist_position(regs[4]) == 1  # the earliest arrival
