"""Registration core service: eligibility, validation, limits, council rules, waitlist, cancel, promote."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.events.council import voting_power
from app.events.registration import (
    AttendeeData,
    RegistrationError,
    cancel,
    check_eligibility,
    promote,
    register,
)
from app.extensions import db
from app.models import (
    AttendeeRole,
    EventKind,
    EventStatus,
    OutboxMessage,
    Registration,
    RegistrationStatus,
    ResearchGroup,
    utcnow,
)
from tests.factories import make_cluster, make_company, make_event, make_registration, valid_brn

CONSENT = "2026-11"


def _now() -> dt.datetime:
    return utcnow()


def _refused(code: str, fn, *args, **kwargs) -> RegistrationError:
    with pytest.raises(RegistrationError) as info:
        fn(*args, **kwargs)
    assert info.value.code == code, info.value
    assert str(info.value)  # a Korean message
    return info.value


def _reg(event, attendees, **kw):
    kw.setdefault("consent_version", CONSENT)
    kw.setdefault("now", _now())
    regs = register(event.id, attendees, **kw)
    db.session.commit()
    return regs


def _people(n, prefix="p"):
    return [AttendeeData(name=f"참가자{i}", email=f"{prefix}{i}@example.com") for i in range(n)]


def _count(**where) -> int:
    q = select(func.count()).select_from(Registration)
    for k, v in where.items():
        q = q.where(getattr(Registration, k) == v)
    return db.session.scalar(q)


# --- eligibility ---------------------------------------------------------------------


def test_networking_host_cluster_company_allowed_other_cluster_refused(app):
    host, other = make_cluster(), make_cluster()
    event = make_event(host)
    check_eligibility(event, company=make_company(host), now=_now())
    _refused("not_eligible", check_eligibility, event, company=make_company(other), now=_now())
    _refused("guests_not_allowed", check_eligibility, event, guest=True, now=_now())


def test_networking_open_to_all_clusters_and_guests(app):
    event = make_event(make_cluster(), open_to_all_clusters=True, open_to_guests=True)
    check_eligibility(event, company=make_company(make_cluster()), now=_now())
    check_eligibility(event, guest=True, now=_now())


def test_council_members_of_host_cluster_only_no_guests(app):
    host, other = make_cluster(), make_cluster()
    event = make_event(host, kind=EventKind.COUNCIL, open_to_guests=True)
    check_eligibility(event, company=make_company(host, is_council_member=True), now=_now())
    _refused("not_council_member", check_eligibility, event, company=make_company(host), now=_now())
    _refused(
        "not_council_member", check_eligibility, event, company=make_company(other, is_council_member=True), now=_now()
    )
    _refused("guests_not_allowed", check_eligibility, event, guest=True, now=_now())


def test_forum_host_and_participating_clusters_and_guests(app):
    host, part, other = make_cluster(), make_cluster(), make_cluster()
    event = make_event(host, kind=EventKind.FORUM, participating_clusters=[part])
    check_eligibility(event, company=make_company(host), now=_now())
    check_eligibility(event, company=make_company(part), now=_now())
    _refused("not_eligible", check_eligibility, event, company=make_company(other), now=_now())
    _refused("guests_not_allowed", check_eligibility, event, guest=True, now=_now())
    event.open_to_guests = True
    check_eligibility(event, guest=True, now=_now())


def test_research_meeting_members_only(app):
    host = make_cluster()
    member, outsider = make_company(host), make_company(host)
    group = ResearchGroup(name="빅데이터연구회", cluster=host, companies=[member])
    event = make_event(host, kind=EventKind.RESEARCH, research_group=group, open_to_guests=True)
    check_eligibility(event, company=member, now=_now())
    _refused("not_group_member", check_eligibility, event, company=outsider, now=_now())
    _refused("guests_not_allowed", check_eligibility, event, guest=True, now=_now())


def test_inactive_company_refused(app):
    host = make_cluster()
    event = make_event(host)
    _refused("company_inactive", check_eligibility, event, company=make_company(host, is_active=False), now=_now())


@pytest.mark.parametrize("status,code", [(EventStatus.DRAFT, "not_published"), (EventStatus.CANCELLED, "cancelled")])
def test_draft_and_cancelled_events_refused(app, status, code):
    host = make_cluster()
    event = make_event(host, status=status)
    _refused(code, check_eligibility, event, company=make_company(host), now=_now())


def test_registration_window(app):
    host = make_cluster()
    company = make_company(host)
    now = _now()
    event = make_event(
        host, registration_opens_at=now + dt.timedelta(days=1), registration_closes_at=now + dt.timedelta(days=3)
    )
    _refused("not_open_yet", check_eligibility, event, company=company, now=now)
    check_eligibility(event, company=company, now=now + dt.timedelta(days=2))
    _refused("closed", check_eligibility, event, company=company, now=now + dt.timedelta(days=3))
    # No closing time: closes when the event starts.
    open_event = make_event(host)
    _refused("closed", check_eligibility, open_event, company=company, now=open_event.starts_at)


# --- validation changes nothing --------------------------------------------------------


@pytest.mark.parametrize(
    "attendee,kw,code",
    [
        (AttendeeData(name=" ", email="a@example.com"), {}, "name_required"),
        (AttendeeData(name="김하나", email="not-an-email"), {}, "invalid_email"),
        (AttendeeData(name="김하나", email="a@example.com", mobile="010-1234-567"), {}, "invalid_mobile"),
        (AttendeeData(name="김하나", email="a@example.com"), {"consent_version": ""}, "consent_required"),
        (AttendeeData(name="김하나", email="a@example.com", role=AttendeeRole.VOTER), {}, "invalid_role"),
    ],
)
def test_validation_errors_change_nothing(app, attendee, kw, code):
    host = make_cluster()
    company = make_company(host)
    event = make_event(host)
    db.session.commit()
    kw = {"consent_version": CONSENT, **kw}
    ok = AttendeeData(name="박둘", email="ok@example.com")
    _refused(code, register, event.id, [ok, attendee], company=company, now=_now(), **kw)
    db.session.rollback()
    assert _count() == 0
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_guest_needs_valid_brn_and_company_name(app):
    event = make_event(make_cluster(), open_to_guests=True)
    db.session.commit()
    person = [AttendeeData(name="외부인", email="guest@example.com")]
    good = valid_brn()
    bad = good[:9] + str((int(good[9]) + 1) % 10)  # one number, its check digit made wrong
    _refused(
        "invalid_brn",
        register,
        event.id,
        person,
        guest_company_name="(주)바깥",
        guest_brn=bad,
        consent_version=CONSENT,
        now=_now(),
    )
    db.session.rollback()
    _refused(
        "guest_company_required", register, event.id, person, guest_brn=valid_brn(), consent_version=CONSENT, now=_now()
    )
    db.session.rollback()
    brn = valid_brn()
    (reg,) = _reg(event, person, guest_company_name="(주)바깥", guest_brn=f"{brn[:3]}-{brn[3:5]}-{brn[5:]}")
    assert reg.guest_brn == brn and reg.company_id is None and reg.company_name == "(주)바깥"


def test_register_stores_consent_ticket_and_queues_mail(app):
    host = make_cluster()
    company = make_company(host)
    event = make_event(host)
    db.session.commit()
    now = _now()
    (reg,) = _reg(
        event,
        [AttendeeData(name="김하나", email=" Hana@Example.com ", mobile="01012345678", job_title="대표")],
        company=company,
        now=now,
    )
    assert reg.status == RegistrationStatus.CONFIRMED
    assert reg.email == "hana@example.com" and reg.mobile == "010-1234-5678" and reg.job_title == "대표"
    assert reg.consent_version == CONSENT and reg.consented_at == now
    assert len(reg.ticket_salt) == 32 and len(reg.ticket_hash) == 64
    mail = db.session.scalars(select(OutboxMessage)).one()
    assert mail.recipient == "hana@example.com" and "확정" in mail.subject


def test_email_with_active_registration_refused(app):
    host = make_cluster()
    company = make_company(host)
    event = make_event(host)
    db.session.commit()
    (reg,) = _reg(event, [AttendeeData(name="김하나", email="hana@example.com")], company=company)
    _refused(
        "already_registered",
        register,
        event.id,
        [AttendeeData(name="김하나", email="HANA@example.com")],
        company=company,
        consent_version=CONSENT,
        now=_now(),
    )
    db.session.rollback()
    # Duplicates in one request are refused too.
    _refused(
        "already_registered",
        register,
        event.id,
        _people(1, "x") + _people(1, "x"),
        company=company,
        consent_version=CONSENT,
        now=_now(),
    )
    db.session.rollback()
    # After cancelling, the same address may register again.
    cancel(reg.id, now=_now())
    db.session.commit()
    _reg(event, [AttendeeData(name="김하나", email="hana@example.com")], company=company)
    assert _count(status=RegistrationStatus.CONFIRMED) == 1


def test_company_limit_counts_waitlisted(app):
    host = make_cluster()
    company = make_company(host)
    event = make_event(host, capacity=1, seats_per_company=3)
    db.session.commit()
    regs = _reg(event, _people(2, "a"), company=company)
    assert [r.status for r in regs] == [RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED]
    _refused("company_limit", register, event.id, _people(2, "b"), company=company, consent_version=CONSENT, now=_now())
    db.session.rollback()
    _reg(event, _people(1, "c"), company=company)
    assert _count(company_id=company.id) == 3
    # Another company has its own limit.
    other = make_company(host)
    db.session.commit()
    _reg(event, _people(3, "d"), company=other)


def test_council_one_voter_per_company_and_observers_flag(app):
    host = make_cluster()
    member = make_company(host, is_council_member=True)
    event = make_event(host, kind=EventKind.COUNCIL)
    db.session.commit()
    _reg(
        event,
        [
            AttendeeData(name="대표", email="v1@example.com", role=AttendeeRole.VOTER),
            AttendeeData(name="참관", email="o1@example.com", role=AttendeeRole.OBSERVER),
        ],
        company=member,
    )
    _refused(
        "voter_taken",
        register,
        event.id,
        [AttendeeData(name="대표2", email="v2@example.com", role=AttendeeRole.VOTER)],
        company=member,
        consent_version=CONSENT,
        now=_now(),
    )
    db.session.rollback()
    other = make_company(host, is_council_member=True)
    db.session.commit()
    _refused(
        "voter_taken",
        register,
        event.id,
        [
            AttendeeData(name="가", email="v3@example.com", role=AttendeeRole.VOTER),
            AttendeeData(name="나", email="v4@example.com", role=AttendeeRole.VOTER),
        ],
        company=other,
        consent_version=CONSENT,
        now=_now(),
    )
    db.session.rollback()
    _reg(event, [AttendeeData(name="가", email="v3@example.com", role=AttendeeRole.VOTER)], company=other)

    no_obs = make_event(host, kind=EventKind.COUNCIL, allows_observers=False)
    db.session.commit()
    _refused(
        "observers_not_allowed",
        register,
        no_obs.id,
        [AttendeeData(name="참관", email="o2@example.com", role=AttendeeRole.OBSERVER)],
        company=member,
        consent_version=CONSENT,
        now=_now(),
    )
    db.session.rollback()
    _refused(
        "invalid_role",
        register,
        no_obs.id,
        [AttendeeData(name="일반", email="o3@example.com")],
        company=member,
        consent_version=CONSENT,
        now=_now(),
    )


def test_cancelled_voter_frees_the_vote(app):
    host = make_cluster()
    member = make_company(host, is_council_member=True)
    event = make_event(host, kind=EventKind.COUNCIL)
    db.session.commit()
    (voter,) = _reg(event, [AttendeeData(name="대표", email="v1@example.com", role=AttendeeRole.VOTER)], company=member)
    # While the voter is registered, the company has no second vote.
    _refused(
        "voter_taken",
        register,
        event.id,
        [AttendeeData(name="둘째", email="v3@example.com", role=AttendeeRole.VOTER)],
        company=member,
        consent_version=CONSENT,
        now=_now(),
    )
    db.session.rollback()
    cancel(voter.id, now=_now())
    db.session.commit()
    (new,) = _reg(event, [AttendeeData(name="새대표", email="v2@example.com", role=AttendeeRole.VOTER)], company=member)
    assert (new.role, new.status, new.company_id) == (AttendeeRole.VOTER, RegistrationStatus.CONFIRMED, member.id)
    assert voting_power(event.id)[member.id].own == 1


# --- waitlist, cancel, promote ---------------------------------------------------------


def test_waitlist_order_and_promotion_on_cancel(app):
    host = make_cluster()
    event = make_event(host, capacity=2)
    companies = [make_company(host) for _ in range(5)]
    db.session.commit()
    regs = [
        _reg(event, [AttendeeData(name=f"사람{i}", email=f"w{i}@example.com")], company=companies[i])[0]
        for i in range(5)
    ]
    assert [r.status for r in regs] == [RegistrationStatus.CONFIRMED] * 2 + [RegistrationStatus.WAITLISTED] * 3
    waitlist_mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "w2@example.com")).one()
    assert "대기" in waitlist_mail.subject

    now = _now()
    promoted = cancel(regs[0].id, now=now)
    db.session.commit()
    assert promoted.id == regs[2].id
    db.session.expire_all()
    assert regs[0].status == RegistrationStatus.CANCELLED and regs[0].cancelled_at == now
    assert regs[2].status == RegistrationStatus.CONFIRMED and regs[2].promoted_at == now
    assert regs[3].status == RegistrationStatus.WAITLISTED
    mails = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient == "w2@example.com").order_by(OutboxMessage.id)
    ).all()
    assert len(mails) == 2 and "자리가 확정되었습니다" in mails[1].subject

    # Cancelling a waitlisted person promotes nobody.
    assert cancel(regs[4].id, now=_now()) is None
    db.session.commit()
    assert _count(status=RegistrationStatus.CONFIRMED) == 2


def test_double_cancel_is_a_noop(app):
    host = make_cluster()
    event = make_event(host, capacity=1)
    c1, c2 = make_company(host), make_company(host)
    db.session.commit()
    first = _reg(event, _people(1, "a"), company=c1)[0]
    second = _reg(event, _people(1, "b"), company=c2)[0]
    t1 = _now()
    assert cancel(first.id, now=t1).id == second.id
    db.session.commit()
    mails = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    assert cancel(first.id, now=t1 + dt.timedelta(hours=1)) is None
    db.session.commit()
    db.session.expire_all()
    assert first.cancelled_at == t1
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == mails
    assert _count(status=RegistrationStatus.CONFIRMED) == 1


def test_cancel_unknown_registration(app):
    _refused("not_found", cancel, 999999, now=_now())


def test_manual_promote_only_with_a_free_seat(app):
    host = make_cluster()
    event = make_event(host, capacity=1)
    confirmed = make_registration(event, status=RegistrationStatus.CONFIRMED)
    waiting = make_registration(event, status=RegistrationStatus.WAITLISTED)
    db.session.commit()
    _refused("full", promote, waiting.id, now=_now())
    db.session.rollback()
    _refused("not_waitlisted", promote, confirmed.id, now=_now())
    db.session.rollback()
    event.capacity = 2
    db.session.commit()
    now = _now()
    assert promote(waiting.id, now=now).id == waiting.id
    db.session.commit()
    db.session.expire_all()
    assert waiting.status == RegistrationStatus.CONFIRMED and waiting.promoted_at == now
    assert db.session.scalars(select(OutboxMessage.subject).where(OutboxMessage.recipient == waiting.email)).one()
