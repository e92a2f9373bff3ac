"""The outcome ledger service: recording, moving forward, confirming, linking, and who sees what."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app.extensions import db
from app.i18n import seoul_today
from app.models import Attribution, Outcome, OutcomeChange, OutcomeStage, Role
from app.outcomes import ledger
from app.outcomes.ledger import OutcomeError
from tests.factories import make_cluster, make_company, make_event, make_registration, make_user


@pytest.fixture
def world(app):
    """Two clusters; companies a, b in cluster one, c in cluster two; all three at a past event of cluster one."""
    one, two = make_cluster(), make_cluster()
    a, b = make_company(one, name="가나기업"), make_company(one, name="다라기업")
    c = make_company(two, name="마바기업")
    event = make_event(one, starts_in=-dt.timedelta(days=30))
    later = make_event(two, starts_in=-dt.timedelta(days=10))
    for company in (a, b, c):
        make_registration(event, company)
    make_registration(later, c)
    db.session.commit()
    return dict(one=one, two=two, a=a, b=b, c=c, event=event, later=later)


def _record(w, **kw):
    args = dict(
        title="공동 R&D 과제 신청",
        stage=OutcomeStage.JOINT_RD,
        occurred_on=seoul_today() - dt.timedelta(days=3),
        company_ids=[w["a"].id, w["b"].id],
        event_ids=[w["event"].id],
    )
    args.update(kw)
    return ledger.record_outcome(**args)


def test_a_company_report_is_confirmed_for_it_and_counts_in_full_once_the_other_confirms(world):
    staff = make_user(Role.STAFF, clusters=[world["one"]])
    outcome = _record(
        world,
        amount_won=120_000_000,
        attribution=Attribution.NO,
        source="followup",
        reported_by_company_id=world["a"].id,
        description="함께 과제를 준비 중",
    )
    db.session.commit()
    parties = {p.company_id: p.confirmed_at for p in outcome.parties}
    assert parties[world["a"].id] is not None and parties[world["b"].id] is None
    assert outcome.confirmed is False
    [created] = outcome.changes
    assert (created.what, created.to_stage, created.by_company_id) == ("created", OutcomeStage.JOINT_RD, world["a"].id)

    ledger.confirm_outcome(outcome, world["b"].id, by_user=staff)
    db.session.commit()
    assert outcome.confirmed is True
    assert [c.what for c in outcome.changes] == ["created", "confirmed"]
    assert outcome.changes[-1].by_user_id == staff.id
    # Confirming twice changes nothing.
    ledger.confirm_outcome(outcome, world["b"].id)
    assert len(outcome.changes) == 2


def test_staff_recorded_outcome_waits_for_every_company(world):
    staff = make_user(Role.STAFF, clusters=[world["one"]])
    outcome = _record(world, company_ids=[world["a"].id, world["b"].id, world["c"].id], recorded_by=staff)
    db.session.commit()
    assert outcome.recorded_by_id == staff.id and outcome.source == "staff" and not outcome.confirmed
    for company in ("a", "b"):
        ledger.confirm_outcome(outcome, world[company].id, by_user=staff)
    assert not outcome.confirmed
    ledger.confirm_outcome(outcome, world["c"].id, by_user=staff)
    assert outcome.confirmed


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (dict(company_ids=[]), "서로 다른 기업이 둘 이상"),
        (dict(company_ids=["a", "a"]), "서로 다른 기업이 둘 이상"),
        (dict(company_ids=["a", 999_999]), "없는 기업"),
        (dict(event_ids=[]), "행사를 하나 이상"),
        (dict(event_ids=[999_999]), "없는 행사"),
        (dict(occurred_on="future"), "오늘 이후일 수 없습니다"),
        (dict(occurred_on="2026-01-01"), "YYYY-MM-DD"),
        (dict(amount_won=-1), "0원 이상"),
        (dict(amount_won=2**63), "너무 큽니다"),
        (dict(amount_won="5억"), "숫자(원)"),
        (dict(stage="won_everything"), "단계를 목록에서"),
        (dict(attribution="maybe"), "기여도"),
        (dict(title=" "), "제목을 입력"),
        (dict(title="가" * 201), "200자"),
        (dict(evidence_url="javascript:alert(1)"), "http://"),
        (dict(reported_by_company_id="c"), "보고한 기업은"),
        (dict(company_ids=["a", "later_only"]), "참가하지 않은 기업"),
    ],
)
def test_bad_input_is_refused_with_a_korean_message_and_nothing_is_written(world, change, message):
    outsider = make_company(world["two"], name="행사밖기업")
    db.session.commit()
    names = {"a": world["a"].id, "c": world["c"].id, "later_only": outsider.id}
    for key, value in list(change.items()):
        if key == "company_ids":
            change[key] = [names.get(v, v) for v in value]
        if key == "reported_by_company_id":
            change[key] = names[value]
        if value == "future":
            change[key] = seoul_today() + dt.timedelta(days=1)
    with pytest.raises(OutcomeError) as exc:
        _record(world, **change)
    assert message in str(exc.value)
    db.session.rollback()
    assert db.session.scalar(select(Outcome.id)) is None


def test_parse_amount_reads_what_people_type():
    assert ledger.parse_amount("5,200,000,000원") == 5_200_000_000
    assert ledger.parse_amount(" 48000000 ") == 48_000_000
    assert ledger.parse_amount("") is None
    for bad, message in [("오천만", "숫자"), ("-5", "0원 이상"), ("1e9", "숫자"), ("9" * 30, "너무 큽니다")]:
        with pytest.raises(OutcomeError) as exc:
            ledger.parse_amount(bad)
        assert message in str(exc.value)


def test_stages_only_move_forward_and_history_is_kept(world):
    outcome = _record(world, stage=OutcomeStage.AGREEMENT, recorded_by=None)
    ledger.confirm_outcome(outcome, world["a"].id)
    ledger.confirm_outcome(outcome, world["b"].id)
    db.session.commit()
    assert outcome.confirmed

    # Staff moving it forward (what they learnt) keeps the confirmations.
    staff = make_user(Role.STAFF, clusters=[world["one"]])
    ledger.advance_stage(outcome, OutcomeStage.CONTRACT, amount_won=30_000_000, by_user=staff, summary="계약 체결")
    db.session.commit()
    assert (outcome.stage, outcome.amount_won, outcome.confirmed) == (OutcomeStage.CONTRACT, 30_000_000, True)
    change = outcome.changes[-1]
    assert (change.what, change.from_stage, change.to_stage, change.summary) == (
        "stage",
        OutcomeStage.AGREEMENT,
        OutcomeStage.CONTRACT,
        "계약 체결",
    )

    for stage in (OutcomeStage.CONTRACT, OutcomeStage.NEGOTIATION):
        with pytest.raises(OutcomeError) as exc:
            ledger.advance_stage(outcome, stage, by_user=staff)
        assert "앞으로만" in str(exc.value)
    with pytest.raises(OutcomeError):
        ledger.advance_stage(outcome, OutcomeStage.GOV_PROJECT, occurred_on=seoul_today() + dt.timedelta(days=2))
    with pytest.raises(OutcomeError):
        ledger.advance_stage(outcome, OutcomeStage.GOV_PROJECT, amount_won=-3)
    db.session.rollback()
    assert outcome.stage == OutcomeStage.CONTRACT and len(outcome.changes) == 4

    # A company's report of a later stage is its claim: the other company has to confirm again.
    today = seoul_today()
    ledger.advance_stage(
        outcome, OutcomeStage.GOV_PROJECT, occurred_on=today, amount_won=5_000_000_000, by_company_id=world["a"].id
    )
    db.session.commit()
    assert (outcome.stage, outcome.occurred_on, outcome.confirmed) == (OutcomeStage.GOV_PROJECT, today, False)
    ledger.confirm_outcome(outcome, world["b"].id)
    assert outcome.confirmed
    assert [c.what for c in db.session.scalars(select(OutcomeChange).order_by(OutcomeChange.id))] == [
        "created",
        "confirmed",
        "confirmed",
        "stage",
        "stage",
        "confirmed",
    ]


def test_confirming_or_advancing_for_a_company_not_named_is_refused(world):
    outcome = _record(world)
    with pytest.raises(OutcomeError):
        ledger.confirm_outcome(outcome, world["c"].id)
    with pytest.raises(OutcomeError):
        ledger.advance_stage(outcome, OutcomeStage.CONTRACT, by_company_id=world["c"].id)
    assert outcome.stage == OutcomeStage.JOINT_RD


def test_linking_more_events_needs_a_named_company_there(world):
    outcome = _record(world, company_ids=[world["a"].id, world["c"].id])
    db.session.commit()
    assert ledger.link_events(outcome, [world["later"].id]) == 1
    db.session.commit()
    assert {e.id for e in outcome.events} == {world["event"].id, world["later"].id}
    assert outcome.changes[-1].what == "events"
    with pytest.raises(OutcomeError):
        ledger.link_events(outcome, [world["later"].id])  # already linked
    elsewhere = make_event(world["two"], starts_in=-dt.timedelta(days=5))
    with pytest.raises(OutcomeError) as exc:
        ledger.link_events(outcome, [elsewhere.id])
    assert "참가하지 않았습니다" in str(exc.value)


def test_evidence_files_are_limited_by_size_and_type(world):
    outcome = _record(world)
    ledger.attach_evidence(outcome, filename="C:\\scan\\협약서.pdf", data=b"%PDF-1.7 ...")
    assert (outcome.evidence_filename, outcome.evidence_content_type) == ("협약서.pdf", "application/pdf")
    for name, data, message in [
        ("a.exe", b"MZ....", "PDF, PNG"),
        ("fake.pdf", b"<html>", "PDF, PNG"),
        ("big.pdf", b"%PDF-" + b"0" * ledger.EVIDENCE_MAX_BYTES, "5MB"),
        ("empty.pdf", b"", "빈 파일"),
    ]:
        with pytest.raises(OutcomeError) as exc:
            ledger.attach_evidence(outcome, filename=name, data=data)
        assert message in str(exc.value)


def test_who_sees_which_outcomes(world):
    inside = _record(world)  # a, b (cluster one) at cluster one's event
    cross = _record(world, title="클러스터 간 협약", company_ids=[world["a"].id, world["c"].id])
    elsewhere_cluster = make_cluster()
    d, e = make_company(elsewhere_cluster), make_company(elsewhere_cluster)
    far_event = make_event(elsewhere_cluster, starts_in=-dt.timedelta(days=3))
    make_registration(far_event, d), make_registration(far_event, e)
    far = _record(world, title="먼 곳의 계약", company_ids=[d.id, e.id], event_ids=[far_event.id])
    db.session.commit()

    admin = make_user(Role.ADMIN)
    staff_one = make_user(Role.STAFF, clusters=[world["one"]])
    staff_two = make_user(Role.STAFF, clusters=[world["two"]])
    staff_none = make_user(Role.STAFF)
    member_b = make_user(Role.MEMBER, company=world["b"])
    member_c = make_user(Role.MEMBER, company=world["c"])
    db.session.commit()

    def seen(user):
        return {o.id for o in db.session.scalars(ledger.outcomes_visible_to(user))}

    assert seen(admin) == {inside.id, cross.id, far.id}
    assert seen(staff_one) == {inside.id, cross.id}
    # Cluster two's staff: the outcome naming its company c (attributed to cluster one's event).
    assert seen(staff_two) == {cross.id}
    assert seen(staff_none) == set()
    assert seen(member_b) == {inside.id}
    assert seen(member_c) == {cross.id}

    class Anonymous:
        is_authenticated = False

    assert seen(Anonymous()) == set() and seen(None) == set()
    assert ledger.can_see(staff_two, cross) and not ledger.can_see(staff_two, inside)
    assert ledger.may_see_evidence(staff_one, inside) and not ledger.may_see_evidence(member_b, inside)
    assert not ledger.may_manage(member_b, inside) and not ledger.may_manage(staff_one, far)


def test_filters_and_totals_count_confirmed_apart_from_one_sided(world):
    confirmed = _record(world, amount_won=100, stage=OutcomeStage.CONTRACT)
    for company in ("a", "b"):
        ledger.confirm_outcome(confirmed, world[company].id)
    _record(world, amount_won=7, reported_by_company_id=world["a"].id, source="followup")
    old = _record(world, title="예전", occurred_on=seoul_today() - dt.timedelta(days=400), amount_won=1)
    db.session.commit()
    admin = make_user(Role.ADMIN)
    query = ledger.filtered(admin, ledger.LedgerFilter())
    assert ledger.totals(query) == ledger.LedgerTotals(1, 100, 2, 8)
    only_confirmed = ledger.filtered(admin, ledger.LedgerFilter(confirmation=ledger.CONFIRMED))
    assert [o.id for o in db.session.scalars(only_confirmed)] == [confirmed.id]
    recent = ledger.filtered(admin, ledger.LedgerFilter(start=seoul_today() - dt.timedelta(days=30)))
    assert old.id not in {o.id for o in db.session.scalars(recent)}
    assert len(list(db.session.scalars(ledger.filtered(admin, ledger.LedgerFilter(stage=OutcomeStage.CONTRACT))))) == 1
    assert not list(db.session.scalars(ledger.filtered(admin, ledger.LedgerFilter(cluster_id=world["two"].id))))
    assert len(list(db.session.scalars(ledger.filtered(admin, ledger.LedgerFilter(event_id=world["event"].id))))) == 3
    second = ledger.page_of(query, 2, 2)
    assert second.total == 3 and [o.id for o in second.items] == [old.id]
