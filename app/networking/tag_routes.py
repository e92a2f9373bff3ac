"""Staff pages of the networking tag vocabulary: add, rename, retire and bring back words."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length

from app.auth.decorators import staff_required
from app.extensions import db
from app.forms import ConfirmForm, Form, strip
from app.networking import tags
from app.networking.blueprint import bp

SHARED = "shared"


class TagForm(Form):
    label_ko = StringField(
        _l("태그 (한국어)"),
        filters=[strip],
        validators=[
            InputRequired(message=_l("태그 이름(한국어)을 입력해 주세요.")),
            Length(max=tags.LABEL_KO_MAX, message=_l("%(max)d자 이내로 입력해 주세요.")),
        ],
    )
    label_en = StringField(
        _l("태그 (영어, 선택)"),
        filters=[strip],
        validators=[Length(max=tags.LABEL_EN_MAX, message=_l("%(max)d자 이내로 입력해 주세요."))],
    )
    submit = SubmitField(_l("저장"))


class NewTagForm(TagForm):
    # The service decides whether the user may add to the chosen vocabulary.
    scope = SelectField(_l("어휘"), validate_choice=False)
    submit = SubmitField(_l("태그 추가"))


def _scope_choices(vocabularies: list[tags.Vocabulary]) -> list[tuple[str, str]]:
    """The vocabularies the user may add words to: the shared one for administrators, their clusters'."""
    choices = [(SHARED, _("공통 (모든 클러스터)"))] if tags.can_manage_vocabulary(current_user, None) else []
    return choices + [(str(v.cluster.id), v.cluster.name) for v in vocabularies if v.cluster is not None]


def _scope_cluster_id(value: str | None, choices: list[tuple[str, str]]) -> int | None:
    """The vocabulary a new word goes to; 403 for one the user does not manage (or that does not exist)."""
    if value not in {key for key, _label in choices}:
        abort(403)
    return None if value == SHARED else int(value)


def _tag_or_404(tag_id: int):
    tag = tags.tag_or_none(tag_id)
    if tag is None:
        abort(404)
    return tag


def _require_manage(tag) -> None:
    if not tags.can_manage_vocabulary(current_user, tag.cluster_id):
        abort(403)


def _render_list(form: NewTagForm, vocabularies: list[tags.Vocabulary], status: int = 200):
    return render_template(
        "networking/tags.html", vocabularies=vocabularies, form=form, confirm_form=ConfirmForm()
    ), status


@bp.route("/staff/networking/tags", methods=["GET", "POST"])
@staff_required
def staff_tags():
    vocabularies = tags.vocabularies_for(current_user)
    form = NewTagForm()
    form.scope.choices = _scope_choices(vocabularies)
    if form.validate_on_submit():
        cluster_id = _scope_cluster_id(form.scope.data, form.scope.choices)
        try:
            tag = tags.add_tag(cluster_id, form.label_ko.data, form.label_en.data)
        except tags.TagError as exc:
            flash(str(exc), "error")
            return _render_list(form, vocabularies, 400)
        db.session.commit()
        flash(_("'%(label)s' 태그를 추가했습니다.", label=tag.label_ko), "success")
        return redirect(url_for("networking.staff_tags"))
    return _render_list(form, vocabularies, 400 if form.errors else 200)


@bp.route("/staff/networking/tags/<int:tag_id>/edit", methods=["GET", "POST"])
@staff_required
def staff_tag_edit(tag_id: int):
    tag = _tag_or_404(tag_id)
    _require_manage(tag)
    form = TagForm(obj=tag)
    if form.validate_on_submit():
        try:
            tags.rename_tag(tag, form.label_ko.data, form.label_en.data)
        except tags.TagError as exc:
            flash(str(exc), "error")
            return render_template("networking/tag_edit.html", tag=tag, form=form), 400
        db.session.commit()
        flash(_("태그 이름을 바꿨습니다. 이 태그를 쓰는 프로필에도 새 이름이 보입니다."), "success")
        return redirect(url_for("networking.staff_tags"))
    return render_template("networking/tag_edit.html", tag=tag, form=form), 400 if form.errors else 200


def _set_active(tag_id: int, active: bool):
    tag = _tag_or_404(tag_id)
    _require_manage(tag)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    tags.set_tag_active(tag, active)
    db.session.commit()
    if active:
        flash(_("'%(label)s' 태그를 다시 사용합니다.", label=tag.label_ko), "success")
    else:
        message = _(
            "'%(label)s' 태그를 사용 중지했습니다. 이미 고른 프로필에는 남고, 새로 고를 수는 없습니다.",
            label=tag.label_ko,
        )
        flash(message, "success")
    return redirect(url_for("networking.staff_tags"))


@bp.post("/staff/networking/tags/<int:tag_id>/retire")
@staff_required
def staff_tag_retire(tag_id: int):
    return _set_active(tag_id, False)


@bp.post("/staff/networking/tags/<int:tag_id>/restore")
@staff_required
def staff_tag_restore(tag_id: int):
    return _set_active(tag_id, True)
