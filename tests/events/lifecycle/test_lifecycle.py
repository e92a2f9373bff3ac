"""Lifecycle mail (app/events/lifecycle.py): the reminder windows, once-only sending (twice in a
row and concurrently), the contents (language, badge link, .ics, meeting schedule), the
thank-you with a working certificate link, the one-click "참석이 어려워요" link, and no-shows
per company for staff."""

from __future__ import annotations

import datetime as dt
import re
import threading

import icalendar
import pytest
from sqlalchemy import func, select

from app import create_app
from app.events import lifecycle
from app.events.lifecycle import DAY_BEFORE, MORNING_OF, THANK_YOU, send_lifecycle_mail
from app.extensions import db
from app.i18n import SEOUL
from app.mail import send_all
from app.models import (
    EventStatus,
    LifecycleMail,
    Meeting,
    MeetingSlot,
    MeetingStatus,
    MeetingTable,
    OutboxMessage,
    Registration,
    RegistrationStatus,
    Role,
)
from tests.conftest import app_for_races
from tests.factories import make_checkin, make_cluster, make_company, make_event, make_registration, make_user
from tests.helpers import at_once, body_of, csrf_token, login, pdf_text, see_committed, wait_for_mail
from tests.query_counter import count_queries

EVENT_DAY = dt.date(2030, 12, 3)


def seoul(day: dt.date, clock: str) -> dt.datetime:
    hours, minutes = (int(p) for p in clock.split(":"))
    return dt.datetime(day.year, day.month, day.day, hours, minutes, tzinfo=SEOUL).astimezone(dt.UTC)


DAY_BEFORE_OPENS = seoul(EVENT_DAY - dt.timedelta(days=1), "09:00")
MORNING_OPENS = seoul(EVENT_DAY, "07:00")
STARTS = seoul(EVENT_DAY, "18:00")
ENDS = seoul(EVENT_DAY, "21:00")
LONG_AGO = DAY_BEFORE_OPENS - dt.timedelta(days=20)


@pytest.fixture
def world(app):
    dmc = make_cluster("dmc", name_ko="상암 DMC", name_en="Sangam DMC")
    nuri = make_company(dmc, name="누리미디어")
    hanbit = make_company(dmc, name="한빛소프트")
    event = make_event(
        dmc, title_ko="DMC 송년 네트워킹", title_en="DMC Year-end Networking", starts_at=STARTS, ends_at=ENDS
    )
    kim = make_registration(event, nuri, name="김민수", email="kim@nuri.example", created_at=LONG_AGO)
    jane = make_registration(event, hanbit, name="Jane", email="jane@hanbit.example", created_at=LONG_AGO)
    make_user(company=hanbit, email="jane@hanbit.example", name="Jane", locale="en")
    db.session.commit()
    return dmc, nuri, hanbit, event, kim, jane


def run(now: dt.datetime) -> dict:
    counts = send_lifecycle_mail(now)
    db.session.commit()
    return counts


def logged() -> list[tuple[int, str]]:
    see_committed()
    return sorted(db.session.execute(select(LifecycleMail.registration_id, LifecycleMail.kind)).all())


def outbox(kind_subject: str | None = None) -> list[OutboxMessage]:
    see_committed()
    rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    return [m for m in rows if kind_subject is None or kind_subject in m.subject]


# --- windows -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "kind"),
    [
        (DAY_BEFORE_OPENS - dt.timedelta(minutes=1), None),
        (DAY_BEFORE_OPENS, DAY_BEFORE),
        (seoul(EVENT_DAY - dt.timedelta(days=1), "23:59"), DAY_BEFORE),
        (seoul(EVENT_DAY, "00:00"), None),  # the day before is over; too early for the morning
        (MORNING_OPENS - dt.timedelta(minutes=1), None),
        (MORNING_OPENS, MORNING_OF),
        (STARTS - dt.timedelta(minutes=1), MORNING_OF),
        (STARTS, None),
        (ENDS - dt.timedelta(minutes=1), None),
        (ENDS, THANK_YOU),
        (ENDS + lifecycle.THANK_YOU_FOR - dt.timedelta(minutes=1), THANK_YOU),
        (ENDS + lifecycle.THANK_YOU_FOR, None),
    ],
)
def test_each_window_opens_at_its_time_and_closes(world, now, kind):
    *_, kim, jane = world
    make_checkin(kim)
    make_checkin(jane)
    db.session.commit()
    counts = run(now)
    expected = dict.fromkeys(lifecycle.KINDS, 0)
    if kind:
        expected[kind] = 2
    assert counts == expected
    assert logged() == (sorted([(kim.id, kind), (jane.id, kind)]) if kind else [])


