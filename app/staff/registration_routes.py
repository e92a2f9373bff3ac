"""Staff page of an event's registrations: list, filters, counts, CSV, promote and cancel on behalf
(on the `staff` blueprint, for admins and the host cluster's staff)."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.audit import record_access
from app.auth.decorators import staff_required
from app.events.access import event_registration_or_404, managed_event
from app.events.registration import RegistrationError
from app.extensions import db
from app.forms import ConfirmForm
from app.models import Event, EventStatus, RegistrationStatus, utcnow
from app.routing import page_arg
from app.staff import registration_queries as queries
from app.staff.blueprint import bp
from app.staff.registration_exports import registrations_csv, registrations_disposition
from app.staff.registration_services import cancel_on_behalf, promote_from_waitlist

PER_PAGE = 50
EXPORT_LIMIT = 20000


def _list_args() -> dict:
    """The list's filters and page from the query string, to carry through actions and back."""
    args = queries.parse_filters(request.args).as_args()
    page = page_arg(request.args)
    if page > 1:
        args["page"] = page
    return args


def _back(event: Event):
    return redirect(url_for("staff.event_registrations", event_id=event.id, **_list_args()))


@bp.get("/events/<int:event_id>/registrations")
@staff_required
def event_registrations(event_id: int):
    event = managed_event(event_id)
    filters = queries.parse_filters(request.args)
    pagination = db.paginate(
        queries.registration_query(event.id, filters),
        page=page_arg(request.args),
        per_page=PER_PAGE,
        error_out=False,
    )
    clusters = queries.all_clusters()
    return render_template(
        "staff/event_registrations.html",
        event=event,
        summary=queries.event_summary(event),
        rows=queries.registration_rows(event.id, list(pagination.items)),
        pagination=pagination,
        filters=filters,
        list_args=_list_args(),
        status_choices=queries.STATUS_FILTER_LABELS,
        guests_value=queries.GUESTS,
        clusters=clusters,
        cluster_counts=queries.counts_by_cluster(event.id, filters, clusters),
        company_counts=queries.counts_by_company(event.id, filters, clusters),
        can_change=event.status != EventStatus.CANCELLED,
    )


@bp.get("/events/<int:event_id>/registrations.csv")
@staff_required
def event_registrations_csv(event_id: int):
    event = managed_event(event_id)
    filters = queries.parse_filters(request.args)
    rows = queries.export_rows(event.id, filters, limit=EXPORT_LIMIT)
    record_access("registrations CSV", cluster_id=event.host_cluster_id, count=len(rows))
    db.session.commit()
    return Response(
        registrations_csv(event, rows),
        mimetype="text/csv",
        headers={"Content-Disposition": registrations_disposition(event), "Cache-Control": "private, no-store"},
    )


@bp.post("/events/<int:event_id>/registrations/<int:registration_id>/promote")
@staff_required
def registration_promote(event_id: int, registration_id: int):
    event = managed_event(event_id)
    registration = event_registration_or_404(event, registration_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    name = registration.name
    try:
        promote_from_waitlist(event, registration_id, now=utcnow())
    except RegistrationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _back(event)
    db.session.commit()
    flash(_("%(name)s님을 대기에서 확정으로 옮기고 안내 메일을 보냈습니다.", name=name), "success")
    return _back(event)


@bp.route("/events/<int:event_id>/registrations/<int:registration_id>/cancel", methods=["GET", "POST"])
@staff_required
def registration_cancel(event_id: int, registration_id: int):
    event = managed_event(event_id)
    registration = event_registration_or_404(event, registration_id)
    if registration.status == RegistrationStatus.CANCELLED:
        flash(_("이미 취소된 신청입니다."), "info")
        return _back(event)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            outcome = cancel_on_behalf(event, registration_id, now=utcnow())
        except RegistrationError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return _back(event)
        cancelled, promoted = outcome.cancelled.name, outcome.promoted.name if outcome.promoted else None
        db.session.commit()
        if promoted:
            flash(
                _(
                    "%(name)s님의 참가 신청을 취소했습니다. 대기자 %(promoted)s님이 확정되었습니다. "
                    "두 분께 안내 메일을 보냈습니다.",
                    name=cancelled,
                    promoted=promoted,
                ),
                "success",
            )
        else:
            flash(_("%(name)s님의 참가 신청을 취소하고 안내 메일을 보냈습니다.", name=cancelled), "success")
        return _back(event)
    if request.method == "POST":
        abort(400)
    return render_template(
        "staff/registration_cancel.html",
        form=form,
        event=event,
        registration=registration,
        back=url_for("staff.event_registrations", event_id=event.id, **_list_args()),
    )
