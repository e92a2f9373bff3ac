"""Guest services: manage tokens (hash only, replaceable), waitlist position, detail changes, cancel window."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from app.events import guest
from app.events.notifications import waitlist_position
from app.events.registration import RegistrationError
from app.extensions import db
from app.models import OutboxMessage, RegistrationStatus, utcnow
from tests.factories import make_cluster, make_company, make_event, make_registration, valid_brn


def _link(token: str) -> str:
    return f"http://localhost/registrations/manage/{token}"


def _register(event, email="guest@outside.example", **kw):
    db.session.commit()  # the factories' rows: register() starts its own write transaction
    reg = guest.register_guest(
        event.id,
        company_name="(주)바깥",
        brn=kw.pop("brn", valid_brn()),
        name=kw.pop("name", "외부인"),
        email=email,
        mobile=kw.pop("mobile", "010-1234-5678"),
        job_title=None,
        consent_version="v1",
        manage_link=_link,
        now=utcnow(),
        **kw,
    )
    db.session.commit()
    return reg


def _refused(code, fn, *args, **kwargs):
    with pytest.raises(RegistrationError) as info:
        fn(*args, **kwargs)
    assert info.value.code == code and info.value.message
    db.session.rollback()


def test_token_is_stored_only_as_its_hash_and_a_new_one_replaces_it(app):
    event = make_event(make_cluster(), open_to_guests=True)
    reg = _register(event)
    (mail,) = db.session.query(OutboxMessage).all()
    token = mail.body_text.split("/registrations/manage/")[1].split()[0]
    assert reg.manage_token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in reg.manage_token_hash
    assert guest.registration_by_token(token).id == reg.id

    new = guest.issue_manage_token(reg)
    db.session.commit()
    assert new != token
    assert guest.registration_by_token(token) is None
    assert guest.registration_by_token(new).id == reg.id
    for garbage in (None, "", "x", "a" * 129, "한글토큰" * 10, new + "!"):
        assert guest.registration_by_token(garbage) is None


def test_waitlist_position_follows_promotion_order(app):
    event = make_event(make_cluster(), capacity=1, open_to_guests=True)
    first = _register(event, "a@outside.example")
    second = _register(event, "b@outside.example")
    third = _register(event, "c@outside.example")
    assert first.status == RegistrationStatus.CONFIRMED and waitlist_position(first) is None
    assert [waitlist_position(r) for r in (second, third)] == [1, 2]
    guest.cancel_guest_registration(first.id, now=utcnow())
    db.session.commit()
    assert second.status == RegistrationStatus.CONFIRMED
    assert waitlist_position(third) == 1


def test_mobile_is_required_for_guests(app):
    event = make_event(make_cluster(), open_to_guests=True)
    _refused("mobile_required", _register, event, mobile="  ")
    assert db.session.query(OutboxMessage).count() == 0


def test_update_details_rules(app):
    cluster = make_cluster()
    event = make_event(cluster, open_to_guests=True)
    make_registration(event, make_company(cluster), email="member@example.com")
    reg = _register(event)
    kw = dict(
        name="새이름",
        email="guest@outside.example",
        mobile="01099998888",
        job_title=" 팀장 ",
        manage_url=_link("t"),
        now=utcnow(),
    )
    guest.update_guest_details(reg.id, **kw)
    db.session.commit()
    assert (reg.name, reg.mobile, reg.job_title) == ("새이름", "010-9999-8888", "팀장")
    _refused("already_registered", guest.update_guest_details, reg.id, **dict(kw, email="MEMBER@example.com"))
    _refused("mobile_required", guest.update_guest_details, reg.id, **dict(kw, mobile=""))
    _refused("change_closed", guest.update_guest_details, reg.id, **dict(kw, now=event.starts_at))
    assert reg.email == "guest@outside.example"


def test_change_deadline_is_registration_close_or_start():
    class E:
        starts_at = dt.datetime(2026, 12, 3, 10, tzinfo=dt.UTC)
        registration_closes_at = None

    e = E()
    assert guest.change_deadline(e) == e.starts_at
    e.registration_closes_at = e.starts_at - dt.timedelta(days=1)
    assert guest.change_deadline(e) == e.registration_closes_at
    e.registration_closes_at = e.starts_at + dt.timedelta(days=1)
    assert guest.change_deadline(e) == e.starts_at


def test_company_registrations_cannot_be_changed_or_cancelled_as_guest(app):
    cluster = make_cluster()
    event = make_event(cluster, open_to_guests=True)
    member_reg = make_registration(event, make_company(cluster))
    db.session.commit()
    _refused(
        "not_guest",
        guest.update_guest_details,
        member_reg.id,
        name="x",
        email="x@example.com",
        mobile="010-1234-5678",
        job_title=None,
        manage_url="u",
        now=utcnow(),
    )
    _refused("not_found", guest.cancel_guest_registration, member_reg.id, now=utcnow())


def test_resend_only_for_active_guest_registrations(app):
    cluster = make_cluster()
    event = make_event(cluster, open_to_guests=True)
    make_registration(event, make_company(cluster), email="member@example.com")
    reg = _register(event)
    assert guest.resend_manage_link(event.id, "member@example.com", manage_link=_link) is False
    assert guest.resend_manage_link(event.id, "nobody@example.com", manage_link=_link) is False
    assert guest.resend_manage_link(event.id + 1, reg.email, manage_link=_link) is False
    assert guest.resend_manage_link(event.id, " GUEST@outside.example ", manage_link=_link) is True
    db.session.commit()
    guest.cancel_guest_registration(reg.id, now=utcnow())
    db.session.commit()
    assert guest.resend_manage_link(event.id, reg.email, manage_link=_link) is False