def test_no_morning_mail_for_an_event_starting_before_seven(app):
    event = make_event(starts_at=seoul(EVENT_DAY, "06:30"), ends_at=seoul(EVENT_DAY, "08:00"))
    make_registration(event, make_company(event.host_cluster), created_at=LONG_AGO)
    db.session.commit()
    assert lifecycle.window(event, MORNING_OF) is None
    assert run(seoul(EVENT_DAY, "06:00"))[MORNING_OF] == 0
    assert run(seoul(EVENT_DAY, "07:10")) == dict.fromkeys(lifecycle.KINDS, 0)


def test_only_confirmed_registrations_of_published_events_and_not_late_comers(world):
    dmc, nuri, _hanbit, event, kim, jane = world
    waiting = make_registration(event, nuri, status=RegistrationStatus.WAITLISTED, created_at=LONG_AGO)
    cancelled = make_registration(event, nuri, status=RegistrationStatus.CANCELLED, created_at=LONG_AGO)
    late = make_registration(event, nuri, created_at=DAY_BEFORE_OPENS + dt.timedelta(minutes=5))
    moved_up = make_registration(event, nuri, created_at=LONG_AGO, promoted_at=DAY_BEFORE_OPENS + dt.timedelta(hours=1))
    draft = make_event(dmc, starts_at=STARTS, ends_at=ENDS, status=EventStatus.DRAFT)
    make_registration(draft, nuri, created_at=LONG_AGO)
    gone = make_event(dmc, starts_at=STARTS, ends_at=ENDS, status=EventStatus.CANCELLED)
    make_registration(gone, nuri, created_at=LONG_AGO)
    db.session.commit()

    run(DAY_BEFORE_OPENS + dt.timedelta(hours=3))
    assert logged() == sorted([(kim.id, DAY_BEFORE), (jane.id, DAY_BEFORE)])
    # The morning window opens later: whoever came after the day-before window now gets it,
    # those who came after the morning window opened do not.
    after_morning = make_registration(event, nuri, created_at=MORNING_OPENS + dt.timedelta(minutes=1))
    db.session.commit()
    run(MORNING_OPENS + dt.timedelta(hours=1))
    morning = {rid for rid, kind in logged() if kind == MORNING_OF}
    assert morning == {kim.id, jane.id, late.id, moved_up.id}
    assert not {waiting.id, cancelled.id, after_morning.id} & morning


# --- once, twice in a row and concurrently ---------------------------------------------------------


def test_running_the_scheduler_twice_sends_each_mail_once(world, mailbox, runner):
    *_, kim, jane = world
    make_checkin(kim)
    db.session.commit()
    for now in (DAY_BEFORE_OPENS, MORNING_OPENS, ENDS):
        first, second = run(now), run(now + dt.timedelta(minutes=5))
        assert sum(first.values()) >= 1
        assert second == dict.fromkeys(lifecycle.KINDS, 0)
    # The CLI run on top (real clock: nothing is due in 2030's windows) adds nothing.
    result = runner.invoke(args=["mail", "lifecycle"])
    assert result.exit_code == 0, result.output
    assert "day_before 0" in result.output
    assert len(outbox()) == 5  # two day-before, two morning, one thank-you (jane never checked in)
    send_all()
    received = wait_for_mail(mailbox, 5)
    assert len(received) == 5
    sent = sorted((m["To"], m["Subject"]) for m in received)
    assert len(set(sent)) == 5
    assert [to for to, _subject in sent].count("kim@nuri.example") == 3
    assert [to for to, _subject in sent].count("jane@hanbit.example") == 2


