"""Contact exchange (명함 교환): scanning a badge's contact QR through the personal link, both sides'
consent, the refusals (a ticket code refused unseen, another event, oneself), idempotence, the
note and rating, the contacts page, the hub's part, access for each page and endpoint, bad input
and the per-link rate limit."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from app.events.tickets import CONTACT_PREFIX, contact_code, issue_ticket, ticket_code
from app.extensions import db
from app.models import CompanyProfile, Contact, NetworkingTag, ProfileSide, Registration, RegistrationStatus
from app.models.networking import profile_tags
from app.tokens import hash_token
from tests.factories import make_event, make_registration
from tests.helpers import csrf_token, see_committed
from tests.networking.conftest import consent, hub_path

# --- helpers -------------------------------------------------------------------------------------


def exchange_config(client, registration) -> dict:
    """The config the exchange page hands its script (scan URL and CSRF token)."""
    page = client.get(hub_path(registration, "/exchange"))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    start = html.index('id="exchange-config"')
    return json.loads(html[html.index(">", start) + 1 : html.index("</script>", start)])


class Phone:
    """An attendee's phone on the exchange page: posts what the camera read, as exchange.js does."""

    def __init__(self, client, registration):
        self.client, self.registration = client, registration
        self.config = exchange_config(client, registration)

    def headers(self) -> dict:
        return {"Accept": "application/json", "X-CSRFToken": self.config["csrf_token"]}

    def scan(self, code, *, headers=None, **fields):
        body = {"code": code, **fields}
        response = self.client.post(
            self.config["scan_url"], json=body, headers=self.headers() if headers is None else headers
        )
        see_committed()  # the test's own snapshot ends: it may write next
        return response

    def save_note(self, contact_id: int, body, *, registration=None):
        path = hub_path(registration or self.registration, f"/exchange/contacts/{contact_id}")
        response = self.client.post(path, json=body, headers=self.headers())
        see_committed()
        return response


def contacts() -> list[Contact]:
    see_committed()
    return list(db.session.scalars(select(Contact).order_by(Contact.id)))


def contact_of(owner, other) -> Contact | None:
    see_committed()
    return db.session.scalars(
        select(Contact).where(Contact.owner_registration_id == owner.id, Contact.other_registration_id == other.id)
    ).first()


@pytest.fixture
def kim_phone(client, net) -> Phone:
    consent(net.kim, net.lee, net.park)
    return Phone(client, net.kim)


# --- the exchange --------------------------------------------------------------------------------


def test_scanning_a_contact_qr_records_both_sides_and_shows_the_card(kim_phone, net):
    answer = kim_phone.scan(contact_code(net.lee))
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    body = answer.get_json()
    assert (body["result"], body["tone"], body["message"]) == ("exchanged", "ok", "명함을 교환했습니다")
    card = body["contact"]
    assert (card["name"], card["company"], card["job_title"]) == ("이한빛", "한빛소프트", "CTO")
    text = answer.get_data(as_text=True)
    for secret in (ticket_code(net.lee), contact_code(net.lee), net.lee.email, hub_path(net.lee)):
        assert secret not in text
    mine, theirs = contact_of(net.kim, net.lee), contact_of(net.lee, net.kim)
    assert mine.scanned_by_owner is True and theirs.scanned_by_owner is False
    assert mine.event_id == theirs.event_id == net.event.id
    assert len(contacts()) == 2


def test_scanning_again_changes_nothing_and_says_so(kim_phone, net):
    kim_phone.scan(contact_code(net.lee), note="첫 메모", rating=4)
    before = [(c.id, c.note, c.rating, c.updated_at) for c in contacts()]
    again = kim_phone.scan(contact_code(net.lee), note="덮어쓰기?", rating=1).get_json()
    assert (again["result"], again["message"]) == ("already_exchanged", "이미 교환한 명함입니다")
    assert again["contact"]["note"] == "첫 메모"
    assert [(c.id, c.note, c.rating, c.updated_at) for c in contacts()] == before


def test_the_other_side_scanning_back_is_already_exchanged(client, kim_phone, net):
    kim_phone.scan(contact_code(net.lee))
    lee_phone = Phone(client, net.lee)
    back = lee_phone.scan(contact_code(net.kim)).get_json()
    assert back["result"] == "already_exchanged" and back["contact"]["name"] == "김누리"
    assert len(contacts()) == 2


