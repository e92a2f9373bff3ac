"""1:1 meetings through the attendee's pages: requesting, accepting (a table, the slot held, the
other pending requests of the slot cancelled and told), declining, withdrawing, cancelling, the
mail to both sides, and every refusal: a Korean message that changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from app.extensions import db
from app.models import (
    Company,
    CompanyProfile,
    Meeting,
    MeetingSeat,
    MeetingStatus,
    RegistrationStatus,
    utcnow,
)
from app.networking import meetings
from app.routing import MAX_DB_INT
from tests.factories import make_company, make_event, make_registration
from tests.helpers import body_of, csrf_token, no_mail_sent_or_queued, see_committed, wait_for_mail
from tests.networking.conftest import consent, hub_path
from tests.networking.meeting_helpers import (
    accepted,
    act,
    add_slots,
    discoverable,
    make_meet_world,
    meeting_rows,
    request_via_page,
    requested,
    snapshot,
)


@pytest.fixture
def mnet(net):
    return make_meet_world(net)


def _html(response) -> str:
    return response.get_data(as_text=True)


# --- requesting ----------------------------------------------------------------------------------


def test_a_request_is_made_on_the_request_page_and_mailed_to_both_sides(client, mnet, mailbox):
    page = client.get(hub_path(mnet.kim, f"/meetings/new?company={mnet.hanbit.id}"))
    html = _html(page)
    assert page.status_code == 200 and "한빛소프트" in html and 'name="slot"' in html
    assert page.headers["Cache-Control"] == "no-store"

    response = request_via_page(client, mnet.kim, mnet.hanbit.id, mnet.slots[0].id, "웹툰 IP 판로를 찾습니다")
    assert response.status_code == 303 and response.headers["Location"].endswith(hub_path(mnet.kim) + "#meetings")
    [meeting] = meeting_rows()
    assert (meeting.status, meeting.requester_company_id, meeting.invitee_company_id) == (
        MeetingStatus.REQUESTED,
        mnet.nuri.id,
        mnet.hanbit.id,
    )
    assert meeting.requested_by_id == mnet.kim.id and meeting.table_id is None
    assert meeting.message == "웹툰 IP 판로를 찾습니다"
    mails = {m["To"]: m for m in wait_for_mail(mailbox, 2)}
    # The requester, and everyone at the invited company who can answer (lee is its one consenting attendee).
    assert set(mails) == {"kim@nuri.example", "lee@hanbit.example"}
    assert "(주)누리미디어이(가) 1:1 미팅을 요청했습니다" in mails["lee@hanbit.example"]["Subject"]
    body = body_of(mails["lee@hanbit.example"])
    assert "웹툰 IP 판로를 찾습니다" in body and f"http://localhost{hub_path(mnet.lee)}" in body
    assert "한빛소프트에 1:1 미팅을 요청했습니다" in mails["kim@nuri.example"]["Subject"]


def test_the_hub_lists_requestable_companies_and_shows_requests_in_and_out(client, mnet):
    requested(mnet.kim, mnet.hanbit, mnet.slots[0], "처음 뵙겠습니다")
    lee_hub = _html(client.get(hub_path(mnet.lee)))
    assert "받은 요청" in lee_hub and "(주)누리미디어" in lee_hub and "처음 뵙겠습니다" in lee_hub
    assert "/accept" in lee_hub and "/decline" in lee_hub
    kim_hub = _html(client.get(hub_path(mnet.kim)))
    assert "답을 기다리는 중" in kim_hub and "/withdraw" in kim_hub and "/accept" not in kim_hub
    # The company list of the request form: other attending, discoverable companies with someone to answer.
    options = kim_hub.split('name="company"')[1].split("</select>")[0]
    assert "구로테크" in options and "누리미디어" not in options
    assert "한빛소프트" not in options  # already asked: one open meeting per pair
    assert "한빛소프트" in _html(client.get(hub_path(mnet.choi))).split('name="company"')[1].split("</select>")[0]
    # A third company's attendee sees neither the request nor its message.
    choi_hub = _html(client.get(hub_path(mnet.choi)))
    assert "처음 뵙겠습니다" not in choi_hub and "받은 요청이 없습니다" in choi_hub


def test_any_consenting_colleague_of_the_invited_company_may_answer(client, mnet):
    lee2 = make_registration(mnet.event, mnet.hanbit, name="이동료", email="lee2@hanbit.example")
    consent(lee2)
    meeting = requested(mnet.kim, mnet.hanbit, mnet.slots[0])
    assert act(client, lee2, meeting.id, "accept").status_code == 303
    see_committed()
    meeting = db.session.get(Meeting, meeting.id)
    assert meeting.status == MeetingStatus.ACCEPTED and meeting.responded_by_id == lee2.id


@pytest.mark.parametrize(
    "case, expected",
    [
        ("oneself", "자기 기업에는 미팅을 요청할 수 없습니다"),
        ("not_attending", "이 행사에 참가하는 기업이 아니라"),
        ("no_profile", "네트워킹 프로필을 공개하지 않아"),
        ("opted_out", "네트워킹 프로필을 공개하지 않아"),
        ("no_answerer", "요청에 답할 사람이 없습니다"),
        ("unknown_company", "미팅을 요청할 기업을 목록에서 골라 주세요"),
        ("missing_company", "미팅을 요청할 기업을 목록에서 골라 주세요"),
        ("missing_slot", "미팅 시간대를 골라 주세요"),
        ("unknown_slot", "이 행사의 미팅 시간대가 아닙니다"),
        ("huge_slot", "미팅 시간대를 골라 주세요"),
        ("huge_company", "미팅을 요청할 기업을 목록에서 골라 주세요"),
        ("junk_slot", "미팅 시간대를 골라 주세요"),
        ("other_events_slot", "이 행사의 미팅 시간대가 아닙니다"),
        ("slot_started", "이미 시작했거나 지난 시간대입니다"),
        ("long_message", "메시지는 300자 이내로"),
    ],
)
def test_refused_requests_say_why_in_korean_and_change_nothing(client, mnet, mailbox, case, expected):
    company_id, slot_id, message = mnet.hanbit.id, mnet.slots[0].id, ""
    if case == "oneself":
        company_id = mnet.nuri.id
    elif case == "not_attending":
        company_id = make_company(mnet.dmc, name="안오는기업2").id
        discoverable(db.session.get(Company, company_id))
    elif case == "no_profile":
        db.session.delete(db.session.get(CompanyProfile, mnet.hanbit.id))
        db.session.commit()
    elif case == "opted_out":
        discoverable(mnet.hanbit, on=False)
    elif case == "no_answerer":
        mnet.lee.networking_consent_at = None
        db.session.commit()
    elif case == "unknown_company":
        company_id = 999_999
    elif case == "missing_company":
        company_id = None
    elif case == "missing_slot":
        slot_id = None
    elif case == "unknown_slot":
        slot_id = 999_999
    elif case == "huge_slot":
        slot_id = str(MAX_DB_INT + 1)
    elif case == "huge_company":
        company_id = "9" * 40
    elif case == "junk_slot":
        slot_id = "1; DROP TABLE meetings"
    elif case == "other_events_slot":
        other = make_event(mnet.dmc, networking_enabled=True)
        slot_id = add_slots(other, mnet.day)[0].id
        db.session.commit()
    elif case == "slot_started":
        slot = mnet.slots[0]
        slot.starts_at = utcnow() - dt.timedelta(minutes=1)
        slot.ends_at = utcnow() + dt.timedelta(minutes=19)
        db.session.commit()
    elif case == "long_message":
        message = "가" * 301
    before = snapshot()
    response = request_via_page(client, mnet.kim, company_id, slot_id, message)
    assert response.status_code == 400, case
    assert expected in _html(response), case
    assert snapshot() == before
    assert no_mail_sent_or_queued(mailbox)
    if case in ("opted_out", "no_profile"):
        assert "한빛소프트" not in _html(response).split("<main")[-1]  # an undiscoverable company is never named


def test_busy_slots_full_tables_pairs_and_caps_are_refused(client, mnet, mailbox):
    accepted(mnet.kim, mnet.lee, mnet.slots[0])  # nuri and hanbit meet at 19:30
    mailbox.clear()
    cases = [
        # nuri is busy at 19:30 (asks gurotech)
        (mnet.kim, mnet.gurotech.id, mnet.slots[0].id, "귀사는 이 시간대에 이미 확정된 미팅이 있습니다"),
        # hanbit is busy at 19:30 (gurotech asks it)
        (mnet.choi, mnet.hanbit.id, mnet.slots[0].id, "한빛소프트은(는) 이 시간대에 이미 확정된 미팅이 있습니다"),
        # one open meeting per pair, whatever the slot and direction
        (mnet.lee, mnet.nuri.id, mnet.slots[1].id, "이미 요청 중이거나 확정된 미팅이 있습니다"),
    ]
    for registration, company_id, slot_id, expected in cases:
        before = snapshot()
        response = request_via_page(client, registration, company_id, slot_id)
        assert response.status_code == 400 and expected in _html(response), expected
        assert snapshot() == before

    # The last table: with one table, 19:50 holds one meeting.
    db.session.delete(mnet.tables[1])
    db.session.commit()
    accepted(mnet.choi, mnet.kim, mnet.slots[1])  # gurotech and nuri at 19:50 on 테이블 1
    other = make_company(mnet.dmc, name="다온랩")
    dawon = make_registration(mnet.event, other, name="다온", email="da@on.example")
    consent(dawon)
    discoverable(other)
    before = snapshot()
    response = request_via_page(client, dawon, mnet.hanbit.id, mnet.slots[1].id)
    assert response.status_code == 400 and "이 시간대에는 빈 테이블이 없습니다" in _html(response)
    assert snapshot() == before

    # Caps count accepted + pending: nuri has two accepted meetings.
    mnet.event.meetings_per_company = 2
    db.session.commit()
    response = request_via_page(client, dawon, mnet.nuri.id, mnet.slots[2].id)
    assert response.status_code == 400 and "상한(2건)에 도달했습니다" in _html(response)
    response = request_via_page(client, mnet.kim, other.id, mnet.slots[2].id)
    assert response.status_code == 400 and "미팅을 2건까지 잡을 수 있습니다" in _html(response)
    # A pending request counts too: with a cap of 1, dawon asks bada, then may ask nobody else.
    bada, sora = make_company(mnet.dmc, name="바다미디어"), make_company(mnet.dmc, name="소라소프트")
    consent(
        make_registration(mnet.event, bada, name="바다", email="ba@da.example"),
        make_registration(mnet.event, sora, name="소라", email="so@ra.example"),
    )
    discoverable(bada, sora)
    mnet.event.meetings_per_company = 1
    db.session.commit()
    assert request_via_page(client, dawon, bada.id, mnet.slots[2].id).status_code == 303
    response = request_via_page(client, dawon, sora.id, mnet.slots[0].id)
    assert response.status_code == 400 and "미팅을 1건까지" in _html(response)


def test_guests_waitlisted_and_non_consenting_attendees(client, mnet):
    # Guests (no directory company) have no meetings: the hub says so, the request page is a 403.
    consent(mnet.guest)
    assert "외부 기업 참가자는 1:1 미팅을" in _html(client.get(hub_path(mnet.guest)))
    assert client.get(hub_path(mnet.guest, "/meetings/new")).status_code == 403
    before = snapshot()
    response = request_via_page(client, mnet.guest, mnet.hanbit.id, mnet.slots[0].id)
    assert response.status_code == 403 and "외부 기업 참가자는" in _html(response)
    assert snapshot() == before
    # Without the networking consent: 403 on every meeting page and action.
    mnet.park.networking_consent_at = None
    db.session.commit()
    meeting = requested(mnet.lee, mnet.nuri, mnet.slots[0])
    assert client.get(hub_path(mnet.park, "/meetings/new")).status_code == 403
    assert request_via_page(client, mnet.park, mnet.hanbit.id, mnet.slots[1].id).status_code == 403
    for action in ("accept", "decline", "withdraw", "cancel"):
        assert act(client, mnet.park, meeting.id, action).status_code == 403
    assert client.get(hub_path(mnet.park, f"/meetings/{meeting.id}/cancel")).status_code == 403
    # Waitlisted: may not request or accept (they may not get in), may decline.
    mnet.kim.status = RegistrationStatus.WAITLISTED
    db.session.commit()
    page = client.get(hub_path(mnet.kim, f"/meetings/new?company={mnet.hanbit.id}"))
    assert page.status_code == 403 and "참가가 확정되면" in _html(page)
    response = act(client, mnet.kim, meeting.id, "accept", follow_redirects=True)
    assert "참가가 확정되면 미팅을 요청하고 수락할 수 있습니다" in _html(response)
    see_committed()
    assert db.session.get(Meeting, meeting.id).status == MeetingStatus.REQUESTED
    assert act(client, mnet.kim, meeting.id, "decline").status_code == 303
    see_committed()
    assert db.session.get(Meeting, meeting.id).status == MeetingStatus.DECLINED


def test_dead_links_and_bad_csrf(client, mnet):
    meeting = requested(mnet.kim, mnet.hanbit, mnet.slots[0])
    wrong = f"/networking/r/{mnet.lee.id}/{'x' * 22}/meetings/{meeting.id}/accept"
    assert client.post(wrong, data={"csrf_token": csrf_token(client)}).status_code == 404
    assert client.post(hub_path(mnet.lee, f"/meetings/{meeting.id}/accept")).status_code == 400  # no CSRF token
    assert client.post(hub_path(mnet.lee, "/meetings/new"), data={"slot": "1"}).status_code == 400
    see_committed()
    assert db.session.get(Meeting, meeting.id).status == MeetingStatus.REQUESTED


# --- answering -----------------------------------------------------------------------------------


def test_accepting_gives_a_table_holds_the_slot_and_cancels_the_other_pending_requests(client, mnet, mailbox):
    meeting = requested(mnet.kim, mnet.hanbit, mnet.slots[0])
    # Other pending requests in the same slot for either company, and one in another slot.
    to_nuri = requested(mnet.choi, mnet.nuri, mnet.slots[0])
    other = make_company(mnet.guro, name="가람테크")
    garam = make_registration(mnet.event, other, name="가람", email="ga@ram.example")
    consent(garam)
    discoverable(other)
    from_hanbit = requested(mnet.lee, other, mnet.slots[0])
    elsewhere = requested(garam, mnet.nuri, mnet.slots[1])
    mailbox.clear()

    response = act(client, mnet.lee, meeting.id, "accept", follow_redirects=True)
    html = _html(response)
    assert "(주)누리미디어와(과)의 미팅이 확정되었습니다" in html and "테이블 1" in html
    assert "다른 미팅 요청 2건은 취소되었고" in html
    rows = {m.id: m for m in meeting_rows()}
    assert rows[meeting.id].status == MeetingStatus.ACCEPTED and rows[meeting.id].table_id == mnet.tables[0].id
    assert rows[meeting.id].responded_by_id == mnet.lee.id and rows[meeting.id].responded_at is not None
    assert rows[to_nuri.id].status == MeetingStatus.CANCELLED and rows[from_hanbit.id].status == MeetingStatus.CANCELLED
    assert rows[elsewhere.id].status == MeetingStatus.REQUESTED
    seats = db.session.query(MeetingSeat).all()
    assert {(s.company_id, s.slot_id) for s in seats} == {
        (mnet.nuri.id, mnet.slots[0].id),
        (mnet.hanbit.id, mnet.slots[0].id),
    }

    mails = wait_for_mail(mailbox, 7)
    subjects = sorted((m["To"], str(m["Subject"])) for m in mails)
    confirmed = [to for to, subject in subjects if "1:1 미팅 확정" in subject]
    assert sorted(confirmed) == ["kim@nuri.example", "lee@hanbit.example"]
    cancelled = [to for to, subject in subjects if "1:1 미팅 취소" in subject]
    # Both sides of each superseded request: choi, and everyone at nuri who could have answered
    # (gurotech -> nuri); lee and garam (hanbit -> 가람테크).
    assert sorted(cancelled) == sorted(
        ["choi@gurotech.example", "kim@nuri.example", "park@nuri.example", "lee@hanbit.example", "ga@ram.example"]
    )
    superseded = next(m for m in mails if m["To"] == "choi@gurotech.example")
    assert "다른 미팅을 확정해" in body_of(superseded)
    accepted_mail = next(m for m in mails if m["To"] == "kim@nuri.example" and "확정" in str(m["Subject"]))
    assert "테이블: 테이블 1" in body_of(accepted_mail)

    # The schedule on both hubs, with the table and the time.
    for registration, other_name in ((mnet.kim, "한빛소프트"), (mnet.lee, "(주)누리미디어")):
        hub = _html(client.get(hub_path(registration)))
        schedule = hub.split("확정된 미팅")[1].split("받은 요청")[0]
        assert "테이블 1" in schedule and other_name in schedule and "19:30~19:50" in schedule


def test_the_second_acceptance_in_a_slot_takes_the_next_table(client, mnet):
    first = accepted(mnet.kim, mnet.lee, mnet.slots[0])
    other = make_company(mnet.guro, name="가람테크")
    garam = make_registration(mnet.event, other, name="가람", email="ga@ram.example")
    consent(garam)
    second = requested(garam, mnet.gurotech, mnet.slots[0])
    assert act(client, mnet.choi, second.id, "accept").status_code == 303
    rows = {m.id: m for m in meeting_rows()}
    assert (rows[first.id].table_id, rows[second.id].table_id) == (mnet.tables[0].id, mnet.tables[1].id)


def test_who_may_answer_withdraw_and_cancel(client, mnet, mailbox):
    meeting = requested(mnet.kim, mnet.hanbit, mnet.slots[0], "비밀 메시지")
    mailbox.clear()
    before = snapshot()
    # Another company's attendee cannot accept or decline for hanbit, nor withdraw for nuri: 404.
    for action in ("accept", "decline", "withdraw", "cancel"):
        assert act(client, mnet.choi, meeting.id, action).status_code == 404
    assert client.get(hub_path(mnet.choi, f"/meetings/{meeting.id}/cancel")).status_code == 404
    # The requester cannot accept their own request; the invitee cannot withdraw it.
    response = act(client, mnet.park, meeting.id, "accept", follow_redirects=True)
    assert "요청을 받은 기업의 참석자만 수락할 수 있습니다" in _html(response)
    response = act(client, mnet.lee, meeting.id, "withdraw", follow_redirects=True)
    assert "요청한 기업의 참석자만 요청을 철회할 수 있습니다" in _html(response)
    response = act(client, mnet.lee, meeting.id, "cancel", follow_redirects=True)
    assert "확정된 미팅만 취소할 수 있습니다" in _html(response)
    # Unknown and huge meeting ids.
    assert act(client, mnet.lee, 999_999, "accept").status_code == 404
    assert act(client, mnet.lee, MAX_DB_INT + 1, "accept").status_code == 404
    assert snapshot() == before
    assert no_mail_sent_or_queued(mailbox)

    # A colleague of the requester withdraws; both sides hear of it.
    assert act(client, mnet.park, meeting.id, "withdraw").status_code == 303
    see_committed()
    assert db.session.get(Meeting, meeting.id).status == MeetingStatus.CANCELLED
    mails = {m["To"]: m for m in wait_for_mail(mailbox, 2)}
    assert set(mails) == {"kim@nuri.example", "lee@hanbit.example"}
    assert "1:1 미팅 요청을 철회했습니다" in body_of(mails["lee@hanbit.example"])
    response = act(client, mnet.lee, meeting.id, "accept", follow_redirects=True)
    assert "이미 답했거나 취소된 요청입니다" in _html(response)


def test_declining_is_told_to_both_sides(client, mnet, mailbox):
    meeting = requested(mnet.kim, mnet.hanbit, mnet.slots[0])
    mailbox.clear()
    response = act(client, mnet.lee, meeting.id, "decline", follow_redirects=True)
    assert "(주)누리미디어의 미팅 요청을 거절했습니다" in _html(response)
    see_committed()
    meeting = db.session.get(Meeting, meeting.id)
    assert meeting.status == MeetingStatus.DECLINED and meeting.responded_by_id == mnet.lee.id
    mails = {m["To"]: m for m in wait_for_mail(mailbox, 2)}
    assert "한빛소프트이(가) 1:1 미팅 요청을 거절했습니다" in body_of(mails["kim@nuri.example"])
    # A declined pair may ask again (nothing is open between them).
    assert request_via_page(client, mnet.kim, mnet.hanbit.id, mnet.slots[1].id).status_code == 303


def test_either_side_cancels_an_accepted_meeting_until_the_slot_starts(client, mnet, mailbox):
    meeting = accepted(mnet.kim, mnet.lee, mnet.slots[0])
    mailbox.clear()
    confirm = client.get(hub_path(mnet.lee, f"/meetings/{meeting.id}/cancel"))
    assert (
        confirm.status_code == 200 and "(주)누리미디어와(과)의 미팅" in _html(confirm) and "테이블 1" in _html(confirm)
    )
    response = act(client, mnet.lee, meeting.id, "cancel", follow_redirects=True)
    assert "(주)누리미디어와(과)의 미팅을 취소했습니다" in _html(response)
    see_committed()
    meeting = db.session.get(Meeting, meeting.id)
    assert meeting.status == MeetingStatus.CANCELLED and meeting.cancelled_at is not None
    assert db.session.query(MeetingSeat).count() == 0
    mails = {m["To"]: m for m in wait_for_mail(mailbox, 2)}
    assert set(mails) == {"kim@nuri.example", "lee@hanbit.example"}
    assert "김누리님, 한빛소프트에서 1:1 미팅을 취소했습니다" in body_of(mails["kim@nuri.example"])
    assert "이한빛님, 한빛소프트에서 (주)누리미디어와(과)의 1:1 미팅을 취소했습니다" in body_of(
        mails["lee@hanbit.example"]
    )
    # The slot and the table are free again: the pair may meet there once more.
    again = accepted(mnet.kim, mnet.lee, mnet.slots[0])
    assert again.table_id == mnet.tables[0].id

    # After the slot has started it can no longer be cancelled.
    slot = mnet.slots[0]
    slot.starts_at = utcnow() - dt.timedelta(minutes=1)
    db.session.commit()
    mailbox.clear()
    before = snapshot()
    response = act(client, mnet.kim, again.id, "cancel", follow_redirects=True)
    assert "이미 시작한 미팅은 취소할 수 없습니다" in _html(response)
    assert snapshot() == before
    assert "미팅 취소</a>" not in _html(client.get(hub_path(mnet.kim)))


def test_the_mail_follows_the_recipients_language(client, mnet, mailbox):
    mnet.lee_user.locale = "en"
    db.session.commit()
    request_via_page(client, mnet.kim, mnet.hanbit.id, mnet.slots[0].id)
    mails = {m["To"]: m for m in wait_for_mail(mailbox, 2)}
    assert "requested a 1:1 meeting" in str(mails["lee@hanbit.example"]["Subject"])
    assert "1:1 미팅을 요청했습니다" in str(mails["kim@nuri.example"]["Subject"])


def test_an_integrity_error_from_a_stale_check_becomes_the_korean_message(client, mnet, monkeypatch):
    """The database's rule (one accepted meeting per slot and table) is the last line: when a
    check was passed on stale data the write hits it, and the page says so instead of a 500."""
    accepted(mnet.kim, mnet.lee, mnet.slots[0])  # 테이블 1 taken at 19:30
    second = requested(mnet.choi, mnet.park.company, mnet.slots[1])  # gurotech -> nuri at 19:50
    other = make_company(mnet.guro, name="가람테크")
    garam = make_registration(mnet.event, other, name="가람", email="ga@ram.example")
    consent(garam)
    third = requested(garam, mnet.gurotech, mnet.slots[0])
    # A stale "free table" check: it offers the table that is already taken in that slot.
    taken = mnet.tables[0]
    monkeypatch.setattr(meetings, "_free_table", lambda slot: db.session.get(type(taken), taken.id))
    before = snapshot()
    response = act(client, mnet.choi, third.id, "accept", follow_redirects=True)
    assert response.status_code == 200
    assert "방금 다른 미팅이 같은 시간대나 테이블을 먼저 잡았습니다" in _html(response)
    assert snapshot() == before
    assert second.id
