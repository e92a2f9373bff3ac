"""The member pages of the ledger ("우리 기업의 성과"): a company sees its own outcomes and those naming it
and nobody else's, never the evidence; it confirms one reported by the other side behind a confirm step
and reports one with a company it met; bad input changes nothing; staff pages are as they were."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.i18n import seoul_today
from app.models import Outcome, OutcomeChange, OutcomeStage, Role
from app.outcomes import ledger
from tests.factories import make_cluster, make_company, make_event, make_registration, make_user
from tests.helpers import csrf_token, login, post_form, see_committed
from tests.query_counter import count_queries

PDF = b"%PDF-1.4 evidence"


@pytest.fixture
def world(app):
    one, two = make_cluster(name_ko="상암"), make_cluster(name_ko="구로")
    a, b = make_company(one, name="가람미디어"), make_company(one, name="나래소프트")
    c, d = make_company(two, name="다온센서"), make_company(two, name="라온로봇")
    night = make_event(one, starts_in=-dt.timedelta(days=40), title_ko="상암 네트워킹 나이트")
    forum = make_event(two, starts_in=-dt.timedelta(days=30), title_ko="구로 포럼")
    coming = make_event(one, starts_in=dt.timedelta(days=5), title_ko="다음 달 포럼")
    for company in (a, b, c):
        make_registration(night, company)
    for company in (c, d):
        make_registration(forum, company)
    for company in (a, d):  # registered together, but the event has not happened: a has not met d
        make_registration(coming, company)
    users = dict(
        admin=make_user(Role.ADMIN, email="admin@example.com"),
        staff=make_user(Role.STAFF, clusters=[one], email="staff1@example.com"),
        member=make_user(Role.MEMBER, company=a, email="member@example.com", name="김가람"),
        member_b=make_user(Role.MEMBER, company=b, email="member-b@example.com"),
        member_c=make_user(Role.MEMBER, company=c, email="member-c@example.com"),
    )
    day = seoul_today() - dt.timedelta(days=5)
    by_staff = ledger.record_outcome(
        title="영상 공동제작 협약",
        stage=OutcomeStage.AGREEMENT,
        occurred_on=day,
        company_ids=[a.id, b.id],
        event_ids=[night.id],
        amount_won=30_000_000,
        recorded_by=users["staff"],
        evidence_url="https://evidence.example.com/mou",
    )
    ledger.attach_evidence(by_staff, filename="협약서.pdf", data=PDF)
    by_c = ledger.record_outcome(
        title="센서 공급 계약",
        stage=OutcomeStage.CONTRACT,
        occurred_on=day,
        company_ids=[c.id, a.id],
        event_ids=[night.id],
        amount_won=5_200_000_000,
        source="followup",
        reported_by_company_id=c.id,
    )
    elsewhere = ledger.record_outcome(
        title="로봇 공동 R&D 과제",
        stage=OutcomeStage.JOINT_RD,
        occurred_on=day,
        company_ids=[c.id, d.id],
        event_ids=[forum.id],
        amount_won=777_000,
        source="followup",
        reported_by_company_id=d.id,
    )
    db.session.commit()
    return dict(
        one=one, a=a, b=b, c=c, d=d, night=night, forum=forum, coming=coming,
        by_staff=by_staff, by_c=by_c, elsewhere=elsewhere, **users,
    )  # fmt: skip


def _count() -> int:
    see_committed()
    return db.session.scalar(select(func.count()).select_from(Outcome))


def test_member_sees_its_own_and_naming_outcomes_and_not_others(world, client):
    login(client, world["member"].email)
    home = client.get("/").get_data(as_text=True)
    assert 'href="/outcomes"' in home and "우리 기업의 성과" in home
    html = client.get("/outcomes").get_data(as_text=True)
    assert "영상 공동제작 협약" in html and "센서 공급 계약" in html
    assert "30,000,000원" in html and "5,200,000,000원" in html
    assert "상암 네트워킹 나이트" in html and "협약 (NDA, MoU)" in html and "계약" in html
    assert "로봇 공동 R&amp;D 과제" not in html and "777,000" not in html
    # Evidence is staff-only: neither the file, the link nor the download route appears.
    assert "협약서.pdf" not in html and "evidence.example.com" not in html and "/evidence" not in html
    # Totals are the company's only: both are one-sided (the staff record awaits both companies).
    assert "5,230,000,000원" in html
    # The other company's member sees what names it, and not a's outcome with b.
    login(client, world["member_c"].email)
    html = client.get("/outcomes").get_data(as_text=True)
    assert "센서 공급 계약" in html and "로봇 공동 R&amp;D 과제" in html and "영상 공동제작 협약" not in html


def test_member_cannot_reach_the_evidence_or_the_staff_pages(world, client):
    login(client, world["member"].email)
    o = world["by_staff"].id
    for path in (f"/staff/outcomes/{o}/evidence", f"/staff/outcomes/{o}", "/staff/outcomes", "/staff/outcomes.xlsx"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert PDF not in response.data


def test_member_cannot_see_or_confirm_another_companys_outcome(world, client):
    login(client, world["member"].email)
    other = world["elsewhere"].id
    assert client.get(f"/outcomes/{other}/confirm").status_code == 404
    token = csrf_token(client, "/outcomes")
    assert client.post(f"/outcomes/{other}/confirm", data={"csrf_token": token}).status_code == 404
    assert client.get("/outcomes/99999999/confirm").status_code == 404
    see_committed()
    outcome = db.session.get(Outcome, other)
    assert [p.confirmed_at is not None for p in outcome.parties] == [False, True]
    assert [c.what for c in outcome.changes] == ["created"]


def test_confirm_step_then_confirm_is_recorded_with_history(world, client):
    login(client, world["member"].email)
    o = world["by_c"].id
    html = client.get("/outcomes").get_data(as_text=True)
    assert f'href="/outcomes/{o}/confirm"' in html
    step = client.get(f"/outcomes/{o}/confirm")
    assert step.status_code == 200 and "다온센서" in step.get_data(as_text=True)
    see_committed()
    assert not db.session.get(Outcome, o).confirmed  # looking changed nothing

    response = post_form(client, f"/outcomes/{o}/confirm", {})
    assert response.status_code == 303 and response.headers["Location"].endswith("/outcomes")
    see_committed()
    outcome = db.session.get(Outcome, o)
    assert outcome.confirmed
    assert all(p.confirmed_at is not None for p in outcome.parties)
    change = outcome.changes[-1]
    assert (change.what, change.by_user_id, change.by_company_id) == (
        "confirmed",
        world["member"].id,
        world["a"].id,
    )
    html = client.get("/outcomes").get_data(as_text=True)
    assert f'href="/outcomes/{o}/confirm"' not in html and "5,200,000,000원" in html
    # Again: nothing more is written, the member is told it is done.
    again = client.get(f"/outcomes/{o}/confirm", follow_redirects=True).get_data(as_text=True)
    assert "이미 우리 기업이 확인한 성과입니다" in again
    see_committed()
    assert len(db.session.get(Outcome, o).changes) == 2


def test_confirm_without_csrf_is_refused(world, client):
    login(client, world["member"].email)
    o = world["by_c"].id
    assert client.post(f"/outcomes/{o}/confirm", data={}).status_code == 400
    assert client.post(f"/outcomes/{o}/confirm", data={"csrf_token": "forged"}).status_code == 400
    see_committed()
    outcome = db.session.get(Outcome, o)
    assert not outcome.confirmed and len(outcome.changes) == 1


def test_staff_record_is_confirmed_per_company(world, client):
    """A staff-recorded outcome names both companies unconfirmed: a's confirmation alone keeps it one-sided."""
    login(client, world["member"].email)
    o = world["by_staff"].id
    assert post_form(client, f"/outcomes/{o}/confirm", {}, token_from="/outcomes").status_code == 303
    see_committed()
    outcome = db.session.get(Outcome, o)
    assert not outcome.confirmed
    assert {p.company_id: p.confirmed_at is not None for p in outcome.parties} == {
        world["a"].id: True,
        world["b"].id: False,
    }
    login(client, world["member_b"].email)
    assert post_form(client, f"/outcomes/{o}/confirm", {}, token_from="/outcomes").status_code == 303
    see_committed()
    assert db.session.get(Outcome, o).confirmed


