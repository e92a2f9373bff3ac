"""Mail leaves after a request's commit, once, without the view asking: real requests through
test-only views, a real SMTP server that counts its connections, and the outbox table."""

from __future__ import annotations

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP
from flask import Blueprint, Response, stream_with_context
from sqlalchemy import event, func, select

from app.extensions import db
from app.mail import queue_mail, send_due
from app.models import OutboxMessage
from tests.conftest import MailSink, _free_port
from tests.helpers import see_committed, wait_for_mail


class _CountingSink(MailSink):
    def __init__(self) -> None:
        super().__init__()
        self.connections = 0

    def clear(self) -> None:
        super().clear()
        self.connections = 0


class _CountingSMTP(SMTP):
    def connection_made(self, transport) -> None:
        self.event_handler.connections += 1
        super().connection_made(transport)


class _CountingController(Controller):
    def factory(self):
        return _CountingSMTP(self.handler, **self.SMTP_kwargs)


@pytest.fixture(scope="module")
def counting_server():
    sink = _CountingSink()
    controller = _CountingController(sink, hostname="127.0.0.1", port=_free_port())
    controller.start()  # opens one connection of its own to check the server is up
    yield controller, sink
    controller.stop()


@pytest.fixture
def smtp(app, counting_server):
    """The SMTP server this module's app sends to: ``.messages`` and ``.connections``."""
    controller, sink = counting_server
    sink.clear()
    app.config["MAIL_PORT"] = controller.port
    return sink


