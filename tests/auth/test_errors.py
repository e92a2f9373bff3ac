"""Error pages: clear Korean messages with the right status, never a server error."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Role
from tests.conftest import csrf_token
from tests.factories import PASSWORD, make_user
from tests.helpers import post_form


def test_unknown_page_is_404_with_korean_title(client):
    response = client.get("/no/such/page")

    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "페이지를 찾을 수 없습니다" in html
    assert "Traceback" not in html


def test_unknown_api_path_answers_json(client):
    response = client.get("/api/no-such-thing")

    assert response.status_code == 404
    assert response.is_json
    assert response.get_json()["error"] == "페이지를 찾을 수 없습니다"


def test_missing_event_is_404(client):
    response = client.get("/events/999999")

    assert response.status_code == 404
    assert "페이지를 찾을 수 없습니다" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/auth/signup/" + "a" * 300, "/auth/reset/" + "a" * 300])
def test_overlong_link_token_is_404_not_500(client, path):
    response = client.get(path)

    assert response.status_code == 404
    assert "링크를 사용할 수 없습니다" in response.get_data(as_text=True)


def test_unsupported_language_is_400(client):
    token = csrf_token(client, "/")

    response = client.post("/language", data={"locale": "xx", "csrf_token": token})

    assert response.status_code == 400
    assert "잘못된 요청입니다" in response.get_data(as_text=True)


def test_supported_language_is_accepted(client):
    token = csrf_token(client, "/")

    response = client.post("/language", data={"locale": "en", "csrf_token": token, "next": "/auth/login"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"


@pytest.mark.parametrize("path", ["/auth/login", "/auth/reset"])
def test_empty_forms_show_errors_not_a_server_error(client, path):
    response = post_form(client, path, {})

    assert response.status_code in (200, 400)
    assert "이메일을 입력해 주세요." in response.get_data(as_text=True)


def test_empty_invite_form_shows_errors(client, auth):
    make_user(Role.ADMIN, email="admin@example.com")
    db.session.commit()
    auth.login("admin@example.com", PASSWORD)

    response = post_form(client, "/auth/invite", {})

    assert response.status_code == 400
    assert "이메일을 입력해 주세요." in response.get_data(as_text=True)


@pytest.mark.parametrize("company_id", ["abc", "", "99999999"])
def test_invite_with_a_nonsense_company_is_refused_not_500(client, auth, company_id):
    make_user(Role.ADMIN, email="admin@example.com")
    db.session.commit()
    auth.login("admin@example.com", PASSWORD)

    response = post_form(client, "/auth/invite", {"email": "x@example.com", "company_id": company_id})

    assert response.status_code in (400, 404)


def test_oversized_upload_gets_a_korean_413(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    resp = client.post("/auth/login", data={"email": "x" * (2 * 1024 * 1024)})
    assert resp.status_code == 413
    body = resp.get_data(as_text=True)
    assert "파일이 너무 큽니다" in body and "1MB" in body
