"""A company's members page: list, invite by mail, revoke invitations, remove members."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, logout_user
from wtforms import EmailField, SubmitField
from wtforms.validators import DataRequired, Email, Length

from app.auth.services import AccountError
from app.directory import members as service
from app.directory.access import can_manage_members, require
from app.directory.blueprint import bp
from app.extensions import db
from app.forms import ConfirmForm, Form, strip
from app.models import Company, Invitation, Role, User

# Werkzeug's int converter accepts any length; ids beyond the column's range are simply unknown.


class MemberInviteForm(Form):
    email = EmailField(
        _l("초대할 이메일"),
        filters=[strip],
        validators=[
            DataRequired(_l("이메일을 입력해 주세요.")),
            Email(_l("이메일 주소 형식이 올바르지 않습니다."), check_deliverability=False),
            Length(max=254),
        ],
    )
    submit = SubmitField(_l("초대 메일 보내기"))


def _company_for_members(company_id: int) -> Company:
    company = db.session.get(Company, company_id) or abort(404)
    require(can_manage_members(current_user, company))
    return company


def _render_members(company: Company, form: MemberInviteForm, status: int = 200):
    page = service.members_page(company)
    return (
        render_template("directory/members.html", company=company, page=page, form=form),
        status,
    )


@bp.get("/companies/<int:company_id>/members")
@login_required
def company_members(company_id: int):
    company = _company_for_members(company_id)
    return _render_members(company, MemberInviteForm())


@bp.post("/companies/<int:company_id>/members/invite")
@login_required
def invite_member(company_id: int):
    company = _company_for_members(company_id)
    form = MemberInviteForm()
    if not form.validate_on_submit():
        return _render_members(company, form, 400)
    try:
        invitation = service.invite_member(current_user, company, form.email.data)
    except AccountError as exc:
        flash(str(exc), "error")
        return _render_members(company, form, 400)
    db.session.commit()
    flash(_("%(email)s 주소로 초대 메일을 보냈습니다.", email=invitation.email), "success")
    return redirect(url_for("directory.company_members", company_id=company.id))


@bp.route("/companies/<int:company_id>/members/invitations/<int:invitation_id>/revoke", methods=["GET", "POST"])
@login_required
def revoke_invitation(company_id: int, invitation_id: int):
    company = _company_for_members(company_id)
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.company_id != company.id:
        abort(404)
    back = url_for("directory.company_members", company_id=company.id)
    if invitation.used_at is not None:
        flash(_("이미 가입에 사용된 초대는 취소할 수 없습니다."), "error")
        return redirect(back)
    if invitation.revoked_at is not None:
        flash(_("이미 취소된 초대입니다."), "info")
        return redirect(back)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template("directory/members_revoke.html", company=company, invitation=invitation, form=form)
    service.revoke_invitation(invitation)
    db.session.commit()
    flash(
        _("%(email)s 님에게 보낸 초대를 취소했습니다. 초대 링크는 더 이상 쓸 수 없습니다.", email=invitation.email),
        "success",
    )
    return redirect(back)


@bp.route("/companies/<int:company_id>/members/<int:user_id>/remove", methods=["GET", "POST"])
@login_required
def remove_member(company_id: int, user_id: int):
    company = _company_for_members(company_id)
    # Looked up after the access check: others cannot probe who belongs where.
    member = db.session.get(User, user_id)
    if member is None or member.company_id != company.id or member.role != Role.MEMBER:
        abort(404)
    back = url_for("directory.company_members", company_id=company.id)
    if not member.is_active_account:
        flash(_("이미 내보낸 회원입니다."), "info")
        return redirect(back)
    form = ConfirmForm()
    if not form.validate_on_submit():
        is_self = member.id == current_user.id
        last_one = service.active_member_count(company) <= 1
        return render_template(
            "directory/members_remove.html",
            company=company,
            member=member,
            form=form,
            is_self=is_self,
            last_one=last_one,
        )
    is_self = member.id == current_user.id
    service.remove_member(member)
    db.session.commit()
    if is_self:
        logout_user()
        flash(
            _("%(company)s에서 나왔습니다. 이 계정으로는 더 이상 로그인할 수 없습니다.", company=company.name), "info"
        )
        return redirect(url_for("events.home"))
    flash(
        _("%(name)s 님을 내보냈습니다. 이 계정은 바로 로그아웃되었고 다시 로그인할 수 없습니다.", name=member.name),
        "success",
    )
    return redirect(back)
