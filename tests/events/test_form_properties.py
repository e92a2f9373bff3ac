"""Property tests (hypothesis): arbitrary input to the RSVP, guest and staff event forms never
causes a 500, a refused form writes nothing, and an accepted one writes only complete rows.

Hypothesis runs each test's examples inside one test function: the `app`/`client` fixtures and
the test data are built once per test, and every example resets what the previous one wrote
(registrations, mail) before posting. So the examples are independent although the fixtures are
function-scoped; the inner `@given` function takes no fixtures, which is why no health check needs
suppressing. Runs are derandomized (same examples every run, no example database written) so CI
sees the same inputs as a developer.
"""

from __future__ import annotations

import datetime as dt
import os
import string
from types import SimpleNamespace

import pytest
from email_validator import validate_email
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select
from werkzeug.datastructures import MultiDict

from app.events.consent import CONSENT_VERSION
from app.extensions import db, limiter
from app.models import (
    Cluster,
    Event,
    EventKind,
    EventStatus,
    OutboxMessage,
    Registration,
    RegistrationStatus,
    ResearchGroup,
    Role,
)
from app.validators import is_valid_brn
from tests.conftest import csrf_token
from tests.factories import PASSWORD, make_cluster, make_company, make_event, make_registration, make_user, valid_brn
from tests.helpers import post_form, see_committed

# 80 examples per test keeps each under ~15 s on SQLite. MOIM_PROPERTY_EXAMPLES=2000 explores
# further (still derandomized) when changing the forms.
PROPERTY_SETTINGS = settings(
    max_examples=int(os.environ.get("MOIM_PROPERTY_EXAMPLES", "80")),
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=False,
)
OK_STATUSES = {200, 302, 400}


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()  # a field left out of the form


# --- input strategies --------------------------------------------------------------------

SPECIAL_VALUES = [
    "",
    " ",
    "\t",
    "\r\n",
    "\u3000",
    "\u00a0",
    "\u200b",
    "\ufeff",
    "\u202e",
    "\x00",
    "a\x00b",
    "김\x00누리",
    "0",
    "-1",
    "1e3",
    "007",
    "99999999999999999999",
    "-99999999999999999999",
    "NaN",
    "inf",
    "0x10",
    "1_000",
    "１２",
    "٣",
    "y",
    "n",
    "on",
    "off",
    "true",
    "false",
    "None",
    "null",
    "😀",
    "👩‍💻",
    "🇰🇷",
    "ｋｉｍ＠ｅｘａｍｐｌｅ．ｃｏｍ",
    "kim@exаmple.com",
    "ΚΙΜ@EXAMPLE.COM",
    "kim@example.com ",
    "０１０-１２３４-５６７８",
    "010-1234-5678",
    "01012345678",
    "010-123-4567",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%s%n",
    "{{ 7*7 }}",
    "../../etc/passwd",
    "İ",
    "ß",
    "ﬁ",
    "Å",
]

hangul = st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3)
emoji = st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF)
long_text = st.builds(
    lambda s, n: s * n,
    st.sampled_from(["가", "a", "😀", " ", "x\x00", "ﬁ"]),
    st.integers(min_value=90, max_value=12_000),
)

# Any value a browser (or a script) could put in a form field.
any_value = st.one_of(
    st.sampled_from(SPECIAL_VALUES),
    st.text(max_size=40),
    st.text(alphabet=hangul, max_size=30),
    st.text(alphabet=st.one_of(emoji, hangul, st.sampled_from(" -.@")), max_size=20),
    st.integers().map(str),
    st.floats().map(str),
    long_text,
)

valid_name = st.one_of(
    st.sampled_from(["김누리", "Lee Hanbit", "박 지성", "O'Brien", "이"]),
    st.text(alphabet=hangul, min_size=1, max_size=10),
)
valid_email = st.builds(
    "{}@{}".format,
    st.text(alphabet=string.ascii_lowercase + string.digits + "._+", min_size=1, max_size=12).filter(
        lambda s: s[0] not in "._" and s[-1] not in "._" and ".." not in s
    ),
    st.sampled_from(["example.com", "nuri.co.kr", "xn--vk1b187a.com", "한국.kr"]),
)
valid_mobile = st.one_of(
    st.sampled_from(["", "010-1234-5678", "01098765432", "011-123-4567", " 010 2222 3333 "]),
    st.from_regex(r"01[016789]-?\d{3,4}-?\d{4}", fullmatch=True),
)


