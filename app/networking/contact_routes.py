"""The attendee's contact exchange (명함 교환): the phone scanner page and its JSON endpoints, the
contacts page with the owner's notes, and its vCard and XLSX exports.

Everything lives under the personal link /networking/r/<registration>/<token>, whose token says
who is scanning; every view needs the networking consent (403). The JSON endpoints are CSRF-exempt
for Flask-WTF and check the page's token in X-CSRFToken themselves, to answer in JSON like the door
scanner's API. The scan endpoint is rate-limited per link, so a phone cannot try codes at speed.
"""

from __future__ import annotations

from flask import abort, current_app, flash, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf, validate_csrf
from werkzeug.exceptions import Forbidden, NotFound

from app.events.tickets import CONTACT_PREFIX, contact_code, ensure_tickets
from app.exports import clean_filename, private_download
from app.extensions import csrf, db, limiter
from app.models import utcnow
from app.networking import contacts
from app.networking.access import Attendee, consenting_attendee_or_403, linked_attendee_or_404
from app.networking.blueprint import bp
from app.qr import qr_svg
from app.tokens import hash_token

# The exchange page stays open on a phone through an evening: its CSRF token lasts that long.
EXCHANGE_CSRF_SECONDS = 12 * 3600
_BASE = "/networking/r/<int:registration_id>/<token>"


def _exchange_limit() -> str:
    # RATELIMIT_ENABLED=False switches it off with every other limit.
    return current_app.config.get("CONTACT_EXCHANGE_RATE_LIMIT", "20 per minute;200 per day")


def _link_key() -> str:
    """One bucket per personal link (the token only as a hash): a stranger trying tokens on
    someone's registration number fills their own buckets, never the real link's."""
    args = request.view_args or {}
    token = str(args.get("token", ""))[:64]
    return f"contact-exchange:{args.get('registration_id')}:{hash_token(token)[:24]}"


def _attendee(registration_id: int, token: str) -> Attendee:
    return consenting_attendee_or_403(linked_attendee_or_404(registration_id, token))


def _json_attendee(registration_id: int, token: str) -> Attendee:
    """The attendee for a JSON endpoint: a dead link (404) or a missing consent (403) in JSON too."""
    try:
        return _attendee(registration_id, token)
    except NotFound:
        _json_error(404, "not_found", _("링크가 올바르지 않거나 만료되었습니다."))
    except Forbidden:
        _json_error(403, "no_consent", _("네트워킹 참여에 동의해야 명함을 교환할 수 있습니다."))


def _links(attendee: Attendee) -> dict:
    values = {"registration_id": attendee.registration.id, "token": attendee.token}
    return {
        "hub_url": url_for("networking.hub", **values),
        "exchange_url": url_for("networking.exchange_page", **values),
        "scan_url": url_for("networking.exchange_scan", **values),
        "contacts_url": url_for("networking.contacts_page", **values),
        "vcard_url": url_for("networking.contacts_vcard", **values),
        "xlsx_url": url_for("networking.contacts_xlsx", **values),
    }