def test_anonymous_goes_to_login(world, client):
    o = world["by_c"].id
    for path in ("/outcomes", "/outcomes/new", f"/outcomes/{o}/confirm"):
        response = client.get(path)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"], path


def test_staff_and_admin_keep_their_ledger(world, client):
    for who in ("staff", "admin"):
        login(client, world[who].email)
        response = client.get("/outcomes")
        assert response.status_code == 302 and response.headers["Location"].endswith("/staff/outcomes")
        assert 'href="/outcomes"' not in client.get("/").get_data(as_text=True)
        html = client.get("/staff/outcomes").get_data(as_text=True)
        assert "영상 공동제작 협약" in html
        assert client.get(f"/staff/outcomes/{world['by_staff'].id}/evidence").data == PDF
        # The member pages are not a way around the staff confirm step (staff confirm for a company there).
        assert client.get(f"/outcomes/{world['by_c'].id}/confirm").status_code == 403
        assert client.get("/outcomes/new").status_code == 403


def test_empty_state(app, client):
    loner = make_user(Role.MEMBER, company=make_company(name="홀로기업"), email="loner@example.com")
    db.session.commit()
    login(client, loner.email)
    html = client.get("/outcomes").get_data(as_text=True)
    assert "아직 기록된 성과가 없습니다" in html
    html = client.get("/outcomes/new").get_data(as_text=True)
    assert "함께 행사에 참가한 기업이 아직 없습니다" in html