@st.composite
def mutated(draw, good: dict, odd: dict | None = None, extra_names=()):
    """A form that starts valid (`good`: field name -> strategy of valid values), then has a
    few fields dropped, repeated, or replaced by arbitrary values or by the field's own edge
    cases (`odd`), and maybe unexpected fields added. Hypothesis shrinks towards no mutation,
    so a failure is reported with the fewest odd fields."""
    odd = odd or {}
    form = {name: draw(strategy) for name, strategy in good.items()}
    for name in draw(st.lists(st.sampled_from(sorted(good) + list(extra_names)), max_size=4)):
        one = st.one_of(good.get(name, any_value), odd.get(name, any_value), any_value)
        form[name] = draw(
            st.one_of(
                st.just(MISSING),
                any_value,
                odd.get(name, any_value),
                odd.get(name, any_value),
                st.lists(one, min_size=2, max_size=3),
            )
        )
    return form


def as_form(fields: dict) -> MultiDict:
    form = MultiDict()
    for name, value in fields.items():
        if value is MISSING:
            continue
        for item in value if isinstance(value, list) else [value]:
            if item is not MISSING:
                form.add(name, item)
    return form


def has_nul(form: MultiDict) -> bool:
    return any("\x00" in key or "\x00" in value for key, value in form.items(multi=True))


# --- reading the database ----------------------------------------------------------------


def counts() -> dict:
    see_committed()
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Registration, Event, OutboxMessage)
    }


def registrations_of(event_id: int) -> list[Registration]:
    see_committed()
    return list(
        db.session.scalars(select(Registration).where(Registration.event_id == event_id).order_by(Registration.id))
    )


def reset_registrations() -> None:
    """Undo the previous example: no registrations, no mail."""
    see_committed()
    db.session.execute(delete(Registration))
    db.session.execute(delete(OutboxMessage))
    db.session.commit()
    limiter.reset()


def assert_no_nul(row) -> None:
    for column in row.__table__.columns:
        value = getattr(row, column.key)
        assert not (isinstance(value, str) and "\x00" in value), f"NUL stored in {column.key}"


def assert_complete(reg: Registration) -> None:
    """A registration as the services write it: never half-written."""
    assert reg.name and reg.name == reg.name.strip()
    validate_email(reg.email, check_deliverability=False)
    assert reg.consent_version == CONSENT_VERSION and reg.consented_at is not None
    assert reg.ticket_salt and len(reg.ticket_hash) == 64
    assert reg.status in (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)
    assert_no_nul(reg)


def assert_refusal_wrote_nothing(resp, form, before: dict) -> None:
    assert resp.status_code in OK_STATUSES, f"status {resp.status_code} for {form!r}"
    if has_nul(form):
        assert resp.status_code == 400, "a NUL byte in the input must be refused"
    if resp.status_code == 400:
        assert counts() == before, "a refused form changed the database"


# --- (1) the company RSVP form -----------------------------------------------------------

ROW_INDEXES = [0, 1, 2, 4, 5, 9, 10**20]


@st.composite
def rsvp_forms(draw):
    indexes = draw(st.one_of(st.just([0]), st.lists(st.sampled_from(ROW_INDEXES), min_size=1, max_size=4, unique=True)))
    good = {"consent": st.just("y")}
    for i in indexes:
        good.update(
            {
                f"attendees-{i}-name": valid_name,
                f"attendees-{i}-email": valid_email,
                f"attendees-{i}-mobile": valid_mobile,
                f"attendees-{i}-job_title": st.sampled_from(["", "대표", "CTO"]),
                # Council meetings need a role (one voter per company); other events ignore it.
                f"attendees-{i}-role": st.sampled_from(["observer", "observer", "voter"]),
            }
        )
    extra = ["attendees", "attendees-0", "attendees--1-name", "attendees-x-name", "attendees-3-email", "submit"]
    return draw(mutated(good, extra_names=extra))