def _json(payload: dict, status: int = 200):
    response = make_response(jsonify(payload), status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _json_error(status: int, code: str, message: str):
    abort(_json({"error": code, "message": message}, status))


def _check_csrf_header() -> None:
    try:
        validate_csrf(request.headers.get("X-CSRFToken"), time_limit=EXCHANGE_CSRF_SECONDS)
    except Exception:  # noqa: BLE001 - CSRFError or a malformed token: the same answer
        _json_error(400, "csrf", _("보안 토큰이 없거나 만료되었습니다. 페이지를 새로고침해 주세요."))


def _json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        _json_error(400, "bad_request", _("JSON 형식의 요청이 필요합니다."))
    return body


def _card(attendee: Attendee, contact) -> dict:
    note_url = url_for(
        "networking.exchange_note",
        registration_id=attendee.registration.id,
        token=attendee.token,
        contact_id=contact.id,
    )
    return contacts.card_json(contact) | {"note_url": note_url}


# --- the exchange page on the phone ------------------------------------------------------------


@bp.get(_BASE + "/exchange")
def exchange_page(registration_id: int, token: str):
    attendee = _attendee(registration_id, token)
    if attendee.registration.contact_hash is None:
        # A ticket from before contact codes: its code shown here must be findable.
        ensure_tickets([attendee.registration])
        db.session.commit()
    links = _links(attendee)
    config = {"scan_url": links["scan_url"], "csrf_token": generate_csrf(), "prefix": CONTACT_PREFIX}
    # The person's own contact QR on screen, for someone whose badge is not at hand (or to type).
    own = contact_code(attendee.registration)
    body = own[len(CONTACT_PREFIX) :]
    own_text = CONTACT_PREFIX + " " + "-".join(body[i : i + 4] for i in range(0, len(body), 4))
    return render_template(
        "networking/exchange.html",
        attendee=attendee,
        event=attendee.event,
        links=links,
        exchange=config,
        note_max=contacts.NOTE_MAX,
        own_code_text=own_text,
        own_qr=qr_svg(own, _("내 명함 교환 QR 코드"), size="min(16rem, 70vw)"),
    )


@bp.post(_BASE + "/exchange/scan")
@csrf.exempt
@limiter.limit(_exchange_limit, key_func=_link_key)
def exchange_scan(registration_id: int, token: str):
    _check_csrf_header()
    attendee = _json_attendee(registration_id, token)
    body = _json_body()
    try:
        answer = contacts.exchange(
            attendee.registration, body.get("code"), note=body.get("note"), rating=body.get("rating"), now=utcnow()
        )
    except contacts.ContactInputError as exc:
        db.session.rollback()
        _json_error(400, "bad_request", exc.message)
    db.session.commit()
    payload = {"result": answer.result, "tone": answer.tone, "message": answer.message}
    if answer.contact is not None:
        payload["contact"] = _card(attendee, answer.contact)
    return _json(payload)


@bp.post(_BASE + "/exchange/contacts/<int:contact_id>")
@csrf.exempt
def exchange_note(registration_id: int, token: str, contact_id: int):
    """The note and rating typed on the exchange page right after a scan (JSON)."""
    _check_csrf_header()
    attendee = _json_attendee(registration_id, token)
    contact = contacts.own_contact(attendee.registration, contact_id)
    if contact is None:
        _json_error(404, "not_found", _("명함을 찾을 수 없습니다."))
    body = _json_body()
    try:
        contacts.update_note(contact, body.get("note"), body.get("rating"))
    except contacts.ContactInputError as exc:
        db.session.rollback()
        _json_error(400, "bad_request", exc.message)
    db.session.commit()
    return _json({"result": "saved", "message": _("메모를 저장했습니다."), "contact": _card(attendee, contact)})


# --- the contacts page ---------------------------------------------------------------------------


def _render_contacts(attendee: Attendee, *, errors=None, entered=None, status: int = 200):
    return render_template(
        "networking/contacts.html",
        attendee=attendee,
        event=attendee.event,
        links=_links(attendee),
        cards=contacts.contact_cards(attendee.registration),
        note_max=contacts.NOTE_MAX,
        errors=errors or {},
        entered=entered or {},
    ), status


@bp.get(_BASE + "/contacts")
def contacts_page(registration_id: int, token: str):
    return _render_contacts(_attendee(registration_id, token))


@bp.post(_BASE + "/contacts/<int:contact_id>")
def contact_note(registration_id: int, token: str, contact_id: int):
    attendee = _attendee(registration_id, token)
    contact = contacts.own_contact(attendee.registration, contact_id)
    if contact is None:
        abort(404)
    note, rating = request.form.get("note"), request.form.get("rating")
    try:
        contacts.update_note(contact, note, rating)
    except contacts.ContactInputError as exc:
        db.session.rollback()
        return _render_contacts(
            attendee, errors={contact_id: exc.message}, entered={contact_id: (note or "", rating or "")}, status=400
        )
    db.session.commit()
    flash(_("%(name)s 님의 명함에 메모를 저장했습니다.", name=contact.other.name), "success")
    return redirect(
        url_for("networking.contacts_page", registration_id=registration_id, token=token) + f"#c{contact_id}"
    )


def _export_name(attendee: Attendee, extension: str) -> tuple[str, str]:
    event = attendee.event
    name = clean_filename(f"명함_{event.title_ko}") or "명함"
    return f"{name}.{extension}", f"contacts-event-{event.id}.{extension}"


@bp.get(_BASE + "/contacts.vcf")
def contacts_vcard(registration_id: int, token: str):
    attendee = _attendee(registration_id, token)
    cards = contacts.contact_cards(attendee.registration)
    data = contacts.contacts_vcard(cards, attendee.event.title, attendee.event.starts_at)
    return private_download(data, "text/vcard; charset=utf-8", *_export_name(attendee, "vcf"))


@bp.get(_BASE + "/contacts.xlsx")
def contacts_xlsx(registration_id: int, token: str):
    attendee = _attendee(registration_id, token)
    cards = contacts.contact_cards(attendee.registration)
    data = contacts.contacts_xlsx(cards, attendee.event.title)
    mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return private_download(data, mimetype, *_export_name(attendee, "xlsx"))
