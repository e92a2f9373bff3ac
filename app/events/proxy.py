"""Council proxies (의결권 위임): giving and revoking a company's vote, and the votes each company holds.

Rules (issue 4, council meeting rule): only at a published, not cancelled council meeting, only
before it starts, only between active council member companies of the host cluster, never to
oneself and never in chains. A company that gave its vote has no voting representative of its
own (register() refuses one: code ``vote_delegated``).

Services take plain arguments and never commit. Every writer starts with ``begin_write()`` and
locks the event row, so proxy changes and voter registrations of one meeting are serialised:
two companies cannot build a chain, and a voter cannot slip in beside a proxy.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased, joinedload

from app.database import begin_write
from app.events.registration import ACTIVE, RegistrationError, _lock_event
from app.extensions import db
from app.mail import queue_template
from app.models import (
    AttendeeRole,
    Company,
    CouncilProxy,
    Event,
    EventKind,
    EventStatus,
    Registration,
    Role,
    User,
)

# --- rules ---------------------------------------------------------------------------------


def window_error(event: Event, now: dt.datetime) -> RegistrationError | None:
    """Why proxies of this event cannot be given or revoked now, or None while they can."""
    if event.kind != EventKind.COUNCIL:
        return RegistrationError("not_council", _("의결권 위임은 입주기업협의회 회의에만 할 수 있습니다."))
    if event.status == EventStatus.CANCELLED:
        return RegistrationError("cancelled", _("취소된 행사입니다."))
    if event.status != EventStatus.PUBLISHED:
        return RegistrationError("not_published", _("아직 공개되지 않은 행사입니다."))
    if now >= event.starts_at:
        return RegistrationError("meeting_started", _("회의가 시작되어 의결권 위임을 더 이상 바꿀 수 없습니다."))
    return None


def is_council_member_of(company: Company | None, event: Event) -> bool:
    """Whether the company may give or receive a vote at this meeting."""
    return (
        company is not None
        and company.is_active
        and company.is_council_member
        and company.cluster_id == event.host_cluster_id
    )


def may_revoke(user: User, proxy: CouncilProxy, event: Event) -> bool:
    """The giving company's members, and staff of the host cluster (admins everywhere)."""
    if user.role == Role.MEMBER:
        return user.company_id is not None and user.company_id == proxy.from_company_id
    return user.can_manage_cluster(event.host_cluster_id)


def _active_given(event_id: int, company_id: int) -> CouncilProxy | None:
    return db.session.scalars(
        select(CouncilProxy).where(
            CouncilProxy.event_id == event_id,
            CouncilProxy.from_company_id == company_id,
            CouncilProxy.revoked_at.is_(None),
        )
    ).first()


def _received_count(event_id: int, company_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(CouncilProxy)
            .where(
                CouncilProxy.event_id == event_id,
                CouncilProxy.to_company_id == company_id,
                CouncilProxy.revoked_at.is_(None),
            )
        )
        or 0
    )


def active_voter(event_id: int, company_id: int) -> Registration | None:
    """The company's voting representative (confirmed or waitlisted), if it registered one."""
    return db.session.scalars(
        select(Registration)
        .where(
            Registration.event_id == event_id,
            Registration.company_id == company_id,
            Registration.role == AttendeeRole.VOTER,
            Registration.status.in_(ACTIVE),
        )
        .limit(1)
    ).first()


# --- giving and revoking --------------------------------------------------------------------


