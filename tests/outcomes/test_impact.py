"""The impact report: pipeline, network figures and picture, stories, the Seoul-wide view; HTML and PDF."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

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