def test_codes_are_read_as_people_type_them(kim_phone, net):
    code = contact_code(net.lee)
    body = code[len(CONTACT_PREFIX) :]
    typed = " moimc: " + "-".join(body[i : i + 4] for i in range(0, 26, 4)).lower() + "\n"
    assert kim_phone.scan(typed).get_json()["result"] == "exchanged"


def test_note_and_rating_go_on_the_scanners_row_only(kim_phone, net):
    kim_phone.scan(contact_code(net.lee), note="  공동 R&D 관심  ", rating="5")
    mine, theirs = contact_of(net.kim, net.lee), contact_of(net.lee, net.kim)
    assert (mine.note, mine.rating) == ("공동 R&D 관심", 5)
    assert (theirs.note, theirs.rating) == ("", None)


def _statements_during(fn):
    seen: list[tuple[str, object]] = []

    def listener(_conn, _cursor, statement, parameters, _context, _many):
        seen.append((statement, parameters))

    sa_event.listen(db.engine, "before_cursor_execute", listener)
    try:
        result = fn()
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", listener)
    return result, seen


def test_a_ticket_code_is_refused_without_being_looked_up(kim_phone, net):
    code = ticket_code(net.lee)
    answer, statements = _statements_during(lambda: kim_phone.scan(code))
    body = answer.get_json()
    assert (body["result"], body["tone"]) == ("ticket_code", "error")
    assert body["message"] == "입장용 QR입니다. 명함 교환 QR을 찍어 주세요"
    assert "contact" not in body and "이한빛" not in answer.get_data(as_text=True)
    assert statements, "the link was still checked"
    for statement, parameters in statements:
        assert "ticket_hash =" not in statement and "contact_hash =" not in statement
        assert code not in repr(parameters) and hash_token(code) not in repr(parameters)
    assert contacts() == []


@pytest.mark.parametrize(
    "code",
    ["hello", "https://example.com/x", "MOIMC:", "MOIMC:" + "A" * 25, "MOIMC:" + "1" * 26, "가" * 40, "x" * 100_000],
)
def test_anything_else_is_not_a_contact_code(kim_phone, net, code):
    body = kim_phone.scan(code).get_json()
    assert body["result"] == "not_contact_code" and "명함 교환 QR이 아닙니다" in body["message"]
    assert contacts() == []


def test_an_unknown_or_reissued_contact_code_is_refused(kim_phone, net):
    old = contact_code(net.lee)
    issue_ticket(db.session.get(Registration, net.lee.id))
    db.session.commit()
    body = kim_phone.scan(old).get_json()
    assert body["result"] == "unknown_code" and "등록되지 않은 명함 교환 QR" in body["message"]
    assert kim_phone.scan("MOIMC:" + "A" * 26).get_json()["result"] == "unknown_code"
    assert contacts() == []


def test_a_cancelled_registrations_badge_is_refused(kim_phone, net):
    lee = db.session.get(Registration, net.lee.id)
    lee.status = RegistrationStatus.CANCELLED
    db.session.commit()
    assert kim_phone.scan(contact_code(net.lee)).get_json()["result"] == "unknown_code"
    assert contacts() == []


def test_another_events_badge_is_refused_and_not_named(kim_phone, net):
    other_event = make_event(net.dmc, title_ko="다른 행사", networking_enabled=True)
    elsewhere = make_registration(other_event, net.hanbit, name="다른행사사람")
    consent(elsewhere)
    answer = kim_phone.scan(contact_code(elsewhere))
    body = answer.get_json()
    assert body["result"] == "other_event" and "다른 행사의 명찰" in body["message"]
    assert "다른행사사람" not in answer.get_data(as_text=True)
    assert contacts() == []


def test_ones_own_badge_is_refused(kim_phone, net):
    body = kim_phone.scan(contact_code(net.kim)).get_json()
    assert (body["result"], body["message"]) == ("oneself", "본인의 명찰입니다")
    assert contacts() == []


def test_the_scanned_person_must_have_consented(kim_phone, net):
    answer = kim_phone.scan(contact_code(net.choi))  # 최구로 never consented
    body = answer.get_json()
    assert body["result"] == "not_consented" and body["message"] == "상대방이 명함 교환에 동의하지 않았습니다"
    assert "최구로" not in answer.get_data(as_text=True) and "contact" not in body
    assert contacts() == []


