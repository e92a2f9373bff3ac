"""The follow-up answer page behind the mailed link (no sign-in; the link is the key) and the
staff table of response counts per event.

The page: link -> follow-up (404 forged or replaced, 410 expired) -> app/outcomes/followups.py ->
one commit. The link names one follow-up of one company: every answer saved through it is that
company's, about companies that attended the same event.
"""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.decorators import staff_required
from app.extensions import db
from app.forms import Form
from app.models import Attribution, OutcomeStage, utcnow
from app.outcomes import followups
from app.outcomes.blueprint import bp

_PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}
# Blank rows for companies met that the page does not know of (picked from the attendees).
EXTRA_ROWS_MET = 2
EXTRA_ROWS_NONE_MET = 5
MAX_ROWS = 400


class AnswerForm(Form):
    """Only the CSRF token: the rows are read from the form by index (their number varies)."""


def _problem(status: int):
    if status == 410:
        title = _("답변 기간이 끝난 링크입니다")
        message = _(
            "이 후속 설문 링크는 기한이 지나 더 이상 답변할 수 없습니다. "
            "알려 주실 성과가 있으면 클러스터팀에 연락해 주세요."
        )
    else:
        title = _("사용할 수 없는 링크입니다")
        message = _(
            "링크가 잘못되었거나 새 링크로 바뀌었습니다. 가장 최근에 받은 후속 설문 메일의 링크를 이용해 주세요."
        )
    return render_template("errors/error.html", status=status, title=title, message=message), status, _PRIVATE


def _rows_from(form) -> list[followups.AnswerInput]:
    rows = []
    for i in range(MAX_ROWS):
        if f"company_{i}" not in form:
            continue
        rows.append(
            followups.AnswerInput(
                company_id=form.get(f"company_{i}", ""),
                stage=form.get(f"stage_{i}", ""),
                amount=form.get(f"amount_{i}", ""),
                attribution=form.get(f"attribution_{i}", ""),
                note=form.get(f"note_{i}", ""),
            )
        )
    return rows


def _render(page, form, *, status=200, error=None, submitted=None, saved=False, notices=()):
    extra = EXTRA_ROWS_MET if page.met else EXTRA_ROWS_NONE_MET
    extra = min(extra, len(page.others))
    return (
        render_template(
            "outcomes/followup.html",
            page=page,
            follow_up=page.follow_up,
            event=page.follow_up.event,
            company=page.follow_up.company,
            form=form,
            extra_rows=extra,
            stages=list(OutcomeStage),
            attributions=list(Attribution),
            error=error,
            submitted=submitted,
            saved=saved,
            notices=notices,
            stage_label=followups.stage_label,
        ),
        status,
        _PRIVATE,
    )


@bp.route("/follow-up/<token>", methods=["GET", "POST"])
def follow_up(token: str):
    record = followups.find_by_token(token)
    if record is None:
        return _problem(404)
    now = utcnow()
    if followups.is_expired(record, now):
        return _problem(410)
    form = AnswerForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            page = followups.answer_page(record)
            return _render(
                page, form, status=400, error=_("보안 토큰이 만료되었습니다. 페이지를 새로 고친 뒤 다시 저장해 주세요.")
            )
        rows = _rows_from(request.form)
        try:
            notices = followups.save_answers(record, rows, now=now)
        except followups.FollowUpError as exc:
            db.session.rollback()
            record = followups.find_by_token(token)
            page = followups.answer_page(record)
            submitted = {k: v for k, v in request.form.items() if k != "csrf_token"}
            return _render(page, form, status=400, error=str(exc), submitted=submitted)
        db.session.commit()
        record = followups.find_by_token(token)
        return _render(followups.answer_page(record), AnswerForm(formdata=None), saved=True, notices=notices)
    return _render(followups.answer_page(record), form)


@bp.get("/staff/follow-ups")
@staff_required
def follow_up_counts():
    rows = followups.response_counts(current_user.managed_cluster_ids())
    return render_template("outcomes/followup_counts.html", rows=rows, stage_label=followups.stage_label)