def test_the_worker_step_runs_every_few_minutes_and_commits(world):
    first = lifecycle.lifecycle_if_due(None, DAY_BEFORE_OPENS)
    assert first == DAY_BEFORE_OPENS and len(logged()) == 2
    soon = DAY_BEFORE_OPENS + lifecycle.LIFECYCLE_EVERY - dt.timedelta(seconds=1)
    assert lifecycle.lifecycle_if_due(first, soon) == first  # not due: nothing run
    later = MORNING_OPENS
    assert lifecycle.lifecycle_if_due(first, later) == later
    assert len(logged()) == 4


@pytest.fixture
def race_app(migrated, smtp_server):
    with app_for_races(migrated, smtp_server, connections=16) as application:
        yield application


def test_concurrent_schedulers_send_each_mail_once(race_app):
    host = make_cluster()
    company = make_company(host)
    event = make_event(host, starts_at=STARTS, ends_at=ENDS, capacity=100)
    ids = [make_registration(event, company, created_at=LONG_AGO).id for _ in range(40)]
    db.session.commit()
    db.session.close()

    totals, errors = at_once(race_app, 6, lambda: send_lifecycle_mail(MORNING_OPENS)[MORNING_OF])
    assert errors == []
    assert sum(totals) == len(ids)
    assert db.session.scalar(select(func.count()).select_from(LifecycleMail)) == len(ids)
    recipients = db.session.scalars(select(OutboxMessage.recipient)).all()
    assert len(recipients) == len(ids) == len(set(recipients))


# --- what the reminder says -----------------------------------------------------------------------


def _reminder_to(mailbox, address):
    send_all()
    received = wait_for_mail(mailbox, 2)
    (message,) = [m for m in received if m["To"] == address]
    return message


def test_reminder_in_the_contacts_language_with_badge_link_and_ics(world, mailbox, client):
    *_, event, kim, jane = world
    run(DAY_BEFORE_OPENS)
    korean = _reminder_to(mailbox, "kim@nuri.example")
    english = [m for m in mailbox if m["To"] == "jane@hanbit.example"][0]
    assert "내일" in korean["Subject"] and "DMC 송년 네트워킹" in korean["Subject"]
    # Jane's account is in English: her mail is rendered in that locale (the event's English title).
    assert "DMC Year-end Networking" in english["Subject"] and "송년" not in english["Subject"]
    text = body_of(korean)
    badge = re.search(r"http://localhost(/badges/\d+/[^\s]+\.pdf)", text).group(1)
    response = client.get(badge)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    (ics,) = [p for p in korean.iter_attachments() if p.get_content_type() == "text/calendar"]
    calendar = icalendar.Calendar.from_ical(ics.get_content())
    (vevent,) = calendar.walk("VEVENT")
    assert vevent.decoded("DTSTART").astimezone(dt.UTC) == STARTS
    assert f"/registrations/{kim.id}/decline/" in text
    assert "1:1" not in text  # networking is off


def test_meeting_schedule_only_when_networking_is_on(world, mailbox):
    _dmc, nuri, hanbit, event, kim, jane = world
    slot = MeetingSlot(event_id=event.id, starts_at=seoul(EVENT_DAY, "19:30"), ends_at=seoul(EVENT_DAY, "19:50"))
    table = MeetingTable(event_id=event.id, name="테이블 3", sort_order=3)
    db.session.add_all([slot, table])
    db.session.flush()
    db.session.add(
        Meeting(
            event_id=event.id,
            slot_id=slot.id,
            table_id=table.id,
            requester_company_id=nuri.id,
            invitee_company_id=hanbit.id,
            status=MeetingStatus.ACCEPTED,
        )
    )
    db.session.commit()
    run(DAY_BEFORE_OPENS)  # networking off: no schedule
    assert all("테이블 3" not in m.body_text for m in outbox())
    event.networking_enabled = True
    db.session.commit()
    run(MORNING_OPENS)
    (kim_morning,) = [m for m in outbox("오늘") if m.recipient == "kim@nuri.example"]
    assert "우리 기업의 1:1 미팅 일정" in kim_morning.body_text
    assert "테이블 3" in kim_morning.body_text and "한빛소프트" in kim_morning.body_text
    assert "오후 7:30" in kim_morning.body_text or "19:30" in kim_morning.body_text
    jane_morning = [m for m in outbox() if m.recipient == "jane@hanbit.example"][-1]
    assert "누리미디어" in jane_morning.body_text and "테이블 3" in jane_morning.body_text