def test_pages_of_fifty(world, client):
    for i in range(51):
        ledger.record_outcome(
            title=f"반복 협약 {i:02d}",
            stage=OutcomeStage.AGREEMENT,
            occurred_on=seoul_today() - dt.timedelta(days=100 + i),
            company_ids=[world["a"].id, world["b"].id],
            event_ids=[world["night"].id],
        )
    db.session.commit()
    login(client, world["member"].email)
    first = client.get("/outcomes").get_data(as_text=True)
    second = client.get("/outcomes?page=2").get_data(as_text=True)
    rows = [first.count("반복 협약 "), second.count("반복 협약 ")]
    # 53 outcomes name a: 50 on the first page (the two newest plus 48), 3 on the second.
    assert rows == [48, 3] and "1 / 2" in first
    assert client.get("/outcomes?page=abc").status_code == 200
    assert client.get("/outcomes?page=99999").status_code == 200


def test_the_list_and_the_form_take_the_same_queries_for_3_or_53_outcomes(world, client):
    login(client, world["member"].email)

    def queries(path):
        with count_queries(db.engine) as statements:
            assert client.get(path).status_code == 200
        return len(statements)

    few = (queries("/outcomes"), queries("/outcomes/new"))
    see_committed()
    for i in range(50):
        company = make_company(world["one"], name=f"새기업{i:02d}")
        make_registration(world["night"], company)
        ledger.record_outcome(
            title=f"다자 협약 {i:02d}",
            stage=OutcomeStage.AGREEMENT,
            occurred_on=seoul_today() - dt.timedelta(days=10),
            company_ids=[world["a"].id, company.id, world["b"].id],
            event_ids=[world["night"].id],
            amount_won=i,
        )
    db.session.commit()
    many = (queries("/outcomes"), queries("/outcomes/new"))
    assert many == few
    assert "새기업49" in client.get("/outcomes/new").get_data(as_text=True)


def _report(client, **overrides):
    data = {
        "company": str(overrides.pop("company")),
        "stage": "contract",
        "occurred_on": (seoul_today() - dt.timedelta(days=1)).isoformat(),
        "amount_won": "12,000,000",
        "description": "영상 장비 납품 계약",
    }
    data.update(overrides)
    return post_form(client, "/outcomes/new", data)


def test_report_an_outcome_with_a_company_met(world, client):
    login(client, world["member"].email)
    form = client.get("/outcomes/new").get_data(as_text=True)
    # Companies a met at a past event: b and c; not d (only a coming event together), not a itself.
    assert "나래소프트" in form and "다온센서" in form
    assert (
        "라온로봇" not in form
        and f'value="{world["a"].id}"' not in form.split('name="company"')[1].split("</select>")[0]
    )
    before = _count()
    response = _report(client, company=world["b"].id)
    assert response.status_code == 303
    assert _count() == before + 1
    outcome = db.session.scalar(select(Outcome).order_by(Outcome.id.desc()).limit(1))
    assert (outcome.stage, outcome.amount_won, outcome.source, outcome.reported_by_company_id) == (
        OutcomeStage.CONTRACT,
        12_000_000,
        "followup",
        world["a"].id,
    )
    assert outcome.recorded_by_id == world["member"].id and not outcome.confirmed
    assert outcome.title == "계약 (가람미디어 · 나래소프트)"  # no title typed: stage and companies
    assert {p.company_id: p.confirmed_at is not None for p in outcome.parties} == {
        world["a"].id: True,
        world["b"].id: False,
    }
    assert [e.id for e in outcome.events] == [world["night"].id]
    assert outcome.evidence_url is None and outcome.evidence_filename is None
    html = client.get("/outcomes").get_data(as_text=True)
    assert "영상 장비 납품 계약" in html and "12,000,000원" in html and "우리 기업이 알림" in html
    assert f'href="/outcomes/{outcome.id}/confirm"' not in html  # a confirmed its own report
    # The other side sees it awaiting its confirmation, and confirms it.
    login(client, world["member_b"].email)
    assert f'href="/outcomes/{outcome.id}/confirm"' in client.get("/outcomes").get_data(as_text=True)
    assert post_form(client, f"/outcomes/{outcome.id}/confirm", {}).status_code == 303
    see_committed()
    assert db.session.get(Outcome, outcome.id).confirmed
    # Staff see the company's report in their ledger.
    login(client, world["staff"].email)
    assert "계약 (가람미디어 · 나래소프트)" in client.get("/staff/outcomes").get_data(as_text=True)