@pytest.fixture
def rsvp_world(app, client):
    dmc = make_cluster("dmc", name_ko="상암 DMC")
    nuri = make_company(dmc, name="누리미디어", is_council_member=True)
    w = SimpleNamespace(
        company_id=nuri.id,
        networking=make_event(dmc, title_ko="DMC 송년 네트워킹", capacity=2).id,
        council=make_event(dmc, kind=EventKind.COUNCIL, title_ko="협의회 정기회의", capacity=2, seats_per_company=3).id,
    )
    member = make_user(company=nuri, email="kim@nuri.example", name="김누리")
    db.session.commit()
    post_form(client, "/auth/login", {"email": member.email, "password": PASSWORD})
    w.token = csrf_token(client, f"/events/{w.networking}")
    return w


def test_rsvp_form_never_fails_or_half_writes(client, rsvp_world):
    w = rsvp_world
    seen = {"accepted": 0, "refused": 0}

    @PROPERTY_SETTINGS
    @given(kind=st.sampled_from(["networking", "council"]), data=rsvp_forms())
    def check(kind, data):
        event_id = getattr(w, kind)
        reset_registrations()
        form = as_form(data)
        form["csrf_token"] = w.token
        before = counts()

        resp = client.post(f"/events/{event_id}/register", data=form)

        assert_refusal_wrote_nothing(resp, form, before)
        after = counts()
        written = registrations_of(event_id)
        if resp.status_code == 302:
            seen["accepted"] += 1
            assert written and after["Registration"] == before["Registration"] + len(written)
            assert after["OutboxMessage"] == before["OutboxMessage"] + len(written)  # one mail per person
            confirmed = sum(r.status == RegistrationStatus.CONFIRMED for r in written)
            assert confirmed == min(len(written), 2)  # capacity 2, then the waitlist
            for reg in written:
                assert_complete(reg)
                assert reg.company_id == w.company_id
        else:
            seen["refused"] += 1
            assert written == []

    check()
    # The strategy must reach both outcomes, or the properties above prove little.
    assert seen["accepted"] >= 3 and seen["refused"] >= 3, seen


# --- (2) the staff event form ------------------------------------------------------------

DT_FORMAT = "%Y-%m-%dT%H:%M"

# Any date the form's format can express, year 0001 to 9999 (strftime does not pad years < 1000).
any_datetime_text = st.one_of(
    st.sampled_from(
        [
            "0001-01-01T00:00",
            "0001-01-01T08:59",
            "9999-12-31T23:59",
            "9999-12-31T09:00",
            "9999-12-01T10:00",
            "1970-01-01T00:00",
            "2027-02-29T10:00",
            "2027-01-12T25:00",
            "2027-01-12 19:00",
            "2027-01-12T19:00:00",
            "2027-01-12T19:00Z",
            "+2027-01-12T19:00",
        ]
    ),
    st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31, 23, 59)).map(
        lambda d: f"{d.year:04d}-{d.month:02d}-{d.day:02d}T{d.hour:02d}:{d.minute:02d}"
    ),
)
soon_text = st.integers(min_value=-48, max_value=24 * 400).map(
    lambda h: (dt.datetime(2027, 1, 12, 19, 0) + dt.timedelta(hours=h)).strftime(DT_FORMAT)
)


