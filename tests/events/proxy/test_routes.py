"""Council proxy on the event page: the member's section, giving, revoking with confirmation, access, CSRF, mail."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select

from app.extensions import db
from app.models import AttendeeRole, CouncilProxy, EventKind, EventStatus, utcnow
from tests.factories import make_company, make_event, make_registration, make_user
from tests.helpers import body_of, login, no_mail_sent_or_queued, post_form, see_committed, wait_for_mail
from tests.query_counter import count_queries


def page(event_id) -> str:
    return f"/events/{event_id}"


def give(client, event, to_company_id, confirm=True, **kw):
    data = {"to_company": str(to_company_id)}
    if confirm:
        data["confirm"] = "y"
    return post_form(client, f"/events/{event.id}/proxy", data, token_from=page(event.id), **kw)


def revoke_url(event, proxy_id) -> str:
    return f"/events/{event.id}/proxies/{proxy_id}/revoke"


def revoke(client, event, proxy_id, **kw):
    return post_form(client, revoke_url(event, proxy_id), {}, **kw)


def proxies() -> list[CouncilProxy]:
    see_committed()
    return list(db.session.scalars(select(CouncilProxy).order_by(CouncilProxy.id)))


def active() -> list[tuple[int, int]]:
    return [(p.from_company_id, p.to_company_id) for p in proxies() if p.revoked_at is None]


def add_proxy(world, giver, receiver, event=None) -> CouncilProxy:
    see_committed()  # writing from a snapshot older than the requests' commits would fail on SQLite
    proxy = CouncilProxy(event=event or world.event, from_company=giver, to_company=receiver, created_by=world.member)
    db.session.add(proxy)
    db.session.commit()
    return proxy


def section(html: str) -> str:
    match = re.search(r'<section id="proxy".*?</section>', html, re.S)
    return match.group(0) if match else ""


# --- what the page shows ------------------------------------------------------------------------


def test_member_sees_the_form_with_other_council_members_in_ganada_order(client, world):
    login(client, world.member.email)
    html = section(client.get(page(world.event.id)).get_data(as_text=True))
    assert "의결권 위임" in html and "위임 내용을 확인했습니다" in html
    options = re.findall(r'<option[^>]*value="(\d+)"[^>]*>([^<]+)</option>', html)
    # 가온랩, 다솜필름, 한빛소프트: without (주)/주식회사; not the member's own company, not the
    # tenant that is not on the council, not the deactivated member, not another cluster's.
    assert [name for _id, name in options] == ["주식회사 가온랩", "다솜필름", "(주)한빛소프트"]
    assert [int(i) for i, _n in options] == [world.gaon.id, world.dasom.id, world.hanbit.id]
    checkbox = re.search(r'<input[^>]*name="confirm"[^>]*>', html).group(0)
    assert "checked" not in checkbox


def test_section_hidden_for_non_members_other_clusters_anonymous_and_other_kinds(client, world):
    assert section(client.get(page(world.event.id)).get_data(as_text=True)) == ""
    for email in (world.plain_member.email, world.guro_user.email, world.guro_staff.email):
        login(client, email)
        assert section(client.get(page(world.event.id)).get_data(as_text=True)) == "", email
    see_committed()
    networking = make_event(world.dmc, kind=EventKind.NETWORKING)
    db.session.commit()
    login(client, world.member.email)
    assert section(client.get(page(networking.id)).get_data(as_text=True)) == ""


def test_member_gives_proxy_and_both_sides_are_told(client, world, mailbox):
    login(client, world.member.email)
    resp = give(client, world.event, world.hanbit.id)
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"{page(world.event.id)}#proxy")
    (proxy,) = proxies()
    assert (proxy.from_company_id, proxy.to_company_id, proxy.created_by_id) == (
        world.nuri.id,
        world.hanbit.id,
        world.member.id,
    )
    mails = wait_for_mail(mailbox, 2)
    assert sorted(m["To"] for m in mails) == ["contact@hanbit.example", "kim@nuri.example"]
    assert all("의결권이위임되었습니다" in m["Subject"].replace(" ", "") for m in mails)
    assert "누리미디어이(가) 'DMC 협의회 정기회의'의 의결권을 (주)한빛소프트에 위임했습니다." in body_of(mails[0])
    html = client.get(page(world.event.id)).get_data(as_text=True)
    assert "(주)한빛소프트에 의결권을 위임했습니다." in html  # the flash and the section
    assert 'name="to_company"' not in section(html)
    assert revoke_url(world.event, proxy.id) in section(html)


def test_receiver_sees_proxies_received_and_cannot_give(client, world):
    add_proxy(world, world.nuri, world.hanbit)
    add_proxy(world, world.gaon, world.hanbit)
    login(client, world.hanbit_member.email)
    html = section(client.get(page(world.event.id)).get_data(as_text=True))
    assert "우리 기업이 위임받은 의결권" in html
    assert html.index("주식회사 가온랩") < html.index("누리미디어")
    assert "다른 회원사로부터 의결권을 위임받은 기업은 자기 의결권을 위임할 수 없습니다." in html
    assert 'name="to_company"' not in html
    assert "/revoke" not in html  # a receiver does not revoke


def test_member_with_voter_sees_why_not_and_post_is_refused(client, world, mailbox):
    make_registration(world.event, world.nuri, name="김대표", email="rep@nuri.example", role=AttendeeRole.VOTER)
    db.session.commit()
    login(client, world.member.email)
    html = section(client.get(page(world.event.id)).get_data(as_text=True))
    assert "김대표님이 의결권 대표로 신청되어 있습니다. 의결권을 위임하려면 먼저 그 신청을 취소해 주세요." in html
    assert 'name="to_company"' not in html
    resp = give(client, world.event, world.hanbit.id)
    assert resp.status_code == 400
    assert "김대표님이 의결권 대표로 신청되어 있습니다." in resp.get_data(as_text=True)
    assert proxies() == []
    assert no_mail_sent_or_queued(mailbox)


def test_voter_registration_after_giving_is_refused_on_the_page(client, world):
    add_proxy(world, world.nuri, world.hanbit)
    login(client, world.member.email)
    data = {
        "attendees-0-name": "김누리",
        "attendees-0-email": "kim@nuri.example",
        "attendees-0-role": "voter",
        "consent": "y",
    }
    resp = post_form(client, f"/events/{world.event.id}/register", data, token_from=page(world.event.id))
    assert resp.status_code == 400
    assert "이 기업은 의결권을 다른 회원사에 위임했습니다." in resp.get_data(as_text=True)
    see_committed()
    assert db.session.scalar(select(func.count()).select_from(CouncilProxy)) == 1


def test_after_the_start_the_section_only_shows(client, world):
    started = make_event(world.dmc, kind=EventKind.COUNCIL, starts_in=-dt.timedelta(minutes=10))
    db.session.commit()
    proxy = add_proxy(world, world.nuri, world.hanbit, event=started)
    login(client, world.member.email)
    html = section(client.get(page(started.id)).get_data(as_text=True))
    assert "(주)한빛소프트에 의결권을 위임했습니다." in html and "/revoke" not in html
    resp = revoke(client, started, proxy.id)
    assert resp.status_code == 302
    assert "회의가 시작되어 의결권 위임을 더 이상 바꿀 수 없습니다." in client.get(page(started.id)).get_data(
        as_text=True
    )
    assert proxies()[0].revoked_at is None
    login(client, world.gaon_member.email)
    html = section(client.get(page(started.id)).get_data(as_text=True))
    assert "회의가 시작되어 의결권 위임을 더 이상 바꿀 수 없습니다." in html and 'name="to_company"' not in html


# --- bad input ------------------------------------------------------------------------------------


def test_without_confirmation_nothing_is_written(client, world, mailbox):
    login(client, world.member.email)
    resp = give(client, world.event, world.hanbit.id, confirm=False)
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "위임 내용을 확인했다고 표시해 주세요." in html
    assert re.search(
        rf'<option[^>]*selected[^>]*value="{world.hanbit.id}"|<option[^>]*value="{world.hanbit.id}"[^>]*selected', html
    )
    assert proxies() == []
    assert no_mail_sent_or_queued(mailbox)


def test_missing_or_bogus_company_is_400(client, world):
    login(client, world.member.email)
    for value in ("", "abc", "999999"):
        resp = give(client, world.event, value)
        assert resp.status_code == 400, value
        assert "위임받을 회원사를 선택해 주세요." in resp.get_data(as_text=True)
    assert proxies() == []


def test_refusals_come_back_as_400_with_the_reason(client, world):
    login(client, world.member.email)
    for company, message in (
        (world.nuri, "자기 기업에는 의결권을 위임할 수 없습니다."),
        (world.plain, "위임받을 기업이 이 클러스터 입주기업협의회 회원사가 아닙니다."),
        (world.guro_member, "위임받을 기업이 이 클러스터 입주기업협의회 회원사가 아닙니다."),
    ):
        resp = give(client, world.event, company.id)
        assert resp.status_code == 400
        html = resp.get_data(as_text=True)
        assert message in html
        assert world.guro_member.name not in html  # another cluster's company stays unnamed
    add_proxy(world, world.gaon, world.dasom)
    resp = give(client, world.event, world.gaon.id)
    assert resp.status_code == 400
    assert "주식회사 가온랩은(는) 이미 의결권을 다른 회원사에 위임해서 위임받을 수 없습니다." in resp.get_data(
        as_text=True
    )
    assert active() == [(world.gaon.id, world.dasom.id)]


def test_non_council_member_and_staff_cannot_give(client, world):
    login(client, world.plain_member.email)
    resp = give(client, world.event, world.hanbit.id)
    assert resp.status_code == 403
    assert "이 클러스터 입주기업협의회 회원사만 의결권을 위임할 수 있습니다." in resp.get_data(as_text=True)
    login(client, world.dmc_staff.email)
    assert give(client, world.event, world.hanbit.id).status_code == 403
    assert proxies() == []


def test_unknown_or_draft_event_is_404(client, world):
    draft = make_event(world.dmc, kind=EventKind.COUNCIL, status=EventStatus.DRAFT)
    db.session.commit()
    login(client, world.member.email)
    assert (
        post_form(
            client,
            "/events/999999/proxy",
            {"to_company": world.hanbit.id, "confirm": "y"},
            token_from=page(world.event.id),
        ).status_code
        == 404
    )
    assert (
        post_form(
            client,
            f"/events/{draft.id}/proxy",
            {"to_company": world.hanbit.id, "confirm": "y"},
            token_from=page(world.event.id),
        ).status_code
        == 404
    )


def test_missing_csrf_is_400(client, world):
    login(client, world.member.email)
    resp = client.post(f"/events/{world.event.id}/proxy", data={"to_company": world.hanbit.id, "confirm": "y"})
    assert resp.status_code == 400
    assert proxies() == []
    proxy = add_proxy(world, world.nuri, world.hanbit)
    resp = client.post(revoke_url(world.event, proxy.id), data={})
    assert resp.status_code == 400
    assert proxies()[0].revoked_at is None


def test_anonymous_is_sent_to_login(client, world):
    proxy = add_proxy(world, world.nuri, world.hanbit)
    resp = client.get(revoke_url(world.event, proxy.id))
    assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"]
    assert proxies()[0].revoked_at is None


# --- revoking -------------------------------------------------------------------------------------


def test_member_revokes_after_a_confirmation_page(client, world, mailbox):
    proxy = add_proxy(world, world.nuri, world.hanbit)
    login(client, world.member.email)
    resp = client.get(revoke_url(world.event, proxy.id))
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "누리미디어이(가) (주)한빛소프트에 위임한 DMC 협의회 정기회의 의결권을 철회할까요?" in html
    assert proxies()[0].revoked_at is None  # GET changes nothing
    resp = revoke(client, world.event, proxy.id)
    assert resp.status_code == 302
    (after,) = proxies()
    assert after.revoked_at is not None and after.revoked_by_id == world.member.id
    mails = wait_for_mail(mailbox, 2)
    assert sorted(m["To"] for m in mails) == ["contact@hanbit.example", "kim@nuri.example"]
    # Spaces ignored: Python's header folding can drop the space where it splits an encoded word.
    assert all("의결권위임이철회되었습니다" in m["Subject"].replace(" ", "") for m in mails)
    html = client.get(page(world.event.id)).get_data(as_text=True)
    assert "누리미디어이(가) (주)한빛소프트에 위임한 의결권을 철회했습니다." in html
    assert 'name="to_company"' in section(html)  # the company may give again
    # Revoking again only says so.
    resp = revoke(client, world.event, proxy.id, token_from=page(world.event.id))
    assert resp.status_code == 302
    assert "이미 철회된 위임입니다." in client.get(page(world.event.id)).get_data(as_text=True)


def test_colleague_of_the_giver_may_revoke(client, world):
    colleague = make_user(company=world.nuri, email="park@nuri.example")
    db.session.commit()
    proxy = add_proxy(world, world.nuri, world.hanbit)
    login(client, colleague.email)
    assert revoke(client, world.event, proxy.id).status_code == 302
    assert active() == []


def test_receiver_other_member_and_other_cluster_staff_cannot_revoke(client, world):
    proxy = add_proxy(world, world.nuri, world.hanbit)
    for email in (world.hanbit_member.email, world.gaon_member.email, world.guro_user.email, world.guro_staff.email):
        login(client, email)
        assert client.get(revoke_url(world.event, proxy.id)).status_code == 403, email
        assert revoke(client, world.event, proxy.id, token_from=page(world.event.id)).status_code == 403, email
    assert active() == [(world.nuri.id, world.hanbit.id)]


def test_host_staff_and_admin_may_revoke(client, world, mailbox):
    first = add_proxy(world, world.nuri, world.hanbit)
    second = add_proxy(world, world.gaon, world.hanbit)
    login(client, world.dmc_staff.email)
    assert client.get(revoke_url(world.event, first.id)).status_code == 200
    assert revoke(client, world.event, first.id).status_code == 302
    login(client, world.admin.email)
    assert revoke(client, world.event, second.id).status_code == 302
    assert active() == []
    # The member who gave it (not the staff) and the receiver hear about it.
    recipients = sorted(m["To"] for m in wait_for_mail(mailbox, 4))
    assert recipients == ["contact@hanbit.example", "contact@hanbit.example", "kim@nuri.example", "kim@nuri.example"]


def test_proxy_of_another_event_is_404(client, world):
    other = make_event(world.dmc, kind=EventKind.COUNCIL)
    db.session.commit()
    proxy = add_proxy(world, world.nuri, world.hanbit, event=other)
    login(client, world.member.email)
    assert client.get(revoke_url(world.event, proxy.id)).status_code == 404
    assert client.get(revoke_url(world.event, 999999)).status_code == 404


# --- the staff list -------------------------------------------------------------------------------


def test_host_staff_see_all_active_proxies(client, world):
    add_proxy(world, world.nuri, world.hanbit)
    add_proxy(world, world.gaon, world.hanbit)
    revoked = add_proxy(world, world.dasom, world.nuri)
    revoked.revoked_at = utcnow()
    db.session.commit()
    for email in (world.dmc_staff.email, world.admin.email):
        login(client, email)
        html = section(client.get(page(world.event.id)).get_data(as_text=True))
        assert "위임 2건" in html
        assert html.index("주식회사 가온랩") < html.index("누리미디어")
        assert "다솜필름" not in html
        assert html.count("/revoke") == 2


def test_staff_page_queries_do_not_grow_with_proxies(client, world):
    login(client, world.dmc_staff.email)
    add_proxy(world, world.nuri, world.hanbit)
    url = page(world.event.id)
    with count_queries(db.engine) as few:
        client.get(url)
    see_committed()
    givers = [make_company(world.dmc, name=f"위임기업{i}", is_council_member=True) for i in range(6)]
    db.session.commit()
    for giver in givers:
        add_proxy(world, giver, world.gaon)
    with count_queries(db.engine) as many:
        html = client.get(url).get_data(as_text=True)
    assert "위임 7건" in html
    assert len(many) == len(few)


def test_member_page_queries_do_not_grow_with_proxies(client, world):
    login(client, world.hanbit_member.email)
    add_proxy(world, world.nuri, world.hanbit)
    url = page(world.event.id)
    with count_queries(db.engine) as few:
        client.get(url)
    see_committed()
    givers = [make_company(world.dmc, name=f"위임기업{i}", is_council_member=True) for i in range(6)]
    db.session.commit()
    for giver in givers:
        add_proxy(world, giver, world.hanbit)
    with count_queries(db.engine) as many:
        html = client.get(url).get_data(as_text=True)
    assert html.count("<li>") >= 7
    assert len(many) == len(few)
