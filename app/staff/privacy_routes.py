"""The retention page: which events' personal data is destroyed next, and when (on the `staff` blueprint)."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, HiddenField, StringField
from wtforms.validators import DataRequired, Length

from app.audit import record_access
from app.auth.decorators import staff_required
from app.events.access import managed_clusters
from app.exports import attachment_disposition
from app.extensions import db
from app.forms import Form
from app.i18n import SEOUL
from app.models import utcnow
from app.privacy import retention, subject
from app.staff.blueprint import bp


@bp.get("/privacy")
@staff_required
def privacy():
    now = utcnow()
    cluster_ids = current_user.managed_cluster_ids()  # None: an administrator, every cluster
    return render_template(
        "staff/privacy.html",
        due=retention.upcoming(cluster_ids, now),
        now=now,
        days=retention.retention_days(),
        plan=retention.plan(now) if current_user.is_admin else None,
        clusters=managed_clusters(current_user),
    )


# --- data subject requests (열람·삭제) ---------------------------------------------------------


class SubjectForm(Form):
    email = StringField(_l("이메일"), validators=[DataRequired(_l("이메일을 입력해 주세요.")), Length(max=254)])


class EraseForm(Form):
    email = HiddenField()
    confirm = BooleanField(_l("이 사람의 개인정보를 파기합니다. 되돌릴 수 없습니다."))


def _subject_from(form) -> subject.SubjectData | None:
    email = subject.normalize_email(form.email.data) if form.validate_on_submit() else None
    if email is None:
        if form.email.data and not form.email.errors:
            form.email.errors.append(_("이메일 주소 형식이 아닙니다."))
        return None
    return subject.find(email, current_user.managed_cluster_ids())


@bp.route("/privacy/subject", methods=["GET", "POST"])
@staff_required
def privacy_subject():
    form = SubjectForm()
    data = _subject_from(form) if request.method == "POST" else None
    erase_form = EraseForm(formdata=None, email=data.email) if data is not None else None
    return render_template("staff/privacy_subject.html", form=form, data=data, erase_form=erase_form)


@bp.post("/privacy/subject/export.<fmt>")
@staff_required
def privacy_subject_export(fmt: str):
    if fmt not in ("json", "xlsx"):
        abort(404)
    form = SubjectForm()
    data = _subject_from(form)
    if data is None:
        return render_template("staff/privacy_subject.html", form=form, data=None, erase_form=None), 400
    record_access(f"personal data {fmt.upper()}", count=len(data.registrations))
    db.session.commit()
    if fmt == "json":
        body, mimetype = subject.as_json(data), "application/json"
    else:
        body = subject.as_xlsx(data)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = attachment_disposition(
        f"개인정보 열람 {utcnow().astimezone(SEOUL):%Y-%m-%d}.{fmt}", f"personal-data.{fmt}"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/privacy/subject/erase")
@staff_required
def privacy_subject_erase():
    form = EraseForm()
    email = subject.normalize_email(form.email.data) if form.validate_on_submit() else None
    if email is None:
        abort(400)
    data = subject.find(email, current_user.managed_cluster_ids())
    if not form.confirm.data:
        flash(_("파기하려면 확인란에 표시해 주세요."), "error")
        return render_template(
            "staff/privacy_subject.html", form=SubjectForm(formdata=None, email=email), data=data, erase_form=form
        ), 400
    counts = subject.erase(data, utcnow())
    db.session.commit()
    flash(
        _(
            "파기했습니다: 참가 신청 %(r)d건, 계정 %(a)d개, 메일 %(m)d건.",
            r=counts.registrations,
            a=counts.accounts,
            m=counts.outbox_messages,
        ),
        "success",
    )
    return redirect(url_for("staff.privacy_subject"))