@st.composite
def event_forms(draw, ids, new: bool):
    """Staff event form data: a valid form, then mutated with each field's edge cases."""
    start = draw(soon_text)
    hours = draw(st.integers(min_value=1, max_value=72))
    end = (dt.datetime.strptime(start, DT_FORMAT) + dt.timedelta(hours=hours)).strftime(DT_FORMAT)
    cluster_ids = [str(i) for i in ids.clusters]
    odd_ids = st.sampled_from(["0", "-1", "2147483647", "2147483648", "99999999999999999999", "1.0", "１"])
    odd_number = st.one_of(
        st.integers(min_value=-3, max_value=500).map(str),
        st.sampled_from(["", "0", "2147483647", "2147483648", "10" * 12, "1.5", "٣"]),
    )
    odd_date = st.one_of(any_datetime_text, soon_text)
    good = {
        "kind": st.sampled_from(["networking", "networking", "networking", "council"]),
        "host_cluster_id": st.sampled_from(cluster_ids),
        "research_group_id": st.just("0"),
        "participating_cluster_ids": st.just([]),
        "title_ko": valid_name.map(lambda s: f"{s} 네트워킹"),
        "title_en": st.sampled_from(["", "Networking night"]),
        "description_ko": st.text(max_size=50),
        "description_en": st.just(""),
        "starts_at": st.just(start),
        "ends_at": st.just(end),
        "venue_name": st.just("DMC 첨단산업센터"),
        "venue_address": st.just("서울특별시 마포구 매봉산로 37"),
        "capacity": st.sampled_from(["40", "1", "300"]),
        "seats_per_company": st.sampled_from(["", "", "3"]),
        "registration_opens_at": st.just(""),
        "registration_closes_at": st.one_of(st.just(""), st.just(start)),
        "open_to_guests": st.sampled_from([MISSING, "y"]),
        "open_to_all_clusters": st.sampled_from([MISSING, "y"]),
        "allows_observers": st.sampled_from([MISSING, "y"]),
    }
    odd = {
        "kind": st.sampled_from([k.value for k in EventKind] + ["NETWORKING", "other"]),
        "host_cluster_id": st.one_of(odd_ids, st.sampled_from(cluster_ids)),
        "research_group_id": st.one_of(odd_ids, st.just(str(ids.group))),
        "participating_cluster_ids": st.lists(st.one_of(st.sampled_from(cluster_ids), odd_ids), max_size=3),
        "title_ko": long_text,
        "description_ko": long_text,
        "starts_at": odd_date,
        "ends_at": odd_date,
        "registration_opens_at": odd_date,
        "registration_closes_at": odd_date,
        "capacity": odd_number,
        "seats_per_company": odd_number,
    }
    if new:
        good.update({"repeat": st.just(""), "repeat_months": st.just(""), "repeat_until": st.just("")})
        # A series is itself an edge case: any frequency, months or end date (or both, or none).
        if draw(st.booleans()):
            good.update(
                {
                    "repeat": st.sampled_from(["weekly", "biweekly", "monthly"]),
                    "repeat_months": st.one_of(st.just(""), odd_number),
                    "repeat_until": st.one_of(st.just(""), odd_date.map(lambda s: s[:10])),
                }
            )
        odd.update(
            {
                "repeat": st.sampled_from(["weekly", "biweekly", "monthly", "daily"]),
                "repeat_months": odd_number,
                "repeat_until": odd_date.map(lambda s: s[:10]),
            }
        )
    return draw(mutated(good, odd, extra_names=["submit", "id", "status", "sequence", "created_by_id"]))


def assert_event_complete(event: Event) -> None:
    assert event.title_ko and event.title_ko == event.title_ko.strip() and len(event.title_ko) <= 200
    assert event.starts_at < event.ends_at
    assert event.capacity >= 1 and (event.seats_per_company is None or event.seats_per_company >= 1)
    assert event.host_cluster_id is not None
    if event.registration_closes_at is not None:
        assert event.registration_closes_at < event.ends_at
    if event.kind == EventKind.RESEARCH:
        assert event.research_group_id is not None
    assert_no_nul(event)


def event_snapshot(event_id: int) -> dict:
    see_committed()
    event = db.session.get(Event, event_id)
    values = {c.key: getattr(event, c.key) for c in Event.__table__.columns}
    values["participating"] = sorted(c.id for c in event.participating_clusters)
    return values


@pytest.fixture
def staff_world(app, client):
    dmc = make_cluster("dmc", name_ko="상암 DMC")
    guro = make_cluster("guro", name_ko="구로 G밸리")
    group = ResearchGroup(name="미디어 연구회", cluster=dmc)
    db.session.add(group)
    admin = make_user(Role.ADMIN, email="admin@example.com")
    db.session.commit()
    post_form(client, "/auth/login", {"email": admin.email, "password": PASSWORD})
    return SimpleNamespace(
        clusters=[dmc.id, guro.id],
        dmc=dmc.id,
        group=group.id,
        admin=admin.id,
        token=csrf_token(client, "/staff/events/new"),
    )