def test_a_colleague_of_the_same_company_and_a_guest_can_exchange(client, kim_phone, net):
    assert kim_phone.scan(contact_code(net.park)).get_json()["result"] == "exchanged"
    consent(net.guest)
    body = kim_phone.scan(contact_code(net.guest)).get_json()
    assert body["result"] == "exchanged" and body["contact"]["company"] == "바깥컨설팅"
    assert len(contacts()) == 4


def test_two_phones_scanning_each_other_at_once_write_one_pair(app, net):
    consent(net.kim, net.lee)
    phones = [Phone(app.test_client(), net.kim), Phone(app.test_client(), net.lee)]
    codes = [contact_code(net.lee), contact_code(net.kim)]
    start = threading.Barrier(2)
    results: list = [None, None]

    requests = [(phone.client, phone.config["scan_url"], phone.headers()) for phone in phones]

    def run(index: int) -> None:
        client, url, headers = requests[index]
        start.wait()
        results[index] = client.post(url, json={"code": codes[index]}, headers=headers)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert [r.status_code for r in results] == [200, 200]
    assert sorted(r.get_json()["result"] for r in results) == ["already_exchanged", "exchanged"]
    rows = contacts()
    assert len(rows) == 2
    assert {(c.owner_registration_id, c.other_registration_id) for c in rows} == {
        (net.kim.id, net.lee.id),
        (net.lee.id, net.kim.id),
    }


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"rating": 0}, "관심도는 1에서 5 사이로"),
        ({"rating": 6}, "관심도는 1에서 5 사이로"),
        ({"rating": "x"}, "관심도는 1에서 5 사이로"),
        ({"rating": True}, "관심도는 1에서 5 사이로"),
        ({"rating": 2.5}, "관심도는 1에서 5 사이로"),
        ({"rating": "１"}, "관심도는 1에서 5 사이로"),  # a full-width digit
        ({"note": "가" * 1001}, "메모는 1000자까지"),
        ({"note": ["a list"]}, "메모는 글자로"),
    ],
)
def test_a_bad_note_or_rating_is_a_korean_400_and_nothing_is_written(kim_phone, net, fields, message):
    answer = kim_phone.scan(contact_code(net.lee), **fields)
    assert answer.status_code == 400 and message in answer.get_json()["message"]
    assert contacts() == []


@pytest.mark.parametrize("code", [None, 12345, ["MOIMC:"], {"a": 1}])
def test_a_code_that_is_not_text_is_a_400(kim_phone, net, code):
    answer = kim_phone.scan(code)
    assert answer.status_code == 400 and "명함 교환 QR의 내용이 필요합니다" in answer.get_json()["message"]
    assert contacts() == []


def test_a_body_that_is_not_a_json_object_is_a_400(client, kim_phone, net):
    headers = {"X-CSRFToken": kim_phone.config["csrf_token"]}
    for data, content_type in (("[1, 2]", "application/json"), ("code=x", "application/x-www-form-urlencoded")):
        answer = client.post(kim_phone.config["scan_url"], data=data, content_type=content_type, headers=headers)
        assert answer.status_code == 400 and "JSON" in answer.get_json()["message"]
    assert contacts() == []


# --- access --------------------------------------------------------------------------------------


def test_without_the_csrf_header_the_endpoints_are_400(kim_phone, net):
    for headers in ({}, {"X-CSRFToken": "not-a-token"}):
        answer = kim_phone.scan(contact_code(net.lee), headers=headers)
        assert answer.status_code == 400 and answer.get_json()["error"] == "csrf"
        assert "보안 토큰" in answer.get_json()["message"]
    assert contacts() == []
    kim_phone.scan(contact_code(net.lee))
    mine = contact_of(net.kim, net.lee)
    no_header = kim_phone.client.post(hub_path(net.kim, f"/exchange/contacts/{mine.id}"), json={"note": "x"})
    assert no_header.status_code == 400
    assert contact_of(net.kim, net.lee).note == ""


PAGES = ["/exchange", "/contacts", "/contacts.vcf", "/contacts.xlsx"]


@pytest.mark.parametrize("suffix", PAGES)
def test_each_page_opens_for_a_consenting_attendee(client, net, suffix):
    consent(net.kim)
    assert client.get(hub_path(net.kim, suffix)).status_code == 200


@pytest.mark.parametrize("suffix", PAGES)
def test_each_page_is_403_without_consent(client, net, suffix):
    assert client.get(hub_path(net.choi, suffix)).status_code == 403


