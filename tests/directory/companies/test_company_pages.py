"""Company page, create, edit, deactivate, export: allowed and denied for every role."""

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.extensions import db
from app.models import Company, EventKind
from tests.conftest import csrf_token
from tests.factories import make_checkin, make_event, make_registration
from tests.helpers import login, post_form, see_committed

# ---------------------------------------------------------------- company page


@pytest.mark.parametrize("email", ["admin@example.com", "dmc.staff@example.com", "kim@nuri.example"])
def test_private_company_page_for_its_staff_admin_and_own_members(client, world, email):
    login(client, email)
    resp = client.get(f"/directory/companies/{world.nuri.id}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "124-81-00998" in html and "nuri@example.com" in html and "kim@nuri.example" in html


def test_staff_of_another_cluster_see_only_public_facts(client, world):
    login(client, "guro.staff@example.com")
    resp = client.get(f"/directory/companies/{world.nuri.id}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "(주)누리미디어랩" in html and "상암 DMC" in html
    for secret in ("124-81-00998", "nuri@example.com", "kim@nuri.example", "010-1111-2222", "김누리"):
        assert secret not in html


def test_member_of_another_company_is_refused(client, world):
    login(client, "park@dongjin.example")
    assert client.get(f"/directory/companies/{world.nuri.id}").status_code == 403
    assert client.get(f"/directory/companies/{world.dongjin.id}").status_code == 200


def test_anonymous_and_unknown(client, world):
    assert client.get(f"/directory/companies/{world.nuri.id}").status_code == 302
    login(client, "admin@example.com")
    assert client.get("/directory/companies/999999").status_code == 404


def test_attendance_history_lists_registrations_and_checkins(client, world):
    event = make_event(world.dmc, title_ko="DMC 송년 네트워킹", kind=EventKind.NETWORKING)
    attended = make_registration(event, company=world.nuri, name="김누리")
    make_checkin(attended)
    make_registration(event, company=world.nuri, name="이결석")
    make_registration(event, company=world.garam, name="다른회사사람")
    db.session.commit()
    login(client, "kim@nuri.example")
    html = client.get(f"/directory/companies/{world.nuri.id}").get_data(as_text=True)
    assert "DMC 송년 네트워킹" in html and "김누리" in html and "이결석" in html
    assert "다른회사사람" not in html


def test_empty_history_has_a_friendly_message(client, world):
    login(client, "dmc.staff@example.com")
    html = client.get(f"/directory/companies/{world.garam.id}").get_data(as_text=True)
    assert "아직 참가한 행사가 없습니다" in html


# ---------------------------------------------------------------- create / edit


def company_form(**overrides):
    data = {
        "name": "(주)새벽XR",
        "name_en": "Saebyeok XR",
        "brn": "120-81-47521",
        "industry": "XR 콘텐츠",
        "website": "",
        "description": "",
        "contact_name": "최새벽",
        "contact_email": "Dawn@Example.com",
        "contact_mobile": "01098765432",
        "council_joined_on": "",
    }
    data.update(overrides)
    return data


def test_staff_create_a_company_in_their_cluster(client, world):
    login(client, "dmc.staff@example.com")
    resp = post_form(
        client, "/directory/companies/new", company_form(cluster_id=world.dmc.id), token_from="/directory/companies/new"
    )
    assert resp.status_code == 302
    see_committed()
    company = db.session.scalar(select(Company).where(Company.brn == "1208147521"))
    assert company.cluster_id == world.dmc.id and company.sort_name == "새벽xr"
    assert company.contact_email == "dawn@example.com" and company.contact_mobile == "010-9876-5432"


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"brn": "120-81-47522"}, "검증번호가 맞지 않습니다"),
        ({"brn": "12345"}, "10자리"),
        ({"brn": "124-81-00998"}, "이미 등록된 사업자등록번호"),
        ({"brn": "220-81-62517"}, "이미 다른 클러스터에 등록된"),
        ({"name": ""}, "기업명을 입력해 주세요"),
        ({"contact_mobile": "02-123-4567"}, "휴대전화 번호 형식"),
        ({"contact_email": "not-an-email"}, "이메일 주소 형식"),
        ({"is_council_member": "y", "council_joined_on": "2999-01-01"}, "오늘 이후일 수 없습니다"),
    ],
)
def test_bad_company_input_is_explained_and_changes_nothing(client, world, overrides, message):
    login(client, "dmc.staff@example.com")
    before = db.session.scalar(select(db.func.count()).select_from(Company))
    resp = post_form(
        client,
        "/directory/companies/new",
        company_form(cluster_id=world.dmc.id, **overrides),
        token_from="/directory/companies/new",
    )
    assert resp.status_code == 400
    assert message in resp.get_data(as_text=True)
    see_committed()
    assert db.session.scalar(select(db.func.count()).select_from(Company)) == before


