"""The impact report: pipeline, network figures and picture, stories, the Seoul-wide view; HTML and PDF."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import delete, select

from app.extensions import db
from app.i18n import SEOUL
from app.models import Cluster, Company, Event, Outcome, OutcomeParty, OutcomeStage, utcnow
from app.outcomes.impact import impact_report
from app.seed import DEMO_PASSWORD, seed_demo
from tests.helpers import login, pdf_text
from tests.query_counter import count_queries

STAFF = "dmc.staff@moim.example"


def _period_args(days: int = 120) -> str:
    today = utcnow().astimezone(SEOUL).date()
    return f"from={(today - dt.timedelta(days=days)).isoformat()}&to={today.isoformat()}"


def _research_project():
    """The research group's government project, recorded by staff and attributed to a past meeting."""
    event = db.session.scalar(select(Event).where(Event.title_ko == "제1회 서울 클러스터 연합 포럼"))
    a, b = db.session.scalars(select(Company).where(Company.name.in_(["(주)딥라이트AI", "(주)누리미디어랩"]))).all()
    outcome = Outcome(
        title="공공데이터 활용 AI 실증 과제 수주",
        stage=OutcomeStage.GOV_PROJECT,
        occurred_on=utcnow().date() - dt.timedelta(days=3),
        amount_won=5_200_000_000,
        confirmed=True,
        parties=[OutcomeParty(company_id=a.id), OutcomeParty(company_id=b.id)],
        events=[event],
    )
    db.session.add(outcome)
    db.session.commit()
    return outcome


def test_staff_see_their_clusters_pipeline_network_and_stories(app, client):
    seed_demo()
    db.session.commit()
    _research_project()
    login(client, STAFF, DEMO_PASSWORD)
    html = client.get(f"/staff/reports/impact?cluster=dmc&{_period_args()}").get_data(as_text=True)
    assert "참석에서 성과까지" in html and "기업 네트워크" in html
    assert "공공데이터 활용 AI 실증 과제 수주" in html and "5,200,000,000원" in html
    dmc = db.session.scalar(select(Cluster).where(Cluster.slug == "dmc"))
    today = utcnow().astimezone(SEOUL).date()
    start = dt.datetime.combine(today - dt.timedelta(days=120), dt.time(), SEOUL).astimezone(dt.UTC)
    end = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(), SEOUL).astimezone(dt.UTC)
    report = impact_report(dmc, start, end)
    # One dot per company in the network, one line per tie.
    assert html.count("<circle") == report.figures.companies > 10
    assert html.count("<line") == report.figures.ties
    assert [s.companies for s in report.pipeline][0] >= [s.companies for s in report.pipeline][1] > 0


def test_the_pdf_is_the_same_report(app, client):
    seed_demo()
    db.session.commit()
    _research_project()
    login(client, STAFF, DEMO_PASSWORD)
    response = client.get(f"/staff/reports/impact.pdf?cluster=dmc&{_period_args()}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert "성과 보고서" in text and "기업 네트워크" in text and "공공데이터 활용 AI 실증 과제 수주" in text


def test_the_seoul_wide_view_is_the_admins_with_the_matrix_of_clusters(app, client):
    seed_demo()
    db.session.commit()
    login(client, "admin@moim.example", DEMO_PASSWORD)
    html = client.get(f"/staff/reports/impact?cluster=all&{_period_args()}").get_data(as_text=True)
    assert "클러스터 사이의 연결" in html and "전체 클러스터" in html
    login(client, STAFF, DEMO_PASSWORD)
    assert client.get(f"/staff/reports/impact?cluster=all&{_period_args()}").status_code == 403
    assert client.get(f"/staff/reports/impact?cluster=guro&{_period_args()}").status_code == 403
    assert client.get("/staff/reports/impact?cluster=nowhere").status_code == 404
    login(client, "ceo@nurimedia.moim.example", DEMO_PASSWORD)
    assert client.get("/staff/reports/impact").status_code == 403


def test_an_empty_period_says_so_and_bad_dates_get_a_message(app, client):
    seed_demo()
    db.session.commit()
    login(client, STAFF, DEMO_PASSWORD)
    html = client.get("/staff/reports/impact?cluster=dmc&from=2001-01-01&to=2001-03-31").get_data(as_text=True)
    assert "집계할 행사 참석이나 성과가 없습니다" in html
    response = client.get("/staff/reports/impact?cluster=dmc&from=2026-13-01&to=x")
    assert response.status_code == 200 and 'role="alert"' in response.get_data(as_text=True)


def test_the_report_reads_in_a_bounded_number_of_queries(app):
    seed_demo()
    db.session.commit()
    _research_project()
    end = utcnow()
    with count_queries(db.engine) as statements:
        report = impact_report(None, end - dt.timedelta(days=120), end)
    assert report.figures.companies > 20
    assert len(statements) <= 16, len(statements)
    assert re.search(r"<svg[^>]+viewBox", report.svg)


def test_the_picture_of_a_big_network_keeps_the_best_connected_companies():
    from app.outcomes.impact import MAX_DOTS, network_svg
    from app.outcomes.network import CONTACT, Tie, network_figures

    # A star of 700 companies around company 1, plus a ring among the first 100.
    ties = [Tie.of(1, n, CONTACT, 9) for n in range(2, 701)] + [Tie.of(n, n + 1, CONTACT, 9) for n in range(2, 100)]
    figures = network_figures(ties, {n: 1 for n in range(1, 701)})
    svg = network_svg(figures, {n: "#000" for n in range(1, 701)}, {})
    assert svg.count("<circle") == MAX_DOTS
    assert 'r="3.5"' in svg  # smaller dots for a crowded picture


def _bounds(days: int = 120):
    today = utcnow().astimezone(SEOUL).date()
    start = dt.datetime.combine(today - dt.timedelta(days=days), dt.time(), SEOUL).astimezone(dt.UTC)
    end = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(), SEOUL).astimezone(dt.UTC)
    return start, end


