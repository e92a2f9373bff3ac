"""A door world: a published networking night starting in 30 minutes (doors are open), its people
in every state, another event, staff of the host and of another cluster, and a scanner link."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json

import pytest

from app.checkin.devices import create_device
from app.events.tickets import issue_ticket
from app.extensions import db
from app.models import AttendeeRole, Cluster, Company, Event, Registration, RegistrationStatus, Role, User, utcnow
from tests.factories import make_cluster, make_company, make_event, make_registration, make_user
from tests.helpers import login

_nonces = itertools.count(1)


def new_nonce() -> str:
    return f"test-nonce-{next(_nonces):06d}"


@dataclasses.dataclass
class DoorWorld:
    dmc: Cluster
    guro: Cluster
    company: Company
    event: Event
    other_event: Event
    confirmed: Registration
    voter: Registration
    guest: Registration
    waitlisted: Registration
    cancelled: Registration
    elsewhere: Registration
    codes: dict
    admin: User
    dmc_staff: User
    guro_staff: User
    member: User
    device_token: str
    device_id: int


@pytest.fixture
def door(app) -> DoorWorld:
    dmc = make_cluster("dmc", name_ko="상암 DMC", name_en="Sangam DMC")
    guro = make_cluster("guro", name_ko="구로 G밸리", name_en="Guro G-Valley")
    company = make_company(dmc, name="(주)상암미디어")
    event = make_event(dmc, starts_in=dt.timedelta(minutes=30), title_ko="상암 네트워킹 나이트")
    other_event = make_event(guro, starts_in=dt.timedelta(days=3), title_ko="구로 포럼")
    codes = {}

    def reg(key, event_, **kw):
        registration = make_registration(event_, **kw)
        codes[key] = issue_ticket(registration)
        return registration

    confirmed = reg("confirmed", event, company=company, name="김민수", mobile="010-1234-5678")
    voter = reg("voter", event, company=company, name="박지영", role=AttendeeRole.SPEAKER, mobile="010-2222-9876")
    guest = reg("guest", event, name="이게스트", guest_company_name="외부랩", guest_brn="1234567891")
    waitlisted = reg("waitlisted", event, company=company, name="최대기", status=RegistrationStatus.WAITLISTED)
    cancelled = reg("cancelled", event, company=company, name="정취소", status=RegistrationStatus.CANCELLED)
    elsewhere = reg("elsewhere", other_event, name="구로참가자")
    admin = make_user(Role.ADMIN, email="admin@example.com")
    dmc_staff = make_user(Role.STAFF, clusters=[dmc], email="dmc@example.com")
    guro_staff = make_user(Role.STAFF, clusters=[guro], email="guro@example.com")
    member = make_user(Role.MEMBER, company=company, email="member@example.com")
    device, token = create_device(event, gate="A게이트", valid_hours=12, created_by_id=dmc_staff.id, now=utcnow())
    db.session.commit()
    return DoorWorld(
        dmc,
        guro,
        company,
        event,
        other_event,
        confirmed,
        voter,
        guest,
        waitlisted,
        cancelled,
        elsewhere,
        codes,
        admin,
        dmc_staff,
        guro_staff,
        member,
        token,
        device.id,
    )


def staff_csrf(client, event_id: int) -> str:
    """The CSRF token the staff scanner page hands its script."""
    html = client.get(f"/staff/events/{event_id}/scanner").get_data(as_text=True)
    start = html.index('id="scanner-config"')
    body = html[html.index(">", start) + 1 : html.index("</script>", start)]
    return json.loads(body)["csrf_token"]


class Scanner:
    """Posts scans as the scanner page does: as staff (cookie + CSRF header) or as a device."""

    def __init__(self, client, event_id: int, *, device_token: str | None = None, csrf: str | None = None):
        self.client, self.event_id, self.device_token, self.csrf = client, event_id, device_token, csrf

    def headers(self) -> dict:
        if self.device_token is not None:
            return {"X-Door-Token": self.device_token}
        return {"X-CSRFToken": self.csrf} if self.csrf else {}

    def post(self, path: str, body: dict, event_id: int | None = None):
        return self.client.post(
            f"/api/checkin/events/{event_id or self.event_id}/{path}", json=body, headers=self.headers()
        )

    def scan(self, code=None, *, nonce=None, event_id=None, **fields):
        body = {"nonce": nonce or new_nonce(), **fields}
        if code is not None:
            body["code"] = code
        return self.post("scan", body, event_id)

    def search(self, q: str, event_id: int | None = None):
        return self.client.get(
            f"/api/checkin/events/{event_id or self.event_id}/search", query_string={"q": q}, headers=self.headers()
        )

    def undo(self, registration_id: int, nonce=None):
        return self.post("undo", {"registration_id": registration_id, "nonce": nonce or new_nonce()})


@pytest.fixture
def device_scanner(client, door) -> Scanner:
    return Scanner(client, door.event.id, device_token=door.device_token)


@pytest.fixture
def staff_scanner(client, door) -> Scanner:
    login(client, door.dmc_staff.email)
    return Scanner(client, door.event.id, csrf=staff_csrf(client, door.event.id))