def test_staff_cannot_create_in_another_cluster(client, world):
    login(client, "dmc.staff@example.com")
    resp = post_form(
        client,
        "/directory/companies/new",
        company_form(cluster_id=world.guro.id),
        token_from="/directory/companies/new",
    )
    assert resp.status_code == 400
    see_committed()
    assert db.session.scalar(select(Company).where(Company.brn == "1208147521")) is None


def test_members_cannot_create_companies(client, world):
    login(client, "kim@nuri.example")
    assert client.get("/directory/companies/new").status_code == 403


def test_create_without_csrf_is_rejected(client, world):
    login(client, "dmc.staff@example.com")
    resp = client.post("/directory/companies/new", data=company_form(cluster_id=world.dmc.id))
    assert resp.status_code == 400


def test_edit_allowed_for_own_staff_and_admin_only(app, client, world):
    path = f"/directory/companies/{world.nuri.id}/edit"
    for email in ("guro.staff@example.com", "kim@nuri.example"):
        browser = app.test_client()
        login(browser, email)
        assert browser.get(path).status_code == 403
    admin = app.test_client()
    login(admin, "admin@example.com")
    assert admin.get(path).status_code == 200
    login(client, "dmc.staff@example.com")
    resp = post_form(
        client,
        path,
        company_form(cluster_id=world.dmc.id, name="(주)누리미디어랩스", brn="124-81-00998"),
        token_from=path,
    )
    assert resp.status_code == 302
    see_committed()
    assert db.session.get(Company, world.nuri.id).name == "(주)누리미디어랩스"


# ---------------------------------------------------------------- deactivate


def test_deactivate_needs_confirmation_and_keeps_history(client, world):
    event = make_event(world.dmc)
    make_registration(event, company=world.nuri)
    db.session.commit()
    login(client, "dmc.staff@example.com")
    path = f"/directory/companies/{world.nuri.id}/deactivate"
    page = client.get(path)
    assert page.status_code == 200 and "비활성화할까요" in page.get_data(as_text=True)
    see_committed()
    assert db.session.get(Company, world.nuri.id).is_active  # a GET changes nothing
    assert post_form(client, path, {}, token_from=path).status_code == 302
    see_committed()
    company = db.session.get(Company, world.nuri.id)
    assert company is not None and not company.is_active
    # Reactivate.
    token = csrf_token(client, f"/directory/companies/{world.nuri.id}")
    client.post(f"/directory/companies/{world.nuri.id}/reactivate", data={"csrf_token": token})
    see_committed()
    assert db.session.get(Company, world.nuri.id).is_active


def test_other_cluster_staff_cannot_deactivate(client, world):
    login(client, "guro.staff@example.com")
    path = f"/directory/companies/{world.nuri.id}/deactivate"
    assert client.get(path).status_code == 403
    assert client.post(path, data={"csrf_token": csrf_token(client, "/")}).status_code == 403
    see_committed()
    assert db.session.get(Company, world.nuri.id).is_active


# ---------------------------------------------------------------- export


def test_xlsx_export_follows_filters_and_privacy(client, world):
    login(client, "dmc.staff@example.com")
    resp = client.get("/directory/companies/export.xlsx")
    assert resp.status_code == 200 and "attachment" in resp.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(resp.data)).active
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert sheet.cell(1, 1).value == "기업명"
    assert rows["(주)누리미디어랩"][3] == "124-81-00998" and rows["(주)누리미디어랩"][9] == "nuri@example.com"
    assert rows["(주)동진정밀"][2] == "구로 G밸리"
    assert not any(rows["(주)동진정밀"][3:12])  # nothing private from another cluster
    filtered = load_workbook(io.BytesIO(client.get("/directory/companies/export.xlsx?council=yes").data)).active
    assert [r[0] for r in filtered.iter_rows(min_row=2, values_only=True)] == ["(주)누리미디어랩"]


def test_csv_export_has_bom_korean_and_no_formulas(client, world):
    world.garam.contact_name = '=HYPERLINK("http://evil")'
    db.session.commit()
    login(client, "dmc.staff@example.com")
    resp = client.get("/directory/companies/export.csv?cluster=dmc")
    assert resp.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
    assert rows[0][0] == "기업명"
    by_name = {r[0]: r for r in rows[1:]}
    assert set(by_name) == {"(주)누리미디어랩", "가람이앤엠"}
    assert by_name["가람이앤엠"][8].startswith("'=")


def test_export_denied_to_members_and_bad_format_404(app, client, world):
    member = app.test_client()
    login(member, "kim@nuri.example")
    assert member.get("/directory/companies/export.xlsx").status_code == 403
    assert app.test_client().get("/directory/companies/export.xlsx").status_code == 302
    login(client, "admin@example.com")
    assert client.get("/directory/companies/export.pdf").status_code == 404
