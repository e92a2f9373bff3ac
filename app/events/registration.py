"""Registration core: who may register, seats and waitlist, cancellation and promotion.

Services take plain arguments and never commit: the caller commits once (or rolls back
after a RegistrationError). Capacity is a check-then-write, so every writer starts with
``begin_write()`` (SQLite: BEGIN IMMEDIATE) and locks the event row with
``with_for_update()`` (PostgreSQL) before counting seats.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from app.database import begin_write
from app.events import notifications
from app.events.door import doors_open_at
from app.events.tickets import issue_ticket
from app.extensions import db
from app.i18n import format_kst
from app.mail import queue_template
from app.models import CheckIn, Company, Event, EventKind, EventStatus, Registration, RegistrationStatus
from app.models.proxy import CouncilProxy
from app.models.registration import AttendeeRole
from app.models.user import normalize_email
from app.validators import InvalidBRN, normalize_brn, normalize_mobile

ACTIVE = (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)
EMAIL_MAX = 254

# Test-only hook, called between the seat count and the insert (the race window).
# The control test sets it to a short sleep; it is None in normal operation.
_after_count: Callable[[], None] | None = None


class RegistrationError(ValueError):
    """A refused registration, cancellation or promotion: a reason code and a Korean message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclasses.dataclass
class AttendeeData:
    name: str
    email: str
    mobile: str | None = None
    job_title: str | None = None
    role: AttendeeRole = AttendeeRole.ATTENDEE


# --- eligibility ---------------------------------------------------------------------


def check_eligibility(
    event: Event, *, company: Company | None = None, guest: bool = False, now: dt.datetime, at_the_door: bool = False
) -> None:
    """Raise RegistrationError unless this company (or a guest) may register now.

    ``at_the_door``: staff registering a walk-in, which the registration window does not bind
    (the event is under way); the event must not have ended.
    """
    if event.status == EventStatus.CANCELLED:
        raise RegistrationError("cancelled", _("취소된 행사입니다."))
    if event.status != EventStatus.PUBLISHED:
        raise RegistrationError("not_published", _("아직 공개되지 않은 행사입니다."))
    if at_the_door:
        # Walk-ins: from doors-open until the event ends; the online window does not apply.
        if now >= event.ends_at:
            raise RegistrationError("ended", _("이미 끝난 행사입니다."))
        if now < doors_open_at(event):
            raise RegistrationError(
                "doors_not_open",
                _("현장 등록은 입장이 시작되는 %(time)s부터 받습니다.", time=format_kst(doors_open_at(event))),
            )
    else:
        if event.registration_opens_at is not None and now < event.registration_opens_at:
            raise RegistrationError("not_open_yet", _("아직 참가 신청 기간이 아닙니다."))
        if (event.registration_closes_at is not None and now >= event.registration_closes_at) or now >= event.starts_at:
            raise RegistrationError("closed", _("참가 신청이 마감되었습니다."))

    if guest or company is None:
        if event.kind in (EventKind.NETWORKING, EventKind.FORUM) and event.open_to_guests:
            return
        raise RegistrationError("guests_not_allowed", _("외부 기업은 이 행사에 신청할 수 없습니다."))

    if not company.is_active:
        raise RegistrationError("company_inactive", _("비활성화된 기업은 참가 신청을 할 수 없습니다."))

    if event.kind == EventKind.NETWORKING:
        if event.open_to_all_clusters or company.cluster_id == event.host_cluster_id:
            return
    elif event.kind == EventKind.COUNCIL:
        if company.cluster_id == event.host_cluster_id and company.is_council_member:
            return
        raise RegistrationError("not_council_member", _("이 클러스터 입주기업협의회 회원사만 신청할 수 있습니다."))
    elif event.kind == EventKind.FORUM:
        allowed = {event.host_cluster_id} | {c.id for c in event.participating_clusters}
        if company.cluster_id in allowed:
            return
    elif event.kind == EventKind.RESEARCH:
        group = event.research_group
        if group is not None and any(c.id == company.id for c in group.companies):
            return
        raise RegistrationError("not_group_member", _("이 연구회의 회원사만 신청할 수 있습니다."))
    raise RegistrationError("not_eligible", _("이 행사에 신청할 수 있는 클러스터의 기업이 아닙니다."))