def test_the_endpoints_are_403_without_the_scanners_consent(client, kim_phone, net):
    choi = db.session.get(Registration, net.choi.id)
    token = csrf_token(client, hub_path(net.kim, "/contacts"))
    answer = client.post(
        hub_path(choi, "/exchange/scan"), json={"code": contact_code(net.kim)}, headers={"X-CSRFToken": token}
    )
    assert answer.status_code == 403 and answer.get_json()["message"]
    assert contacts() == []


@pytest.mark.parametrize("suffix", [*PAGES, "/exchange/scan"])
def test_a_dead_or_another_persons_link_is_404(client, kim_phone, net, suffix):
    kim_token = hub_path(net.kim).rsplit("/", 1)[1]
    headers = {"X-CSRFToken": kim_phone.config["csrf_token"]}
    for path in (hub_path(net.kim)[:-2] + "xx" + suffix, f"/networking/r/{net.lee.id}/{kim_token}{suffix}"):
        if suffix == "/exchange/scan":
            answer = client.post(path, json={"code": contact_code(net.park)}, headers=headers)
        else:
            answer = client.get(path)
        assert answer.status_code == 404
    assert contacts() == []


def test_a_withdrawn_consent_closes_ones_own_pages_but_the_other_keeps_the_card(client, kim_phone, net):
    kim_phone.scan(contact_code(net.lee))
    kim = db.session.get(Registration, net.kim.id)
    kim.networking_consent_at = None
    db.session.commit()
    assert client.get(hub_path(net.kim, "/contacts")).status_code == 403
    assert "김누리" in client.get(hub_path(net.lee, "/contacts")).get_data(as_text=True)


def test_another_attendee_can_neither_read_nor_change_your_note(client, kim_phone, net):
    kim_phone.scan(contact_code(net.lee), note="이한빛: 투자 관심 (비밀)", rating=2)
    mine = contact_of(net.kim, net.lee)
    lee_page = client.get(hub_path(net.lee, "/contacts")).get_data(as_text=True)
    assert "김누리" in lee_page and "투자 관심 (비밀)" not in lee_page
    lee_vcf = client.get(hub_path(net.lee, "/contacts.vcf")).get_data(as_text=True)
    assert "투자 관심" not in lee_vcf
    # 이한빛 tries kim's row through his own link: the form and the JSON endpoint are 404.
    token = csrf_token(client, hub_path(net.lee, "/contacts"))
    form = client.post(
        hub_path(net.lee, f"/contacts/{mine.id}"), data={"note": "바꿈", "rating": "5", "csrf_token": token}
    )
    assert form.status_code == 404
    lee_config = exchange_config(client, net.lee)
    via_json = client.post(
        hub_path(net.lee, f"/exchange/contacts/{mine.id}"),
        json={"note": "바꿈"},
        headers={"X-CSRFToken": lee_config["csrf_token"]},
    )
    assert via_json.status_code == 404
    # ... and a third attendee with a link of their own gets no further.
    park_token = csrf_token(client, hub_path(net.park, "/contacts"))
    form = client.post(hub_path(net.park, f"/contacts/{mine.id}"), data={"note": "바꿈", "csrf_token": park_token})
    assert form.status_code == 404
    row = contact_of(net.kim, net.lee)
    assert (row.note, row.rating) == ("이한빛: 투자 관심 (비밀)", 2)


