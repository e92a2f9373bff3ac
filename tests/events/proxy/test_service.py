"""Council proxy service: giving, revoking, every refusal rule, the voter rule in register(), voting power."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.events.council import voting_power
from app.events.proxy import give_proxy, proxies_for, revoke_proxy
from app.events.registration import AttendeeData, RegistrationError, cancel, register
from app.extensions import db
from app.models import (
    AttendeeRole,
    CouncilProxy,
    EventKind,
    EventStatus,
    OutboxMessage,
    RegistrationStatus,
    utcnow,
)
from tests.factories import make_company, make_event, make_registration
from tests.query_counter import count_queries


def _give(world, giver, receiver, *, event=None, now=None, actor=None):
    proxy = give_proxy((event or world.event).id, giver, receiver, actor or world.member, now or utcnow())
    db.session.commit()
    return proxy


def _refused(code, fn, *args, **kwargs) -> RegistrationError:
    with pytest.raises(RegistrationError) as info:
        fn(*args, **kwargs)
    db.session.rollback()
    assert info.value.code == code, info.value
    assert info.value.message  # a Korean message for the page
    return info.value


def _active_count() -> int:
    return db.session.scalar(select(func.count()).select_from(CouncilProxy).where(CouncilProxy.revoked_at.is_(None)))


def _outbox() -> list[tuple[str, str]]:
    return [(m.recipient, m.subject) for m in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def _voter(event, company, email):
    return make_registration(event, company, email=email, role=AttendeeRole.VOTER)


# --- giving and revoking -----------------------------------------------------------------------


def test_give_records_the_proxy_and_queues_mail(world):
    now = utcnow()
    proxy = _give(world, world.nuri, world.hanbit, now=now)
    assert (proxy.event_id, proxy.from_company_id, proxy.to_company_id) == (
        world.event.id,
        world.nuri.id,
        world.hanbit.id,
    )
    assert proxy.created_by_id == world.member.id and proxy.created_at == now
    assert proxy.revoked_at is None and proxy.is_active
    # The acting member and the receiving company's contact (normalised), one mail each.
    assert _outbox() == [
        ("kim@nuri.example", "[Moim] DMC 협의회 정기회의: 의결권이 위임되었습니다"),
        ("contact@hanbit.example", "[Moim] DMC 협의회 정기회의: 의결권이 위임되었습니다"),
    ]
    body = db.session.scalars(select(OutboxMessage)).first().body_text
    assert "누리미디어이(가) 'DMC 협의회 정기회의'의 의결권을 (주)한빛소프트에 위임했습니다." in body


def test_receiver_without_contact_email_gets_no_mail(world):
    _give(world, world.nuri, world.gaon)
    assert [r for r, _s in _outbox()] == ["kim@nuri.example"]


def test_revoke_marks_the_proxy_and_a_new_one_may_follow(world):
    proxy = _give(world, world.nuri, world.hanbit)
    db.session.query(OutboxMessage).delete()
    db.session.commit()
    now = utcnow()
    revoke_proxy(proxy.id, world.member, now)
    db.session.commit()
    db.session.refresh(proxy)
    assert proxy.revoked_at is not None and proxy.revoked_by_id == world.member.id and not proxy.is_active
    assert _outbox() == [
        ("kim@nuri.example", "[Moim] DMC 협의회 정기회의: 의결권 위임이 철회되었습니다"),
        ("contact@hanbit.example", "[Moim] DMC 협의회 정기회의: 의결권 위임이 철회되었습니다"),
    ]
    # The revoked proxy stays as a record and does not block a new one.
    again = _give(world, world.nuri, world.gaon)
    assert again.id != proxy.id
    assert db.session.scalar(select(func.count()).select_from(CouncilProxy)) == 2
    assert _active_count() == 1


def test_staff_revoking_tells_the_member_who_gave(world):
    proxy = _give(world, world.nuri, world.hanbit)
    db.session.query(OutboxMessage).delete()
    db.session.commit()
    revoke_proxy(proxy.id, world.dmc_staff, utcnow())
    db.session.commit()
    assert sorted(r for r, _s in _outbox()) == ["contact@hanbit.example", "kim@nuri.example"]
    assert proxy.revoked_by_id == world.dmc_staff.id


def test_revoke_twice_and_unknown_are_refused(world):
    proxy = _give(world, world.nuri, world.hanbit)
    revoke_proxy(proxy.id, world.member, utcnow())
    db.session.commit()
    _refused("already_revoked", revoke_proxy, proxy.id, world.member, utcnow())
    _refused("not_found", revoke_proxy, proxy.id + 1000, world.member, utcnow())


def test_revoke_after_the_meeting_started_is_refused(world):
    proxy = _give(world, world.nuri, world.hanbit)
    _refused("meeting_started", revoke_proxy, proxy.id, world.member, world.event.starts_at)
    assert _active_count() == 1


# --- refusals -----------------------------------------------------------------------------------


def test_only_council_meetings(world):
    networking = make_event(world.dmc, kind=EventKind.NETWORKING)
    db.session.commit()
    _refused("not_council", give_proxy, networking.id, world.nuri, world.hanbit, world.member, utcnow())
    assert _active_count() == 0


@pytest.mark.parametrize("status,code", [(EventStatus.DRAFT, "not_published"), (EventStatus.CANCELLED, "cancelled")])
def test_only_published_meetings(world, status, code):
    event = make_event(world.dmc, kind=EventKind.COUNCIL, status=status)
    db.session.commit()
    _refused(code, give_proxy, event.id, world.nuri, world.hanbit, world.member, utcnow())


def test_only_before_the_meeting_starts(world):
    starts = world.event.starts_at
    _refused("meeting_started", give_proxy, world.event.id, world.nuri, world.hanbit, world.member, starts)
    _refused(
        "meeting_started",
        give_proxy,
        world.event.id,
        world.nuri,
        world.hanbit,
        world.member,
        starts + dt.timedelta(minutes=5),
    )
    # A second before the start is still fine.
    _give(world, world.nuri, world.hanbit, now=starts - dt.timedelta(seconds=1))


def test_giver_must_be_an_active_council_member_of_the_host_cluster(world):
    for giver in (world.plain, world.retired, world.guro_member):
        _refused("giver_not_member", give_proxy, world.event.id, giver, world.hanbit, world.member, utcnow())
    assert _active_count() == 0


def test_receiver_must_be_an_active_council_member_of_the_host_cluster(world):
    for receiver in (world.plain, world.retired, world.guro_member):
        _refused("receiver_not_member", give_proxy, world.event.id, world.nuri, receiver, world.member, utcnow())
    assert _active_count() == 0


def test_not_to_self(world):
    _refused("self", give_proxy, world.event.id, world.nuri, world.nuri, world.member, utcnow())


def test_only_one_active_proxy_per_company(world):
    _give(world, world.nuri, world.hanbit)
    error = _refused("already_given", give_proxy, world.event.id, world.nuri, world.gaon, world.member, utcnow())
    assert "(주)한빛소프트" in error.message
    assert _active_count() == 1


def test_no_chain_a_receiver_cannot_give(world):
    _give(world, world.nuri, world.hanbit)
    _refused("chain_receiver", give_proxy, world.event.id, world.hanbit, world.gaon, world.hanbit_member, utcnow())
    assert _active_count() == 1


def test_no_chain_a_giver_cannot_receive(world):
    _give(world, world.nuri, world.hanbit)
    _refused("chain_giver", give_proxy, world.event.id, world.gaon, world.nuri, world.gaon_member, utcnow())
    assert _active_count() == 1


def test_proxies_of_another_meeting_do_not_count(world):
    other = make_event(world.dmc, kind=EventKind.COUNCIL)
    db.session.commit()
    _give(world, world.nuri, world.hanbit, event=other)
    # At this meeting hanbit has given nothing and nuri received nothing: no chain.
    here = _give(world, world.hanbit, world.nuri)
    assert (here.event_id, here.from_company_id, here.to_company_id) == (world.event.id, world.hanbit.id, world.nuri.id)
    assert _active_count() == 2
    # Each meeting counts only its own proxies.
    assert voting_power(world.event.id)[world.nuri.id].givers == (world.hanbit.id,)
    assert voting_power(other.id)[world.hanbit.id].givers == (world.nuri.id,)
    assert world.hanbit.id not in voting_power(world.event.id)


@pytest.mark.parametrize("status", [RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED])
def test_giver_with_a_voting_representative_is_refused(world, status):
    make_registration(
        world.event, world.nuri, name="김대표", email="rep@nuri.example", role=AttendeeRole.VOTER, status=status
    )
    db.session.commit()
    error = _refused("giver_has_voter", give_proxy, world.event.id, world.nuri, world.hanbit, world.member, utcnow())
    assert "김대표" in error.message and "취소" in error.message
    assert _active_count() == 0


def test_giver_voter_cancelled_or_observer_only_may_give(world):
    voter = _voter(world.event, world.nuri, "rep@nuri.example")
    make_registration(world.event, world.nuri, email="obs@nuri.example", role=AttendeeRole.OBSERVER)
    db.session.commit()
    cancel(voter.id, now=utcnow())
    db.session.commit()
    proxy = _give(world, world.nuri, world.hanbit)
    assert proxy.revoked_at is None and _active_count() == 1
    assert voting_power(world.event.id)[world.hanbit.id].givers == (world.nuri.id,)


def test_voter_registration_after_giving_is_refused_observer_allowed(world):
    _give(world, world.nuri, world.hanbit)
    people = [AttendeeData(name="김대표", email="rep@nuri.example", role=AttendeeRole.VOTER)]
    with pytest.raises(RegistrationError) as info:
        register(world.event.id, people, company=world.nuri, consent_version="2026-11", now=utcnow())
    db.session.rollback()
    assert info.value.code == "vote_delegated" and "위임" in info.value.message
    observer = [AttendeeData(name="김참관", email="obs@nuri.example", role=AttendeeRole.OBSERVER)]
    (reg,) = register(world.event.id, observer, company=world.nuri, consent_version="2026-11", now=utcnow())
    db.session.commit()
    assert (reg.role, reg.status) == (AttendeeRole.OBSERVER, RegistrationStatus.CONFIRMED)
    # The observer brings no vote: nuri still holds none of its own.
    assert world.nuri.id not in voting_power(world.event.id)


def test_voter_registration_allowed_again_after_revoking(world):
    proxy = _give(world, world.nuri, world.hanbit)
    revoke_proxy(proxy.id, world.member, utcnow())
    db.session.commit()
    people = [AttendeeData(name="김대표", email="rep@nuri.example", role=AttendeeRole.VOTER)]
    (reg,) = register(world.event.id, people, company=world.nuri, consent_version="2026-11", now=utcnow())
    db.session.commit()
    assert reg.role == AttendeeRole.VOTER


def test_receiver_may_still_register_its_voter(world):
    _give(world, world.nuri, world.hanbit)
    people = [AttendeeData(name="이대표", email="rep@hanbit.example", role=AttendeeRole.VOTER)]
    (reg,) = register(world.event.id, people, company=world.hanbit, consent_version="2026-11", now=utcnow())
    db.session.commit()
    assert reg.role == AttendeeRole.VOTER
    power = voting_power(world.event.id)[world.hanbit.id]
    assert (power.own, power.received, power.total) == (1, 1, 2)


# --- reading ------------------------------------------------------------------------------------


def test_proxies_for_lists_active_ones_in_ganada_order_in_one_query(world):
    _give(world, world.nuri, world.hanbit)
    _give(world, world.gaon, world.hanbit, actor=world.gaon_member)
    revoked = _give(world, world.dasom, world.hanbit, actor=world.member)
    revoke_proxy(revoked.id, world.member, utcnow())
    db.session.commit()
    event_id, nuri_id, hanbit_id, dasom_id = world.event.id, world.nuri.id, world.hanbit.id, world.dasom.id
    db.session.expunge_all()  # nothing cached: the companies must come with the proxies
    with count_queries(db.engine) as statements:
        proxies = proxies_for(event_id)
        names = [(p.from_company.name, p.to_company.name) for p in proxies]
    assert names == [("주식회사 가온랩", "(주)한빛소프트"), ("누리미디어", "(주)한빛소프트")]
    assert len(statements) == 1
    assert [p.from_company_id for p in proxies_for(event_id, company_id=nuri_id)] == [nuri_id]
    assert len(proxies_for(event_id, company_id=hanbit_id)) == 2
    assert proxies_for(event_id, company_id=dasom_id) == []


def test_voting_power_counts_own_votes_and_proxies(world):
    _voter(world.event, world.hanbit, "rep@hanbit.example")
    _voter(world.event, world.dasom, "rep@dasom.example")
    make_registration(world.event, world.gaon, email="obs@gaon.example", role=AttendeeRole.OBSERVER)
    cancelled = _voter(world.event, world.plain, "rep@maru.example")
    cancelled.status = RegistrationStatus.CANCELLED
    extra = make_company(world.dmc, name="바다전자", is_council_member=True)
    later_revoked = make_company(world.dmc, name="사랑건설", is_council_member=True)
    db.session.commit()
    _give(world, world.nuri, world.hanbit)
    _give(world, extra, world.hanbit)
    _give(world, world.gaon, world.dasom, actor=world.gaon_member)
    revoked = _give(world, later_revoked, world.dasom)
    revoke_proxy(revoked.id, world.member, utcnow())
    db.session.commit()
    event_id = world.event.id

    with count_queries(db.engine) as statements:
        power = voting_power(event_id)
    assert len(statements) == 2
    summary = {cid: (p.own, p.received, p.total) for cid, p in power.items()}
    assert summary == {
        world.hanbit.id: (1, 2, 3),
        world.dasom.id: (1, 1, 2),
    }
    assert sum(p.total for p in power.values()) == 5
    # Another meeting's proxies and registrations stay out.
    assert voting_power(make_event(world.dmc, kind=EventKind.COUNCIL).id) == {}


def test_voting_power_counts_a_receiver_without_own_voter(world):
    _give(world, world.nuri, world.hanbit)
    power = voting_power(world.event.id)
    assert {cid: (p.own, p.received) for cid, p in power.items()} == {world.hanbit.id: (0, 1)}
