"""Admin pages for staff and admin accounts: list, create (with a set-password mail), scopes, deactivation."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import EmailField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length
from wtforms.widgets import CheckboxInput, ListWidget

from app.auth.decorators import admin_required
from app.auth.services import AccountError, account_setup_hours
from app.extensions import db
from app.forms import ChoiceField, ConfirmForm, Form, strip
from app.models import Cluster, Role
from app.routing import db_id, page_arg
from app.staff import account_services as service
from app.staff.blueprint import bp

# Werkzeug's int converter accepts any length; ids beyond the column's range are simply unknown.


class AccountForm(Form):
    name = StringField(
        _l("이름"), filters=[strip], validators=[DataRequired(_l("이름을 입력해 주세요.")), Length(max=100)]
    )
    role = ChoiceField(_l("역할"), choices=[(Role.STAFF.value, _l("클러스터팀")), (Role.ADMIN.value, _l("관리자"))])
    clusters = SelectMultipleField(
        _l("담당 클러스터"),
        coerce=db_id,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    submit = SubmitField(_l("저장"))


class NewAccountForm(AccountForm):
    email = EmailField(
        _l("이메일"),
        filters=[strip],
        validators=[
            DataRequired(_l("이메일을 입력해 주세요.")),
            Email(_l("이메일 주소 형식이 올바르지 않습니다."), check_deliverability=False),
            Length(max=254),
        ],
    )
    submit = SubmitField(_l("계정 만들고 안내 메일 보내기"))


def _with_cluster_choices(form: AccountForm) -> list[Cluster]:
    clusters = service.all_clusters()
    form.clusters.choices = [(c.id, c.name if c.is_active else _("%(name)s (운영 전)", name=c.name)) for c in clusters]
    return clusters


def _chosen(clusters: list[Cluster], ids) -> list[Cluster]:
    wanted = set(ids or ())
    return [c for c in clusters if c.id in wanted]


@bp.get("/accounts")
@admin_required
def accounts():
    pagination = db.paginate(service.staff_accounts_query(), page=page_arg(request.args), per_page=50, error_out=False)
    return render_template("staff/accounts_list.html", pagination=pagination)


@bp.route("/accounts/new", methods=["GET", "POST"])
@admin_required
def account_new():
    form = NewAccountForm()
    clusters = _with_cluster_choices(form)
    if form.validate_on_submit():
        try:
            user = service.create_staff_account(
                form.email.data, form.name.data, Role(form.role.data), _chosen(clusters, form.clusters.data)
            )
        except AccountError as exc:
            flash(str(exc), "error")
            return _new_form_page(form, 400)
        db.session.commit()
        flash(_("%(email)s 계정을 만들고 비밀번호 설정 링크를 보냈습니다.", email=user.email), "success")
        return redirect(url_for("staff.accounts"))
    return _new_form_page(form, 400 if form.errors else 200)


def _new_form_page(form: NewAccountForm, status: int):
    return render_template("staff/accounts_form.html", form=form, user=None, setup_hours=account_setup_hours()), status


def _account_or_404(user_id: int):
    return service.load_staff_account(user_id) or abort(404)


@bp.route("/accounts/<int:user_id>", methods=["GET", "POST"])
@admin_required
def account_edit(user_id: int):
    user = _account_or_404(user_id)
    form = AccountForm()
    clusters = _with_cluster_choices(form)
    if request.method == "GET":
        form.name.data = user.name
        form.role.data = user.role.value
        form.clusters.data = [c.id for c in user.clusters]
    if form.validate_on_submit():
        try:
            service.update_staff_account(
                current_user, user, form.name.data, Role(form.role.data), _chosen(clusters, form.clusters.data)
            )
        except AccountError as exc:
            flash(str(exc), "error")
            return render_template("staff/accounts_form.html", form=form, user=user), 400
        db.session.commit()
        flash(_("%(name)s 님의 계정을 저장했습니다.", name=user.name), "success")
        return redirect(url_for("staff.accounts"))
    return render_template("staff/accounts_form.html", form=form, user=user), (400 if form.errors else 200)


def _confirm_toggle(user_id: int, deactivate: bool):
    user = _account_or_404(user_id)
    back = url_for("staff.account_edit", user_id=user.id)
    if user.is_active_account != deactivate:
        flash(_("이미 비활성화된 계정입니다.") if deactivate else _("이미 활성 상태인 계정입니다."), "info")
        return redirect(back)
    if deactivate and user.id == current_user.id:
        flash(_("자신의 계정은 비활성화할 수 없습니다."), "error")
        return redirect(back)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template("staff/accounts_confirm.html", user=user, form=form, deactivate=deactivate)
    try:
        if deactivate:
            service.deactivate_account(current_user, user)
        else:
            service.reactivate_account(user)
    except AccountError as exc:
        flash(str(exc), "error")
        return redirect(back)
    db.session.commit()
    if deactivate:
        flash(
            _("%(name)s 님의 계정을 비활성화했습니다. 열려 있던 로그인도 모두 끝났습니다.", name=user.name), "success"
        )
    else:
        flash(_("%(name)s 님의 계정을 다시 활성화했습니다.", name=user.name), "success")
    return redirect(back)


@bp.route("/accounts/<int:user_id>/deactivate", methods=["GET", "POST"])
@admin_required
def account_deactivate(user_id: int):
    return _confirm_toggle(user_id, deactivate=True)


@bp.route("/accounts/<int:user_id>/reactivate", methods=["GET", "POST"])
@admin_required
def account_reactivate(user_id: int):
    return _confirm_toggle(user_id, deactivate=False)


@bp.post("/accounts/<int:user_id>/send-link")
@admin_required
def account_send_link(user_id: int):
    user = _account_or_404(user_id)
    try:
        service.resend_setup_link(user)
    except AccountError as exc:
        flash(str(exc), "error")
        return redirect(url_for("staff.account_edit", user_id=user.id))
    db.session.commit()
    flash(_("%(email)s 주소로 비밀번호 설정 링크를 보냈습니다.", email=user.email), "success")
    return redirect(url_for("staff.account_edit", user_id=user.id))
