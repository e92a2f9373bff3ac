"""The attendee's networking page (내 네트워킹): the consent step, then who is coming, meetings, contacts.

Every page of the area lives under the personal link /networking/r/<registration>/<token>; a
signed-in member is sent there from /events/<id>/networking, so one URL scheme serves both.
"""

from __future__ import annotations

from flask import abort, current_app, flash, has_request_context, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from wtforms import BooleanField, SubmitField
from wtforms.validators import InputRequired

from app.events.tickets import ensure_tickets
from app.extensions import db
from app.forms import ConfirmForm, Form
from app.models import utcnow
from app.networking import consent, participation
from app.networking.access import link_token, linked_attendee_or_404, networking_event_or_404, signed_in_attendee
from app.networking.blueprint import bp
from app.networking.contacts import contacts_panel
from app.networking.meetings import meetings_panel
from app.networking.people import people_panel

# Pages under the personal link carry its token: never cached, never sent on as a Referer.
_PRIVATE_PREFIX = "/networking/r/"


class NetworkingConsentForm(Form):
    consent = BooleanField(
        consent.CONSENT_LABEL, validators=[InputRequired(message=_l("네트워킹에 참여하려면 동의에 표시해 주세요."))]
    )
    submit = SubmitField(_l("동의하고 네트워킹 시작"))


@bp.after_app_request
def _private_headers(response):
    if request.path.startswith(_PRIVATE_PREFIX):
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Robots-Tag"] = "noindex"
    return response


def hub_url(registration, **kw) -> str:
    return url_for("networking.hub", registration_id=registration.id, token=link_token(registration), **kw)


def networking_url(registration) -> str | None:
    """Absolute URL of a registration's personal networking page, for mail; None when the event
    has no networking or the registration no ticket yet."""
    if registration is None or not registration.ticket_salt or not registration.event.networking_enabled:
        return None
    values = {"registration_id": registration.id, "token": link_token(registration)}
    if has_request_context():
        return url_for("networking.hub", _external=True, **values)
    path = current_app.url_map.bind("localhost").build("networking.hub", values)
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


@bp.app_context_processor
def _networking_link_helper():
    return {"networking_url": networking_url}


@bp.get("/events/<int:event_id>/networking")
@login_required
def my_networking(event_id: int):
    """A signed-in member's way in: their own registration's personal page."""
    event = networking_event_or_404(event_id)
    attendee = signed_in_attendee(event)
    if attendee is None:
        return render_template("networking/not_registered.html", event=event), 403
    if ensure_tickets([attendee.registration]):  # rows older than ticket codes get theirs now
        db.session.commit()
    return redirect(hub_url(attendee.registration))


def _render_hub(attendee, form=None, status: int = 200):
    context = {"attendee": attendee, "event": attendee.event, "consent": consent}
    if attendee.consented:
        context |= people_panel(attendee) | meetings_panel(attendee) | contacts_panel(attendee)
        context["withdraw_form"] = ConfirmForm()
    else:
        context["form"] = form or NetworkingConsentForm()
    return render_template("networking/hub.html", **context), status


@bp.get("/networking/r/<int:registration_id>/<token>")
def hub(registration_id: int, token: str):
    return _render_hub(linked_attendee_or_404(registration_id, token))


@bp.post("/networking/r/<int:registration_id>/<token>/consent")
def give_consent(registration_id: int, token: str):
    attendee = linked_attendee_or_404(registration_id, token)
    form = NetworkingConsentForm()
    if not form.validate_on_submit():
        return _render_hub(attendee, form, 400)
    participation.give_consent(attendee.registration, utcnow())
    db.session.commit()
    flash(_("네트워킹에 참여했습니다. 같은 행사의 기업을 보고 미팅을 요청할 수 있습니다."), "success")
    return redirect(url_for("networking.hub", registration_id=registration_id, token=token))


@bp.route("/networking/r/<int:registration_id>/<token>/withdraw", methods=["GET", "POST"])
def withdraw_consent(registration_id: int, token: str):
    attendee = linked_attendee_or_404(registration_id, token)
    if not attendee.consented:
        return redirect(url_for("networking.hub", registration_id=registration_id, token=token))
    form = ConfirmForm()
    if form.validate_on_submit():
        participation.withdraw_consent(attendee.registration)
        db.session.commit()
        flash(_("네트워킹 참여 동의를 철회했습니다. 다른 참가자에게 더 이상 보이지 않습니다."), "success")
        return redirect(url_for("networking.hub", registration_id=registration_id, token=token))
    if request.method == "POST":
        abort(400)
    return render_template("networking/withdraw.html", attendee=attendee, event=attendee.event, form=form)
