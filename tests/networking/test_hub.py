"""The attendee's networking page: how people get in (signed in or by their personal link), the
separate unticked consent, withdrawing it, and the staff switch."""

from __future__ import annotations

from app.events.tickets import issue_ticket
from app.extensions import db
from app.models import Registration, RegistrationStatus
from tests.helpers import csrf_token, login, post_form, see_committed
from tests.networking.conftest import consent, hub_path


def test_a_signed_in_member_is_sent_to_their_own_personal_page(client, net):
    login(client, net.kim_user.email)
    response = client.get(f"/events/{net.event.id}/networking")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(hub_path(net.kim))


def test_a_member_who_did_not_register_gets_a_clear_403(client, net):
    login(client, net.outsider_user.email)
    response = client.get(f"/events/{net.event.id}/networking")
    assert response.status_code == 403 and "이 행사에 신청한 분만" in response.get_data(as_text=True)


def test_the_personal_link_needs_no_account_and_asks_for_the_separate_consent(client, net):
    page = client.get(hub_path(net.park))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "네트워킹 참여 동의 (선택)" in html
    assert (
        'type="checkbox"' in html
        and "checked" not in html.split("네트워킹 참여 동의 (선택)")[1].split("</fieldset>")[0]
    )
    assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "no-referrer"


def test_consent_must_be_ticked_and_changes_nothing_otherwise(client, net):
    response = post_form(client, hub_path(net.park, "/consent"), {}, token_from=hub_path(net.park))
    assert response.status_code == 400 and "동의에 표시해 주세요" in response.get_data(as_text=True)
    see_committed()
    assert db.session.get(Registration, net.park.id).networking_consent_at is None


def test_consenting_then_withdrawing(client, net):
    response = post_form(client, hub_path(net.park, "/consent"), {"consent": "y"}, token_from=hub_path(net.park))
    assert response.status_code == 302
    see_committed()
    park = db.session.get(Registration, net.park.id)
    assert park.networking_consent_at is not None and park.networking_consent_version == "2026-12-v1"
    assert "동의 철회" in client.get(hub_path(net.park)).get_data(as_text=True)
    confirm = client.get(hub_path(net.park, "/withdraw"))
    assert confirm.status_code == 200 and "동의를 철회할까요" in confirm.get_data(as_text=True)
    post_form(client, hub_path(net.park, "/withdraw"), {}, token_from=hub_path(net.park, "/withdraw"))
    see_committed()
    assert db.session.get(Registration, net.park.id).networking_consent_at is None


def test_dead_links_are_404(client, net):
    good = hub_path(net.kim)
    assert client.get(good[:-2] + "xx").status_code == 404
    assert client.get(f"/networking/r/{net.lee.id}/{good.rsplit('/', 1)[1]}").status_code == 404  # kim's token
    net.kim.status = RegistrationStatus.CANCELLED
    db.session.commit()
    assert client.get(good).status_code == 404


def test_a_reissued_badge_kills_the_old_networking_link(client, net):
    old = hub_path(net.kim)
    issue_ticket(net.kim)
    db.session.commit()
    assert client.get(old).status_code == 404
    assert client.get(hub_path(net.kim)).status_code == 200


def test_without_networking_on_the_event_there_are_no_networking_pages(client, net):
    net.event.networking_enabled = False
    db.session.commit()
    assert client.get(hub_path(net.kim)).status_code == 404
    login(client, net.kim_user.email)
    assert client.get(f"/events/{net.event.id}/networking").status_code == 404


def test_the_event_page_offers_the_way_in_to_attending_members(client, net):
    login(client, net.kim_user.email)
    html = client.get(f"/events/{net.event.id}").get_data(as_text=True)
    assert f"/events/{net.event.id}/networking" in html


def test_staff_switch_networking_on_and_set_the_cap(client, net):
    net.event.networking_enabled = False
    db.session.commit()
    login(client, net.dmc_staff.email)
    path = f"/staff/events/{net.event.id}/networking"
    assert client.get(path).status_code == 200
    response = post_form(client, path, {"enabled": "y", "meetings_per_company": "4"})
    assert response.status_code == 302
    see_committed()
    assert (net.event.networking_enabled, net.event.meetings_per_company) == (True, 4)
    bad = post_form(client, path, {"enabled": "y", "meetings_per_company": "0"})
    assert bad.status_code == 400 and "1에서 100 사이" in bad.get_data(as_text=True)


def test_only_the_host_clusters_staff_may_change_the_switch(client, net):
    login(client, net.guro_staff.email)
    path = f"/staff/events/{net.event.id}/networking"
    assert client.get(path).status_code == 403
    token = csrf_token(client, "/")
    assert client.post(path, data={"enabled": "", "csrf_token": token}).status_code == 403
    see_committed()
    assert net.event.networking_enabled is True
    login(client, net.kim_user.email)
    assert client.get(path).status_code == 403


def test_already_consented_people_see_the_hub_not_the_form(client, net):
    consent(net.kim)
    html = client.get(hub_path(net.kim)).get_data(as_text=True)
    assert "동의하고 네트워킹 시작" not in html and "동의 철회" in html


def test_opening_networking_mails_every_confirmed_attendee_their_link(client, net, mailbox):
    from tests.helpers import body_of, wait_for_mail

    net.event.networking_enabled = False
    db.session.commit()
    login(client, net.dmc_staff.email)
    response = post_form(client, f"/staff/events/{net.event.id}/networking", {"enabled": "y"}, follow_redirects=True)
    assert "5명에게 개인 네트워킹 링크를 메일로 보냈습니다" in response.get_data(as_text=True)
    mails = {m["To"]: m for m in wait_for_mail(mailbox, 5)}
    assert set(mails) == {r.email for r in (net.kim, net.park, net.lee, net.choi, net.guest)}
    assert f"http://localhost{hub_path(net.park)}" in body_of(mails["park@nuri.example"])
    # Saving again (already open) sends nothing more.
    post_form(client, f"/staff/events/{net.event.id}/networking", {"enabled": "y"})
    assert len(wait_for_mail(mailbox, 6, timeout=0.5)) == 5


def test_the_confirmation_mail_carries_the_networking_link_when_it_is_open(app, net):
    from app.events import notifications
    from app.models import OutboxMessage

    notifications.registered(net.event, net.park)
    db.session.flush()
    message = db.session.query(OutboxMessage).one()
    assert f"http://localhost{hub_path(net.park)}" in message.body_text
