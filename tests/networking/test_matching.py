"""Match suggestions, the pure function: worked examples, then properties over generated companies."""

from __future__ import annotations

import dataclasses
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from app.networking.matching import (
    MET_BEFORE_PENALTY,
    MUTUAL_BONUS,
    OTHER_CLUSTER_BONUS,
    TAG_MATCH,
    MatchProfile,
    Reason,
    ReasonKind,
    match_term,
    rank,
)

DMC, GURO = 1, 2


def company(company_id, name, cluster=DMC, offers=(), seeks=(), discoverable=True) -> MatchProfile:
    return MatchProfile(company_id, name, cluster, frozenset(offers), frozenset(seeks), discoverable)


# --- worked examples (the ones docs/NETWORKING.md shows) ------------------------------------------


def test_the_documented_example():
    nuri = company(1, "누리미디어", DMC, offers={"기술"}, seeks={"판로", "투자"})
    gurotech = company(2, "구로테크", GURO, offers={"판로"}, seeks={"기술"})
    hanbit = company(3, "한빛소프트", DMC, offers={"투자"})
    [first, second] = rank(nuri, [hanbit, gurotech], met_before={3})
    assert first.company_id == 2
    assert first.score == TAG_MATCH * 2 + MUTUAL_BONUS + OTHER_CLUSTER_BONUS == 10
    assert first.reasons == (
        Reason(ReasonKind.THEY_OFFER, "판로"),
        Reason(ReasonKind.THEY_SEEK, "기술"),
        Reason(ReasonKind.OTHER_CLUSTER),
        Reason(ReasonKind.FIRST_MEETING),
    )
    assert second.company_id == 3 and second.score == TAG_MATCH - MET_BEFORE_PENALTY == 0
    assert second.reasons == (Reason(ReasonKind.THEY_OFFER, "투자"), Reason(ReasonKind.MET_BEFORE))


def test_companies_that_opted_out_and_the_company_itself_never_appear():
    me = company(1, "누리", seeks={"판로"})
    hidden = company(2, "가나", offers={"판로"}, discoverable=False)
    assert rank(me, [me, hidden]) == []


def test_ties_are_broken_by_the_gana_order_of_the_name_then_the_id():
    me = company(1, "누리")
    others = [company(5, "하늘"), company(4, "가람"), company(3, "다온"), company(2, "가람")]
    assert [s.company_id for s in rank(me, others)] == [2, 4, 3, 5]


def test_a_company_without_a_cluster_earns_no_other_cluster_bonus():
    me = company(1, "누리", cluster=None)
    [s] = rank(me, [company(2, "가람", cluster=GURO)])
    assert s.score == 0 and Reason(ReasonKind.OTHER_CLUSTER) not in s.reasons


# --- properties ------------------------------------------------------------------------------------

WORDS = ["기술", "판로", "투자", "공동R&D", "인력", "공간", "콘텐츠 IP"]
NAMES = ["가람", "나래", "누리", "다온", "라온", "마루", "바다", "하늘", "(주)한빛", "ABC"]

tag_sets = st.frozensets(st.sampled_from(WORDS), max_size=4)


@st.composite
def profiles(draw, company_id: int) -> MatchProfile:
    return MatchProfile(
        company_id=company_id,
        sort_name=draw(st.sampled_from(NAMES)),
        cluster_id=draw(st.sampled_from([None, 1, 2, 3])),
        offers=draw(tag_sets),
        seeks=draw(tag_sets),
        discoverable=draw(st.booleans()),
    )


@st.composite
def worlds(draw):
    """A company, the others at the event (each once; maybe `me` among them) and whom it met."""
    count = draw(st.integers(min_value=0, max_value=8))
    me = draw(profiles(1))
    others = [draw(profiles(i)) for i in range(2, count + 2)]
    if draw(st.booleans()):
        others.append(me)
    met = draw(st.frozensets(st.integers(min_value=1, max_value=count + 1)))
    return me, others, met


def _key(s):
    return (-s.score, s.company.sort_name, s.company_id)


@given(worlds())
def test_no_hidden_company_and_never_the_company_itself(world):
    me, others, met = world
    ids = [s.company_id for s in rank(me, others, met)]
    assert me.company_id not in ids
    hidden = {o.company_id for o in others if not o.discoverable}
    assert not hidden & set(ids)
    assert sorted(ids) == sorted(o.company_id for o in others if o.discoverable and o.company_id != me.company_id)