def _answers_with_attributions(event, company, others_and_attributions):
    from app.models import FollowUp, FollowUpAnswer

    follow_up = FollowUp(
        event=event,
        company=company,
        stage_days=14,
        token_hash=f"{company.id:064d}"[-64:],
        answered_at=utcnow(),
        expires_at=utcnow() + dt.timedelta(days=30),
        answers=[
            FollowUpAnswer(other_company_id=other.id, stage=stage, attribution=attribution)
            for other, stage, attribution in others_and_attributions
        ],
    )
    db.session.add(follow_up)
    db.session.commit()
    return follow_up


def test_time_to_outcome_is_counted_from_the_first_attributed_event():
    from app.models import Event as EventModel
    from app.outcomes.impact import Story, time_to_outcome

    def story(first_event_day: dt.date, outcome_day: dt.date, *later_event_days: dt.date) -> Story:
        events = [
            EventModel(starts_at=dt.datetime.combine(day, dt.time(19), SEOUL).astimezone(dt.UTC))
            for day in (first_event_day, *later_event_days)
        ]
        return Story(Outcome(occurred_on=outcome_day, stage=OutcomeStage.CONTRACT), events, [])

    d = dt.date(2026, 1, 10)
    stories = [
        story(d, d + dt.timedelta(days=30)),  # 30 days: under 3 months
        # The first of two events counts (19:00 KST on the 10th is 10:00 UTC, same day in Seoul).
        story(d, d + dt.timedelta(days=120), d + dt.timedelta(days=60)),
        story(d, d + dt.timedelta(days=200)),  # 6-12 months
        story(d, d + dt.timedelta(days=400)),  # over 12 months
    ]
    t = time_to_outcome(stories)
    assert (t.count, t.min_days, t.max_days) == (4, 30, 400)
    assert t.median_days == (120 + 200) / 2
    assert t.buckets == {"under_3m": 1, "3_6m": 1, "6_12m": 1, "over_12m": 1}
    empty = time_to_outcome([])
    assert (empty.count, empty.median_days, sum(empty.buckets.values())) == (0, None, 0)


