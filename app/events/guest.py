"""Guest (outside company) registration: register with a private manage link, look it up, change, cancel, resend.

A guest has no account: the manage link is their only key. Its token is 256-bit random and
only its SHA-256 is stored (Registration.manage_token_hash), so the database cannot give the
link away and a lookup compares hashes, never the secret itself. Issuing a new token replaces
the hash: the old link stops working at once.

Services take plain arguments and never commit; the view commits once.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from flask_babel import gettext as _
from sqlalchemy import select

from app.events.registration import (
    ACTIVE,
    AttendeeData,
    RegistrationError,
    _clean_attendees,
    _lock_registration,
    cancel,
    register,
)
from app.extensions import db
from app.mail import queue_template
from app.models import Event, EventStatus, Registration, RegistrationStatus
from app.models.user import normalize_email
from app.tokens import hash_token, new_token

# token_urlsafe(32) gives 43 characters; anything far off that shape is not a token of ours.
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_\-]{20,128}$")

# Builds the absolute manage URL for a token (the view passes url_for(..., _external=True)).
ManageLink = Callable[[str], str]


# --- the manage token ------------------------------------------------------------------


def issue_manage_token(registration: Registration) -> str:
    """Give the registration a new manage token (any earlier link stops working); returns the plain token."""
    token = new_token()
    registration.manage_token_hash = hash_token(token)
    return token


def registration_by_token(token: str | None) -> Registration | None:
    """The guest registration this manage token belongs to, or None (unknown or malformed)."""
    if not token or not _TOKEN_RE.match(token):
        return None
    return db.session.scalar(
        select(Registration).where(
            Registration.manage_token_hash == hash_token(token), Registration.company_id.is_(None)
        )
    )


# --- deadlines -----------------------------------------------------------------------


def change_deadline(event: Event) -> dt.datetime:
    """Details may be changed until registration closes (or the event starts, if earlier / no close)."""
    if event.registration_closes_at is not None and event.registration_closes_at < event.starts_at:
        return event.registration_closes_at
    return event.starts_at


def may_change(registration: Registration, now: dt.datetime) -> bool:
    event = registration.event
    return (
        registration.status != RegistrationStatus.CANCELLED
        and event.status != EventStatus.CANCELLED
        and now < change_deadline(event)
    )


def may_cancel(registration: Registration, now: dt.datetime) -> bool:
    return registration.status != RegistrationStatus.CANCELLED and now < registration.event.starts_at


# --- registering ---------------------------------------------------------------------


def _require_mobile(mobile: str | None) -> None:
    if not (mobile or "").strip():
        raise RegistrationError("mobile_required", _("휴대전화 번호를 입력해 주세요 (외부 기업 참가자는 필수)."))


def register_guest(
    event_id: int,
    *,
    company_name: str | None,
    brn: str | None,
    name: str | None,
    email: str | None,
    mobile: str | None,
    job_title: str | None,
    consent_version: str | None,
    manage_link: ManageLink,
    now: dt.datetime,
) -> Registration:
    """Register one guest; their registration mail carries a new private manage link."""
    _require_mobile(mobile)
    token = new_token()
    (registration,) = register(
        event_id,
        [AttendeeData(name=name or "", email=email or "", mobile=mobile, job_title=job_title)],
        guest_company_name=company_name,
        guest_brn=brn,
        consent_version=consent_version,
        now=now,
        manage_url=manage_link(token),
    )
    registration.manage_token_hash = hash_token(token)
    db.session.flush()
    return registration


# --- changing and cancelling -----------------------------------------------------------


def update_guest_details(
    registration_id: int,
    *,
    name: str | None,
    email: str | None,
    mobile: str | None,
    job_title: str | None,
    manage_url: str,
    now: dt.datetime,
) -> Registration:
    """Change a guest's name, e-mail, mobile and job title until the change deadline.

    The e-mail stays unique among the event's active registrations. When it changes, the
    new address gets the manage link and the old one a notice (so a hijack does not go unseen).
    """
    event, registration = _lock_registration(registration_id)
    if registration.company_id is not None:
        raise RegistrationError("not_guest", _("신청 내역을 찾을 수 없습니다."))
    if registration.status == RegistrationStatus.CANCELLED:
        raise RegistrationError("registration_cancelled", _("이미 취소된 신청입니다."))
    if event.status == EventStatus.CANCELLED:
        raise RegistrationError("cancelled", _("취소된 행사입니다."))
    if now >= change_deadline(event):
        raise RegistrationError("change_closed", _("신청 마감 이후에는 신청 정보를 변경할 수 없습니다."))
    _require_mobile(mobile)
    (clean,) = _clean_attendees(
        event, [AttendeeData(name=name or "", email=email or "", mobile=mobile, job_title=job_title)]
    )
    old_email = registration.email
    if clean.email != old_email:
        taken = db.session.scalar(
            select(Registration.id).where(
                Registration.event_id == event.id,
                Registration.status.in_(ACTIVE),
                Registration.email == clean.email,
                Registration.id != registration.id,
            )
        )
        if taken is not None:
            raise RegistrationError(
                "already_registered",
                _("이 행사에 이미 신청된 이메일입니다: %(email)s. 다른 이메일을 입력해 주세요.", email=clean.email),
            )
    registration.name = clean.name
    registration.email = clean.email
    registration.mobile = clean.mobile
    registration.job_title = clean.job_title
    if clean.email != old_email:
        _queue_email_changed_mails(event, registration, old_email, manage_url)
    db.session.flush()
    return registration


def cancel_guest_registration(registration_id: int, *, now: dt.datetime) -> Registration | None:
    """Cancel a guest's registration until the event starts; returns whoever got the freed seat."""
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.company_id is not None:
        raise RegistrationError("not_found", _("신청 내역을 찾을 수 없습니다."))
    if registration.status == RegistrationStatus.CANCELLED:
        raise RegistrationError("registration_cancelled", _("이미 취소된 신청입니다."))
    if now >= registration.event.starts_at:
        raise RegistrationError("cancel_closed", _("행사가 시작된 뒤에는 신청을 취소할 수 없습니다."))
    return cancel(registration_id, now=now)


# --- resending the link ------------------------------------------------------------------


def resend_manage_link(event_id: int, email: str | None, *, manage_link: ManageLink) -> bool:
    """Mail a NEW manage link to a guest with an active registration at this event.

    Returns whether a mail was queued; the caller answers the same either way.
    """
    address = normalize_email(email or "")
    if not address:
        return False
    registration = db.session.scalar(
        select(Registration).where(
            Registration.event_id == event_id,
            Registration.email == address,
            Registration.company_id.is_(None),
            Registration.status.in_(ACTIVE),
        )
    )
    if registration is None:
        return False
    token = issue_manage_token(registration)
    event = registration.event
    queue_template(
        registration.email, "guest_manage_link", event=event, registration=registration, manage_url=manage_link(token)
    )
    db.session.flush()
    return True


def _queue_email_changed_mails(event: Event, registration: Registration, old_email: str, manage_url: str) -> None:
    queue_template(
        registration.email, "guest_email_changed", event=event, registration=registration, manage_url=manage_url
    )
    queue_template(old_email, "guest_email_moved", event=event)
