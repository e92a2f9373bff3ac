"""Who is coming, under the attendee's personal link: the searchable list of attending companies and one
company's profile. Both need the networking consent (403 without)."""

from __future__ import annotations

from flask import abort, render_template, request

from app.networking import people
from app.networking.access import consenting_attendee_or_403, linked_attendee_or_404
from app.networking.blueprint import bp
from app.routing import page_arg


@bp.get("/networking/r/<int:registration_id>/<token>/companies")
def companies(registration_id: int, token: str):
    attendee = consenting_attendee_or_403(linked_attendee_or_404(registration_id, token))
    q = people.normalize_query(request.args.get("q"))
    page = people.company_list(attendee, q, page_arg(request.args))
    pager_args = {"registration_id": registration_id, "token": token} | ({"q": q} if q else {})
    return render_template(
        "networking/companies.html",
        attendee=attendee,
        event=attendee.event,
        pagination=page,
        q=q,
        pager_args=pager_args,
    )


@bp.get("/networking/r/<int:registration_id>/<token>/companies/<int:company_id>")
def company(registration_id: int, token: str, company_id: int):
    attendee = consenting_attendee_or_403(linked_attendee_or_404(registration_id, token))
    entry = people.company_entry(attendee, company_id)
    if entry is None:  # not attending, not discoverable, unknown, or the viewer's own company
        abort(404)
    return render_template("networking/company.html", attendee=attendee, event=attendee.event, entry=entry)
