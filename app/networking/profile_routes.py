"""A company's networking profile page: its members and its cluster's staff edit offers, needs, tags, fields and
whether the company can be found."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import BooleanField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length

from app.extensions import db
from app.forms import Form, strip
from app.models import Company, ProfileSide
from app.networking import profiles
from app.networking.blueprint import bp
from app.networking.tags import can_manage_vocabulary


class ProfileForm(Form):
    is_discoverable = BooleanField(_l("네트워킹 행사에서 다른 참가 기업이 우리 기업을 찾을 수 있게 공개합니다"))
    fields = StringField(
        _l("사업 분야"),
        filters=[strip],
        validators=[Length(max=profiles.FIELDS_MAX, message=_l("%(max)d자 이내로 입력해 주세요."))],
    )
    offers = TextAreaField(
        _l("제공: 우리가 줄 수 있는 것"),
        filters=[strip],
        validators=[Length(max=profiles.TEXT_MAX, message=_l("%(max)d자 이내로 입력해 주세요."))],
    )
    seeks = TextAreaField(
        _l("희망: 우리가 찾는 것"),
        filters=[strip],
        validators=[Length(max=profiles.TEXT_MAX, message=_l("%(max)d자 이내로 입력해 주세요."))],
    )
    # The service checks every id against the vocabulary (a clear message, not "Not a valid choice").
    offer_tags = SelectMultipleField(coerce=str, validate_choice=False)
    seek_tags = SelectMultipleField(coerce=str, validate_choice=False)
    submit = SubmitField(_l("저장"))


def _company_or_404(company_id: int) -> Company:
    company = db.session.get(Company, company_id)
    if company is None:
        abort(404)
    return company


def _data(form: ProfileForm) -> profiles.ProfileData:
    return profiles.ProfileData(
        offers=form.offers.data or "",
        seeks=form.seeks.data or "",
        fields=form.fields.data or "",
        is_discoverable=bool(form.is_discoverable.data),
        offer_tag_ids=list(form.offer_tags.data or []),
        seek_tag_ids=list(form.seek_tags.data or []),
    )


def _render(company, form, current, status=200):
    profile = profiles.profile_of(company.id)
    current_ids = current[ProfileSide.OFFER] | current[ProfileSide.SEEK]
    return render_template(
        "networking/profile_form.html",
        company=company,
        profile=profile,
        form=form,
        tags=profiles.choosable_tags(company, current_ids),
        chosen={"offer": set(form.offer_tags.data or []), "seek": set(form.seek_tags.data or [])},
        can_manage_tags=can_manage_vocabulary(current_user, company.cluster_id),
    ), status


@bp.route("/networking/companies/<int:company_id>/profile", methods=["GET", "POST"])
@login_required
def company_profile(company_id: int):
    company = _company_or_404(company_id)
    if not profiles.can_edit_profile(current_user, company):
        abort(403)
    current = profiles.tag_ids_of(company.id)
    profile = profiles.profile_of(company.id)
    form = ProfileForm(obj=profile)
    if not form.is_submitted():
        form.offer_tags.data = [str(i) for i in sorted(current[ProfileSide.OFFER])]
        form.seek_tags.data = [str(i) for i in sorted(current[ProfileSide.SEEK])]
    if form.validate_on_submit():
        try:
            profiles.save_profile(company, _data(form), current_user)
        except profiles.ProfileError as exc:
            flash(str(exc), "error")
            return _render(company, form, current, 400)
        db.session.commit()
        flash(_("네트워킹 프로필을 저장했습니다."), "success")
        return redirect(url_for("networking.company_profile", company_id=company.id))
    return _render(company, form, current, 400 if form.errors else 200)
