"""Personal and company calendar feeds: the secret feed URL and the "내 캘린더" page that
makes, shows once, rotates and revokes it (on the `calendar` blueprint)."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.calendar import feeds_personal as feeds
from app.calendar.blueprint import bp
from app.calendar.http import detach_session, feed_response
from app.extensions import db
from app.forms import ConfirmForm
from app.ics import build_calendar, public_url
from app.models import CalendarTokenKind, Company, Role, User, utcnow
from app.qr import qr_svg

# One body for every refused token (unknown, malformed, revoked, owner deactivated): the
# answer must not tell a guesser which of these it was.
_NOT_FOUND_BODY = "Not Found\n"


def _feed_not_found() -> Response:
    response = Response(_NOT_FOUND_BODY, status=404, content_type="text/plain; charset=utf-8")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/calendar/feed/<token>.ics")
def token_feed(token: str):
    """A personal or company feed, polled by calendar apps. No cookies, no sign-in: the token
    in the path is the credential (never the query string, which ends up in logs)."""
    detach_session()
    now = utcnow()
    feed_token = feeds.lookup(token)
    if feed_token is None:
        return _feed_not_found()
    state = feeds.feed_state(feed_token, now)
    response = feed_response(
        lambda: build_calendar(feeds.feed_entries(feed_token, now), name=feeds.feed_name(feed_token)),
        etag_basis=state.etag_basis,
        last_modified=state.last_modified,
        private=True,
        filename="moim-company.ics" if feed_token.kind == CalendarTokenKind.COMPANY else "moim-my-events.ics",
    )
    if state.updates:
        # After the body is built (from the same reads as the fingerprint); at most hourly
        # or when the content changed.
        feeds.save_feed_state(feed_token.id, state.updates)
        db.session.commit()
    return response


# --- the "내 캘린더" page ---------------------------------------------------------------------


def _member_company() -> Company | None:
    """The company whose feed the signed-in user may manage: their own, if they are an
    active member of an active company. Staff and admins have no company feed."""
    if current_user.role != Role.MEMBER or current_user.company_id is None:
        return None
    company = current_user.company
    return company if company is not None and company.is_active else None


def _owner(company_id: int | None) -> User | Company:
    """The feed owner named by the URL: the user (personal) or a company (404, then 403)."""
    if company_id is None:
        return current_user._get_current_object()
    company = db.session.get(Company, company_id)
    if company is None:
        abort(404)
    own = _member_company()
    if own is None or own.id != company.id:
        abort(403)
    return company


def _scope(company_id: int | None) -> dict:
    return {"company_id": company_id} if company_id is not None else {}


def subscribe_links(plain_token: str) -> dict:
    """Every way to subscribe to a feed URL: https, webcal://, Google "add by URL", a QR code."""
    url = public_url(url_for("calendar.token_feed", token=plain_token))
    webcal = "webcal://" + url.split("://", 1)[1]
    return {
        "url": url,
        "webcal": webcal,
        "google": "https://calendar.google.com/calendar/r?cid=" + quote(webcal, safe=""),
        "qr": qr_svg(webcal, _("캘린더 구독 QR 코드")),
    }


def _section(owner: User | Company, fresh: dict | None = None) -> dict:
    return {
        "owner": owner,
        "scope": _scope(owner.id if isinstance(owner, Company) else None),
        "token": feeds.active_token(owner),
        "fresh": fresh,
    }


def _page(fresh_for: User | Company | None = None, fresh: dict | None = None):
    user = current_user._get_current_object()
    sections = [_section(user, fresh if isinstance(fresh_for, User) else None)]
    company = _member_company()
    if company is not None:
        sections.append(_section(company, fresh if isinstance(fresh_for, Company) else None))
    response = Response(render_template("calendar/me.html", sections=sections, form=ConfirmForm()))
    if fresh is not None:
        # The page shows a secret once: no browser or proxy may keep a copy.
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/calendar/me")
@login_required
def my_calendar():
    return _page()


def _show_new_token(owner: User | Company, plain: str):
    db.session.commit()
    return _page(owner, subscribe_links(plain))


@bp.post("/calendar/me/personal/new", defaults={"company_id": None})
@bp.post("/calendar/me/companies/<int:company_id>/new")
@login_required
def create_feed_token(company_id: int | None):
    owner = _owner(company_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    if feeds.active_token(owner) is not None:
        # A double click, or a second tab: making one now would silently stop the first URL.
        flash(_("이미 구독 주소가 있습니다. 주소를 잊었다면 '새 주소 만들기'를 누르세요."), "info")
        return redirect(url_for("calendar.my_calendar"))
    _token, plain = feeds.issue_token(owner, now=utcnow())
    return _show_new_token(owner, plain)


@bp.route("/calendar/me/personal/rotate", methods=["GET", "POST"], defaults={"company_id": None})
@bp.route("/calendar/me/companies/<int:company_id>/rotate", methods=["GET", "POST"])
@login_required
def rotate_feed_token(company_id: int | None):
    owner = _owner(company_id)
    token = feeds.active_token(owner)
    if token is None:
        flash(_("구독 주소가 없습니다. 먼저 주소를 만드세요."), "info")
        return redirect(url_for("calendar.my_calendar"))
    form = ConfirmForm()
    if form.validate_on_submit():
        _token, plain = feeds.rotate(owner, now=utcnow())
        return _show_new_token(owner, plain)
    return render_template(
        "calendar/token_rotate.html",
        form=form,
        owner=owner,
        token=token,
        is_company=isinstance(owner, Company),
        scope=_scope(company_id),
    ), 400 if form.errors else 200


@bp.route("/calendar/me/personal/revoke", methods=["GET", "POST"], defaults={"company_id": None})
@bp.route("/calendar/me/companies/<int:company_id>/revoke", methods=["GET", "POST"])
@login_required
def revoke_feed_token(company_id: int | None):
    owner = _owner(company_id)
    token = feeds.active_token(owner)
    if token is None:
        flash(_("구독 주소가 없습니다."), "info")
        return redirect(url_for("calendar.my_calendar"))
    form = ConfirmForm()
    if form.validate_on_submit():
        feeds.revoke(owner, now=utcnow())
        db.session.commit()
        flash(_("구독 주소를 삭제했습니다. 이 주소로 구독한 캘린더에는 더 이상 일정이 갱신되지 않습니다."), "success")
        return redirect(url_for("calendar.my_calendar"))
    return render_template(
        "calendar/token_revoke.html",
        form=form,
        owner=owner,
        token=token,
        is_company=isinstance(owner, Company),
        scope=_scope(company_id),
    ), 400 if form.errors else 200