@pytest.fixture
def outbox_sql(app):
    """SQL statements that touch the outbox, from the test and from requests alike."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        if "outbox_messages" in statement:
            statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    yield statements
    event.remove(engine, "before_cursor_execute", record)


def _claims(statements: list[str]) -> int:
    """How many times a sender looked for due messages (one per send_due)."""
    return sum(1 for s in statements if s.lstrip().upper().startswith("SELECT") and "LIMIT" in s.upper())


@pytest.fixture
def views(app, smtp):
    """Test-only views that queue mail and then commit, roll back, raise or stream.

    ``seen`` records what a view observed between its two commits.
    """
    bp = Blueprint("mail_test", __name__)
    seen: dict = {}

    @bp.get("/_mail/commit")
    def commit():
        queue_mail("committed@example.com", "[Moim] 커밋", "본문")
        db.session.commit()
        return "ok"

    @bp.get("/_mail/commit-twice")
    def commit_twice():
        queue_mail("first@example.com", "[Moim] 하나", "본문")
        db.session.commit()
        seen["unsent"] = db.session.scalar(select(func.count()).where(OutboxMessage.sent_at.is_(None)))
        seen["received"] = len(smtp.messages)
        queue_mail("second@example.com", "[Moim] 둘", "본문")
        db.session.commit()
        return "ok"

    @bp.get("/_mail/rolled-back/<how>")
    def rolled_back(how):
        if how == "rollback":
            queue_mail("gone@example.com", "[Moim] 취소", "본문")
            db.session.flush()  # the row really is written, then undone
            db.session.rollback()
        elif how == "close":
            queue_mail("gone@example.com", "[Moim] 취소", "본문")
            db.session.close()
        elif how == "savepoint-released":
            with db.session.begin_nested():
                queue_mail("gone@example.com", "[Moim] 취소", "본문")
            db.session.rollback()
        # A later commit in the same request must not send what was undone.
        db.session.execute(select(1))
        db.session.commit()
        return "ok"

    @bp.get("/_mail/savepoint-rolled-back")
    def savepoint_rolled_back():
        queue_mail("kept@example.com", "[Moim] 유지", "본문")
        try:
            with db.session.begin_nested():
                queue_mail("gone@example.com", "[Moim] 취소", "본문")
                raise ValueError("undo the savepoint only")
        except ValueError:
            pass
        db.session.commit()
        return "ok"

    @bp.get("/_mail/nothing")
    def nothing():
        db.session.execute(select(1))
        db.session.commit()
        return "ok"

    @bp.get("/_mail/raise-before-commit")
    def raise_before_commit():
        queue_mail("gone@example.com", "[Moim] 취소", "본문")
        db.session.flush()
        raise RuntimeError("the view fails before its commit")

    @bp.get("/_mail/raise-after-commit")
    def raise_after_commit():
        queue_mail("committed@example.com", "[Moim] 커밋", "본문")
        db.session.commit()
        raise RuntimeError("the view fails after its commit")

    @bp.get("/_mail/commit-then-leave-changes")
    def commit_then_leave_changes():
        queue_mail("committed@example.com", "[Moim] 커밋", "본문")
        db.session.commit()
        queue_mail("uncommitted@example.com", "[Moim] 미확정", "본문")  # never committed
        return "ok"

    @bp.get("/_mail/stream")
    def stream():
        queue_mail("committed@example.com", "[Moim] 커밋", "본문")
        db.session.commit()

        def rows():
            for n in range(3):
                yield f"row {n}: {db.session.scalar(select(func.count()).select_from(OutboxMessage))}\n"

        return Response(stream_with_context(rows()), mimetype="text/plain")

    app.register_blueprint(bp)
    return seen


def _old_pending_message() -> int:
    """An unsent, due message already in the outbox: any delivery attempt would send it."""
    message = queue_mail("old@example.com", "[Moim] 대기 중", "본문")
    db.session.commit()
    return message.id


def _outbox() -> list[tuple[str, bool, int]]:
    see_committed()
    rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    return [(m.recipient, m.sent_at is not None, m.attempts) for m in rows]


def test_committed_mail_arrives_without_the_view_asking(app, client, views, smtp):
    assert client.get("/_mail/commit").status_code == 200
    assert [m["To"] for m in wait_for_mail(smtp.messages, 1)] == ["committed@example.com"]
    assert _outbox() == [("committed@example.com", True, 1)]
    assert smtp.connections == 1


def test_mail_rolled_back_is_never_sent_and_leaves_no_row(app, client, views, smtp, outbox_sql):
    _old_pending_message()
    for how in ("rollback", "close", "savepoint-released"):
        assert client.get(f"/_mail/rolled-back/{how}").status_code == 200, how
        assert _outbox() == [("old@example.com", False, 0)], how
    assert smtp.messages == [] and smtp.connections == 0
    assert _claims(outbox_sql) == 0


def test_a_rolled_back_savepoint_keeps_the_mail_queued_before_it(app, client, views, smtp):
    assert client.get("/_mail/savepoint-rolled-back").status_code == 200
    assert [m["To"] for m in wait_for_mail(smtp.messages, 1)] == ["kept@example.com"]
    assert _outbox() == [("kept@example.com", True, 1)]


def test_a_request_that_commits_twice_delivers_once_after_both(app, client, views, smtp, outbox_sql):
    assert client.get("/_mail/commit-twice").status_code == 200
    # Nothing left between the two commits: delivery waits for the end of the request.
    assert views == {"unsent": 1, "received": 0}
    received = wait_for_mail(smtp.messages, 2)
    assert sorted(m["To"] for m in received) == ["first@example.com", "second@example.com"]
    assert _outbox() == [("first@example.com", True, 1), ("second@example.com", True, 1)]
    assert smtp.connections == 1
    assert _claims(outbox_sql) == 1


def test_a_request_that_queued_nothing_attempts_no_delivery(app, client, views, smtp, outbox_sql):
    _old_pending_message()
    outbox_sql.clear()
    assert client.get("/_mail/nothing").status_code == 200
    assert client.get("/").status_code == 200
    assert outbox_sql == []  # not even a look at the outbox
    assert smtp.connections == 0 and smtp.messages == []
    assert _outbox() == [("old@example.com", False, 0)]


def test_an_exception_before_the_commit_sends_nothing(app, client, views, smtp):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the error page is served
    _old_pending_message()
    assert client.get("/_mail/raise-before-commit").status_code == 500
    assert _outbox() == [("old@example.com", False, 0)]
    assert smtp.connections == 0 and smtp.messages == []


def test_mail_committed_before_an_exception_still_leaves(app, client, views, smtp):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert client.get("/_mail/raise-after-commit").status_code == 500
    assert [m["To"] for m in wait_for_mail(smtp.messages, 1)] == ["committed@example.com"]
    assert _outbox() == [("committed@example.com", True, 1)]


def test_delivery_never_commits_what_the_view_left_uncommitted(app, client, views, smtp):
    assert client.get("/_mail/commit-then-leave-changes").status_code == 200
    assert [m["To"] for m in wait_for_mail(smtp.messages, 1)] == ["committed@example.com"]
    assert _outbox() == [("committed@example.com", True, 1)]


def test_a_streamed_response_is_whole_and_its_mail_leaves(app, client, views, smtp):
    response = client.get("/_mail/stream", buffered=True)  # read inside the request's own context
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "row 0: 1\nrow 1: 1\nrow 2: 1\n"
    assert [m["To"] for m in wait_for_mail(smtp.messages, 1)] == ["committed@example.com"]


def test_in_worker_mode_the_request_leaves_the_mail_to_the_worker(app, client, views, smtp):
    app.config["MAIL_DELIVERY"] = "worker"
    assert client.get("/_mail/commit").status_code == 200
    assert _outbox() == [("committed@example.com", False, 0)]
    assert smtp.connections == 0
    assert send_due() == 1
    assert [m["To"] for m in wait_for_mail(smtp.messages, 1)] == ["committed@example.com"]


def test_a_command_that_queues_mail_sends_nothing_until_flask_mail_send(app, runner, smtp):
    @app.cli.command("queue-test-mail")
    def queue_test_mail():
        queue_mail("cli@example.com", "[Moim] 명령", "본문")
        db.session.commit()

    result = runner.invoke(args=["queue-test-mail"])
    assert result.exit_code == 0, result.output
    assert _outbox() == [("cli@example.com", False, 0)]
    assert smtp.connections == 0 and smtp.messages == []
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0 and "Sent 1" in result.output
    assert [m["To"] for m in wait_for_mail(smtp.messages, 1)] == ["cli@example.com"]
    assert _outbox() == [("cli@example.com", True, 1)]