@given(worlds(), st.randoms(use_true_random=False))
def test_the_order_is_total_and_does_not_depend_on_the_input_order(world, rnd: random.Random):
    me, others, met = world
    ranked = rank(me, others, met)
    shuffled = list(others)
    rnd.shuffle(shuffled)
    assert rank(me, shuffled, met) == ranked
    keys = [_key(s) for s in ranked]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)


@given(worlds(), st.sampled_from(WORDS), st.booleans())
def test_adding_a_matching_tag_never_lowers_a_score(world, word, to_offers):
    me, others, met = world
    candidates = [o for o in others if o.discoverable and o.company_id != me.company_id]
    if not candidates:
        return
    target = candidates[0]
    # A tag that matches: the candidate offers what `me` seeks, or seeks what `me` offers.
    if to_offers:
        me = dataclasses.replace(me, seeks=me.seeks | {word})
        changed = dataclasses.replace(target, offers=target.offers | {word})
    else:
        me = dataclasses.replace(me, offers=me.offers | {word})
        changed = dataclasses.replace(target, seeks=target.seeks | {word})
    before = {s.company_id: s.score for s in rank(me, others, met)}
    after = {s.company_id: s.score for s in rank(me, [changed if o is target else o for o in others], met)}
    assert after[target.company_id] >= before[target.company_id]


@given(profiles(1), profiles(2))
def test_the_two_way_match_term_is_symmetric(a, b):
    assert match_term(a, b) == match_term(b, a)


@given(profiles(1), profiles(2))
def test_the_pair_score_is_symmetric_when_neither_met_the_other(a, b):
    a, b = dataclasses.replace(a, discoverable=True), dataclasses.replace(b, discoverable=True)
    [ab] = rank(a, [b])
    [ba] = rank(b, [a])
    assert ab.score == ba.score


@given(worlds())
def test_a_prior_meeting_never_raises_a_pairs_rank_or_score(world):
    me, others, met = world
    for other in others:
        if not other.discoverable or other.company_id == me.company_id:
            continue
        without = rank(me, others, met - {other.company_id})
        with_met = rank(me, others, met | {other.company_id})
        position = [s.company_id for s in without].index(other.company_id)
        position_met = [s.company_id for s in with_met].index(other.company_id)
        assert position_met >= position
        score = next(s.score for s in without if s.company_id == other.company_id)
        assert next(s.score for s in with_met if s.company_id == other.company_id) == score - MET_BEFORE_PENALTY


@given(worlds())
def test_reasons_list_exactly_the_matched_tags_and_the_rest_in_words(world):
    me, others, met = world
    by_id = {o.company_id: o for o in others}
    for s in rank(me, others, met):
        other = by_id[s.company_id]
        they_offer = [r.tag for r in s.reasons if r.kind == ReasonKind.THEY_OFFER]
        they_seek = [r.tag for r in s.reasons if r.kind == ReasonKind.THEY_SEEK]
        assert they_offer == sorted(me.seeks & other.offers)
        assert they_seek == sorted(me.offers & other.seeks)
        kinds = [r.kind for r in s.reasons if r.tag is None]
        other_cluster = me.cluster_id is not None and other.cluster_id not in (None, me.cluster_id)
        assert (ReasonKind.OTHER_CLUSTER in kinds) == other_cluster
        assert kinds[-1] == (ReasonKind.MET_BEFORE if s.company_id in met else ReasonKind.FIRST_MEETING)


@settings(max_examples=50)
@given(worlds())
def test_the_score_is_the_sum_of_the_documented_terms(world):
    me, others, met = world
    by_id = {o.company_id: o for o in others}
    for s in rank(me, others, met):
        other = by_id[s.company_id]
        gets, gives = len(me.seeks & other.offers), len(me.offers & other.seeks)
        expected = TAG_MATCH * (gets + gives) + (MUTUAL_BONUS if gets and gives else 0)
        expected += (
            OTHER_CLUSTER_BONUS if me.cluster_id and other.cluster_id and me.cluster_id != other.cluster_id else 0
        )
        expected -= MET_BEFORE_PENALTY if s.company_id in met else 0
        assert s.score == expected