# --- thank-you -------------------------------------------------------------------------------------


def test_thank_you_only_to_attendees_with_a_working_certificate_link(world, client):
    *_, event, kim, jane = world
    make_checkin(kim)
    db.session.commit()
    run(ENDS + dt.timedelta(hours=1))
    (message,) = outbox()
    assert message.recipient == "kim@nuri.example"
    assert "참석해 주셔서 감사합니다" in message.subject
    path = re.search(r"http://localhost(/certificates/\d+/[^\s]+\.pdf)", message.body_text).group(1)
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "김민수" in pdf_text(response.data)
    # Another registration's id with this token, or a forged token, is refused.
    assert client.get(path.replace(f"/{kim.id}/", f"/{jane.id}/")).status_code == 404
    forged = client.get(re.sub(r"/[^/]+\.pdf$", "/AAAAAAAAAAAAAAAAAAAAAA.pdf", path))
    assert forged.status_code == 404 and "사용할 수 없는 참가확인서 링크입니다" in forged.get_data(as_text=True)


# --- 참석이 어려워요 ---------------------------------------------------------------------------------


def _decline_path(registration: Registration) -> str:
    with_token = lifecycle.decline_url(registration)
    return with_token.removeprefix("http://localhost")


def test_one_click_decline_releases_the_seat_and_promotes_the_first_waitlisted(app, client, mailbox):
    host = make_cluster()
    company = make_company(host)
    event = make_event(host, capacity=1, starts_in=dt.timedelta(days=2))
    seated = make_registration(event, company, email="seated@example.com", created_at=LONG_AGO)
    first = make_registration(event, company, email="first@example.com", status=RegistrationStatus.WAITLISTED)
    second = make_registration(event, company, email="second@example.com", status=RegistrationStatus.WAITLISTED)
    first.created_at, second.created_at = LONG_AGO + dt.timedelta(minutes=1), LONG_AGO + dt.timedelta(minutes=2)
    db.session.commit()
    path = _decline_path(seated)

    page = client.get(path)
    assert page.status_code == 200 and "참석이 어려워요" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    # Without the CSRF token nothing happens.
    assert client.post(path, data={}).status_code == 400
    see_committed()
    assert db.session.get(Registration, seated.id).status == RegistrationStatus.CONFIRMED

    done = client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert done.status_code == 200 and "참가 신청을 취소했습니다" in done.get_data(as_text=True)
    see_committed()
    statuses = {r.email: r.status for r in db.session.scalars(select(Registration))}
    assert statuses == {
        "seated@example.com": RegistrationStatus.CANCELLED,
        "first@example.com": RegistrationStatus.CONFIRMED,
        "second@example.com": RegistrationStatus.WAITLISTED,
    }
    received = wait_for_mail(mailbox, 1)
    assert [m["To"] for m in received] == ["first@example.com"]
    assert "자리가 확정되었습니다" in received[0]["Subject"]

    # Idempotent: the link again says it is already done and changes nothing.
    again = client.get(path)
    assert again.status_code == 200 and "이미 취소된 신청입니다" in again.get_data(as_text=True)


def test_forged_expired_and_too_late_links_get_clear_pages(app, client):
    host = make_cluster()
    event = make_event(host, starts_in=dt.timedelta(days=2))
    registration = make_registration(event, make_company(host), created_at=LONG_AGO)
    started = make_event(host, starts_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5))
    late = make_registration(started, make_company(host), created_at=LONG_AGO)
    db.session.commit()
    path = _decline_path(registration)

    forged = client.get(re.sub(r"/decline/.+$", "/decline/not-a-real-token-at-all", path))
    assert forged.status_code == 404 and "사용할 수 없는 링크입니다" in forged.get_data(as_text=True)
    other = client.get(path.replace(f"/registrations/{registration.id}/", f"/registrations/{late.id}/"))
    assert other.status_code == 404
    missing = client.get(path.replace(f"/registrations/{registration.id}/", "/registrations/999999/"))
    assert missing.status_code == 404

    too_late = client.get(_decline_path(late))
    assert too_late.status_code == 409 and "취소하기에는 늦었습니다" in too_late.get_data(as_text=True)
    post = client.post(_decline_path(late), data={"csrf_token": csrf_token(client, "/auth/login")})
    assert post.status_code == 409
    see_committed()
    assert db.session.get(Registration, late.id).status == RegistrationStatus.CONFIRMED

    # A reissued badge (new ticket salt) makes the old link expire.
    from app.events.tickets import issue_ticket

    registration = db.session.get(Registration, registration.id)
    issue_ticket(registration)
    db.session.commit()
    expired = client.get(path)
    assert expired.status_code == 404 and "만료" in expired.get_data(as_text=True)


