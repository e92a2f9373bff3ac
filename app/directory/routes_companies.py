"""Company pages: list, search, filter, export, create, edit, deactivate, and the company page."""

from __future__ import annotations

import datetime as dt

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.audit import record_access
from app.auth.decorators import staff_required
from app.directory import queries
from app.directory.access import can_manage_company, can_manage_members, can_see_private, require
from app.directory.blueprint import bp
from app.directory.companies import CompanyData, DirectoryError, create_company, set_company_active, update_company
from app.directory.exports import companies_csv, companies_xlsx
from app.directory.forms import CompanyForm
from app.events.lifecycle import no_show_counts
from app.extensions import db
from app.forms import ConfirmForm
from app.i18n import SEOUL
from app.models import Cluster, Company, Role, User, utcnow
from app.routing import page_arg

PER_PAGE = 50
EXPORT_LIMIT = 20000


@bp.get("/companies")
@login_required
def companies():
    if current_user.role == Role.MEMBER:
        # A company member's directory is their own company.
        return redirect(url_for("directory.company_detail", company_id=current_user.company_id))
    filters = queries.parse_filters(request.args)
    pagination = db.paginate(
        queries.company_query(current_user, filters), page=page_arg(request.args), per_page=PER_PAGE, error_out=False
    )
    rows = queries.company_rows(current_user, list(pagination.items))
    return render_template(
        "directory/companies.html",
        rows=rows,
        pagination=pagination,
        filters=filters,
        options=queries.filter_options(current_user),
        can_create=current_user.is_admin or bool(current_user.managed_cluster_ids()),
    )


@bp.get("/companies/export.<fmt>")
@staff_required
def companies_export(fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    filters = queries.parse_filters(request.args)
    companies = db.session.scalars(queries.company_query(current_user, filters).limit(EXPORT_LIMIT)).all()
    rows = queries.company_rows(current_user, list(companies))
    record_access(f"companies {fmt.upper()}", count=len(rows))
    db.session.commit()
    stamp = dt.datetime.now(SEOUL).strftime("%Y%m%d")
    if fmt == "csv":
        body, mimetype = companies_csv(rows), "text/csv; charset=utf-8"
    else:
        body, mimetype = companies_xlsx(rows), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f"attachment; filename=moim-companies-{stamp}.{fmt}"},
    )


def _cluster_choices() -> list[tuple[int, str]]:
    query = select(Cluster).order_by(Cluster.id)
    ids = current_user.managed_cluster_ids()
    if ids is not None:
        query = query.where(Cluster.id.in_(ids))
    return [(c.id, c.name + ("" if c.is_active else " (" + _("준비 중") + ")")) for c in db.session.scalars(query)]


def _data(form: CompanyForm) -> CompanyData:
    return CompanyData(
        name=form.name.data,
        name_en=form.name_en.data,
        cluster_id=form.cluster_id.data,
        brn=form.brn.data,
        industry=form.industry.data,
        website=form.website.data,
        description=form.description.data,
        contact_name=form.contact_name.data,
        contact_email=form.contact_email.data,
        contact_mobile=form.contact_mobile.data,
        is_council_member=form.is_council_member.data,
        council_joined_on=form.council_joined_on.data,
    )


@bp.route("/companies/new", methods=["GET", "POST"])
@staff_required
def company_new():
    form = CompanyForm()
    form.cluster_id.choices = _cluster_choices()
    if not form.cluster_id.choices:
        abort(403)
    if form.validate_on_submit():
        try:
            company = create_company(_data(form), current_user)
        except DirectoryError as exc:
            flash(str(exc), "error")
            return render_template("directory/company_form.html", form=form, company=None), 400
        db.session.commit()
        flash(_("%(name)s 기업을 등록했습니다.", name=company.name), "success")
        return redirect(url_for("directory.company_detail", company_id=company.id))
    return render_template("directory/company_form.html", form=form, company=None), (400 if form.errors else 200)


def _load(company_id: int) -> Company:
    company = db.session.get(Company, company_id)
    if company is None:
        abort(404)
    return company


@bp.route("/companies/<int:company_id>/edit", methods=["GET", "POST"])
@login_required
def company_edit(company_id: int):
    company = _load(company_id)
    require(can_manage_company(current_user, company))
    form = CompanyForm(obj=company)
    form.cluster_id.choices = _cluster_choices()
    if request.method == "GET":
        form.brn.data = company.brn_display
    if form.validate_on_submit():
        try:
            update_company(company, _data(form), current_user)
        except DirectoryError as exc:
            flash(str(exc), "error")
            return render_template("directory/company_form.html", form=form, company=company), 400
        db.session.commit()
        flash(_("기업 정보를 저장했습니다."), "success")
        return redirect(url_for("directory.company_detail", company_id=company.id))
    return render_template("directory/company_form.html", form=form, company=company), (400 if form.errors else 200)


@bp.route("/companies/<int:company_id>/deactivate", methods=["GET", "POST"])
@login_required
def company_deactivate(company_id: int):
    company = _load(company_id)
    require(can_manage_company(current_user, company))
    form = ConfirmForm()
    if form.validate_on_submit():
        set_company_active(company, False, current_user)
        db.session.commit()
        flash(_("%(name)s 기업을 비활성화했습니다. 참가 기록은 그대로 남습니다.", name=company.name), "success")
        return redirect(url_for("directory.company_detail", company_id=company.id))
    return render_template("directory/company_deactivate.html", form=form, company=company)


@bp.post("/companies/<int:company_id>/reactivate")
@login_required
def company_reactivate(company_id: int):
    company = _load(company_id)
    require(can_manage_company(current_user, company))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    set_company_active(company, True, current_user)
    db.session.commit()
    flash(_("%(name)s 기업을 다시 활성화했습니다.", name=company.name), "success")
    return redirect(url_for("directory.company_detail", company_id=company.id))


@bp.get("/companies/<int:company_id>")
@login_required
def company_detail(company_id: int):
    company = _load(company_id)
    if can_see_private(current_user, company):
        members = db.session.scalars(
            select(User)
            .where(User.company_id == company.id, User.role == Role.MEMBER, User.is_active_account.is_(True))
            .order_by(User.name)
        ).all()
        return render_template(
            "directory/company.html",
            company=company,
            members=members,
            history=queries.attendance_history(company.id),
            no_shows=no_show_counts(utcnow(), company_ids=[company.id]).get(company.id, (0, 0))
            if current_user.is_staff
            else None,
            can_edit=can_manage_company(current_user, company),
            can_manage_members=can_manage_members(current_user, company),
            confirm_form=ConfirmForm(),
        )
    # Staff of another cluster see the public facts only; members see only their own company.
    require(current_user.is_staff)
    return render_template("directory/company_public.html", company=company)
