"""Staff pages for tenant councils (입주기업협의회) and research groups (연구회)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import DateField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.auth.decorators import staff_required
from app.directory import groups as services
from app.directory.access import can_manage_cluster, require
from app.directory.blueprint import bp
from app.events.access import managed_clusters
from app.extensions import db
from app.forms import ChoiceField, ConfirmForm, Form
from app.i18n import seoul_today
from app.models import Cluster, Company, ResearchGroup
from app.routing import MAX_DB_INT, page_arg

SEARCH_MAX = 100


# --- Forms ----------------------------------------------------------------------------------
# Selects do not validate their choices: the service decides (with a Korean message) whether a
# company or cluster is allowed, and the view answers 404/403 for ids that do not exist or are
# not the user's (`_get` bounds the id: one beyond the database range does not exist). A value
# that is no number at all is a form error (ChoiceField).


class CouncilAddForm(Form):
    company_id = ChoiceField(
        _l("기업"), coerce=int, validate_choice=False, validators=[InputRequired(_l("기업을 선택해 주세요."))]
    )
    joined_on = DateField(_l("가입일"), validators=[InputRequired(_l("가입일을 입력해 주세요."))])
    submit = SubmitField(_l("협의회에 추가"))


class CouncilDateForm(Form):
    joined_on = DateField(_l("가입일"), validators=[InputRequired(_l("가입일을 입력해 주세요."))])


class GroupForm(Form):
    name = StringField(
        _l("연구회 이름"),
        validators=[
            DataRequired(_l("연구회 이름을 입력해 주세요.")),
            Length(max=200, message=_l("연구회 이름은 200자 이하로 입력해 주세요.")),
        ],
    )
    cluster_id = ChoiceField(
        _l("주관 클러스터"),
        coerce=int,
        validate_choice=False,
        validators=[InputRequired(_l("클러스터를 선택해 주세요."))],
    )
    description = TextAreaField(
        _l("소개 (선택)"), validators=[Optional(), Length(max=2000, message=_l("소개는 2000자 이하로 입력해 주세요."))]
    )
    submit = SubmitField(_l("저장"))


class GroupMemberForm(Form):
    company_id = ChoiceField(
        _l("추가할 기업"), coerce=int, validate_choice=False, validators=[InputRequired(_l("기업을 선택해 주세요."))]
    )
    submit = SubmitField(_l("회원사로 추가"))


# --- Helpers --------------------------------------------------------------------------------


def _flash_form_errors(form: Form) -> None:
    for errors in form.errors.values():
        for message in errors:
            flash(str(message), "error")


# Ids are 32-bit integer columns; a larger number from a URL or form cannot exist (and SQLite
# would raise OverflowError on it rather than find nothing).
_MAX_ID = MAX_DB_INT


def _get(model, ident: int | None):
    if ident is None or not 0 < ident <= _MAX_ID:
        return None
    return db.session.get(model, ident)


def _cluster_or_404(slug: str) -> Cluster:
    cluster = db.session.scalar(select(Cluster).where(Cluster.slug == slug))
    if cluster is None:
        abort(404)
    return cluster


def _managed_cluster_or_404(slug: str) -> Cluster:
    cluster = _cluster_or_404(slug)
    require(can_manage_cluster(current_user, cluster.id))
    return cluster


def _council_company_or_404(cluster: Cluster, company_id: int) -> Company:
    company = _get(Company, company_id)
    if company is None or company.cluster_id != cluster.id:
        abort(404)
    return company


def _cluster_label(cluster: Cluster) -> str:
    return cluster.name if cluster.is_active else _("%(name)s (준비 중)", name=cluster.name)


# --- Clusters -------------------------------------------------------------------------------


@bp.get("/clusters")
@staff_required
def clusters():
    rows = services.cluster_overview(managed_clusters(current_user))
    return render_template("directory/clusters.html", rows=rows)


# --- Council --------------------------------------------------------------------------------


def _render_council(cluster: Cluster, form: CouncilAddForm | None = None, status: int = 200):
    today = seoul_today()
    if form is None:
        form = CouncilAddForm(formdata=None)
        form.joined_on.data = today
    form.company_id.choices = [(c.id, c.name) for c in services.council_candidates(cluster)]
    form.joined_on.render_kw = {"max": today.isoformat()}
    members = services.council_members(cluster)
    return render_template("directory/council.html", cluster=cluster, members=members, form=form, today=today), status


@bp.get("/clusters/<slug>/council")
@staff_required
def council(slug: str):
    cluster = _managed_cluster_or_404(slug)
    return _render_council(cluster)


@bp.post("/clusters/<slug>/council")
@staff_required
def council_add(slug: str):
    cluster = _managed_cluster_or_404(slug)
    form = CouncilAddForm()
    if not form.validate_on_submit():
        return _render_council(cluster, form, 400)
    company = _get(Company, form.company_id.data)
    if company is None:
        abort(404)
    try:
        services.add_council_member(cluster, company, form.joined_on.data, seoul_today())
    except services.GroupError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _render_council(cluster, form, 400)
    db.session.commit()
    flash(_("%(company)s을(를) 협의회 회원사로 추가했습니다.", company=company.name), "success")
    return redirect(url_for("directory.council", slug=cluster.slug))


@bp.route("/clusters/<slug>/council/<int:company_id>/remove", methods=["GET", "POST"])
@staff_required
def council_remove(slug: str, company_id: int):
    cluster = _managed_cluster_or_404(slug)
    company = _council_company_or_404(cluster, company_id)
    form = ConfirmForm()
    if not company.is_council_member:
        if request.method == "POST":
            # A second click on the confirm button: already done, nothing to show as an error.
            flash(_("%(company)s은(는) 협의회 회원사가 아닙니다.", company=company.name), "info")
            return redirect(url_for("directory.council", slug=cluster.slug))
        abort(404)
    if form.validate_on_submit():
        services.remove_council_member(company)
        db.session.commit()
        flash(_("%(company)s을(를) 협의회 회원사에서 제외했습니다.", company=company.name), "success")
        return redirect(url_for("directory.council", slug=cluster.slug))
    return render_template("directory/council_remove.html", cluster=cluster, company=company, form=form)


@bp.post("/clusters/<slug>/council/<int:company_id>/joined-on")
@staff_required
def council_edit_date(slug: str, company_id: int):
    cluster = _managed_cluster_or_404(slug)
    company = _council_company_or_404(cluster, company_id)
    if not company.is_council_member:
        abort(404)
    form = CouncilDateForm()
    if not form.validate_on_submit():
        _flash_form_errors(form)
        return _render_council(cluster, status=400)
    try:
        services.set_council_joined_on(company, form.joined_on.data, seoul_today())
    except services.GroupError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _render_council(cluster, status=400)
    db.session.commit()
    flash(_("%(company)s의 협의회 가입일을 수정했습니다.", company=company.name), "success")
    return redirect(url_for("directory.council", slug=cluster.slug))


# --- Research groups ------------------------------------------------------------------------


def _group_or_404(group_id: int) -> ResearchGroup:
    group = _get(ResearchGroup, group_id)
    if group is None:
        abort(404)
    require(can_manage_cluster(current_user, group.cluster_id))
    return group


def _group_form(clusters: list[Cluster], **kw) -> GroupForm:
    form = GroupForm(**kw)
    form.cluster_id.choices = [(c.id, _cluster_label(c)) for c in clusters]
    return form


def _search_term() -> str:
    return (request.args.get("q") or "").strip()[:SEARCH_MAX]


def _render_detail(group: ResearchGroup, form: GroupMemberForm | None = None, status: int = 200):
    search = _search_term()
    members = services.group_members(group)
    candidates, more = services.member_candidates(group, search)
    if form is None:
        form = GroupMemberForm(formdata=None)
    form.company_id.choices = [
        (c.id, f"{c.name} · {c.cluster.name}" if c.cluster is not None else c.name) for c in candidates
    ]
    return (
        render_template(
            "directory/groups_detail.html",
            group=group,
            members=members,
            form=form,
            search=search,
            has_candidates=bool(candidates),
            more_candidates=more,
            candidate_limit=services.CANDIDATE_LIMIT,
        ),
        status,
    )


@bp.get("/research-groups")
@staff_required
def groups():
    cluster_ids = current_user.managed_cluster_ids()
    cluster = None
    if request.args.get("cluster"):
        cluster = _managed_cluster_or_404(request.args["cluster"])
        cluster_ids = [cluster.id]
    pagination, rows = services.list_groups(cluster_ids, page=page_arg(request.args))
    pager_args = {"cluster": cluster.slug} if cluster else {}
    return render_template(
        "directory/groups.html", pagination=pagination, rows=rows, cluster=cluster, pager_args=pager_args
    )


@bp.route("/research-groups/new", methods=["GET", "POST"])
@staff_required
def group_new():
    clusters = managed_clusters(current_user)
    if not clusters:
        abort(403)
    form = _group_form(clusters)
    if request.method == "GET":
        wanted = request.args.get("cluster", "")
        form.cluster_id.data = next((c.id for c in clusters if c.slug == wanted), clusters[0].id)
    if form.validate_on_submit():
        cluster = _get(Cluster, form.cluster_id.data)
        if cluster is None:
            abort(404)
        require(can_manage_cluster(current_user, cluster.id))
        try:
            group = services.create_group(cluster, form.name.data, form.description.data)
        except services.GroupError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return render_template("directory/groups_form.html", form=form, group=None), 400
        db.session.commit()
        flash(_("연구회 ‘%(name)s’을(를) 만들었습니다.", name=group.name), "success")
        return redirect(url_for("directory.group_detail", group_id=group.id))
    return render_template("directory/groups_form.html", form=form, group=None), (400 if form.errors else 200)


@bp.get("/research-groups/<int:group_id>")
@staff_required
def group_detail(group_id: int):
    group = _group_or_404(group_id)
    return _render_detail(group)


@bp.route("/research-groups/<int:group_id>/edit", methods=["GET", "POST"])
@staff_required
def group_edit(group_id: int):
    group = _group_or_404(group_id)
    clusters = managed_clusters(current_user)
    form = _group_form(clusters, obj=group)
    if form.validate_on_submit():
        cluster = _get(Cluster, form.cluster_id.data)
        if cluster is None:
            abort(404)
        require(can_manage_cluster(current_user, cluster.id))
        try:
            services.update_group(group, cluster, form.name.data, form.description.data)
        except services.GroupError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return render_template("directory/groups_form.html", form=form, group=group), 400
        db.session.commit()
        flash(_("연구회 정보를 수정했습니다."), "success")
        return redirect(url_for("directory.group_detail", group_id=group.id))
    return render_template("directory/groups_form.html", form=form, group=group), (400 if form.errors else 200)


@bp.post("/research-groups/<int:group_id>/members")
@staff_required
def group_add_member(group_id: int):
    group = _group_or_404(group_id)
    form = GroupMemberForm()
    if not form.validate_on_submit():
        return _render_detail(group, form, 400)
    company = _get(Company, form.company_id.data)
    if company is None:
        abort(404)
    try:
        services.add_group_member(group, company)
    except services.GroupError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _render_detail(group, form, 400)
    db.session.commit()
    flash(_("%(company)s을(를) 연구회 회원사로 추가했습니다.", company=company.name), "success")
    return redirect(url_for("directory.group_detail", group_id=group.id))


@bp.route("/research-groups/<int:group_id>/members/<int:company_id>/remove", methods=["GET", "POST"])
@staff_required
def group_remove_member(group_id: int, company_id: int):
    group = _group_or_404(group_id)
    company = _get(Company, company_id)
    if company is None:
        abort(404)
    if not services.is_group_member(group, company):
        if request.method == "POST":
            flash(_("%(company)s은(는) 이 연구회의 회원사가 아닙니다.", company=company.name), "info")
            return redirect(url_for("directory.group_detail", group_id=group.id))
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        services.remove_group_member(group, company)
        db.session.commit()
        flash(_("%(company)s을(를) 연구회 회원사에서 제외했습니다.", company=company.name), "success")
        return redirect(url_for("directory.group_detail", group_id=group.id))
    return render_template("directory/groups_remove_member.html", group=group, company=company, form=form)
