"""Match suggestions as a pure function: one company's profile and the others' -> a ranked list with reasons.

No database, no request, no translation: plain frozen dataclasses in, plain dataclasses out, so
the rules can be read in one place and tested with generated inputs (tests/networking/
test_matching.py). The query layer that builds the inputs is app/networking/people.py; the
words for the reasons are made there too. docs/NETWORKING.md explains the weights.

Tags are compared by their word (``label_ko``), not by row id: two clusters that each keep a
"콘텐츠 IP" mean the same thing, and the agency wants one Seoul-wide network.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable

# One point scale for every term (see docs/NETWORKING.md, "Profiles and suggestions").
TAG_MATCH = 3  # per tag one side offers and the other seeks, in either direction
MUTUAL_BONUS = 2  # both directions match: each can give the other something
OTHER_CLUSTER_BONUS = 2  # the agency wants ties between clusters
MET_BEFORE_PENALTY = 3  # they already met at an earlier event: a new tie is worth more


class ReasonKind(str, enum.Enum):
    THEY_OFFER = "they_offer"  # 귀사가 찾는 '판로'를 제공
    THEY_SEEK = "they_seek"  # 귀사가 제공하는 '투자'를 찾음
    OTHER_CLUSTER = "other_cluster"  # 다른 클러스터
    FIRST_MEETING = "first_meeting"  # 처음 만남
    MET_BEFORE = "met_before"  # 이전 행사에서 만남


@dataclasses.dataclass(frozen=True)
class MatchProfile:
    """What the ranking knows of one company: its tag words per side, cluster and 가나다 key."""

    company_id: int
    sort_name: str  # the 가나다 key (Company.sort_name: without (주), lower-cased)
    cluster_id: int | None = None
    offers: frozenset[str] = frozenset()
    seeks: frozenset[str] = frozenset()
    discoverable: bool = True


@dataclasses.dataclass(frozen=True)
class Reason:
    kind: ReasonKind
    tag: str | None = None  # the tag word for THEY_OFFER / THEY_SEEK


@dataclasses.dataclass(frozen=True)
class Suggestion:
    company: MatchProfile
    score: int
    reasons: tuple[Reason, ...]

    @property
    def company_id(self) -> int:
        return self.company.company_id

    @property
    def matched_tags(self) -> int:
        return sum(1 for r in self.reasons if r.tag is not None)


def match_term(a: MatchProfile, b: MatchProfile) -> int:
    """The two-way offer/seek term of a pair; the same whichever side asks (symmetric)."""
    a_gets = len(a.seeks & b.offers)
    b_gets = len(a.offers & b.seeks)
    return TAG_MATCH * (a_gets + b_gets) + (MUTUAL_BONUS if a_gets and b_gets else 0)


def score_pair(me: MatchProfile, other: MatchProfile, met_before: bool) -> Suggestion:
    """One candidate's score for `me` and the reasons in the order they are shown."""
    they_offer = sorted(me.seeks & other.offers)
    they_seek = sorted(me.offers & other.seeks)
    reasons = [Reason(ReasonKind.THEY_OFFER, tag) for tag in they_offer]
    reasons += [Reason(ReasonKind.THEY_SEEK, tag) for tag in they_seek]
    score = match_term(me, other)
    if me.cluster_id is not None and other.cluster_id is not None and me.cluster_id != other.cluster_id:
        score += OTHER_CLUSTER_BONUS
        reasons.append(Reason(ReasonKind.OTHER_CLUSTER))
    if met_before:
        score -= MET_BEFORE_PENALTY
        reasons.append(Reason(ReasonKind.MET_BEFORE))
    else:
        reasons.append(Reason(ReasonKind.FIRST_MEETING))
    return Suggestion(other, score, tuple(reasons))


def rank(me: MatchProfile, others: Iterable[MatchProfile], met_before: Iterable[int] = ()) -> list[Suggestion]:
    """Every other discoverable company, best match first.

    `others` holds each company once; `met_before` the ids of companies `me` already met at
    earlier events. `me` itself and companies that are not discoverable never appear. The order
    is total: score (high first), then the 가나다 name, then the company id.
    """
    met = frozenset(met_before)
    suggestions = [
        score_pair(me, other, other.company_id in met)
        for other in others
        if other.discoverable and other.company_id != me.company_id
    ]
    suggestions.sort(key=lambda s: (-s.score, s.company.sort_name, s.company.company_id))
    return suggestions
