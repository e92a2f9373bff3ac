"""Badge PDFs: staff batches of an event, and one badge for its attendee (member sign-in or guest link)."""

from __future__ import annotations

from flask import abort, current_app, flash, has_request_context, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth.decorators import staff_required
from app.checkin import badge_jobs, badges
from app.checkin.blueprint import bp
from app.events.access import attendee_registration, event_registration_or_404, has_badge, managed_event
from app.events.guest import registration_by_token
from app.events.tickets import badge_link_matches, badge_link_token
from app.exports import inline_pdf
from app.extensions import db
from app.forms import ConfirmForm
from app.jobs import threshold
from app.models import Registration, RegistrationStatus, utcnow


def _bad_request(message: str):
    return render_template("errors/error.html", status=400, title=_("잘못된 요청입니다"), message=message), 400


# --- staff ---------------------------------------------------------------------------------


@bp.get("/staff/events/<int:event_id>/badges")
@staff_required
def badges_page(event_id: int):
    event = managed_event(event_id)
    try:
        options = badges.parse_badge_options(request.args)
    except badges.BadgeOptionError as exc:
        return _bad_request(exc.message)
    count = badges.count_badges(event, options)
    per_page = badges.BADGES_PER_PAGE[options.layout]
    return render_template(
        "checkin/badges.html",
        event=event,
        options=options,
        count=count,
        sheets=-(-count // per_page),
        companies=badges.badge_companies(event),
        total=badges.count_badges(event, badges.BadgeOptions()),
        unprinted=badges.count_badges(event, badges.BadgeOptions(unprinted=True)),
    )


@bp.route("/staff/events/<int:event_id>/badges.pdf", methods=["GET", "POST"])
@staff_required
def badges_pdf(event_id: int):
    """The batch PDF. POST (the print form, CSRF-checked) marks the badges printed; a GET of the
    same URL is a preview that changes nothing, so a link cannot mark badges behind staff's back."""
    event = managed_event(event_id)
    try:
        options = badges.parse_badge_options(request.form if request.method == "POST" else request.args)
    except badges.BadgeOptionError as exc:
        return _bad_request(exc.message)
    if request.method == "POST" and request.form.get("action") == "count":
        # The form's "recount" button: back to the page with these options (no token in its URL).
        return redirect(url_for("checkin.badges_page", event_id=event.id, **options.as_args()))
    if request.method == "POST":
        count = badges.count_badges(event, options)
        if count >= threshold("JOB_BADGES_FROM"):
            # A large batch is made by a job: its page shows the pages rendered, then the file.
            job = badge_jobs.badges_job(current_user, event, options, count, mark_printed=True)
            db.session.commit()
            return redirect(url_for("jobs.job_page", job_id=job.id))
    registrations = badges.select_badges(event, options)
    if not registrations:
        flash(_("인쇄할 명찰이 없습니다"), "info")
        return redirect(url_for("checkin.badges_page", event_id=event.id, **options.as_args()))
    data = badges.badge_pdf(event, registrations, options.layout)
    if request.method == "POST":
        badges.mark_printed(registrations, utcnow())
    db.session.commit()  # also codes issued just now to rows older than hashed codes
    return inline_pdf(data, badges.batch_filename(event))


# --- attendees -----------------------------------------------------------------------------


@bp.get("/registrations/<int:registration_id>/badge.pdf")
@login_required
def registration_badge(registration_id: int):
    registration = attendee_registration(registration_id)
    if not has_badge(registration):
        abort(404)
    data = badges.single_badge_pdf(registration)
    db.session.commit()  # a row from before ticket codes got its code just now
    return inline_pdf(data, badges.single_filename(registration))


@bp.get("/registrations/manage/<token>/badge.pdf")
def guest_badge(token: str):
    registration = registration_by_token(token)
    if registration is None or not has_badge(registration):
        abort(404)
    data = badges.single_badge_pdf(registration)
    db.session.commit()
    return inline_pdf(data, badges.single_filename(registration))


@bp.get("/badges/<int:registration_id>/<token>.pdf")
def linked_badge(registration_id: int, token: str):
    """The badge link in the confirmation mail: no sign-in, the link's secret is the key."""
    registration = db.session.get(Registration, registration_id)
    if registration is None or not badge_link_matches(registration, token) or not has_badge(registration):
        # One answer for every dead link (reissued, cancelled, mistyped): it tells nobody which.
        return render_template(
            "errors/error.html",
            status=404,
            title=_("사용할 수 없는 명찰 링크입니다"),
            message=_(
                "명찰이 재발급되었거나 신청이 취소되어 이 링크는 더 이상 쓸 수 없습니다. "
                "재발급된 명찰은 안내 메일의 새 링크로 받을 수 있습니다."
            ),
        ), 404
    data = badges.single_badge_pdf(registration)
    db.session.commit()
    return inline_pdf(data, badges.single_filename(registration))


# --- reissuing a badge ------------------------------------------------------------------------


@bp.route("/staff/events/<int:event_id>/registrations/<int:registration_id>/reissue", methods=["GET", "POST"])
@staff_required
def reissue_badge(event_id: int, registration_id: int):
    """Staff replace a lost or copied badge: a new code, the old one refused at the door."""
    event = managed_event(event_id)
    registration = event_registration_or_404(event, registration_id)
    back = url_for("staff.event_registrations", event_id=event.id)
    if not has_badge(registration):
        flash(_("확정된 신청만 명찰을 재발급할 수 있습니다."), "error")
        return redirect(back)
    form = ConfirmForm()
    if form.validate_on_submit():
        badges.reissue_ticket(registration)
        badges.queue_reissued_mail(event, registration, badge_url(registration))
        db.session.commit()
        flash(
            _("%(name)s님의 명찰을 재발급했습니다. 이전 QR 코드는 이제 입장에 쓸 수 없습니다.", name=registration.name),
            "success",
        )
        return redirect(back)
    return render_template("checkin/reissue_confirm.html", event=event, registration=registration, form=form, back=back)


# --- links in mail -------------------------------------------------------------------------


def badge_url(registration: Registration, manage_url: str | None = None) -> str | None:
    """Absolute URL of a confirmed registration's badge PDF, for mail; None when there is none.

    A signed link (app.events.tickets.badge_link_token): the attendee may have no account, and
    a reissued ticket makes the old link useless. ``manage_url`` is accepted for the templates'
    sake and not needed.
    """
    if registration is None or registration.status != RegistrationStatus.CONFIRMED or not registration.ticket_salt:
        return None
    values = {"registration_id": registration.id, "token": badge_link_token(registration)}
    if has_request_context():
        return url_for("checkin.linked_badge", _external=True, **values)
    # Mail queued outside a request (CLI, worker): the configured public address.
    path = current_app.url_map.bind("localhost").build("checkin.linked_badge", values)
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


@bp.app_context_processor
def _badge_link_helper():
    return {"badge_url": badge_url}
