"""Company networking profiles: who may edit one, what a valid profile is, and saving it.

A profile is company business data (what it offers, 제공, and seeks, 희망), edited by the
company's members and by staff of its cluster. It is off by default: until the company opts in
(is_discoverable) it appears nowhere but on its own profile page. Services take plain
arguments and never commit.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Company, CompanyProfile, NetworkingTag, ProfileSide, Role, User, profile_tags, utcnow
from app.routing import MAX_DB_INT

TEXT_MAX = 2000  # offers / seeks, each
FIELDS_MAX = 200  # the column's length
TAGS_PER_SIDE_MAX = 20


class ProfileError(ValueError):
    """A refused profile; the message is for the user. Nothing was changed."""


def can_edit_profile(user: User, company: Company) -> bool:
    """The company's own members, staff of its cluster and administrators."""
    if not user.is_authenticated:
        return False
    if user.role == Role.MEMBER:
        return user.company_id == company.id
    return user.can_manage_cluster(company.cluster_id)


@dataclasses.dataclass
class ProfileData:
    """A profile as submitted: texts, the discoverable switch and tag ids as sent (strings)."""

    offers: str = ""
    seeks: str = ""
    fields: str = ""
    is_discoverable: bool = False
    offer_tag_ids: list[str] = dataclasses.field(default_factory=list)
    seek_tag_ids: list[str] = dataclasses.field(default_factory=list)


def profile_of(company_id: int) -> CompanyProfile | None:
    return db.session.get(CompanyProfile, company_id)


def tag_ids_of(company_id: int) -> dict[ProfileSide, set[int]]:
    """The tag ids on a company's profile, per side (retired words included)."""
    sides: dict[ProfileSide, set[int]] = {ProfileSide.OFFER: set(), ProfileSide.SEEK: set()}
    rows = db.session.execute(
        select(profile_tags.c.tag_id, profile_tags.c.side).where(profile_tags.c.company_id == company_id)
    )
    for tag_id, side in rows:
        sides[ProfileSide(side)].add(tag_id)
    return sides


def choosable_tags(company: Company, current: Iterable[int] = ()) -> list[NetworkingTag]:
    """The words the profile form offers: the active shared words and the company's cluster's,
    plus any word already on the profile (a retired or foreign one stays until it is unticked)."""
    scope = NetworkingTag.cluster_id.is_(None)
    if company.cluster_id is not None:
        scope = scope | (NetworkingTag.cluster_id == company.cluster_id)
    condition = scope & NetworkingTag.is_active.is_(True)
    current = list(current)
    if current:
        condition = condition | NetworkingTag.id.in_(current)
    return list(
        db.session.scalars(
            select(NetworkingTag)
            .options(joinedload(NetworkingTag.cluster))
            .where(condition)
            .order_by(NetworkingTag.cluster_id.is_not(None), NetworkingTag.sort_order, NetworkingTag.label_ko)
        )
    )


_ID_DIGITS = len(str(MAX_DB_INT))
UNKNOWN_TAG = _l("목록에 없는 태그가 있습니다. 페이지를 새로 고친 뒤 목록에서 다시 골라 주세요.")


def _parse_ids(values: Iterable[str]) -> tuple[list[int], bool]:
    """Tag ids as sent, deduplicated in order; True as second value when one is not an id at all."""
    ids: list[int] = []
    malformed = False
    for value in values:
        text = (value or "").strip()
        if not (text.isascii() and text.isdigit() and len(text) <= _ID_DIGITS and 0 < int(text) <= MAX_DB_INT):
            malformed = True
            continue
        if int(text) not in ids:
            ids.append(int(text))
    return ids, malformed


def _check_text(value: str, limit: int, label) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        message = _l(
            "%(what)s은(는) %(n)s자 이내로 입력해 주세요. (지금 %(now)s자)",
            what=label,
            n=f"{limit:,}",
            now=f"{len(value):,}",
        )
        raise ProfileError(message)
    return value


SIDE_WORDS = {ProfileSide.OFFER: _l("제공"), ProfileSide.SEEK: _l("희망")}


def _check_tags(
    company: Company, data: ProfileData, current: dict[ProfileSide, set[int]]
) -> dict[ProfileSide, list[int]]:
    """Every sent id names a word this company may use on that side; else a ProfileError."""
    parsed = {
        ProfileSide.OFFER: _parse_ids(data.offer_tag_ids),
        ProfileSide.SEEK: _parse_ids(data.seek_tag_ids),
    }
    if any(malformed for _ids, malformed in parsed.values()):
        raise ProfileError(UNKNOWN_TAG)
    for side, (ids, _malformed) in parsed.items():
        if len(ids) > TAGS_PER_SIDE_MAX:
            raise ProfileError(
                _l("%(side)s 태그는 %(n)d개까지 고를 수 있습니다.", side=SIDE_WORDS[side], n=TAGS_PER_SIDE_MAX)
            )
    wanted = {tag_id for ids, _m in parsed.values() for tag_id in ids}
    tags = {}
    if wanted:
        tags = {t.id: t for t in db.session.scalars(select(NetworkingTag).where(NetworkingTag.id.in_(wanted)))}
    if wanted - tags.keys():
        raise ProfileError(UNKNOWN_TAG)
    for side, (ids, _malformed) in parsed.items():
        for tag_id in ids:
            tag = tags[tag_id]
            if tag_id in current[side]:
                continue  # already on this side: it may stay, retired or not
            if not tag.is_active:
                raise ProfileError(_l("'%(label)s' 태그는 사용이 중지되어 새로 고를 수 없습니다.", label=tag.label_ko))
            if tag.cluster_id is not None and tag.cluster_id != company.cluster_id:
                message = _l("'%(label)s' 태그는 다른 클러스터의 태그라 고를 수 없습니다.", label=tag.label_ko)
                raise ProfileError(message)
    return {side: ids for side, (ids, _m) in parsed.items()}


def save_profile(company: Company, data: ProfileData, user: User) -> CompanyProfile:
    """Check everything first, then write the profile and its tags; a ProfileError changes nothing.

    The caller checked can_edit_profile and commits.
    """
    offers = _check_text(data.offers, TEXT_MAX, SIDE_WORDS[ProfileSide.OFFER])
    seeks = _check_text(data.seeks, TEXT_MAX, SIDE_WORDS[ProfileSide.SEEK])
    fields = " ".join(_check_text(data.fields, FIELDS_MAX, _l("사업 분야")).split())
    current = tag_ids_of(company.id)
    chosen = _check_tags(company, data, current)

    profile = profile_of(company.id)
    if profile is None:
        profile = CompanyProfile(company_id=company.id)
        db.session.add(profile)
    profile.offers, profile.seeks, profile.fields = offers, seeks, fields
    profile.is_discoverable = bool(data.is_discoverable)
    profile.updated_by_id = user.id
    profile.updated_at = utcnow()  # also when only the tags changed
    db.session.flush()  # the profile row exists before its tags reference it

    db.session.execute(delete(profile_tags).where(profile_tags.c.company_id == company.id))
    rows = [
        {"company_id": company.id, "tag_id": tag_id, "side": side} for side, ids in chosen.items() for tag_id in ids
    ]
    if rows:
        db.session.execute(insert(profile_tags), rows)
    return profile
