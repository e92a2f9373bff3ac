"""Every mail a service sends is built from templates/mail/ in the recipient's language.

A person with an English account gets English, everyone else (guests without an account too)
Korean. The mails here were built inline in the services before, some forced to Korean.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from app.checkin import badges
from app.events import guest, proxy, registration
from app.extensions import db
from app.models import CouncilProxy, OutboxMessage, User
from app.staff.registration_services import queue_cancelled_by_staff_mail
from tests.factories import make_cluster, make_company, make_event, make_registration, make_user

UTC = dt.UTC
HANGUL = re.compile(r"[\uac00-\ud7a3]")


@pytest.fixture
def world(app):
    dmc = make_cluster("dmc", name_ko="상암 DMC", name_en="Sangam DMC")
    nuri = make_company(dmc, name="Nuri Media", contact_email="contact@nuri.example", is_council_member=True)
    hanbit = make_company(dmc, name="Hanbit Soft", contact_email="contact@hanbit.example", is_council_member=True)
    event = make_event(
        dmc,
        title_ko="DMC 송년 네트워킹",
        title_en="DMC Year-end Networking",
        venue_name="DMC Tower",
        venue_address="37 Maebongsan-ro, Mapo-gu",
        starts_at=dt.datetime(2030, 12, 3, 10, 0, tzinfo=UTC),
        ends_at=dt.datetime(2030, 12, 3, 12, 0, tzinfo=UTC),
    )
    english = make_user(company=nuri, email="jane@nuri.example", name="Jane", locale="en")
    korean = make_user(company=nuri, email="kim@nuri.example", name="Kim", locale="ko")
    db.session.commit()
    return dmc, nuri, hanbit, event, english, korean


def _only_mail() -> OutboxMessage:
    db.session.flush()
    (message,) = db.session.query(OutboxMessage).all()
    return message


def _queue(kind: str, world, email: str) -> None:
    _dmc, nuri, hanbit, event, _english, _korean = world
    if kind == "replaced":
        registration._queue_replaced_mail(event, "Jane", email, nuri.name)
    elif kind == "staff_cancelled":
        queue_cancelled_by_staff_mail(event, make_registration(event, nuri, name="Jane", email=email))
    elif kind == "reissued":
        badges.queue_reissued_mail(
            event, make_registration(event, nuri, name="Jane", email=email), "http://localhost/badges/1/x.pdf"
        )
    elif kind == "manage_link":
        reg = make_registration(event, None, name="Jane", email=email, guest_company_name="Outside Co")
        guest.resend_manage_link(event.id, email, manage_link=lambda token: f"http://localhost/m/{token}")
        assert reg.manage_token_hash
    elif kind == "email_changed":
        guest._queue_email_changed_mails(
            event,
            make_registration(event, None, name="Jane", email=email, guest_company_name="Outside Co"),
            "old@example.com",
            "http://localhost/m/token",
        )
        db.session.query(OutboxMessage).filter(OutboxMessage.recipient == "old@example.com").delete()
    elif kind in ("proxy_given", "proxy_revoked"):
        record = CouncilProxy(
            event=event,
            from_company=nuri,
            to_company=hanbit,
            created_by=db.session.query(User).filter_by(email=email).one(),
        )
        db.session.add(record)
        db.session.flush()
        hanbit.contact_email = None
        proxy._queue_proxy_mail(event, record, record.created_by, revoked=kind == "proxy_revoked")
    else:  # pragma: no cover - a kind the test table names but this helper does not know
        raise AssertionError(kind)


KINDS = ["replaced", "staff_cancelled", "reissued", "manage_link", "email_changed", "proxy_given", "proxy_revoked"]


@pytest.mark.parametrize("kind", KINDS)
def test_an_english_account_gets_the_mail_in_english(world, kind):
    english = world[4]
    # A guest registers without an account; an address that also has an English account
    # (a member registering elsewhere as a guest) gets English like any other mail to it.
    _queue(kind, world, english.email)
    message = _only_mail()
    assert message.recipient == english.email
    assert not HANGUL.search(message.subject), message.subject
    assert not HANGUL.search(message.body_text), message.body_text
    assert "DMC Year-end Networking" in message.subject
    assert '<html lang="en">' in message.body_html


@pytest.mark.parametrize("kind", KINDS)
def test_everyone_else_gets_korean(world, kind):
    korean = world[5]
    email = korean.email if kind not in ("manage_link", "email_changed") else "guest@outside.example"
    _queue(kind, world, email)
    message = _only_mail()
    assert message.subject.startswith("[Moim] DMC 송년 네트워킹: ")
    assert HANGUL.search(message.body_text)
    assert '<html lang="ko">' in message.body_html


def test_no_service_builds_a_mail_body_itself():
    """queue_mail (a subject and body given as strings) is only the outbox's own building block."""
    import ast
    import pathlib

    callers = []
    for path in pathlib.Path("app").rglob("*.py"):
        if path.parts[:2] == ("app", "mail"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None)) == "queue_mail"
            ):
                callers.append(f"{path}:{node.lineno}")
    assert callers == []
