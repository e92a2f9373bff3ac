"""The member pages of the outcome ledger ("우리 기업의 성과"): a company's own outcomes and those naming it,
its confirmation of an outcome reported by the other side (behind a confirm step), and its report of an
outcome with a company it met at an event. Evidence stays staff-only: these pages never show or link it.

Every page: signed-in member of a company (staff go to their ledger) -> the company's outcomes only
(404 for any other) -> app/outcomes/company_outcomes.py / ledger.py -> one commit.
"""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import StringField, TextAreaField

from app.extensions import db
from app.forms import ConfirmForm, Form, one_line, strip
from app.i18n import seoul_today
from app.models import Outcome
from app.outcomes import company_outcomes, ledger
from app.outcomes.blueprint import bp
from app.routing import bounded_int, page_arg

PER_PAGE = 50


class ReportForm(Form):
    """A company's report of an outcome; the other company, stage, event and attribution come as selects."""

    title = StringField(_l("제목 (선택)"), filters=[one_line])
    occurred_on = StringField(_l("성과 날짜"), filters=[strip])
    amount_won = StringField(_l("금액 (원, 선택)"), filters=[strip])
    description = TextAreaField(_l("내용 (선택)"), filters=[strip])


def _member_company_id() -> int:
    """The signed-in member's company; staff have the ledger instead (a redirect the caller returns)."""
    if current_user.company_id is None:
        abort(403)
    return current_user.company_id


def _own_outcome(outcome_id: int) -> Outcome:
    """An outcome naming the member's company; 404 for any other (its existence is not told)."""
    outcome = db.session.get(Outcome, outcome_id)
    if outcome is None or not ledger.can_see(current_user, outcome):
        abort(404)
    return outcome


def _id_or_none(raw: str | None) -> int | None:
    """A chosen id; None when nothing was chosen, -1 (matches nothing, so refused) when malformed."""
    if not (raw or "").strip():
        return None
    try:
        return bounded_int(raw, minimum=1)
    except (TypeError, ValueError):
        return -1


def _parse_date(raw: str | None) -> dt.date:
    raw = (raw or "").strip()
    if not raw:
        raise ledger.OutcomeError(_("성과 날짜를 입력해 주세요."))
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ledger.OutcomeError(_("날짜를 YYYY-MM-DD 형식으로 입력해 주세요.")) from None


@bp.get("/outcomes")
@login_required
def member_outcomes():
    if current_user.is_staff:
        return redirect(url_for("outcomes.ledger_list"))
    company_id = _member_company_id()
    query = ledger.outcomes_visible_to(current_user)
    pagination = ledger.page_of(query, page_arg(request.args), PER_PAGE)
    return render_template(
        "outcomes/member_list.html",
        pagination=pagination,
        totals=ledger.totals(query),
        company_id=company_id,
        awaiting=company_outcomes.awaiting_confirmation,
    )


@bp.route("/outcomes/<int:outcome_id>/confirm", methods=["GET", "POST"])
@login_required
def member_confirm(outcome_id: int):
    """The confirm step (GET) and the company's confirmation (POST with its CSRF token)."""
    company_id = _member_company_id()
    outcome = _own_outcome(outcome_id)
    if not company_outcomes.awaiting_confirmation(outcome, company_id):
        flash(_("이미 우리 기업이 확인한 성과입니다."), "info")
        return redirect(url_for("outcomes.member_outcomes"), code=303)
    form = ConfirmForm()
    if form.validate_on_submit():
        ledger.confirm_outcome(outcome, company_id, by_user=current_user)
        db.session.commit()
        flash(_("확인했습니다. 모든 기업이 확인한 성과는 전체 집계에 들어갑니다."), "success")
        return redirect(url_for("outcomes.member_outcomes"), code=303)
    others = [p.company.name for p in outcome.parties if p.company_id != company_id]
    return render_template("outcomes/member_confirm.html", outcome=outcome, others=others, form=form)


@bp.route("/outcomes/new", methods=["GET", "POST"])
@login_required
def member_report():
    company_id = _member_company_id()
    form = ReportForm()
    error = None
    chosen = {"company": None, "stage": "", "event": None, "attribution": ""}
    if form.validate_on_submit():
        chosen = {
            "company": _id_or_none(request.form.get("company")),
            "stage": request.form.get("stage", ""),
            "event": _id_or_none(request.form.get("event")),
            "attribution": request.form.get("attribution", ""),
        }
        try:
            company_outcomes.report_outcome(
                current_user,
                other_company_id=chosen["company"],
                stage=chosen["stage"],
                occurred_on=_parse_date(form.occurred_on.data),
                amount_won=ledger.parse_amount(form.amount_won.data),
                description=form.description.data or "",
                title=form.title.data or "",
                event_id=chosen["event"],
                attribution=chosen["attribution"] or None,
            )
        except ledger.OutcomeError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            flash(_("성과를 알렸습니다. 상대 기업이 확인하면 전체 집계에 들어갑니다."), "success")
            return redirect(url_for("outcomes.member_outcomes"), code=303)
    return (
        render_template(
            "outcomes/member_form.html",
            form=form,
            error=error,
            chosen=chosen,
            companies=company_outcomes.companies_met(company_id),
            events=company_outcomes.attended_events(company_id),
            stages=company_outcomes.STAGES,
            attributions=company_outcomes.ATTRIBUTIONS,
            today=seoul_today(),
        ),
        400 if error else 200,
    )