def test_the_scan_endpoint_is_rate_limited_per_link(app, client, kim_phone, net):
    app.config["CONTACT_EXCHANGE_RATE_LIMIT"] = "3 per minute"
    answers = [kim_phone.scan("MOIMC:" + "A" * 26) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert "너무 많이" in answers[-1].get_json()["message"]
    assert kim_phone.scan(contact_code(net.lee)).status_code == 429
    assert contacts() == []
    # Another person's link has its own allowance; strangers trying tokens on kim's number do not use his.
    lee_phone = Phone(client, net.lee)
    assert lee_phone.scan(contact_code(net.kim)).get_json()["result"] == "exchanged"


def test_guessed_tokens_do_not_use_up_the_real_links_allowance(app, client, kim_phone, net):
    app.config["CONTACT_EXCHANGE_RATE_LIMIT"] = "3 per minute"
    headers = {"X-CSRFToken": kim_phone.config["csrf_token"]}
    for i in range(5):
        client.post(f"/networking/r/{net.kim.id}/guess{i}/exchange/scan", json={"code": "x"}, headers=headers)
    assert kim_phone.scan(contact_code(net.lee)).get_json()["result"] == "exchanged"


# --- the note on the exchange page and the contacts page -----------------------------------------


def test_the_note_saved_right_after_the_scan(kim_phone, net):
    contact = kim_phone.scan(contact_code(net.lee)).get_json()["contact"]
    saved = kim_phone.client.post(
        contact["note_url"],
        json={"note": "다음 주 연락", "rating": 3},
        headers={"X-CSRFToken": kim_phone.config["csrf_token"]},
    )
    assert saved.status_code == 200 and saved.get_json()["contact"]["rating"] == 3
    row = contact_of(net.kim, net.lee)
    assert (row.note, row.rating) == ("다음 주 연락", 3)
    bad = kim_phone.save_note(row.id, {"note": "x", "rating": 9})
    assert bad.status_code == 400 and "관심도는 1에서 5 사이로" in bad.get_json()["message"]
    row = contact_of(net.kim, net.lee)
    assert (row.note, row.rating) == ("다음 주 연락", 3)


def test_the_contacts_page_edits_the_note_and_rating(client, kim_phone, net):
    kim_phone.scan(contact_code(net.lee))
    row = contact_of(net.kim, net.lee)
    page = hub_path(net.kim, "/contacts")
    token = csrf_token(client, page)
    saved = client.post(
        hub_path(net.kim, f"/contacts/{row.id}"), data={"note": "MoU 검토", "rating": "4", "csrf_token": token}
    )
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"/contacts#c{row.id}")
    row = contact_of(net.kim, net.lee)
    assert (row.note, row.rating) == ("MoU 검토", 4)
    html = client.get(page).get_data(as_text=True)
    assert "MoU 검토" in html and '<option value="4" selected>' in html
    cleared = client.post(
        hub_path(net.kim, f"/contacts/{row.id}"), data={"note": "", "rating": "", "csrf_token": token}
    )
    assert cleared.status_code == 302
    row = contact_of(net.kim, net.lee)
    assert (row.note, row.rating) == ("", None)


@pytest.mark.parametrize(
    "data, message",
    [
        ({"note": "x", "rating": "0"}, "관심도는 1에서 5 사이로"),
        ({"note": "x", "rating": "6"}, "관심도는 1에서 5 사이로"),
        ({"note": "x", "rating": "x"}, "관심도는 1에서 5 사이로"),
        ({"note": "가" * 1001, "rating": "3"}, "메모는 1000자까지"),
    ],
)
def test_bad_input_on_the_contacts_page_is_a_korean_400(client, kim_phone, net, data, message):
    kim_phone.scan(contact_code(net.lee), note="그대로", rating=2)
    row = contact_of(net.kim, net.lee)
    token = csrf_token(client, hub_path(net.kim, "/contacts"))
    answer = client.post(hub_path(net.kim, f"/contacts/{row.id}"), data={**data, "csrf_token": token})
    assert answer.status_code == 400 and message in answer.get_data(as_text=True)
    row = contact_of(net.kim, net.lee)
    assert (row.note, row.rating) == ("그대로", 2)


def test_the_contacts_page_form_needs_its_csrf_token(client, kim_phone, net):
    kim_phone.scan(contact_code(net.lee))
    row = contact_of(net.kim, net.lee)
    assert client.post(hub_path(net.kim, f"/contacts/{row.id}"), data={"note": "x"}).status_code == 400
    assert contact_of(net.kim, net.lee).note == ""


def _profile(company, *, discoverable: bool, offers: str, seeks: str, fields: str = "") -> None:
    db.session.add(
        CompanyProfile(company_id=company.id, offers=offers, seeks=seeks, fields=fields, is_discoverable=discoverable)
    )
    db.session.flush()