# --- registering ---------------------------------------------------------------------


@dataclasses.dataclass
class _Clean:
    name: str
    email: str
    mobile: str | None
    job_title: str | None
    role: AttendeeRole


def _clean_attendees(event: Event, attendees: list[AttendeeData]) -> list[_Clean]:
    if not attendees:
        raise RegistrationError("no_attendees", _("참가자를 한 명 이상 입력해 주세요."))
    cleaned: list[_Clean] = []
    seen: set[str] = set()
    for a in attendees:
        name = (a.name or "").strip()
        if not name:
            raise RegistrationError("name_required", _("참가자 이름을 입력해 주세요."))
        email = normalize_email(a.email)
        try:
            validate_email(email, check_deliverability=False)
            if len(email) > EMAIL_MAX:
                raise EmailNotValidError("too long")
        except EmailNotValidError:
            raise RegistrationError(
                "invalid_email", _("이메일 형식이 올바르지 않습니다 (예: name@example.com).")
            ) from None
        if email in seen:
            raise RegistrationError("already_registered", _("이미 신청한 이메일입니다: %(email)s", email=email))
        seen.add(email)
        mobile = None
        if a.mobile and a.mobile.strip():
            try:
                mobile = normalize_mobile(a.mobile)
            except ValueError as exc:
                raise RegistrationError("invalid_mobile", str(exc)) from None
        role = AttendeeRole(a.role)
        if role in (AttendeeRole.SPEAKER, AttendeeRole.STAFF):
            # Set by staff (walk-ins at the door); members' forms only offer voter and observer.
            pass
        elif event.kind == EventKind.COUNCIL:
            if role == AttendeeRole.ATTENDEE:
                raise RegistrationError("invalid_role", _("협의회 회의에는 의결권 대표 또는 참관인으로 신청해 주세요."))
            if role == AttendeeRole.OBSERVER and not event.allows_observers:
                raise RegistrationError("observers_not_allowed", _("이 회의는 참관인을 받지 않습니다."))
        elif role != AttendeeRole.ATTENDEE:
            raise RegistrationError("invalid_role", _("의결권 대표와 참관인은 협의회 회의에만 해당합니다."))
        job_title = (a.job_title or "").strip() or None
        cleaned.append(_Clean(name, email, mobile, job_title, role))
    return cleaned


def _lock_event(event_id: int, lock: bool) -> Event:
    query = select(Event).where(Event.id == event_id).execution_options(populate_existing=True)
    event = db.session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    if event is None:
        raise RegistrationError("not_found", _("행사를 찾을 수 없습니다."))
    return event


def _count(event_id: int, *statuses: RegistrationStatus, **where) -> int:
    query = (
        select(func.count())
        .select_from(Registration)
        .where(Registration.event_id == event_id, Registration.status.in_(statuses))
    )
    for column, value in where.items():
        query = query.where(getattr(Registration, column) == value)
    return db.session.scalar(query) or 0


def _seats_used(event_id: int, *, company_id: int | None = None, brn: str | None = None) -> int:
    """Active registrations that count against one firm's seats per company.

    A firm is a directory company and the same business registering as a guest by its BRN
    (e.g. a tenant of another cluster at a guest-open event): both ways share one limit.
    """
    from app.models import Company

    if company_id is not None and brn is None:
        brn = db.session.scalar(select(Company.brn).where(Company.id == company_id))
    if brn is not None and company_id is None:
        company_id = db.session.scalar(select(Company.id).where(Company.brn == brn))
    owner = []
    if company_id is not None:
        owner.append(Registration.company_id == company_id)
    if brn is not None:
        owner.append(Registration.guest_brn == brn)
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Registration)
            .where(Registration.event_id == event_id, Registration.status.in_(ACTIVE), or_(*owner))
        )
        or 0
    )


