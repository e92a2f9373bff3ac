"""`PORT=5101 make run`: links in mail and on the calendar page point at port 5101, not 5000.

The development config is used as `make run` builds it (PORT in the environment), with the
suite's database and its real SMTP server.
"""

from __future__ import annotations

import contextvars

import pytest

import config
from app import create_app
from app.extensions import db, limiter
from tests.factories import PASSWORD, make_user
from tests.helpers import body_of, post_form, wait_for_mail

BASE = "http://127.0.0.1:5101"


@pytest.fixture
def dev_app(migrated, smtp_server, monkeypatch, tmp_path, app):
    controller, sink = smtp_server
    monkeypatch.setattr(config, "INSTANCE_DIR", tmp_path / "instance")
    monkeypatch.setenv("PORT", "5101")
    for name in ("PUBLIC_BASE_URL", "FLASK_RUN_PORT"):
        monkeypatch.delenv(name, raising=False)
    cfg = config.DevelopmentConfig()
    cfg.SQLALCHEMY_DATABASE_URI = migrated
    cfg.MAIL_BACKEND, cfg.MAIL_SERVER, cfg.MAIL_PORT, cfg.MAIL_DELIVERY = "smtp", "127.0.0.1", controller.port, "inline"
    cfg.DEBUG = False
    application = create_app(cfg)
    limiter.reset()
    # The suite's `app` fixture owns the database: it empties the tables after the test.
    return application


def _client(application):
    client = application.test_client()
    original = client.open
    client.open = lambda *a, **kw: contextvars.Context().run(original, *a, **kw)
    return client


def test_password_reset_mail_links_to_the_port_being_served(dev_app, mailbox):
    make_user(email="lee@example.com", name="이수진")
    db.session.commit()
    client = _client(dev_app)
    response = post_form(client, "/auth/reset", {"email": "lee@example.com"})
    assert response.status_code == 302
    (mail,) = wait_for_mail(mailbox)
    assert f"{BASE}/auth/reset/" in body_of(mail)
    assert "127.0.0.1:5000" not in body_of(mail)


def test_calendar_subscription_url_uses_the_port_being_served(dev_app):
    make_user(email="kim@example.com", name="김누리")
    db.session.commit()
    client = _client(dev_app)
    post_form(client, "/auth/login", {"email": "kim@example.com", "password": PASSWORD})
    page = post_form(
        client, "/calendar/me/personal/new", {}, token_from="/calendar/me", follow_redirects=True
    ).get_data(as_text=True)
    assert f"{BASE}/calendar/feed/" in page and "127.0.0.1:5000" not in page
