"""The contacts exports: one vCard 3.0 file with every contact (read back with vobject) and an XLSX
sheet (read back with openpyxl); each holds the owner's own notes only."""

from __future__ import annotations

import io

import vobject
from openpyxl import load_workbook

from app.events.tickets import contact_code
from app.extensions import db
from app.models import CompanyProfile, Registration
from app.networking import contacts
from tests.networking.conftest import consent, hub_path
from tests.networking.test_contacts import Phone


def exchanged(client, net) -> None:
    consent(net.kim, net.lee, net.guest)
    db.session.add(
        CompanyProfile(company_id=net.hanbit.id, offers="AI 자막", seeks="판로", fields="AI", is_discoverable=True)
    )
    guest = db.session.get(Registration, net.guest.id)
    guest.job_title = "수석; 컨설턴트, 파트너"  # separators a vCard must escape
    guest.mobile = "010-3333-4444"
    db.session.commit()
    kim = Phone(client, net.kim)
    kim.scan(contact_code(net.lee), note="공동 R&D;\n다음 주 미팅, 꼭", rating=5)
    kim.scan(contact_code(net.guest))


def test_the_vcard_file_holds_every_contact_and_parses(client, net):
    exchanged(client, net)
    response = client.get(hub_path(net.kim, "/contacts.vcf"))
    assert response.status_code == 200
    assert response.mimetype == "text/vcard" and response.mimetype_params["charset"] == "utf-8"
    assert "filename*=UTF-8''%EB%AA%85%ED%95%A8_" in response.headers["Content-Disposition"]
    assert "no-store" in response.headers["Cache-Control"]
    text = response.get_data().decode("utf-8")
    assert "\r\n" in text and all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    cards = list(vobject.readComponents(text))
    assert len(cards) == 2
    by_name = {card.fn.value: card for card in cards}
    assert set(by_name) == {"이한빛", "정게스트"}
    lee = by_name["이한빛"]
    assert lee.version.value == "3.0"
    assert lee.org.value == ["한빛소프트"]
    assert lee.title.value == "CTO"
    assert lee.email.value == "lee@hanbit.example"
    assert "DMC 네트워킹 나이트" in lee.note.value
    assert "공동 R&D;\n다음 주 미팅, 꼭" in lee.note.value and "★★★★★" in lee.note.value
    guest = by_name["정게스트"]
    assert guest.title.value == "수석; 컨설턴트, 파트너"
    assert guest.tel.value == "010-3333-4444" and guest.tel.params["TYPE"] == ["CELL"]
    assert guest.org.value == ["바깥컨설팅"]


def test_the_other_sides_vcard_has_no_note_of_the_scanner(client, net):
    exchanged(client, net)
    text = client.get(hub_path(net.lee, "/contacts.vcf")).get_data().decode("utf-8")
    [card] = list(vobject.readComponents(text))
    assert card.fn.value == "김누리" and card.tel.value == "010-1111-2222"
    assert "다음 주 미팅" not in text and "★" not in text


def test_a_long_korean_note_folds_on_character_boundaries(app, net):
    line = "NOTE:" + "가나다라마바사아자차카타파하" * 10
    folded = contacts._fold(line)
    parts = folded.split("\r\n")
    assert len(parts) > 1 and all(len(p.encode("utf-8")) <= 75 for p in parts)
    assert "".join(p[1:] if i else p for i, p in enumerate(parts)) == line


def test_no_contacts_gives_an_empty_vcard(client, net):
    consent(net.kim)
    response = client.get(hub_path(net.kim, "/contacts.vcf"))
    assert response.status_code == 200 and response.get_data() == b""


def test_the_xlsx_sheet(client, net):
    exchanged(client, net)
    response = client.get(hub_path(net.kim, "/contacts.xlsx"))
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:8] == ("이름", "직함", "회사", "이메일", "휴대전화", "교환 일시", "관심도 (1-5)", "내 메모")
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"이한빛", "정게스트"}
    lee = by_name["이한빛"]
    assert lee[1:4] == ("CTO", "한빛소프트", "lee@hanbit.example")
    assert lee[6] == 5 and lee[7] == "공동 R&D;\n다음 주 미팅, 꼭"
    assert lee[8:11] == ("AI", "AI 자막", "판로")  # the discoverable profile
    assert lee[5] is not None and lee[5].tzinfo is None  # a Seoul time Excel can read
    assert by_name["정게스트"][4] == "010-3333-4444"


def test_the_xlsx_cells_are_formula_safe(client, net):
    consent(net.kim, net.lee)
    Phone(client, net.kim).scan(contact_code(net.lee), note='=HYPERLINK("http://evil")')
    sheet = load_workbook(io.BytesIO(client.get(hub_path(net.kim, "/contacts.xlsx")).get_data())).active
    assert sheet["H2"].value.startswith("'=")