def register(
    event_id: int,
    attendees: list[AttendeeData],
    *,
    company: Company | None = None,
    guest_company_name: str | None = None,
    guest_brn: str | None = None,
    registered_by=None,
    consent_version: str | None,
    now: dt.datetime,
    manage_url: str | None = None,
    walk_in: bool = False,
    _lock: bool = True,
) -> list[Registration]:
    """Register attendees for a company (or a guest firm): confirmed while seats last, then waitlisted.

    ``manage_url``: a guest's private manage link, added to the registration mail.
    ``walk_in``: staff registering at the door: outside the registration window, and only
    with a free seat (someone standing at the door is not put on a waiting list).
    ``_lock=False`` is for the control test only: it skips the write lock to show the race.
    """
    if _lock:
        begin_write()
    event = _lock_event(event_id, _lock)
    guest = company is None
    check_eligibility(event, company=company, guest=guest, now=now, at_the_door=walk_in)

    if not (consent_version or "").strip():
        raise RegistrationError("consent_required", _("개인정보 수집·이용에 동의해야 신청할 수 있습니다."))
    cleaned = _clean_attendees(event, attendees)

    brn = None
    if guest:
        guest_company_name = (guest_company_name or "").strip()
        if not guest_company_name:
            raise RegistrationError("guest_company_required", _("소속 기업명을 입력해 주세요."))
        try:
            brn = normalize_brn(guest_brn or "")
        except InvalidBRN as exc:
            raise RegistrationError("invalid_brn", str(exc)) from None

    emails = [c.email for c in cleaned]
    taken = db.session.scalars(
        select(Registration.email).where(
            Registration.event_id == event.id, Registration.status.in_(ACTIVE), Registration.email.in_(emails)
        )
    ).all()
    if taken:
        raise RegistrationError("already_registered", _("이미 신청한 이메일입니다: %(email)s", email=taken[0]))

    owner = {"company_id": company.id} if company is not None else {"guest_brn": brn}
    if event.seats_per_company is not None:
        used = _seats_used(event.id, company_id=company.id if company is not None else None, brn=brn)
        if used + len(cleaned) > event.seats_per_company:
            raise RegistrationError(
                "company_limit",
                _(
                    "기업당 신청 가능 인원(%(limit)d명)을 넘습니다. 남은 자리: %(left)d명",
                    limit=event.seats_per_company,
                    left=max(event.seats_per_company - used, 0),
                ),
            )

    if event.kind == EventKind.COUNCIL:
        voters = sum(1 for c in cleaned if c.role == AttendeeRole.VOTER)
        if voters > 1 or (voters and _count(event.id, *ACTIVE, role=AttendeeRole.VOTER, **owner)):
            raise RegistrationError("voter_taken", _("의결권 대표는 기업당 한 명만 신청할 수 있습니다."))
        # A company that handed its vote to another member (app/events/proxy.py) has no voter of its own.
        if (
            voters
            and company is not None
            and db.session.scalar(
                select(CouncilProxy.id)
                .where(
                    CouncilProxy.event_id == event.id,
                    CouncilProxy.from_company_id == company.id,
                    CouncilProxy.revoked_at.is_(None),
                )
                .limit(1)
            )
            is not None
        ):
            raise RegistrationError(
                "vote_delegated",
                _("이 기업은 의결권을 다른 회원사에 위임했습니다. 의결권 대표로 신청하려면 먼저 위임을 철회해 주세요."),
            )

    confirmed = _count(event.id, RegistrationStatus.CONFIRMED)
    if _after_count is not None:
        _after_count()
    if walk_in and confirmed + len(cleaned) > event.capacity:
        raise RegistrationError(
            "full", _("정원이 찼습니다 (남은 자리 %(left)d석).", left=max(event.capacity - confirmed, 0))
        )

    registrations = []
    for c in cleaned:
        status = RegistrationStatus.CONFIRMED if confirmed < event.capacity else RegistrationStatus.WAITLISTED
        if status == RegistrationStatus.CONFIRMED:
            confirmed += 1
        registration = Registration(
            event=event,
            company=company,
            guest_company_name=guest_company_name if guest else None,
            guest_brn=brn,
            registered_by=registered_by,
            name=c.name,
            email=c.email,
            mobile=c.mobile,
            job_title=c.job_title,
            role=c.role,
            status=status,
            consent_version=consent_version.strip(),
            consented_at=now,
        )
        issue_ticket(registration)
        db.session.add(registration)
        registrations.append(registration)
        _queue_registered_mail(event, registration, manage_url)
    db.session.flush()
    return registrations


