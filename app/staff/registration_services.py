"""Staff actions on an event's registrations: move up from the waitlist, cancel on someone's behalf.

Thin wrappers around the RSVP core (app.events.registration), which locks, counts seats and
promotes; these add what only staff actions need. They never commit: the view commits once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from flask_babel import gettext as _

from app.events.registration import RegistrationError, cancel, promote
from app.extensions import db
from app.mail import queue_template
from app.models import Event, EventStatus, Registration


@dataclasses.dataclass
class CancelOutcome:
    cancelled: Registration
    promoted: Registration | None


def _refuse_if_event_cancelled(event: Event) -> None:
    # A promotion on a cancelled event would mail "your seat is confirmed" for an event that
    # will not take place.
    if event.status == EventStatus.CANCELLED:
        raise RegistrationError("event_cancelled", _("취소된 행사의 신청은 변경할 수 없습니다."))


def promote_from_waitlist(event: Event, registration_id: int, *, now: dt.datetime) -> Registration:
    """Confirm a waitlisted person while a seat is free; promote() queues their mail."""
    _refuse_if_event_cancelled(event)
    return promote(registration_id, now=now)


def cancel_on_behalf(event: Event, registration_id: int, *, now: dt.datetime) -> CancelOutcome:
    """Cancel a registration for its holder and tell them by mail; a freed seat goes to the
    next waitlisted person in the same transaction (cancel() does that and mails them).
    Staff may do so until the event ends (members only until it starts)."""
    _refuse_if_event_cancelled(event)
    promoted = cancel(registration_id, now=now, by_staff=True)
    registration = db.session.get(Registration, registration_id)
    # cancel() is a no-op on a registration that was already cancelled (perhaps a moment ago
    # by someone else, behind its lock): only this call's cancellation carries `now`.
    if registration is None or registration.cancelled_at != now:
        raise RegistrationError("already_cancelled", _("이미 취소된 신청입니다."))
    queue_cancelled_by_staff_mail(event, registration)
    return CancelOutcome(cancelled=registration, promoted=promoted)


def queue_cancelled_by_staff_mail(event: Event, registration: Registration) -> None:
    """The notice to a person whose registration staff cancelled, in their language."""
    queue_template(registration.email, "registration_cancelled_by_staff", event=event, registration=registration)
