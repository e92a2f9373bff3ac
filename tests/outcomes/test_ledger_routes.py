"""The ledger's staff pages: access for every kind of user, recording, stage and confirmation behind their
confirm steps, linking events, evidence, the export, and what the retention purge leaves of the ledger."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.events.consent import CONSENT_ITEMS
from app.extensions import db
from app.i18n import SEOUL, seoul_today
from app.models import AuditEntry, Outcome, OutcomeStage, Role, User, utcnow
from app.outcomes import ledger
from app.outcomes.impact import impact_report
from app.privacy import retention
from tests.factories import make_cluster, make_company, make_event, make_registration, make_user
from tests.helpers import csrf_token, login, post_form, see_committed

PDF = b"%PDF-1.4 evidence"


@pytest.fixture
def world(app):
    one, two = make_cluster(name_ko="상암"), make_cluster(name_ko="구로")
    a, b = make_company(one, name="가람미디어"), make_company(one, name="나래소프트")
    c = make_company(two, name="다온센서")
    event = make_event(one, starts_in=-dt.timedelta(days=40), title_ko="상암 네트워킹 나이트")
    forum = make_event(one, starts_in=-dt.timedelta(days=20), title_ko="연합 포럼")
    for company in (a, b, c):
        make_registration(event, company)
    make_registration(forum, a)
    users = dict(
        admin=make_user(Role.ADMIN, email="admin@example.com"),
        staff=make_user(Role.STAFF, clusters=[one], email="staff1@example.com", name="김운영"),
        other=make_user(Role.STAFF, clusters=[two], email="staff2@example.com"),
        member=make_user(Role.MEMBER, company=a, email="member@example.com"),
    )
    outcome = ledger.record_outcome(
        title="영상 공동제작 협약",
        stage=OutcomeStage.AGREEMENT,
        occurred_on=seoul_today() - dt.timedelta(days=5),
        company_ids=[a.id, b.id],
        event_ids=[event.id],
        amount_won=30_000_000,
        recorded_by=users["staff"],
        description="두 기업이 MoU를 맺음",
    )
    ledger.attach_evidence(outcome, filename="협약서.pdf", data=PDF)
    db.session.commit()
    return dict(one=one, two=two, a=a, b=b, c=c, event=event, forum=forum, outcome=outcome, **users)


def _paths(w):
    o = w["outcome"].id
    return [
        "/staff/outcomes",
        "/staff/outcomes.xlsx",
        "/staff/outcomes/new",
        f"/staff/outcomes/{o}",
        f"/staff/outcomes/{o}/stage?stage=contract",
        f"/staff/outcomes/{o}/confirm/{w['b'].id}",
        f"/staff/outcomes/{o}/evidence",
    ]


def test_admin_and_own_cluster_staff_see_it_other_staff_and_members_do_not(world, client):
    o = world["outcome"].id
    for who in ("admin", "staff"):
        login(client, world[who].email)
        for path in _paths(world):
            assert client.get(path).status_code == 200, (who, path)
        assert "영상 공동제작 협약" in client.get("/staff/outcomes").get_data(as_text=True)
    # Another cluster's staff: the list does not show it, and its pages are forbidden.
    login(client, world["other"].email)
    assert "영상 공동제작 협약" not in client.get("/staff/outcomes").get_data(as_text=True)
    for path in _paths(world)[3:]:
        assert client.get(path).status_code == 403, path
    assert client.get("/staff/outcomes/999999").status_code == 404
    # A company member has no staff pages (and never the evidence).
    login(client, world["member"].email)
    for path in _paths(world):
        assert client.get(path).status_code == 403, path
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})
    for path in _paths(world):
        response = client.get(path)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"], path
    # Nobody changed anything by looking: the confirm steps are GETs.
    see_committed()
    outcome = db.session.get(Outcome, o)
    assert outcome.stage == OutcomeStage.AGREEMENT and not any(p.confirmed_at for p in outcome.parties)


def test_other_cluster_staff_cannot_change_it(world, client):
    o = world["outcome"].id
    login(client, world["other"].email)
    token = csrf_token(client, "/staff/outcomes")
    for path, data in [
        (f"/staff/outcomes/{o}/stage", {"stage": "contract"}),
        (f"/staff/outcomes/{o}/confirm/{world['b'].id}", {}),
        (f"/staff/outcomes/{o}/events", {"event": world["forum"].id}),
        (f"/staff/outcomes/{o}/evidence", {"evidence_url": "https://example.com"}),
    ]:
        assert client.post(path, data=dict(data, csrf_token=token)).status_code == 403, path
    see_committed()
    assert len(db.session.get(Outcome, o).changes) == 2


def test_the_list_filters_totals_and_empty_state(world, client):
    one_sided = ledger.record_outcome(
        title="센서 공동 제안",
        stage=OutcomeStage.JOINT_RD,
        occurred_on=seoul_today() - dt.timedelta(days=2),
        company_ids=[world["a"].id, world["c"].id],
        event_ids=[world["event"].id],
        amount_won=7_000,
        source="followup",
        reported_by_company_id=world["a"].id,
    )
    for company in ("a", "b"):
        ledger.confirm_outcome(world["outcome"], world[company].id)
    db.session.commit()
    login(client, world["staff"].email)
    html = client.get("/staff/outcomes").get_data(as_text=True)
    assert "30,000,000원" in html and "7,000원" in html and "한쪽 보고" in html
    html = client.get("/staff/outcomes?confirmation=one_sided").get_data(as_text=True)
    assert "센서 공동 제안" in html and "영상 공동제작 협약" not in html
    html = client.get("/staff/outcomes?stage=agreement").get_data(as_text=True)
    assert "영상 공동제작 협약" in html and "센서 공동 제안" not in html
    html = client.get(f"/staff/outcomes?event={world['forum'].id}").get_data(as_text=True)
    assert "조건에 맞는 성과가 없습니다" in html
    future = (seoul_today() + dt.timedelta(days=1)).isoformat()
    assert "조건에 맞는 성과가 없습니다" in client.get(f"/staff/outcomes?from={future}").get_data(as_text=True)
    html = client.get("/staff/outcomes?from=어제&stage=bogus&event=99999999999&page=-3").get_data(as_text=True)
    assert "YYYY-MM-DD" in html and "센서 공동 제안" in html
    assert client.get(f"/staff/outcomes?cluster={world['two'].slug}").status_code == 403
    assert client.get("/staff/outcomes?cluster=nowhere").status_code == 404
    assert one_sided.id


def test_the_list_is_paged_in_a_bounded_number_of_queries(world, client):
    from tests.query_counter import count_queries

    for n in range(60):
        ledger.record_outcome(
            title=f"계약 {n}",
            stage=OutcomeStage.CONTRACT,
            occurred_on=seoul_today() - dt.timedelta(days=n),
            company_ids=[world["a"].id, world["b"].id, world["c"].id],
            event_ids=[world["event"].id, world["forum"].id] if n % 2 else [world["event"].id],
        )
    db.session.commit()
    login(client, world["staff"].email)
    client.get("/staff/outcomes")
    with count_queries(db.engine) as queries:
        html = client.get("/staff/outcomes").get_data(as_text=True)
    assert "1 / 2 페이지" in html and html.count("/staff/outcomes/") >= 50
    assert len(queries) <= 12
    assert "계약 59" in client.get("/staff/outcomes?page=2").get_data(as_text=True)


def test_staff_record_an_outcome_with_a_file(world, client):
    login(client, world["staff"].email)
    data = {
        "title": "공공데이터 AI 실증 과제 수주",
        "stage": "gov_project",
        "occurred_on": (seoul_today() - dt.timedelta(days=1)).isoformat(),
        "amount_won": "5,200,000,000",
        "attribution": "no",
        "company": [str(world["a"].id), str(world["b"].id), str(world["c"].id)],
        "event": [str(world["event"].id), str(world["forum"].id)],
        "description": "연구회에서 만난 세 기업의 컨소시엄",
        "evidence_url": "",
        "evidence_file": (io.BytesIO(PDF), "선정통보.pdf"),
    }
    response = post_form(client, "/staff/outcomes/new", data, content_type="multipart/form-data")
    assert response.status_code == 303
    see_committed()
    outcome = db.session.scalar(select(Outcome).where(Outcome.title == "공공데이터 AI 실증 과제 수주"))
    assert (outcome.amount_won, outcome.stage, outcome.source) == (5_200_000_000, OutcomeStage.GOV_PROJECT, "staff")
    assert outcome.recorded_by_id == world["staff"].id and len(outcome.parties) == 3 and len(outcome.events) == 2
    assert outcome.evidence_filename == "선정통보.pdf" and not outcome.confirmed
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "5,200,000,000원" in html and "선정통보.pdf" in html and "확인 기록하기" in html
    download = client.get(f"/staff/outcomes/{outcome.id}/evidence")
    assert download.data == PDF and download.mimetype == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"occurred_on": "tomorrow"}, "오늘 이후일 수 없습니다"),
        ({"occurred_on": "2026/01/01"}, "YYYY-MM-DD"),
        ({"occurred_on": ""}, "성과 날짜를 입력"),
        ({"amount_won": "오천만원"}, "숫자(원)"),
        ({"amount_won": "-100"}, "0원 이상"),
        ({"company": "one"}, "둘 이상"),
        ({"company": "outsider"}, "참가하지 않은 기업"),
        ({"event": []}, "하나 이상"),
        ({"event": "elsewhere"}, "담당 클러스터의 지난 행사"),
        ({"stage": "won"}, "단계를 목록에서"),
        ({"evidence_file": "exe"}, "PDF, PNG"),
        ({"evidence_url": "ftp://x"}, "http://"),
    ],
)
def test_bad_input_on_the_form_changes_nothing(world, client, change, message):
    outsider = make_company(world["one"], name="행사밖기업")
    elsewhere = make_event(world["two"], starts_in=-dt.timedelta(days=3))
    make_registration(elsewhere, world["a"]), make_registration(elsewhere, world["b"])
    db.session.commit()
    data = {
        "title": "잘못된 입력",
        "stage": "contract",
        "occurred_on": seoul_today().isoformat(),
        "amount_won": "",
        "company": [str(world["a"].id), str(world["b"].id)],
        "event": [str(world["event"].id)],
    }
    special = {
        "tomorrow": (seoul_today() + dt.timedelta(days=1)).isoformat(),
        "one": [str(world["a"].id)],
        "outsider": [str(world["a"].id), str(outsider.id)],
        "elsewhere": [str(elsewhere.id)],
        "exe": (io.BytesIO(b"MZ\x90\x00"), "setup.exe"),
    }
    data.update({k: special.get(v, v) if isinstance(v, str) else v for k, v in change.items()})
    login(client, world["staff"].email)
    before = db.session.scalar(select(func.count()).select_from(Outcome))
    response = post_form(client, "/staff/outcomes/new", data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    see_committed()
    assert db.session.scalar(select(func.count()).select_from(Outcome)) == before


def test_a_post_without_its_csrf_token_changes_nothing(world, client):
    login(client, world["staff"].email)
    o = world["outcome"].id
    for path, data in [
        ("/staff/outcomes/new", {"title": "x", "stage": "contract"}),
        (f"/staff/outcomes/{o}/stage", {"stage": "contract"}),
        (f"/staff/outcomes/{o}/confirm/{world['b'].id}", {}),
        (f"/staff/outcomes/{o}/events", {"event": world["forum"].id}),
    ]:
        assert client.post(path, data=data).status_code in (200, 303, 400), path
    see_committed()
    outcome = db.session.get(Outcome, o)
    assert outcome.stage == OutcomeStage.AGREEMENT and len(outcome.changes) == 2 and len(outcome.events) == 1
    assert db.session.scalar(select(func.count()).select_from(Outcome)) == 1


def test_advance_and_confirm_ask_first_then_keep_the_history(world, client):
    o = world["outcome"].id
    login(client, world["staff"].email)
    page = client.get(f"/staff/outcomes/{o}/stage?stage=contract").get_data(as_text=True)
    assert "되돌릴 수 없습니다" in page and "계약(으)로 옮기기" in page
    response = post_form(
        client,
        f"/staff/outcomes/{o}/stage",
        {"stage": "contract", "amount_won": "48,000,000", "summary": "본계약 체결"},
        token_from=f"/staff/outcomes/{o}/stage?stage=contract",
    )
    assert response.status_code == 303
    # Backwards, or a bad amount: refused with the reason, nothing changes.
    response = post_form(
        client, f"/staff/outcomes/{o}/stage", {"stage": "negotiation"}, token_from=f"/staff/outcomes/{o}"
    )
    assert response.status_code == 400 and "앞으로만" in response.get_data(as_text=True)
    response = post_form(
        client,
        f"/staff/outcomes/{o}/stage",
        {"stage": "gov_project", "amount_won": "많이"},
        token_from=f"/staff/outcomes/{o}",
    )
    assert response.status_code == 400 and "숫자(원)" in response.get_data(as_text=True)
    assert client.get(f"/staff/outcomes/{o}/stage?stage=nothing").status_code == 303

    confirm_path = f"/staff/outcomes/{o}/confirm/{world['b'].id}"
    assert "모든 기업이 확인하면" in client.get(confirm_path).get_data(as_text=True)
    assert post_form(client, confirm_path, {}).status_code == 303
    assert client.get(f"/staff/outcomes/{o}/confirm/{world['c'].id}").status_code == 404  # not named in it

    see_committed()
    outcome = db.session.get(Outcome, o)
    assert (outcome.stage, outcome.amount_won, outcome.confirmed) == (OutcomeStage.CONTRACT, 48_000_000, False)
    assert [c.what for c in outcome.changes] == ["created", "evidence", "stage", "confirmed"]
    html = client.get(f"/staff/outcomes/{o}").get_data(as_text=True)
    assert "협약 (NDA, MoU) → 계약" in html and "본계약 체결" in html and "김운영" in html
    assert post_form(client, f"/staff/outcomes/{o}/confirm/{world['a'].id}", {}).status_code == 303
    see_committed()
    assert db.session.get(Outcome, o).confirmed


def test_linking_an_outcome_to_more_events(world, client):
    o = world["outcome"].id
    login(client, world["staff"].email)
    response = post_form(
        client, f"/staff/outcomes/{o}/events", {"event": world["forum"].id}, token_from=f"/staff/outcomes/{o}"
    )
    assert response.status_code == 303
    see_committed()
    assert {e.id for e in db.session.get(Outcome, o).events} == {world["event"].id, world["forum"].id}
    # Linked already, or an event of another cluster: a message, nothing changes.
    elsewhere = make_event(world["two"], starts_in=-dt.timedelta(days=3))
    db.session.commit()
    for event_id in (world["forum"].id, elsewhere.id, "abc"):
        response = post_form(
            client, f"/staff/outcomes/{o}/events", {"event": event_id}, token_from=f"/staff/outcomes/{o}"
        )
        assert response.status_code == 303
    see_committed()
    assert len(db.session.get(Outcome, o).events) == 2


def test_evidence_link_and_file_on_the_detail_page(world, client):
    o = world["outcome"].id
    login(client, world["staff"].email)
    path = f"/staff/outcomes/{o}/evidence"
    post_form(client, path, {"evidence_url": "https://www.ntis.go.kr/notice/1"}, token_from=f"/staff/outcomes/{o}")
    post_form(
        client,
        path,
        {"evidence_file": (io.BytesIO(b"<script>"), "evil.pdf")},
        token_from=f"/staff/outcomes/{o}",
        content_type="multipart/form-data",
    )
    see_committed()
    outcome = db.session.get(Outcome, o)
    assert outcome.evidence_url == "https://www.ntis.go.kr/notice/1" and outcome.evidence_filename == "협약서.pdf"
    html = client.get(f"/staff/outcomes/{o}").get_data(as_text=True)
    assert "https://www.ntis.go.kr/notice/1" in html


def test_the_export_is_the_filtered_ledger_and_is_audited(world, client):
    login(client, world["staff"].email)
    response = client.get("/staff/outcomes.xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:6] == ("번호", "성과 날짜", "제목", "단계", "확인", "금액 (원)")
    assert rows[1][2] == "영상 공동제작 협약" and rows[1][5] == 30_000_000 and "가람미디어" in rows[1][6]
    assert rows[1][4] == "한쪽 보고 (확인 대기)" and rows[1][12] == "김운영"
    see_committed()
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "outcomes.ledger_xlsx"))
    assert entry is not None and entry.user_id == world["staff"].id and "1 rows" in entry.summary
    rows = list(load_workbook(io.BytesIO(client.get("/staff/outcomes.xlsx?stage=contract").data)).active.iter_rows())
    assert len(rows) == 1  # the header only


def test_navigation_links_to_the_ledger(world, client):
    login(client, world["staff"].email)
    assert "/staff/outcomes" in client.get("/staff/").get_data(as_text=True)
    assert "/staff/outcomes" in client.get("/staff/reports/impact").get_data(as_text=True)


def test_the_consent_says_company_outcomes_are_kept_and_follow_ups_are_asked():
    text = " ".join(str(content) for _heading, content in CONSENT_ITEMS)
    assert "1년간 보관 후 파기" in text and "기업 간 성과" in text and "개인정보가 아닌 기업 단위 정보" in text
    # The staged follow-ups (app/outcomes/followups.py) are a purpose the registrant agrees to.
    assert "2주·6개월·12개월 후" in text and "후속 설문" in text and "응답한 사람의 개인정보는 함께 파기" in text


def test_the_purge_leaves_the_ledger_and_the_impact_figures(app):
    """Outcomes are company data: after the personal data of their events and of the staff member who
    recorded one is destroyed, the ledger and the impact report show the same figures."""
    cluster = make_cluster()
    a, b = make_company(cluster, name="가온"), make_company(cluster, name="나린")
    event = make_event(cluster, starts_in=-dt.timedelta(days=500))
    for company in (a, b):
        make_registration(event, company, name="홍길동", email=f"hong{company.id}@example.com")
    staff = make_user(Role.STAFF, clusters=[cluster], name="이퇴사", email="leaver@example.com")
    outcome = ledger.record_outcome(
        title="장기 공급 계약",
        stage=OutcomeStage.CONTRACT,
        occurred_on=seoul_today() - dt.timedelta(days=450),
        company_ids=[a.id, b.id],
        event_ids=[event.id],
        amount_won=900_000_000,
        description="가온이 나린에 센서를 공급",
        recorded_by=staff,
    )
    for company in (a, b):
        ledger.confirm_outcome(outcome, company.id, by_user=staff)
    staff.is_active_account = False
    staff.deactivated_at = utcnow() - dt.timedelta(days=400)
    db.session.commit()

    start = dt.datetime.combine(seoul_today() - dt.timedelta(days=520), dt.time(), SEOUL).astimezone(dt.UTC)
    end = utcnow()

    def figures():
        report = impact_report(cluster, start, end)
        return (
            [(s.companies) for s in report.pipeline],
            report.amount_confirmed,
            report.amount_one_sided,
            report.figures.ties,
            [(s.outcome.id, s.outcome.title) for s in report.stories],
        )

    before = figures()
    counts = retention.purge()
    assert counts.registrations == 2 and counts.accounts == 1
    db.session.expire_all()
    kept = db.session.get(Outcome, outcome.id)
    assert (kept.title, kept.description, kept.amount_won, kept.stage, kept.confirmed) == (
        "장기 공급 계약",
        "가온이 나린에 센서를 공급",
        900_000_000,
        OutcomeStage.CONTRACT,
        True,
    )
    assert {p.company_id for p in kept.parties} == {a.id, b.id} and [e.id for e in kept.events] == [event.id]
    # Who recorded it stays as the account's id; the person's name and address are gone.
    recorder = db.session.get(User, kept.recorded_by_id)
    assert recorder.id == staff.id and recorder.name != "이퇴사" and "leaver" not in recorder.email
    assert all(c.by_user_id == staff.id for c in kept.changes)
    assert figures() == before and before[1] == 900_000_000