def give_proxy(
    event_id: int, from_company: Company, to_company: Company, actor: User | None, now: dt.datetime
) -> CouncilProxy:
    """Hand from_company's vote at this meeting to to_company; raise RegistrationError if refused."""
    begin_write()
    event = _lock_event(event_id, True)
    error = window_error(event, now)
    if error is not None:
        raise error
    if from_company.id == to_company.id:
        raise RegistrationError("self", _("자기 기업에는 의결권을 위임할 수 없습니다."))
    if not is_council_member_of(from_company, event):
        raise RegistrationError(
            "giver_not_member", _("이 클러스터 입주기업협의회 회원사만 의결권을 위임할 수 있습니다.")
        )
    if not is_council_member_of(to_company, event):
        raise RegistrationError(
            "receiver_not_member",
            # No name: the id comes from the form, and other clusters' companies are not the member's business.
            _("위임받을 기업이 이 클러스터 입주기업협의회 회원사가 아닙니다."),
        )
    existing = _active_given(event.id, from_company.id)
    if existing is not None:
        raise RegistrationError(
            "already_given",
            _(
                "이미 %(company)s에 의결권을 위임했습니다. 다른 회원사에 위임하려면 먼저 철회해 주세요.",
                company=existing.to_company.name,
            ),
        )
    if _received_count(event.id, from_company.id):
        raise RegistrationError(
            "chain_receiver", _("다른 회원사로부터 의결권을 위임받은 기업은 자기 의결권을 위임할 수 없습니다.")
        )
    if _active_given(event.id, to_company.id) is not None:
        raise RegistrationError(
            "chain_giver",
            _("%(company)s은(는) 이미 의결권을 다른 회원사에 위임해서 위임받을 수 없습니다.", company=to_company.name),
        )
    voter = active_voter(event.id, from_company.id)
    if voter is not None:
        raise RegistrationError(
            "giver_has_voter",
            _(
                "%(name)s님이 의결권 대표로 신청되어 있습니다. 의결권을 위임하려면 먼저 그 신청을 취소해 주세요.",
                name=voter.name,
            ),
        )

    proxy = CouncilProxy(
        event=event, from_company=from_company, to_company=to_company, created_by=actor, created_at=now
    )
    db.session.add(proxy)
    db.session.flush()
    _queue_proxy_mail(event, proxy, actor, revoked=False)
    return proxy


def revoke_proxy(proxy_id: int, actor: User | None, now: dt.datetime) -> CouncilProxy:
    """Withdraw a proxy before the meeting starts; raise RegistrationError if refused."""
    begin_write()
    event_id = db.session.scalar(select(CouncilProxy.event_id).where(CouncilProxy.id == proxy_id))
    if event_id is None:
        raise RegistrationError("not_found", _("의결권 위임 내역을 찾을 수 없습니다."))
    event = _lock_event(event_id, True)
    proxy = db.session.execute(
        select(CouncilProxy).where(CouncilProxy.id == proxy_id).execution_options(populate_existing=True)
    ).scalar_one()
    if proxy.revoked_at is not None:
        raise RegistrationError("already_revoked", _("이미 철회된 위임입니다."))
    if now >= event.starts_at:
        raise RegistrationError("meeting_started", _("회의가 시작되어 의결권 위임을 더 이상 바꿀 수 없습니다."))
    proxy.revoked_at = now
    proxy.revoked_by = actor
    db.session.flush()
    _queue_proxy_mail(event, proxy, actor, revoked=True)
    return proxy


def _queue_proxy_mail(event: Event, proxy: CouncilProxy, actor: User | None, *, revoked: bool) -> None:
    """Tell the giving company's member who acted (or who gave it, when staff revoke) and the receiver."""
    giver = actor if actor is not None and actor.company_id == proxy.from_company_id else proxy.created_by
    recipients: list[str] = []
    for email in (giver.email if giver is not None else None, proxy.to_company.contact_email):
        if email and email.strip().lower() not in recipients:
            recipients.append(email.strip().lower())
    template = "proxy_revoked" if revoked else "proxy_given"
    for email in recipients:
        queue_template(email, template, event=event, giver=proxy.from_company.name, receiver=proxy.to_company.name)


# --- reading --------------------------------------------------------------------------------


def proxies_for(event_id: int, company_id: int | None = None) -> list[CouncilProxy]:
    """Active proxies of the meeting (one query), optionally only those a company gave or received.

    Ordered by giving company in 가나다 order.
    """
    giver = aliased(Company)
    query = (
        select(CouncilProxy)
        .join(giver, CouncilProxy.from_company_id == giver.id)
        .where(CouncilProxy.event_id == event_id, CouncilProxy.revoked_at.is_(None))
        .options(joinedload(CouncilProxy.from_company), joinedload(CouncilProxy.to_company))
        .order_by(giver.sort_name, CouncilProxy.id)
    )
    if company_id is not None:
        query = query.where(or_(CouncilProxy.from_company_id == company_id, CouncilProxy.to_company_id == company_id))
    return list(db.session.scalars(query))


def proxy_candidates(event: Event, exclude_company_id: int | None = None) -> list[Company]:
    """Active council member companies of the host cluster that may receive a vote, 가나다 order."""
    query = (
        select(Company)
        .where(
            Company.cluster_id == event.host_cluster_id,
            Company.is_council_member.is_(True),
            Company.is_active.is_(True),
        )
        .order_by(Company.sort_name, Company.id)
    )
    if exclude_company_id is not None:
        query = query.where(Company.id != exclude_company_id)
    return list(db.session.scalars(query))