def test_the_report_shows_each_events_pipeline_time_to_outcome_and_the_attribution_answers(app, client):
    from app.models import Attribution, FollowUp

    seed_demo()
    db.session.execute(delete(FollowUp))  # the demo's own follow-up answers: this test counts its own
    db.session.commit()
    outcome = _research_project()
    forum = outcome.events[0]
    a, b = (p.company for p in outcome.parties)
    outcome.attribution = Attribution.NO
    _answers_with_attributions(
        forum,
        a,
        [
            (b, OutcomeStage.GOV_PROJECT, Attribution.NO),
            (forum_other := _another_attendee(forum, a, b), OutcomeStage.INFO_EXCHANGED, Attribution.PARTLY),
        ],
    )
    start, end = _bounds()
    report = impact_report(None, start, end)
    row = next(r for r in report.by_event if r.event.id == forum.id)
    # Expected, read straight from the ledger: every outcome attributed to the forum.
    of_forum = [o for o in db.session.scalars(select(Outcome)) if forum in o.events]
    assert row.agreement == len({p.company_id for o in of_forum if o.stage.is_outcome for p in o.parties}) >= 2
    business = (OutcomeStage.CONTRACT, OutcomeStage.GOV_PROJECT)
    assert row.business == len({p.company_id for o in of_forum if o.stage in business for p in o.parties}) >= 2
    assert row.amount_confirmed == sum(o.amount_won or 0 for o in of_forum if o.confirmed) >= 5_200_000_000
    assert row.attended > row.agreement and row.followed_up == 1
    first_day = forum.starts_at.astimezone(SEOUL).date()
    days = next(s.days_to_outcome for s in report.stories if s.outcome.id == outcome.id)
    assert days == (outcome.occurred_on - first_day).days
    assert report.time_to_outcome.count == len(report.stories)
    assert report.attributions.answers == {Attribution.NO: 1, Attribution.PARTLY: 1}
    in_period = [s.outcome for s in report.stories] + [
        o
        for o in db.session.scalars(select(Outcome))
        if not o.stage.is_outcome and any(start <= e.starts_at < end for e in o.events)
    ]
    assert report.attributions.outcomes.get(Attribution.NO) == sum(
        1 for o in in_period if o.attribution == Attribution.NO
    )
    assert forum_other.id != a.id

    login(client, "admin@moim.example", DEMO_PASSWORD)
    html = client.get(f"/staff/reports/impact?cluster=all&{_period_args()}").get_data(as_text=True)
    assert "행사별" in html and forum.title in html
    assert "첫 만남에서 성과까지 걸린 기간" in html and "행사가 없었어도 이루어졌을까?" in html
    assert Attribution.NO.label in html


def _another_attendee(event, *not_these):
    from app.models import CheckIn, Registration

    return db.session.scalar(
        select(Company)
        .join(Registration, Registration.company_id == Company.id)
        .join(CheckIn, CheckIn.registration_id == Registration.id)
        .where(CheckIn.event_id == event.id, Company.id.not_in([c.id for c in not_these]))
        .limit(1)
    )


def test_the_workbook_holds_every_figure_the_ties_and_the_outcomes(app, client):
    import io

    from openpyxl import load_workbook

    seed_demo()
    db.session.commit()
    _research_project()
    login(client, "admin@moim.example", DEMO_PASSWORD)
    response = client.get(f"/staff/reports/impact.xlsx?cluster=all&{_period_args()}")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "private" in response.headers["Cache-Control"]
    wb = load_workbook(io.BytesIO(response.data))
    assert wb.sheetnames == ["요약", "행사별", "연결", "매개 기업", "성과", "클러스터 사이"]
    start, end = _bounds()
    report = impact_report(None, start, end)
    summary = {row[0]: row[1:] for row in wb["요약"].iter_rows(min_row=2, values_only=True)}
    assert summary["참석 기업"][0] == report.pipeline[0].companies
    assert summary["연결 (기업 쌍)"] == (report.figures.ties, report.previous.ties)
    assert summary["수주·계약 금액 (상대 확인, 원)"][0] == report.amount_confirmed >= 5_200_000_000
    assert wb["연결"].max_row - 1 == report.figures.ties
    assert wb["행사별"].max_row - 1 == len(report.by_event)
    titles = [row[0] for row in wb["성과"].iter_rows(min_row=2, values_only=True)]
    assert "공공데이터 활용 AI 실증 과제 수주" in titles
    matrix = list(wb["클러스터 사이"].iter_rows(values_only=True))
    assert len(matrix) == len(report.clusters) + 1
    # The matrix is symmetric, and its upper triangle sums to every tie.
    cells = [list(r[1:]) for r in matrix[1:]]
    n = len(cells)
    assert all(cells[i][j] == cells[j][i] for i in range(n) for j in range(n))
    assert sum(cells[i][j] for i in range(n) for j in range(i, n)) == report.figures.ties

    # One cluster's staff get their cluster's workbook (no matrix) and no one else's.
    login(client, STAFF, DEMO_PASSWORD)
    own = client.get(f"/staff/reports/impact.xlsx?cluster=dmc&{_period_args()}")
    assert own.status_code == 200 and "클러스터 사이" not in load_workbook(io.BytesIO(own.data)).sheetnames
    assert client.get(f"/staff/reports/impact.xlsx?cluster=guro&{_period_args()}").status_code == 403
    assert client.get(f"/staff/reports/impact.xlsx?cluster=all&{_period_args()}").status_code == 403
    login(client, "ceo@nurimedia.moim.example", DEMO_PASSWORD)
    assert client.get(f"/staff/reports/impact.xlsx?cluster=dmc&{_period_args()}").status_code == 403
