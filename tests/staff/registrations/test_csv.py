"""CSV export of the registrations: BOM, Korean headers, KST times, filters, formula escaping, file name."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import unquote

from app.exports import attachment_disposition, clean_filename, safe_cell
from app.extensions import db
from app.models import EventKind
from app.models.registration import AttendeeRole
from tests.factories import make_event, make_registration
from tests.helpers import login
from tests.staff.registrations.helpers import CONFIRMED

HEADER = [
    "대기 순번",
    "이름",
    "소속 기업",
    "구분",
    "클러스터",
    "직함",
    "이메일",
    "휴대전화",
    "상태",
    "신청 일시 (KST)",
    "취소 일시 (KST)",
    "개인정보 동의 버전",
]


def export(client, event_id, query=""):
    resp = client.get(f"/staff/events/{event_id}/registrations.csv{query}")
    assert resp.status_code == 200
    return resp


def table(resp) -> list[list[str]]:
    body = resp.get_data()
    assert body.startswith(b"\xef\xbb\xbf"), "no UTF-8 byte-order mark: Excel would garble Korean"
    return list(csv.reader(io.StringIO(body[3:].decode("utf-8"))))


def test_csv_has_bom_korean_headers_and_kst_times(client, world):
    login(client, world.dmc_staff.email)
    resp = export(client, world.event.id)
    assert resp.mimetype == "text/csv"
    assert "no-store" in resp.headers["Cache-Control"]
    rows = table(resp)
    assert rows[0] == HEADER
    by_name = {r[1]: dict(zip(HEADER, r, strict=True)) for r in rows[1:]}
    assert list(by_name) == ["김누리", "박동료", "이구로", "한첫대기", "정게스트", "최대기"]
    kim = by_name["김누리"]
    assert kim == {
        "대기 순번": "",
        "이름": "김누리",
        "소속 기업": "(주)누리미디어",
        "구분": "입주기업",
        "클러스터": "상암 DMC",
        "직함": "대표",
        "이메일": "kim@nuri.example",
        "휴대전화": "010-1234-5678",
        "상태": "확정",
        "신청 일시 (KST)": "2030-11-01 10:01:00",
        "취소 일시 (KST)": "",
        "개인정보 동의 버전": "2026-11",
    }
    assert by_name["정게스트"]["구분"] == "게스트" and by_name["정게스트"]["소속 기업"] == "바깥컨설팅"
    assert [by_name[n]["대기 순번"] for n in ("한첫대기", "정게스트", "최대기")] == ["1", "2", "3"]


def test_csv_honours_the_filters(client, world):
    login(client, world.admin.email)
    cancelled = table(export(client, world.event.id, "?status=cancelled"))
    assert [r[1] for r in cancelled[1:]] == ["취소된사람"]
    assert cancelled[1][HEADER.index("취소 일시 (KST)")] == "2030-11-01 10:06:00"
    assert [r[1] for r in table(export(client, world.event.id, "?company=누리"))[1:]] == ["김누리", "박동료"]
    assert [r[1] for r in table(export(client, world.event.id, "?cluster=guro&status=all"))[1:]] == [
        "이구로",
        "취소된사람",
    ]
    assert [r[1] for r in table(export(client, world.event.id, "?cluster=_guests"))[1:]] == ["정게스트"]
    assert len(table(export(client, world.event.id, "?status=bogus&page=zz&cluster=nope"))) == 1 + 0  # unknown cluster
    assert len(table(export(client, world.event.id, "?status=bogus"))) == 1 + 6  # default view


def test_csv_cells_cannot_run_as_formulas(client, world):
    make_registration(
        world.event,
        None,
        name='=HYPERLINK("http://evil.example","클릭")',
        status=CONFIRMED,
        guest_company_name="+cmd|' /C calc'!A0",
        job_title="-2+3",
        email="evil@example.com",
        consent_version="@SUM(1)",
    )
    db.session.commit()
    login(client, world.dmc_staff.email)
    row = next(r for r in table(export(client, world.event.id))[1:] if r[HEADER.index("이메일")] == "evil@example.com")
    values = dict(zip(HEADER, row, strict=True))
    assert values["이름"] == '\'=HYPERLINK("http://evil.example","클릭")'
    assert values["소속 기업"] == "'+cmd|' /C calc'!A0"
    assert values["직함"] == "'-2+3"
    assert values["개인정보 동의 버전"] == "'@SUM(1)"


def test_csv_filename_is_korean_with_the_event_date(client, world):
    login(client, world.dmc_staff.email)
    disposition = export(client, world.event.id).headers["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    fallback = re.search(r'filename="([^"]+)"', disposition).group(1)
    assert fallback == f"moim-event-{world.event.id}-2030-12-03-registrations.csv"
    assert fallback.isascii()
    encoded = re.search(r"filename\*=UTF-8''(\S+)", disposition).group(1)
    assert encoded.isascii() and "%" in encoded
    assert unquote(encoded) == "2030-12-03_DMC 송년 네트워킹_신청자 명단.csv"


def test_csv_of_a_council_meeting_has_the_role_column(client, world):
    council = make_event(world.dmc, kind=EventKind.COUNCIL)
    make_registration(council, world.nuri, name="의결대표", role=AttendeeRole.VOTER)
    db.session.commit()
    login(client, world.dmc_staff.email)
    rows = table(export(client, council.id))
    assert "협의회 참석 구분" in rows[0]
    assert rows[1][rows[0].index("협의회 참석 구분")] == "의결권 대표"


def test_export_helpers():
    assert safe_cell("=1+1") == "'=1+1" and safe_cell("\tx") == "'\tx" and safe_cell("누리") == "누리"
    assert safe_cell(3) == 3
    assert clean_filename('a/b\\c:d*e?"f<g>h|i\n') == "a b c d e f g h i"
    assert clean_filename("  ..제목.. ") == "제목"
    header = attachment_disposition("2030-12-03_송년회.csv", fallback="event 12 (송년).csv")
    assert header == (
        "attachment; filename=\"event-12-.csv\"; filename*=UTF-8''2030-12-03_%EC%86%A1%EB%85%84%ED%9A%8C.csv"
    )
