"""Test fixtures: a migrated database (SQLite file, or PostgreSQL via TEST_DATABASE_URL),
the app, a client, a CLI runner, a real SMTP server (aiosmtpd) and a sign-in helper."""

from __future__ import annotations

import contextlib
import contextvars
import socket
import threading
from email import message_from_bytes, policy

import flask_migrate
import pytest
from aiosmtpd.controller import Controller
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import text

from app import create_app
from app.extensions import db, limiter
from config import TestingConfig
from tests.helpers import ON_POSTGRES, PG_URL, csrf_token, scratch_database  # noqa: F401  (re-exported)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MailSink:
    """aiosmtpd handler collecting received messages."""

    def __init__(self) -> None:
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        msg = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(msg)
        return "250 OK"

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()


@pytest.fixture(scope="session")
def smtp_server():
    sink = MailSink()
    controller = Controller(sink, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, sink
    controller.stop()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """An empty database for this test run (a fresh PostgreSQL database with TEST_DATABASE_URL,
    dropped afterwards, so concurrent runs never share tables)."""
    with scratch_database(tmp_path_factory.mktemp("db"), "test") as url:
        yield url


def make_config(database_url: str, **overrides) -> TestingConfig:
    cfg = TestingConfig()
    cfg.SQLALCHEMY_DATABASE_URI = database_url
    for key, value in overrides.items():
        setattr(cfg, key, value)
    return cfg


@pytest.fixture(scope="session")
def migrated(database_url):
    """The schema, built the only way the app allows: `flask db upgrade`."""
    app = create_app(make_config(database_url))
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()
    return database_url


def _empty_all_tables() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    else:
        for name in tables:
            db.session.execute(text(f"DELETE FROM {name}"))
    db.session.commit()


class IsolatedClient(FlaskClient):
    """Runs each request in a fresh context, as a real server does.

    The app fixture keeps an app context pushed for the test body; without this,
    Flask would reuse it for requests and share `g` (the signed-in user) and the
    database session between the test and the request, hiding missing commits.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


class IsolatedCliRunner(FlaskCliRunner):
    def invoke(self, *args, **kwargs):
        return contextvars.Context().run(super().invoke, *args, **kwargs)


@pytest.fixture
def app(migrated, smtp_server):
    controller, sink = smtp_server
    sink.clear()
    application = create_app(make_config(migrated, MAIL_PORT=controller.port))
    application.test_client_class = IsolatedClient
    application.test_cli_runner_class = IsolatedCliRunner
    limiter.reset()
    with application.app_context():
        yield application
        _reset_database()


def _reset_database() -> None:
    """After a test: no session left open, every table empty, no pooled connection kept."""
    db.session.remove()
    _empty_all_tables()
    db.session.remove()
    db.engine.dispose()


@contextlib.contextmanager
def app_for_races(migrated: str, smtp_server, *, connections: int, wait_s: int = 60):
    """An app for concurrency tests: room for ``connections`` database connections at once, and
    writers that wait up to ``wait_s`` for SQLite's write lock (BEGIN IMMEDIATE queues them) or a
    pooled connection; the tables are emptied afterwards as after the app fixture."""
    controller, _sink = smtp_server
    application = create_app(
        make_config(
            migrated,
            MAIL_PORT=controller.port,
            SQLITE_BUSY_TIMEOUT_MS=wait_s * 1000,
            SQLALCHEMY_ENGINE_OPTIONS={
                "pool_pre_ping": True,
                "pool_size": connections,
                "max_overflow": 0,
                "pool_timeout": wait_s,
            },
        )
    )
    with application.app_context():
        yield application
        _reset_database()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def mailbox(smtp_server):
    """Messages the real SMTP server received during this test."""
    return smtp_server[1].messages


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, email: str, password: str, follow: bool = False):
        token = csrf_token(self.client, "/auth/login")
        return self.client.post(
            "/auth/login",
            data={"email": email, "password": password, "csrf_token": token},
            follow_redirects=follow,
        )

    def logout(self):
        token = csrf_token(self.client, "/")
        return self.client.post("/auth/logout", data={"csrf_token": token})


@pytest.fixture
def auth(client):
    return AuthActions(client)
