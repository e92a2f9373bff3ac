"""Company create, edit, deactivate: validation in one place. Never commits."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.i18n import seoul_today
from app.models import Cluster, Company, User
from app.validators import InvalidBRN, normalize_brn, normalize_mobile


class DirectoryError(ValueError):
    """A refused directory change, with a message for the user."""


@dataclass
class CompanyData:
    name: str
    cluster_id: int
    name_en: str | None = None
    brn: str | None = None
    industry: str = ""
    website: str | None = None
    description: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    contact_mobile: str | None = None
    is_council_member: bool = False
    council_joined_on: dt.date | None = None


def _clean(data: CompanyData, actor: User, company: Company | None) -> dict:
    name = (data.name or "").strip()
    if not name:
        raise DirectoryError(_("기업명을 입력해 주세요."))
    cluster = db.session.get(Cluster, data.cluster_id)
    if cluster is None or not actor.can_manage_cluster(cluster.id):
        raise DirectoryError(_("이 클러스터의 기업을 관리할 권한이 없습니다."))
    brn = None
    if data.brn and data.brn.strip():
        try:
            brn = normalize_brn(data.brn)
        except InvalidBRN as exc:
            raise DirectoryError(str(exc)) from None
        holder = db.session.scalar(select(Company).where(Company.brn == brn))
        if holder is not None and (company is None or holder.id != company.id):
            if actor.can_manage_cluster(holder.cluster_id):
                raise DirectoryError(_("이미 등록된 사업자등록번호입니다 (%(name)s).", name=holder.name))
            raise DirectoryError(_("이미 다른 클러스터에 등록된 사업자등록번호입니다. 클러스터팀에 문의해 주세요."))
    mobile = None
    if data.contact_mobile and data.contact_mobile.strip():
        try:
            mobile = normalize_mobile(data.contact_mobile)
        except ValueError as exc:
            raise DirectoryError(str(exc)) from None
    today = seoul_today()
    joined = data.council_joined_on if data.is_council_member else None
    if data.is_council_member and joined is None:
        joined = today
    if joined and joined > today:
        raise DirectoryError(_("협의회 가입일은 오늘 이후일 수 없습니다."))
    return {
        "name": name,
        "name_en": (data.name_en or "").strip() or None,
        "brn": brn,
        "cluster_id": cluster.id,
        "industry": (data.industry or "").strip(),
        "website": (data.website or "").strip() or None,
        "description": (data.description or "").strip() or None,
        "contact_name": (data.contact_name or "").strip() or None,
        "contact_email": (data.contact_email or "").strip().lower() or None,
        "contact_mobile": mobile,
        "is_council_member": bool(data.is_council_member),
        "council_joined_on": joined,
    }


def create_company(data: CompanyData, actor: User) -> Company:
    values = _clean(data, actor, None)
    company = Company(**values)
    db.session.add(company)
    db.session.flush()
    return company


def update_company(company: Company, data: CompanyData, actor: User) -> Company:
    if not actor.can_manage_cluster(company.cluster_id):
        raise DirectoryError(_("이 기업을 수정할 권한이 없습니다."))
    values = _clean(data, actor, company)
    for key, value in values.items():
        if getattr(company, key) != value:
            setattr(company, key, value)
    return company


def set_company_active(company: Company, active: bool, actor: User) -> Company:
    """Deactivate or reactivate; companies are never deleted, so history stays intact."""
    if not actor.can_manage_cluster(company.cluster_id):
        raise DirectoryError(_("이 기업을 수정할 권한이 없습니다."))
    company.is_active = active
    return company