# --- cancelling and promoting ----------------------------------------------------------


def _lock_registration(registration_id: int) -> tuple[Event, Registration]:
    begin_write()
    event_id = db.session.scalar(select(Registration.event_id).where(Registration.id == registration_id))
    if event_id is None:
        raise RegistrationError("not_found", _("신청 내역을 찾을 수 없습니다."))
    event = _lock_event(event_id, True)
    registration = db.session.execute(
        select(Registration).where(Registration.id == registration_id).execution_options(populate_existing=True)
    ).scalar_one()
    return event, registration


def _confirm(event: Event, registration: Registration, now: dt.datetime) -> None:
    registration.status = RegistrationStatus.CONFIRMED
    registration.promoted_at = now
    notifications.promoted(event, registration)


def cancel(registration_id: int, *, now: dt.datetime, by_staff: bool = False) -> Registration | None:
    """Cancel a registration; if it held a seat, the earliest waitlisted person gets it.

    Members may cancel until the event starts, staff (``by_staff``) until it ends
    (see check_cancellable). Returns the promoted registration, or None.
    Cancelling twice is a no-op.
    """
    event, registration = _lock_registration(registration_id)
    if registration.status == RegistrationStatus.CANCELLED:
        return None
    check_cancellable(event, now=now, by_staff=by_staff)
    held_seat = registration.status == RegistrationStatus.CONFIRMED
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = now
    db.session.flush()
    if not held_seat or _count(event.id, RegistrationStatus.CONFIRMED) >= event.capacity:
        return None
    nxt = db.session.scalars(
        select(Registration)
        .where(Registration.event_id == event.id, Registration.status == RegistrationStatus.WAITLISTED)
        .order_by(Registration.created_at, Registration.id)
        .limit(1)
    ).first()
    if nxt is None:
        return None
    _confirm(event, nxt, now)
    db.session.flush()
    return nxt


def promote(registration_id: int, *, now: dt.datetime) -> Registration:
    """Staff move a waitlisted person up by hand, only while a seat is free."""
    event, registration = _lock_registration(registration_id)
    if registration.status != RegistrationStatus.WAITLISTED:
        raise RegistrationError("not_waitlisted", _("대기 중인 신청만 확정할 수 있습니다."))
    if _count(event.id, RegistrationStatus.CONFIRMED) >= event.capacity:
        raise RegistrationError("full", _("남은 자리가 없습니다."))
    _confirm(event, registration, now)
    db.session.flush()
    return registration


def _queue_registered_mail(event: Event, registration: Registration, manage_url: str | None = None) -> None:
    notifications.registered(event, registration, manage_url=manage_url)


# --- the company member's side: seats left, cancel window, swapping an attendee ----------


def company_seats_left(event: Event, company_id: int) -> int | None:
    """Seats the company may still ask for (confirmed + waitlisted count), or None without a limit."""
    if event.seats_per_company is None:
        return None
    return max(event.seats_per_company - _seats_used(event.id, company_id=company_id), 0)


