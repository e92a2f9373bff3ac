"""Input no user should be able to crash the app with (issue 17): each class of crash the fuzzer
found or was built to find, answered with a clear message and no row changed."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from app.extensions import db
from app.models import CheckIn, Event, Registration, ResearchGroup, ScanLog
from app.seed import DEMO_PASSWORD, seed_demo
from tests.helpers import csrf_token, login, see_committed

STAFF = "dmc.staff@moim.example"


def _count(model) -> int:
    see_committed()
    return db.session.scalar(select(func.count()).select_from(model))


def _world(client, email=STAFF):
    seed_demo()
    db.session.commit()
    login(client, email, DEMO_PASSWORD)
    return csrf_token(client, "/")


def test_a_json_body_posted_to_a_form_is_no_data_not_a_crash(app, client):
    token = _world(client)
    before = _count(ResearchGroup)
    for body in ({"name": {}, "cluster_id": [1, 2], "description": None}, [1, 2, 3], "text", 12):
        response = client.post(
            "/directory/research-groups/new",
            data=json.dumps(body),
            content_type="application/json",
            headers={"X-CSRFToken": token},
        )
        assert response.status_code in (200, 400), body  # the form again, with its errors
        assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert _count(ResearchGroup) == before


def test_a_missing_or_unknown_choice_is_a_form_error(app, client):
    token = _world(client)
    event = db.session.scalar(select(Event).where(Event.title_ko == "제15회 DMC 네트워킹 나이트"))
    before = _count(Registration)
    for role in (None, "", "chairman"):
        data = {"csrf_token": token, "name": "홍길동", "email": "walkin@example.com", "company_id": ""}
        if role is not None:
            data["role"] = role
        response = client.post(f"/staff/events/{event.id}/walk-in", data=data)
        assert response.status_code in (200, 400), role
    assert _count(Registration) == before


def test_integers_beyond_any_column_in_json_and_query_strings_are_refused(app, client):
    _world(client)
    event = db.session.scalar(select(Event).where(Event.title_ko == "제15회 DMC 네트워킹 나이트"))
    before = (_count(CheckIn), _count(ScanLog))
    for value in (2**63, 2**64 + 1, -(2**63) - 1, 10**30):
        response = client.post(
            f"/api/checkin/events/{event.id}/scan",
            data=json.dumps({"registration_id": value, "nonce": "n" * 16}),
            content_type="application/json",
        )
        assert response.status_code < 500
        assert client.get(f"/directory/companies?page={value}").status_code < 500
        assert client.get(f"/staff/?cluster={value}").status_code < 500
    assert (_count(CheckIn), _count(ScanLog))[0] == before[0]


def test_lone_surrogates_nul_and_broken_utf8_never_crash(app, client):
    _world(client)
    # Broken UTF-8 in a query string is read with replacement characters: the search finds nothing.
    for query in ("q=%ED%A0%80", "q=%FF%FE"):
        response = client.get("/directory/companies?" + query)
        assert response.status_code == 200
    assert client.get("/directory/companies?q=a%00b").status_code == 400
    event = db.session.scalar(select(Event).where(Event.title_ko == "제15회 DMC 네트워킹 나이트"))
    before = (_count(CheckIn), _count(ScanLog))
    for body in ('{"code": "\\ud800", "nonce": "abcdefghijklmnop"}', '{"code": "a\\u0000b"}', "[" * 100 + "]" * 100):
        response = client.post(f"/api/checkin/events/{event.id}/scan", data=body, content_type="application/json")
        assert response.status_code == 400, body
    assert (_count(CheckIn), _count(ScanLog)) == before