def test_each_side_sees_the_others_details_and_a_discoverable_companys_profile(client, kim_phone, net):
    _profile(net.hanbit, discoverable=True, offers="AI 자막 엔진", seeks="방송사 판로", fields="AI, 미디어")
    tag = NetworkingTag(cluster_id=None, label_ko="판로", label_en="Sales channels")
    db.session.add(tag)
    db.session.flush()
    db.session.execute(profile_tags.insert().values(company_id=net.hanbit.id, tag_id=tag.id, side=ProfileSide.SEEK))
    _profile(net.nuri, discoverable=False, offers="숨긴 제공 내용", seeks="숨긴 희망 내용")
    db.session.commit()
    kim_phone.scan(contact_code(net.lee))

    kim_page = client.get(hub_path(net.kim, "/contacts")).get_data(as_text=True)
    for text in (
        "이한빛",
        "CTO",
        "한빛소프트",
        "lee@hanbit.example",
        "AI 자막 엔진",
        "방송사 판로",
        "AI, 미디어",
        "판로",
    ):
        assert text in kim_page
    assert "내가 찍음" in kim_page

    lee_page = client.get(hub_path(net.lee, "/contacts")).get_data(as_text=True)
    for text in ("김누리", "대표", "(주)누리미디어", "kim@nuri.example", "010-1111-2222", "상대방이 찍음"):
        assert text in lee_page
    assert "숨긴 제공 내용" not in lee_page and "기업 프로필" not in lee_page


def test_the_contacts_page_lists_only_ones_own_contacts(client, kim_phone, net):
    kim_phone.scan(contact_code(net.lee))
    park_page = client.get(hub_path(net.park, "/contacts")).get_data(as_text=True)
    assert "이한빛" not in park_page and "아직 교환한 명함이 없습니다" in park_page


def test_the_contacts_page_takes_a_fixed_number_of_queries(client, app, net):
    consent(net.kim)
    people = [make_registration(net.event, net.hanbit, name=f"참가자{i}") for i in range(12)]
    consent(*people)
    for person in people[:2]:
        db.session.add(
            Contact(event_id=net.event.id, owner_registration_id=net.kim.id, other_registration_id=person.id)
        )
    db.session.commit()
    few = _count_queries(lambda: client.get(hub_path(net.kim, "/contacts")))
    for person in people[2:]:
        db.session.add(
            Contact(event_id=net.event.id, owner_registration_id=net.kim.id, other_registration_id=person.id)
        )
    db.session.commit()
    many = _count_queries(lambda: client.get(hub_path(net.kim, "/contacts")))
    assert many == few, f"{few} queries for 2 contacts, {many} for 12"


def _count_queries(fn) -> int:
    response, statements = _statements_during(fn)
    assert response.status_code == 200
    return len(statements)


# --- the hub's part ------------------------------------------------------------------------------


def test_the_hub_offers_the_exchange_and_shows_the_last_contacts(client, kim_phone, net):
    html = client.get(hub_path(net.kim)).get_data(as_text=True)
    assert hub_path(net.kim, "/exchange") in html and "아직 교환한 명함이 없습니다" in html
    for other in (net.lee, net.park):
        kim_phone.scan(contact_code(other))
    html = client.get(hub_path(net.kim)).get_data(as_text=True)
    section = html[html.index('id="contacts"') :]
    assert "2명" in section and "이한빛" in section and "박누리" in section
    assert hub_path(net.kim, "/contacts") in section


def test_the_exchange_page_shows_ones_own_code_for_typing(client, net):
    consent(net.kim)
    html = client.get(hub_path(net.kim, "/exchange")).get_data(as_text=True)
    body = contact_code(net.kim)[len(CONTACT_PREFIX) :]
    assert "MOIMC: " + body[:4] + "-" + body[4:8] in html
    assert ticket_code(net.kim) not in html
    assert 'src="/static/js/networking/exchange.js"' in html


def test_contact_counts_stay_put_after_the_event(client, kim_phone, net):
    """Before, during and after: the contacts page works whatever the event's phase."""
    import datetime as dt

    kim_phone.scan(contact_code(net.lee))
    net.event.starts_at -= dt.timedelta(days=10)
    net.event.ends_at = net.event.starts_at + dt.timedelta(hours=2)
    db.session.commit()
    assert "이한빛" in client.get(hub_path(net.kim, "/contacts")).get_data(as_text=True)
    see_committed()
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 2


def test_an_old_ticket_without_a_contact_hash_gets_one_when_its_page_opens(client, kim_phone, net):
    lee = db.session.get(Registration, net.lee.id)
    lee.contact_hash = None
    db.session.commit()
    assert kim_phone.scan(contact_code(net.lee)).get_json()["result"] == "unknown_code"
    exchange_config(client, net.lee)  # 이한빛 opens his exchange page (and could show his code)
    assert kim_phone.scan(contact_code(net.lee)).get_json()["result"] == "exchanged"
