"""Who may use the staff registrations page: admins and the host cluster's staff, on every endpoint."""

from __future__ import annotations

import pytest

from app.extensions import db
from tests.factories import make_event, make_registration
from tests.helpers import login, no_mail_sent_or_queued, post_form
from tests.staff.registrations.helpers import CANCELLED, CONFIRMED, WAITLISTED, reload


def _endpoints(w):
    base = f"/staff/events/{w.event.id}/registrations"
    return [
        ("GET", base),
        ("GET", base + ".csv"),
        ("GET", f"{base}/{w.kim.id}/cancel"),
        ("POST", f"{base}/{w.han.id}/promote"),
        ("POST", f"{base}/{w.kim.id}/cancel"),
    ]


def _call(client, method, path):
    if method == "GET":
        return client.get(path)
    # A valid CSRF token (from a page every visitor sees), so that only the access rules decide.
    return post_form(client, path, {}, token_from="/")


@pytest.mark.parametrize("who", ["admin", "dmc_staff"])
def test_admin_and_host_cluster_staff_are_allowed(client, world, who):
    login(client, getattr(world, who).email)
    for method, path in _endpoints(world)[:3]:
        assert _call(client, method, path).status_code == 200, path


def test_host_cluster_staff_may_promote_and_cancel(client, world):
    world.event.capacity = 4
    db.session.commit()
    login(client, world.dmc_staff.email)
    method, path = _endpoints(world)[3]
    assert _call(client, method, path).status_code == 302
    assert reload(world.han).status == CONFIRMED
    method, path = _endpoints(world)[4]
    assert _call(client, method, path).status_code == 302
    assert reload(world.kim).status == CANCELLED


@pytest.mark.parametrize("who", ["guro_staff", "member"])
def test_other_cluster_staff_and_members_get_403_everywhere(client, world, mailbox, who):
    world.event.capacity = 4  # a free seat: a promotion would go through if access were not checked
    db.session.commit()
    login(client, getattr(world, who).email)
    for method, path in _endpoints(world):
        assert _call(client, method, path).status_code == 403, (method, path)
    assert reload(world.han).status == WAITLISTED
    assert reload(world.kim).status == CONFIRMED
    assert no_mail_sent_or_queued(mailbox)


def test_anonymous_is_sent_to_login_everywhere(client, world, mailbox):
    for method, path in _endpoints(world):
        resp = _call(client, method, path)
        assert resp.status_code == 302, (method, path)
        assert "/auth/login" in resp.headers["Location"]
    assert reload(world.kim).status == CONFIRMED
    assert no_mail_sent_or_queued(mailbox)


def test_unknown_or_foreign_ids_are_404(client, world):
    other_event = make_event(world.dmc)
    foreign = make_registration(other_event, status=WAITLISTED)
    db.session.commit()
    login(client, world.admin.email)
    base = f"/staff/events/{world.event.id}/registrations"
    for path in (
        "/staff/events/999999/registrations",
        "/staff/events/999999/registrations.csv",
        "/staff/events/99999999999999999999/registrations",
        f"{base}/999999/cancel",
        f"{base}/{foreign.id}/cancel",
        f"{base}/abc/cancel",
    ):
        assert client.get(path).status_code == 404, path
    for path in (
        f"{base}/999999/promote",
        f"{base}/{foreign.id}/promote",
        f"{base}/{foreign.id}/cancel",
        f"/staff/events/999999/registrations/{world.han.id}/promote",
    ):
        assert post_form(client, path, {}, token_from="/").status_code == 404, path
    assert reload(foreign).status == WAITLISTED