# --- no-shows per company ----------------------------------------------------------------------------


@pytest.fixture
def attendance(app):
    """Two clusters; past events with a hand-counted attendance, one future event."""
    dmc, guro = make_cluster("dmc"), make_cluster("guro")
    nuri, hanbit, gurotech = make_company(dmc, name="누리"), make_company(dmc, name="한빛"), make_company(guro)
    now = dt.datetime.now(dt.UTC)
    past1 = make_event(dmc, starts_at=now - dt.timedelta(days=10))
    past2 = make_event(guro, starts_at=now - dt.timedelta(days=5))
    future = make_event(dmc, starts_at=now + dt.timedelta(days=5))
    # nuri: 3 confirmed at past events, 1 checked in -> 2 no-shows; a cancelled (declined) and a
    # future registration do not count.
    make_checkin(make_registration(past1, nuri))
    make_registration(past1, nuri)
    make_registration(past2, nuri)
    make_registration(past1, nuri, status=RegistrationStatus.CANCELLED)
    make_registration(future, nuri)
    # hanbit: came every time.
    make_checkin(make_registration(past1, hanbit))
    # gurotech (another cluster): 1 no-show.
    make_registration(past2, gurotech)
    dmc_staff = make_user(Role.STAFF, clusters=[dmc], email="staff@dmc.example")
    guro_staff = make_user(Role.STAFF, clusters=[guro], email="staff@guro.example")
    make_user(Role.ADMIN, email="admin@example.com")
    member = make_user(company=nuri, email="member@nuri.example")
    db.session.commit()
    return nuri, hanbit, gurotech, dmc_staff, guro_staff, member


def test_no_show_counts_on_a_hand_built_dataset(attendance):
    nuri, hanbit, gurotech, *_ = attendance
    counts = lifecycle.no_show_counts(dt.datetime.now(dt.UTC))
    assert counts == {nuri.id: (3, 2), hanbit.id: (1, 0), gurotech.id: (1, 1)}
    rows = lifecycle.no_show_report(dt.datetime.now(dt.UTC), None)
    assert [(r.company.id, r.no_shows, r.confirmed) for r in rows] == [(nuri.id, 2, 3), (gurotech.id, 1, 1)]


def test_no_show_report_is_cluster_scoped_and_bounded(attendance, client):
    nuri, hanbit, gurotech, *_ = attendance
    login(client, "staff@dmc.example")
    with count_queries(db.engine) as statements:
        page = client.get("/staff/reports/no-shows")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "누리" in html and gurotech.name not in html
    assert len(statements) <= 8
    company_page = client.get(f"/directory/companies/{nuri.id}").get_data(as_text=True)
    assert "불참(체크인 없음) 2건" in company_page

    login(client, "staff@guro.example")
    html = client.get("/staff/reports/no-shows").get_data(as_text=True)
    assert gurotech.name in html and "누리" not in html
    assert "불참(체크인 없음)" not in client.get(f"/directory/companies/{nuri.id}").get_data(as_text=True)

    login(client, "admin@example.com")
    html = client.get("/staff/reports/no-shows").get_data(as_text=True)
    assert gurotech.name in html and "누리" in html

    login(client, "member@nuri.example")
    assert client.get("/staff/reports/no-shows").status_code in (302, 403)
    assert "불참(체크인 없음)" not in client.get(f"/directory/companies/{nuri.id}").get_data(as_text=True)
