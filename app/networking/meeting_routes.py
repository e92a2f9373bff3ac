"""The attendee's 1:1 meeting actions under the personal link: request, accept, decline,
withdraw, cancel; and the event page's short list of the member's company meetings.

Every action: the linked attendee (404 for a dead link), their consent (403), then the service,
which re-checks everything under the event's write lock; a refusal rolls back and is shown in
Korean (the request page again with 400; the other actions as a message on the hub).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import db
from app.forms import ConfirmForm
from app.i18n import format_kst_range
from app.models import Meeting, Role, utcnow
from app.networking import meetings
from app.networking.access import Attendee, consenting_attendee_or_403, linked_attendee_or_404
from app.networking.blueprint import bp
from app.networking.meeting_forms import MeetingRequestForm
from app.routing import db_id, int_arg


def _attendee(registration_id: int, token: str) -> Attendee:
    return consenting_attendee_or_403(linked_attendee_or_404(registration_id, token))


def _hub(attendee: Attendee):
    return redirect(
        url_for("networking.hub", registration_id=attendee.registration.id, token=attendee.token, _anchor="meetings"),
        code=303,
    )


def _form_id(name: str) -> int | None:
    try:
        return db_id(request.form.get(name, ""))
    except ValueError:
        return None


def _render_request(attendee: Attendee, company_id: int | None, form, error: str | None = None, status: int = 200):
    page = meetings.request_page(attendee, company_id, utcnow())
    if page.actor_problem is not None:
        status = 403
    elif status == 200 and page.problem is not None:
        status = 400
    return render_template(
        "networking/meeting_request.html",
        attendee=attendee,
        event=attendee.event,
        page=page,
        companies=meetings.requestable_companies(attendee.event.id, attendee.company.id)
        if page.actor_problem is None and page.company is None
        else [],
        form=form,
        error=error,
        chosen_slot=_form_id("slot") if request.method == "POST" else None,
    ), status


@bp.route("/networking/r/<int:registration_id>/<token>/meetings/new", methods=["GET", "POST"])
def meeting_request(registration_id: int, token: str):
    attendee = _attendee(registration_id, token)
    form = MeetingRequestForm()
    if request.method == "GET":
        return _render_request(attendee, int_arg(request.args, "company", minimum=1), form)
    if not form.validate_on_submit():
        abort(400)
    company_id = _form_id("company")
    try:
        meeting = meetings.request_meeting(
            attendee.registration.id, company_id, _form_id("slot"), form.message.data, now=utcnow()
        )
    except meetings.MeetingError as exc:
        db.session.rollback()
        return _render_request(attendee, company_id, form, exc.message, 400)
    when = format_kst_range(meeting.slot.starts_at, meeting.slot.ends_at)
    invitee = meeting.invitee.name
    db.session.commit()
    flash(
        _("%(company)s에 %(when)s 미팅을 요청했습니다. 답이 오면 메일로 알려 드립니다.", company=invitee, when=when),
        "success",
    )
    return _hub(attendee)


def _act(attendee: Attendee, meeting_id: int, action):
    """Run one answer/withdraw/cancel service; a refusal is rolled back and flashed (None)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        return action(attendee.registration.id, meeting_id, now=utcnow())
    except meetings.MeetingError as exc:
        db.session.rollback()
        if exc.code == "not_found":
            abort(404)
        flash(exc.message, "error")
        return None


@bp.post("/networking/r/<int:registration_id>/<token>/meetings/<int:meeting_id>/accept")
def meeting_accept(registration_id: int, token: str, meeting_id: int):
    attendee = _attendee(registration_id, token)
    accepted = _act(attendee, meeting_id, meetings.accept_meeting)
    if accepted is not None:
        meeting = accepted.meeting
        text = _(
            "%(company)s와(과)의 미팅이 확정되었습니다: %(when)s, %(table)s.",
            company=meeting.requester.name,
            when=format_kst_range(meeting.slot.starts_at, meeting.slot.ends_at),
            table=meeting.table.name,
        )
        if accepted.superseded:
            text += " " + _(
                "이 시간대에 있던 다른 미팅 요청 %(n)d건은 취소되었고, 상대 기업에 알렸습니다.",
                n=len(accepted.superseded),
            )
        db.session.commit()
        flash(text, "success")
    return _hub(attendee)


@bp.post("/networking/r/<int:registration_id>/<token>/meetings/<int:meeting_id>/decline")
def meeting_decline(registration_id: int, token: str, meeting_id: int):
    attendee = _attendee(registration_id, token)
    meeting = _act(attendee, meeting_id, meetings.decline_meeting)
    if meeting is not None:
        name = meeting.requester.name
        db.session.commit()
        flash(_("%(company)s의 미팅 요청을 거절했습니다.", company=name), "success")
    return _hub(attendee)


@bp.post("/networking/r/<int:registration_id>/<token>/meetings/<int:meeting_id>/withdraw")
def meeting_withdraw(registration_id: int, token: str, meeting_id: int):
    attendee = _attendee(registration_id, token)
    meeting = _act(attendee, meeting_id, meetings.withdraw_meeting)
    if meeting is not None:
        name = meeting.invitee.name
        db.session.commit()
        flash(_("%(company)s에 보낸 미팅 요청을 철회했습니다.", company=name), "success")
    return _hub(attendee)


@bp.route("/networking/r/<int:registration_id>/<token>/meetings/<int:meeting_id>/cancel", methods=["GET", "POST"])
def meeting_cancel(registration_id: int, token: str, meeting_id: int):
    """A confirmation page, then the cancellation (both sides are told by mail)."""
    attendee = _attendee(registration_id, token)
    if request.method == "POST":
        meeting = _act(attendee, meeting_id, meetings.cancel_meeting)
        if meeting is not None:
            name = meeting.other_company(attendee.registration.company_id).name
            db.session.commit()
            flash(_("%(company)s와(과)의 미팅을 취소했습니다. 상대 기업에 메일로 알렸습니다.", company=name), "success")
        return _hub(attendee)
    meeting = _own_meeting_or_404(attendee, meeting_id)
    return render_template(
        "networking/meeting_cancel.html",
        attendee=attendee,
        event=attendee.event,
        meeting=meeting,
        other=meeting.other_company(attendee.company.id),
        form=ConfirmForm(),
    )


def _own_meeting_or_404(attendee: Attendee, meeting_id: int) -> Meeting:
    company_id = attendee.registration.company_id
    meeting = db.session.get(Meeting, meeting_id)
    if (
        company_id is None
        or meeting is None
        or meeting.event_id != attendee.event.id
        or company_id not in (meeting.requester_company_id, meeting.invitee_company_id)
    ):
        abort(404)
    return meeting


# --- the event page --------------------------------------------------------------------------


def our_company_meetings(event) -> list:
    """The signed-in member's company's accepted meetings at the event (the event page's list);
    empty for anyone else or when the event has no networking. One query."""
    if (
        not event.networking_enabled
        or not current_user.is_authenticated
        or current_user.role != Role.MEMBER
        or current_user.company_id is None
    ):
        return []
    return meetings.accepted_meetings_of(event.id, current_user.company_id)


@bp.app_context_processor
def _event_page_helpers():
    return {"our_company_meetings": our_company_meetings}
