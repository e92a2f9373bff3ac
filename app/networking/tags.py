"""The networking tag vocabulary: the shared words, each cluster's own words, who manages which.

Staff manage the words of their clusters; administrators also the shared words (cluster_id
None) that every cluster uses. A word is never deleted: retiring it (is_active False) takes it
out of the choices while the profiles that carry it keep it. Services never commit.
"""

from __future__ import annotations

import dataclasses

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Cluster, NetworkingTag, User

LABEL_KO_MAX = 40
LABEL_EN_MAX = 60

# The shared vocabulary every cluster starts with (DOMAIN.md: 제공/희망 기술, 판로, 투자 ...).
DEFAULT_SHARED_TAGS = (
    ("기술", "Technology"),
    ("판로", "Sales channels"),
    ("투자", "Investment"),
    ("공동R&D", "Joint R&D"),
    ("인력", "Talent"),
    ("공간", "Space"),
)


class TagError(ValueError):
    """A refused change to the vocabulary; the message is for the user (Korean by default)."""


def ensure_default_tags() -> int:
    """Create the shared default words that are missing (idempotent; a retired one stays retired).

    Returns how many were created. Flushes, never commits (the seed or command commits).
    """
    existing = set(db.session.scalars(select(NetworkingTag.label_ko).where(NetworkingTag.cluster_id.is_(None))))
    created = 0
    for order, (label_ko, label_en) in enumerate(DEFAULT_SHARED_TAGS, start=1):
        if label_ko in existing:
            continue
        db.session.add(NetworkingTag(cluster_id=None, label_ko=label_ko, label_en=label_en, sort_order=order))
        created += 1
    if created:
        db.session.flush()
    return created


def can_manage_vocabulary(user: User, cluster_id: int | None) -> bool:
    """Shared words: administrators; a cluster's words: its staff (and administrators)."""
    if not user.is_authenticated or not user.is_staff:
        return False
    if cluster_id is None:
        return user.is_admin
    return user.can_manage_cluster(cluster_id)


def _ordered(query):
    return query.order_by(NetworkingTag.sort_order, NetworkingTag.label_ko, NetworkingTag.id)


def offered_tags(cluster_id: int | None) -> list[NetworkingTag]:
    """The words a company of this cluster may choose: the active shared words and its cluster's."""
    scope = NetworkingTag.cluster_id.is_(None)
    if cluster_id is not None:
        scope = or_(scope, NetworkingTag.cluster_id == cluster_id)
    # Shared words first, then the cluster's own.
    return list(
        db.session.scalars(
            select(NetworkingTag)
            .where(scope, NetworkingTag.is_active.is_(True))
            .order_by(NetworkingTag.cluster_id.is_not(None), NetworkingTag.sort_order, NetworkingTag.label_ko)
        )
    )


@dataclasses.dataclass
class Vocabulary:
    """One vocabulary as the staff page shows it: shared (cluster None) or one cluster's."""

    cluster: Cluster | None
    tags: list[NetworkingTag]
    can_manage: bool


def vocabularies_for(user: User) -> list[Vocabulary]:
    """The shared words (read-only for cluster staff) and the words of every cluster the user
    manages (all clusters for administrators). Two queries."""
    managed = user.managed_cluster_ids()
    clusters_query = select(Cluster).order_by(Cluster.id)
    if managed is not None:
        clusters_query = clusters_query.where(Cluster.id.in_(managed))
    clusters = list(db.session.scalars(clusters_query))
    tags_query = _ordered(select(NetworkingTag))
    if managed is not None:
        tags_query = tags_query.where(or_(NetworkingTag.cluster_id.is_(None), NetworkingTag.cluster_id.in_(managed)))
    by_cluster: dict[int | None, list[NetworkingTag]] = {}
    for tag in db.session.scalars(tags_query):
        by_cluster.setdefault(tag.cluster_id, []).append(tag)
    vocabularies = [Vocabulary(None, by_cluster.get(None, []), can_manage_vocabulary(user, None))]
    vocabularies += [Vocabulary(c, by_cluster.get(c.id, []), True) for c in clusters]
    return vocabularies


def tag_or_none(tag_id: int) -> NetworkingTag | None:
    return db.session.scalars(
        select(NetworkingTag).options(joinedload(NetworkingTag.cluster)).where(NetworkingTag.id == tag_id)
    ).first()


def _clean_labels(label_ko: str | None, label_en: str | None) -> tuple[str, str | None]:
    label_ko = " ".join((label_ko or "").split())
    label_en = " ".join((label_en or "").split()) or None
    if not label_ko:
        raise TagError(_l("태그 이름(한국어)을 입력해 주세요."))
    if len(label_ko) > LABEL_KO_MAX:
        raise TagError(_l("태그 이름(한국어)은 %(n)d자 이내로 입력해 주세요.", n=LABEL_KO_MAX))
    if label_en and len(label_en) > LABEL_EN_MAX:
        raise TagError(_l("태그 이름(영어)은 %(n)d자 이내로 입력해 주세요.", n=LABEL_EN_MAX))
    return label_ko, label_en


def _check_unique(cluster_id: int | None, label_ko: str, exclude_id: int | None = None) -> None:
    """A word once per vocabulary, and a cluster's word never repeats a shared word."""
    scope = NetworkingTag.cluster_id.is_(None)
    if cluster_id is not None:
        scope = or_(scope, NetworkingTag.cluster_id == cluster_id)
    query = select(NetworkingTag.cluster_id).where(scope, NetworkingTag.label_ko == label_ko)
    if exclude_id is not None:
        query = query.where(NetworkingTag.id != exclude_id)
    clash = db.session.execute(query.limit(1)).first()
    if clash is None:
        return
    if clash[0] is None and cluster_id is not None:
        raise TagError(_l("'%(label)s'은(는) 이미 공통 태그에 있습니다.", label=label_ko))
    message = _l("'%(label)s' 태그가 이미 있습니다. 사용 중지된 태그라면 다시 사용으로 바꿔 주세요.", label=label_ko)
    raise TagError(message)


def add_tag(cluster_id: int | None, label_ko: str | None, label_en: str | None) -> NetworkingTag:
    """A new active word at the end of its vocabulary (the caller checked can_manage_vocabulary)."""
    label_ko, label_en = _clean_labels(label_ko, label_en)
    _check_unique(cluster_id, label_ko)
    last = db.session.scalar(
        select(func.max(NetworkingTag.sort_order)).where(
            NetworkingTag.cluster_id.is_(None) if cluster_id is None else NetworkingTag.cluster_id == cluster_id
        )
    )
    tag = NetworkingTag(cluster_id=cluster_id, label_ko=label_ko, label_en=label_en, sort_order=(last or 0) + 1)
    db.session.add(tag)
    db.session.flush()
    return tag


def rename_tag(tag: NetworkingTag, label_ko: str | None, label_en: str | None) -> None:
    """New words for the same tag: profiles that carry it show the new word."""
    label_ko, label_en = _clean_labels(label_ko, label_en)
    if label_ko != tag.label_ko:
        _check_unique(tag.cluster_id, label_ko, exclude_id=tag.id)
    tag.label_ko, tag.label_en = label_ko, label_en


def set_tag_active(tag: NetworkingTag, active: bool) -> None:
    """Retire (no longer offered; kept on profiles) or bring back a word."""
    tag.is_active = active