def test_report_with_a_chosen_event_and_a_title(world, client):
    login(client, world["member"].email)
    response = _report(client, company=world["c"].id, event=str(world["night"].id), title="센서 2차 계약")
    assert response.status_code == 303
    see_committed()
    outcome = db.session.scalar(select(Outcome).where(Outcome.title == "센서 2차 계약"))
    assert [e.id for e in outcome.events] == [world["night"].id]
    assert {p.company_id for p in outcome.parties} == {world["a"].id, world["c"].id}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"occurred_on": "FUTURE"}, "성과 날짜는 오늘 이후일 수 없습니다"),
        ({"occurred_on": "2026-13-45"}, "YYYY-MM-DD"),
        ({"occurred_on": ""}, "성과 날짜를 입력해 주세요"),
        ({"amount_won": "abc"}, "금액은 숫자(원)로 입력해 주세요"),
        ({"amount_won": "-5"}, "금액은 0원 이상이어야 합니다"),
        ({"amount_won": "99999999999999999999"}, "금액이 너무 큽니다"),
        ({"company": "NEVER_MET"}, "함께 행사에 참가한 기업만 고를 수 있습니다"),
        ({"company": "OWN"}, "함께 행사에 참가한 기업만 고를 수 있습니다"),
        ({"company": "OTHER_CLUSTER_STRANGER"}, "함께 행사에 참가한 기업만 고를 수 있습니다"),
        ({"company": "abc"}, "함께 행사에 참가한 기업만 고를 수 있습니다"),
        ({"company": ""}, "함께 행사에 참가한 기업만 고를 수 있습니다"),
        ({"stage": "info_exchanged"}, "단계를 목록에서 골라 주세요"),
        ({"stage": "bogus"}, "단계를 목록에서 골라 주세요"),
        ({"event": "FORUM"}, "우리 기업이 참가한 지난 행사만 고를 수 있습니다"),
        ({"event": "COMING"}, "우리 기업이 참가한 지난 행사만 고를 수 있습니다"),
        ({"attribution": "maybe"}, "행사 기여도를 목록에서 골라 주세요"),
        ({"title": "가" * 201}, "200자 이내"),
    ],
)
def test_bad_report_is_refused_with_a_message_and_no_row(world, client, overrides, message):
    stranger = make_company(name="마루바이오")
    db.session.commit()
    aliases = {
        "FUTURE": (seoul_today() + dt.timedelta(days=1)).isoformat(),
        "NEVER_MET": world["d"].id,
        "OWN": world["a"].id,
        "OTHER_CLUSTER_STRANGER": stranger.id,
        "FORUM": world["forum"].id,
        "COMING": world["coming"].id,
    }
    overrides = {k: str(aliases.get(v, v)) for k, v in overrides.items()}
    company = overrides.pop("company", world["b"].id)
    login(client, world["member"].email)
    before = _count()
    changes = db.session.scalar(select(func.count()).select_from(OutcomeChange))
    response = _report(client, company=company, **overrides)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "저장하지 않았습니다" in html and message in html
    assert _count() == before
    assert db.session.scalar(select(func.count()).select_from(OutcomeChange)) == changes


def test_report_without_csrf_is_refused(world, client):
    login(client, world["member"].email)
    before = _count()
    response = client.post(
        "/outcomes/new",
        data={"company": world["b"].id, "stage": "contract", "occurred_on": seoul_today().isoformat()},
    )
    assert response.status_code == 400
    assert _count() == before
