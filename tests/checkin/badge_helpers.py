"""Shared pieces of the badge tests: a small world of clusters, companies and people, and QR/badge readers."""

from __future__ import annotations

import dataclasses

from app.models import AttendeeRole, Role
from tests.factories import make_cluster, make_company, make_event, make_registration, make_user
from tests.helpers import MM, pdf_pages


@dataclasses.dataclass
class BadgeWorld:
    dmc: object
    magok: object
    event: object
    companies: dict
    regs: dict  # attendee name -> Registration
    admin: object
    host_staff: object
    other_staff: object
    member: object  # member of 다온미디어, registered 박서연
    other_member: object  # member of 가람테크, a company with no registration of its own at this event


def make_world() -> BadgeWorld:
    """An event of the DMC cluster with 9 confirmed badges, one waitlisted and one cancelled."""
    dmc = make_cluster("dmc", name_ko="상암 DMC", name_en="Sangam DMC")
    magok = make_cluster("magok", name_ko="마곡 R&D", name_en="Magok R&D")
    companies = {
        "다온": make_company(dmc, name="(주)다온미디어"),
        "가람": make_company(magok, name="가람테크"),
        "나래": make_company(dmc, name="주식회사 나래콘텐츠"),
        "마루": make_company(magok, name="마루랩"),
    }
    event = make_event(dmc, title_ko="DMC 입주기업 네트워킹 나이트", capacity=40)
    member = make_user(Role.MEMBER, company=companies["다온"], name="박서연", email="seoyeon@daon.example")
    other_member = make_user(Role.MEMBER, company=make_company(dmc, name="타사기업"), email="other@example.com")
    people = [
        ("박서연", "다온", AttendeeRole.VOTER),
        ("강민준", "다온", AttendeeRole.ATTENDEE),
        ("최지우", "가람", AttendeeRole.SPEAKER),
        ("이하은", "가람", AttendeeRole.ATTENDEE),
        ("정도윤", "나래", AttendeeRole.OBSERVER),
        ("김예린", "나래", AttendeeRole.STAFF),
        ("한소율", "마루", AttendeeRole.ATTENDEE),
        ("윤건우", "마루", AttendeeRole.ATTENDEE),
    ]
    regs = {}
    for name, company, role in people:
        regs[name] = make_registration(
            event, companies[company], name=name, role=role, registered_by=member if company == "다온" else None
        )
    # A guest firm: sorts among the companies by its own name (바른솔루션 after 마루랩).
    regs["오지호"] = make_registration(
        event, None, name="오지호", guest_company_name="(주)바른솔루션", mobile="010-1234-5678"
    )
    from app.models import RegistrationStatus

    regs["서대기"] = make_registration(event, companies["다온"], name="서대기", status=RegistrationStatus.WAITLISTED)
    regs["임취소"] = make_registration(event, companies["다온"], name="임취소", status=RegistrationStatus.CANCELLED)
    admin = make_user(Role.ADMIN, email="admin@example.com")
    host_staff = make_user(Role.STAFF, clusters=[dmc], email="staff-dmc@example.com")
    other_staff = make_user(Role.STAFF, clusters=[magok], email="staff-magok@example.com")
    return BadgeWorld(dmc, magok, event, companies, regs, admin, host_staff, other_staff, member, other_member)


CONFIRMED = ["박서연", "강민준", "최지우", "이하은", "정도윤", "김예린", "한소율", "윤건우", "오지호"]


def _slot(layout: str, x_mm: float, top_mm: float) -> int | None:
    """Which badge of an A4 sheet a point (from the sheet's top left) belongs to."""
    if layout == "a6":
        return (1 if top_mm >= 148.5 else 0) * 2 + (1 if x_mm >= 105 else 0)
    if layout == "insert":
        row = int((top_mm - 28.5) // 60)
        return row * 2 + (1 if x_mm >= 105 else 0) if 0 <= row < 4 and 15 <= x_mm <= 195 else None
    return 0


def badge_texts(data: bytes, layout: str) -> list[str]:
    """The text of each badge, in print order (sheet by sheet, left to right, top to bottom),
    found by where on the sheet pypdf sees each piece of text."""
    per_page = {"a6": 4, "insert": 8}.get(layout, 1)
    out: list[str] = []
    for page in pdf_pages(data):
        height = float(page.mediabox.height)
        pieces: dict[int, list[tuple[float, float, str]]] = {}

        def visit(text, cm, tm, _font, _size):  # noqa: B023  (called within this iteration)
            if not text.strip():
                return
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            slot = _slot(layout, x / MM, (height - y) / MM)  # noqa: B023
            if slot is not None:
                pieces.setdefault(slot, []).append((height - y, x, text.strip()))  # noqa: B023

        page.extract_text(visitor_text=visit)
        for slot in range(per_page):
            if slot in pieces:
                out.append(" ".join(t for _top, _x, t in sorted(pieces[slot])))
    return out
