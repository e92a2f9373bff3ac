"""Data subject requests: staff find, export and erase what is held about one e-mail address, in their scope."""

from __future__ import annotations

import io
import json

from openpyxl import load_workbook
from sqlalchemy import func, select

from app.extensions import db
from app.models import CheckIn, Event, Registration, User
from app.privacy import retention
from app.seed import DEMO_PASSWORD, seed_demo
from tests.helpers import csrf_token, login, see_committed

PERSON = "ceo@dongjin.moim.example"  # 구로 member, also at the forum hosted by DMC


def _hosts(email: str) -> set[str]:
    return set(db.session.scalars(select(Event.host_cluster_id).join(Registration).where(Registration.email == email)))


def _post(client, path, data):
    return client.post(path, data={"csrf_token": csrf_token(client, "/staff/privacy/subject"), **data})


def test_staff_find_only_their_clusters_registrations_admins_all_and_the_account(app, client):
    seed_demo()
    db.session.commit()
    assert len(_hosts(PERSON)) >= 2
    login(client, "dmc.staff@moim.example", DEMO_PASSWORD)
    html = _post(client, "/staff/privacy/subject", {"email": " CEO@dongjin.moim.example "}).get_data(as_text=True)
    assert "제1회 서울 클러스터 연합 포럼" in html
    assert "G밸리" not in html.split("찾은 정보")[1]  # guro's own events are not DMC staff's to see
    assert "계정:" not in html
    login(client, "admin@moim.example", DEMO_PASSWORD)
    html = _post(client, "/staff/privacy/subject", {"email": PERSON}).get_data(as_text=True)
    assert "G밸리" in html.split("찾은 정보")[1] and "계정:" in html


def test_export_json_and_xlsx_carry_the_persons_data(app, client):
    seed_demo()
    db.session.commit()
    login(client, "admin@moim.example", DEMO_PASSWORD)
    count = db.session.scalar(select(func.count()).select_from(Registration).where(Registration.email == PERSON))
    doc = json.loads(_post(client, "/staff/privacy/subject/export.json", {"email": PERSON}).data)
    assert len(doc["registrations"]) == count and doc["account"]["email"] == PERSON
    assert {r["name"] for r in doc["registrations"]} == {"윤재훈"}
    response = _post(client, "/staff/privacy/subject/export.xlsx", {"email": PERSON})
    assert response.headers["Cache-Control"] == "no-store"
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.max_row == count + 1 and sheet["D2"].value == PERSON
    assert client.post("/staff/privacy/subject/export.pdf", data={"email": PERSON}).status_code in (400, 404)


def test_erasing_asks_first_then_destroys_the_person_and_keeps_the_figures(app, client):
    seed_demo()
    db.session.commit()
    login(client, "admin@moim.example", DEMO_PASSWORD)
    checkins = db.session.scalar(select(func.count()).select_from(CheckIn))
    ids = list(db.session.scalars(select(Registration.id).where(Registration.email == PERSON)))
    unconfirmed = _post(client, "/staff/privacy/subject/erase", {"email": PERSON})
    assert unconfirmed.status_code == 400 and "확인란" in unconfirmed.get_data(as_text=True)
    see_committed()
    assert db.session.scalar(select(func.count()).where(Registration.email == PERSON)) == len(ids)

    done = _post(client, "/staff/privacy/subject/erase", {"email": PERSON, "confirm": "y"})
    assert done.status_code == 302
    see_committed()
    for reg in db.session.scalars(select(Registration).where(Registration.id.in_(ids))):
        assert reg.name == retention.PURGED_NAME and reg.email != PERSON and reg.ticket_hash is None
    assert db.session.scalar(select(User.id).where(User.email == PERSON)) is None
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == checkins
    page = _post(client, "/staff/privacy/subject", {"email": PERSON}).get_data(as_text=True)
    assert "보관 중인 개인정보가 없습니다" in page
    stranger = app.test_client()  # the erased member can no longer sign in
    response = stranger.post(
        "/auth/login", data={"email": PERSON, "password": DEMO_PASSWORD, "csrf_token": csrf_token(stranger)}
    )
    assert response.status_code != 302


def test_bad_addresses_are_refused_with_a_message(app, client):
    seed_demo()
    db.session.commit()
    login(client, "dmc.staff@moim.example", DEMO_PASSWORD)
    for bad in ("", "not an email", "x" * 300 + "@a.b"):
        response = _post(client, "/staff/privacy/subject", {"email": bad})
        assert response.status_code == 200
        assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert _post(client, "/staff/privacy/subject/erase", {"email": "nobody", "confirm": "y"}).status_code == 400


def test_members_and_strangers_are_refused(app, client):
    seed_demo()
    db.session.commit()
    assert client.get("/staff/privacy/subject").status_code in (302, 401)
    login(client, "ceo@nurimedia.moim.example", DEMO_PASSWORD)
    assert client.get("/staff/privacy/subject").status_code == 403
    token = csrf_token(client, "/")
    response = client.post("/staff/privacy/subject/erase", data={"email": PERSON, "confirm": "y", "csrf_token": token})
    assert response.status_code == 403
    see_committed()
    assert db.session.scalar(select(func.count()).where(Registration.email == PERSON)) > 0