def is_registered(event_id: int, email: str) -> bool:
    """Whether this address holds an active (confirmed or waitlisted) registration for the event."""
    return _count(event_id, *ACTIVE, email=normalize_email(email)) > 0


def check_cancellable(event: Event, *, now: dt.datetime, by_staff: bool = False) -> None:
    """Members cancel until the event starts (after registration closes too: a freed seat
    still helps the waitlist); staff cancelling on a company's behalf until it ends."""
    if by_staff:
        if now >= event.ends_at:
            raise RegistrationError("ended", _("행사가 이미 끝나 취소할 수 없습니다."))
    elif now >= event.starts_at:
        raise RegistrationError("started", _("행사가 이미 시작되어 취소할 수 없습니다"))


def replace_deadline(event: Event) -> dt.datetime:
    """Attendees can be swapped while registration is open: until it closes, or the start."""
    if event.registration_closes_at is not None:
        return min(event.registration_closes_at, event.starts_at)
    return event.starts_at


def check_replaceable(event: Event, registration: Registration | None = None, *, now: dt.datetime) -> None:
    """Raise RegistrationError unless attendees of this event (this registration's, when
    given) may be swapped now."""
    if registration is not None and registration.status not in ACTIVE:
        raise RegistrationError("not_active", _("취소된 신청은 교체할 수 없습니다."))
    if event.status == EventStatus.CANCELLED:
        raise RegistrationError("cancelled", _("취소된 행사입니다."))
    if now >= replace_deadline(event):
        raise RegistrationError("replace_closed", _("참가 신청이 마감되어 참가자를 교체할 수 없습니다."))


def replace_attendee(
    registration_id: int,
    attendee: AttendeeData,
    *,
    company: Company,
    consent_version: str | None,
    now: dt.datetime,
) -> Registration:
    """Put a colleague in one of the company's places: same seat or waitlist position,
    same council role, new person, new ticket code (the old badge stops working) and
    the new person's own consent. Mails the new attendee and tells the replaced one."""
    event, registration = _lock_registration(registration_id)
    if registration.company_id is None or registration.company_id != company.id:
        raise RegistrationError("not_company", _("우리 기업의 신청만 교체할 수 있습니다."))
    check_replaceable(event, registration, now=now)
    if db.session.scalar(select(func.count()).select_from(CheckIn).where(CheckIn.registration_id == registration.id)):
        raise RegistrationError("checked_in", _("이미 입장한 참가자는 교체할 수 없습니다."))
    if not (consent_version or "").strip():
        raise RegistrationError("consent_required", _("개인정보 수집·이용에 동의해야 신청할 수 있습니다."))
    # The role belongs to the place, not the person: the council vote stays with the company.
    (new,) = _clean_attendees(event, [dataclasses.replace(attendee, role=registration.role)])
    if new.email == registration.email:
        raise RegistrationError(
            "same_attendee", _("기존 참가자와 같은 이메일입니다. 다른 참가자의 이메일을 입력해 주세요.")
        )
    taken = db.session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(
            Registration.event_id == event.id,
            Registration.status.in_(ACTIVE),
            Registration.email == new.email,
            Registration.id != registration.id,
        )
    )
    if taken:
        raise RegistrationError("already_registered", _("이미 신청한 이메일입니다: %(email)s", email=new.email))

    old_name, old_email = registration.name, registration.email
    registration.name = new.name
    registration.email = new.email
    registration.mobile = new.mobile
    registration.job_title = new.job_title
    registration.consent_version = consent_version.strip()
    registration.consented_at = now
    issue_ticket(registration)  # the old person's badge stops working
    db.session.flush()
    _queue_registered_mail(event, registration)
    _queue_replaced_mail(event, old_name, old_email, company.name)
    return registration


def _queue_replaced_mail(event: Event, name: str, email: str, company_name: str) -> None:
    queue_template(email, "registration_replaced", event=event, name=name, company_name=company_name)
