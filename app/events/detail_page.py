"""The event page and its panels: what a visitor, a company member, a guest or staff sees there.

Each panel returns template context: ``rsvp_panel`` (company registration, and for anonymous
visitors ``guest_panel``), ``proxy_panel`` (council proxies). The view modules that handle the
panels' forms call ``render_detail`` again with the form and its error when a POST is refused.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from app.events import consent, queries
from app.events.guest_forms import GuestRegistrationForm, ResendLinkForm
from app.events.proxy import active_voter, is_council_member_of, proxies_for, proxy_candidates, window_error
from app.events.proxy_forms import GiveProxyForm
from app.events.registration import (
    ACTIVE,
    RegistrationError,
    check_cancellable,
    check_eligibility,
    check_replaceable,
    company_seats_left,
    is_registered,
)
from app.events.rsvp_forms import CancelRegistrationForm, make_rsvp_form, row_count
from app.extensions import db
from app.models import Company, Event, EventKind, Registration, RegistrationStatus, Role, utcnow


def render_detail(event: Event, status: int = 200, **extra):
    """The event page; `extra` is the RSVP part (rsvp_panel) and may carry the proxy part."""
    if "proxy_state" not in extra:  # the council proxy part
        extra.update(proxy_panel(event))
    row = queries.event_row(event)
    map_url = (
        "https://map.naver.com/p/search/" + quote(event.venue_address or event.venue_name)
        if (event.venue_address or event.venue_name)
        else None
    )
    return render_template("events/detail.html", row=row, event=event, map_url=map_url, **extra), status


# --- company registration -------------------------------------------------------------

# Codes of check_eligibility that do not depend on who asks (status and time window).
_EVENT_WIDE = {"cancelled", "not_published", "not_open_yet", "closed"}


def is_member() -> bool:
    return current_user.is_authenticated and current_user.role == Role.MEMBER and current_user.company_id is not None


def staff_message() -> str:
    return _("스태프와 관리자는 이 양식으로 신청할 수 없습니다. 기업을 대신한 신청 기능은 추후 제공됩니다.")


def _company_registrations(event: Event) -> list[Registration]:
    return list(
        db.session.scalars(
            select(Registration)
            .where(
                Registration.event_id == event.id,
                Registration.company_id == current_user.company_id,
                Registration.status.in_(ACTIVE),
            )
            .order_by(Registration.created_at, Registration.id)
        )
    )


def rsvp_panel(event: Event, form=None, error: str | None = None) -> dict:
    """Template context for the RSVP part of the event page.

    `rsvp_state`: "login" (anonymous), "staff", "closed" (with `rsvp_reason`), "seats_used" (the
    company's seats are all taken, with `rsvp_reason`) or "open" (with `rsvp_form`). Members also get
    `may_cancel` / `may_replace` for the links in their company's table.
    """
    ctx: dict = {
        "rsvp_error": error,
        "rsvp_form": None,
        "rsvp_reason": None,
        "company_registrations": [],
        "waitlist_positions": {},
        "consent": consent,
        "rsvp_rows": row_count(event),
    }
    now = utcnow()
    if not current_user.is_authenticated:
        try:
            check_eligibility(event, guest=True, now=now)
        except RegistrationError as exc:
            if exc.code in _EVENT_WIDE:
                ctx.update(rsvp_state="closed", rsvp_reason=exc.message, **guest_panel(event, exc.code, now))
                return ctx
        else:
            ctx.update(guest_panel(event, None, now))
        ctx.update(rsvp_state="login", login_url=url_for("auth.login", next=request.path))
        return ctx
    if not is_member():
        ctx.update(rsvp_state="staff", rsvp_reason=staff_message())
        return ctx
    ctx["company_registrations"] = _company_registrations(event)
    waiting = [r.id for r in ctx["company_registrations"] if r.status == RegistrationStatus.WAITLISTED]
    ctx["waitlist_positions"] = queries.waitlist_positions([event.id], waiting) if waiting else {}
    ctx["cancel_form"] = CancelRegistrationForm()
    ctx["may_cancel"] = _passes(check_cancellable, event, now=now)
    ctx["may_replace"] = _passes(check_replaceable, event, now=now)
    try:
        check_eligibility(event, company=current_user.company, now=now)
    except RegistrationError as exc:
        ctx.update(rsvp_state="closed", rsvp_reason=exc.message)
        return ctx
    seats_left = company_seats_left(event, current_user.company_id)
    if seats_left == 0:
        ctx.update(
            rsvp_state="seats_used",
            rsvp_reason=_("우리 기업의 신청 가능 인원(%(limit)d명)을 모두 사용했습니다", limit=event.seats_per_company),
        )
        return ctx
    ctx["rsvp_rows"] = row_count(event, seats_left)
    if form is None:
        # Offer the member themself only while they are not registered already.
        member = None if is_registered(event.id, current_user.email) else current_user
        form = make_rsvp_form(event, member=member, rows=ctx["rsvp_rows"])
    ctx.update(rsvp_state="open", rsvp_form=form)
    return ctx


def _passes(check, *args, **kwargs) -> bool:
    try:
        check(*args, **kwargs)
    except RegistrationError:
        return False
    return True


# --- guests --------------------------------------------------------------------------


def guest_panel(event: Event, refusal_code: str | None, now) -> dict:
    """Guest part of the event page for anonymous visitors (see rsvp_routes.rsvp_panel).

    Registration open to guests: the guest form and the resend form. Registration closed but
    the event not started: only the resend form (a guest may still cancel through the link).
    """
    if refusal_code is None:
        return {"guest_form": GuestRegistrationForm(), "guest_resend_form": ResendLinkForm(prefix="resend")}
    if refusal_code == "closed" and event.open_to_guests and now < event.starts_at:
        return {"guest_resend_form": ResendLinkForm(prefix="resend")}
    return {}


# --- council proxies --------------------------------------------------------------------


def member_company() -> Company | None:
    if current_user.is_authenticated and current_user.role == Role.MEMBER:
        return current_user.company
    return None


def give_proxy_form(event: Event, company: Company, formdata=None) -> GiveProxyForm:
    form = GiveProxyForm(formdata=formdata)
    form.to_company.choices = [SelectChoice("", _("회원사를 선택하세요"))] + [
        SelectChoice(c.id, c.name) for c in proxy_candidates(event, exclude_company_id=company.id)
    ]
    return form


def proxy_panel(event: Event, form: GiveProxyForm | None = None, error: str | None = None) -> dict:
    """Template context for the proxy part of a council meeting's page (`proxy_state` None: no section).

    `proxy_state`: "member" (a council member company's member: `proxy_given`, `proxy_received`,
    and `proxy_form` while giving is possible, else `proxy_reason`) or "staff" (host cluster staff and
    admins: `proxy_all`).
    """
    ctx: dict = {"proxy_state": None}
    if event.kind != EventKind.COUNCIL or not current_user.is_authenticated:
        return ctx
    if current_user.role != Role.MEMBER:
        if current_user.can_manage_cluster(event.host_cluster_id):
            ctx.update(
                proxy_state="staff", proxy_all=proxies_for(event.id), proxy_open=window_error(event, utcnow()) is None
            )
        return ctx
    company = member_company()
    if not is_council_member_of(company, event):
        return ctx
    mine = proxies_for(event.id, company_id=company.id)
    given = next((p for p in mine if p.from_company_id == company.id), None)
    received = [p for p in mine if p.to_company_id == company.id]
    closed = window_error(event, utcnow())
    ctx.update(
        proxy_state="member",
        proxy_company=company,
        proxy_given=given,
        proxy_received=received,
        proxy_open=closed is None,
        proxy_form=None,
        proxy_reason=None,
        proxy_error=error,
    )
    if given is not None:
        return ctx
    if closed is not None:
        ctx["proxy_reason"] = closed.message
    elif received:
        ctx["proxy_reason"] = _("다른 회원사로부터 의결권을 위임받은 기업은 자기 의결권을 위임할 수 없습니다.")
    elif (voter := active_voter(event.id, company.id)) is not None:
        ctx["proxy_reason"] = _(
            "%(name)s님이 의결권 대표로 신청되어 있습니다. 의결권을 위임하려면 먼저 그 신청을 취소해 주세요.",
            name=voter.name,
        )
    else:
        ctx["proxy_form"] = form or give_proxy_form(event, company)
    return ctx