def test_staff_new_event_form_never_fails_or_half_writes(client, staff_world):
    w = staff_world
    seen = {"accepted": 0, "refused": 0}

    @PROPERTY_SETTINGS
    @given(data=event_forms(w, new=True))
    def check(data):
        reset_registrations()
        form = as_form(data)
        form["csrf_token"] = w.token
        before = counts()
        see_committed()
        known = set(db.session.scalars(select(Event.id)))

        resp = client.post("/staff/events/new", data=form)

        assert_refusal_wrote_nothing(resp, form, before)
        see_committed()
        created = list(db.session.scalars(select(Event).where(Event.id.not_in(known))))
        if resp.status_code == 302:
            seen["accepted"] += 1
            assert 1 <= len(created) <= 52
            for event in created:
                assert event.status == EventStatus.DRAFT and event.created_by_id == w.admin
                assert_event_complete(event)
        else:
            seen["refused"] += 1
            assert created == []

    check()
    assert seen["accepted"] >= 3 and seen["refused"] >= 3, seen


def test_staff_edit_event_form_never_fails_or_half_writes(client, staff_world):
    w = staff_world
    seen = {"accepted": 0, "refused": 0}

    @PROPERTY_SETTINGS
    @given(data=event_forms(w, new=False))
    def check(data):
        reset_registrations()
        # A fresh draft with one registrant per example, so a material change queues a mail.
        event = _fresh_event(w.dmc)
        form = as_form(data)
        form["csrf_token"] = w.token
        before = counts()
        snapshot = event_snapshot(event)

        resp = client.post(f"/staff/events/{event}/edit", data=form)

        assert_refusal_wrote_nothing(resp, form, before)
        if resp.status_code == 302:
            seen["accepted"] += 1
            see_committed()
            assert_event_complete(db.session.get(Event, event))
        else:
            seen["refused"] += 1
            assert event_snapshot(event) == snapshot

    check()
    assert seen["accepted"] >= 3 and seen["refused"] >= 3, seen


def _fresh_event(cluster_id: int) -> int:
    see_committed()
    event = make_event(
        db.session.get(Cluster, cluster_id),
        status=EventStatus.DRAFT,
        capacity=20,
        starts_at=dt.datetime(2027, 1, 12, 10, 0, tzinfo=dt.UTC),
    )
    make_registration(event, email="someone@example.com")
    db.session.commit()
    return event.id


# --- (3) the guest registration form -----------------------------------------------------


def guest_forms():
    def dashed(brn):
        return f"{brn[:3]}-{brn[3:5]}-{brn[5:]}"

    brn = st.one_of(
        st.integers(min_value=1, max_value=9000).map(valid_brn),
        st.integers(min_value=1, max_value=9000).map(valid_brn).map(dashed),
        st.sampled_from(["123-45-67890", "000-00-00000", "1234567890"]),
    )
    return mutated(
        {
            "company_name": st.sampled_from(["누리미디어", "Hanbit Soft", "(주)테스트"]),
            "brn": brn,
            "name": valid_name,
            "email": valid_email,
            "mobile": valid_mobile,
            "job_title": st.sampled_from(["", "대표", "CTO"]),
            "consent": st.just("y"),
        },
        extra_names=["submit", "event_id", "status"],
    )


def test_guest_form_never_fails_or_half_writes(app, client):
    event_id = make_event(make_cluster(), title_ko="외부 기업 환영 네트워킹", capacity=2, open_to_guests=True).id
    db.session.commit()
    token = csrf_token(client, f"/events/{event_id}/guest")
    seen = {"accepted": 0, "refused": 0}

    @PROPERTY_SETTINGS
    @given(data=guest_forms())
    def check(data):
        reset_registrations()
        form = as_form(data)
        form["csrf_token"] = token
        before = counts()

        resp = client.post(f"/events/{event_id}/guest", data=form)

        assert_refusal_wrote_nothing(resp, form, before)
        written = registrations_of(event_id)
        if resp.status_code == 302:
            seen["accepted"] += 1
            assert len(written) == 1 and counts()["OutboxMessage"] == before["OutboxMessage"] + 1
            reg = written[0]
            assert_complete(reg)
            assert reg.company_id is None and reg.guest_company_name and is_valid_brn(reg.guest_brn)
            assert reg.manage_token_hash and len(reg.manage_token_hash) == 64
        else:
            seen["refused"] += 1
            assert written == []

    check()
    assert seen["accepted"] >= 3 and seen["refused"] >= 3, seen
