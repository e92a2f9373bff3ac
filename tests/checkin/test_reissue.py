"""Staff reissue a lost or copied badge: a new code, the old one refused at the door, a mail."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.events.tickets import badge_link_token
from app.extensions import db
from app.models import Registration
from tests.checkin.conftest import Scanner, login
from tests.helpers import body_of, post_form, see_committed, wait_for_mail


def _path(door, registration) -> str:
    return f"/staff/events/{door.event.id}/registrations/{registration.id}/reissue"


def test_reissue_revokes_the_old_code_and_mails_the_new_badge(app, client, door, mailbox):
    old_code = door.codes["confirmed"]
    old_link = f"/badges/{door.confirmed.id}/{badge_link_token(door.confirmed)}.pdf"
    login(client, door.dmc_staff.email)
    confirm = client.get(_path(door, door.confirmed)).get_data(as_text=True)
    assert "김민수" in confirm and "명찰 재발급" in confirm
    response = post_form(client, _path(door, door.confirmed), {})
    assert response.status_code == 302
    see_committed()
    registration = db.session.get(Registration, door.confirmed.id)
    assert registration.badge_printed_at is None
    device = Scanner(app.test_client(), door.event.id, device_token=door.device_token)
    assert device.scan(old_code).get_json()["result"] == "unknown_code"
    dead = app.test_client().get(old_link)
    assert dead.status_code == 404 and "명찰이 재발급되었거나" in dead.get_data(as_text=True)
    [mail] = wait_for_mail(mailbox)
    assert mail["To"] == registration.email and "재발급" in mail["Subject"]
    new_link = f"/badges/{registration.id}/{badge_link_token(registration)}.pdf"
    assert new_link in body_of(mail)
    assert app.test_client().get(new_link).status_code == 200


@pytest.mark.parametrize("who", ["guro_staff", "member"])
def test_only_host_staff_may_reissue(client, door, who):
    login(client, getattr(door, who).email)
    before = door.confirmed.ticket_hash
    assert client.get(_path(door, door.confirmed)).status_code == 403
    assert post_form(client, _path(door, door.confirmed), {}, token_from="/").status_code == 403
    see_committed()
    assert db.session.scalar(select(Registration.ticket_hash).where(Registration.id == door.confirmed.id)) == before


def test_reissue_needs_a_confirmed_registration_and_csrf(client, door):
    login(client, door.dmc_staff.email)
    before, confirmed_before = door.waitlisted.ticket_hash, door.confirmed.ticket_hash
    response = post_form(client, _path(door, door.waitlisted), {}, token_from="/")
    assert response.status_code == 302
    assert "확정된 신청만" in client.get(response.headers["Location"]).get_data(as_text=True)
    no_token = client.post(_path(door, door.confirmed), data={})
    assert no_token.status_code == 400
    see_committed()
    assert db.session.get(Registration, door.waitlisted.id).ticket_hash == before
    assert db.session.get(Registration, door.confirmed.id).ticket_hash == confirmed_before


def test_registration_of_another_event_is_404(client, door):
    login(client, door.dmc_staff.email)
    assert client.get(f"/staff/events/{door.event.id}/registrations/{door.elsewhere.id}/reissue").status_code == 404
