"""The live check-in dashboard: counts, arrivals per 10 minutes, the council quorum, the page,
the JSON API, who may see them, and a query count that does not grow with attendees."""

from __future__ import annotations

import datetime as dt
import json
import re
from types import SimpleNamespace

import pytest

from app.checkin.dashboard import dashboard_figures
from app.events.council import quorum, quorum_votes_needed
from app.extensions import db
from app.models import AttendeeRole, CouncilProxy, EventKind, Role, ScanLog
from app.models.registration import RegistrationStatus
from tests.factories import (
    make_checkin,
    make_cluster,
    make_company,
    make_event,
    make_registration,
    make_user,
    valid_brn,
)
from tests.helpers import login, see_committed
from tests.query_counter import count_queries

UTC = dt.UTC
KST = dt.timezone(dt.timedelta(hours=9))
CONFIRMED, WAITLISTED, CANCELLED = (
    RegistrationStatus.CONFIRMED,
    RegistrationStatus.WAITLISTED,
    RegistrationStatus.CANCELLED,
)
VOTER, OBSERVER = AttendeeRole.VOTER, AttendeeRole.OBSERVER


def kst(hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    """An instant on the event day (2030-12-03), given on the Seoul clock."""
    return dt.datetime(2030, 12, 3, hour, minute, second, tzinfo=KST)


def page_url(event_id):
    return f"/staff/events/{event_id}/dashboard"


def api_url(event_id):
    return f"/api/checkin/events/{event_id}/dashboard"


@pytest.fixture
def world(app):
    """A DMC networking night at 19:00-21:00 KST, open to all clusters and guests, and one user per role."""
    dmc = make_cluster("dmc", name_ko="상암 DMC", name_en="Sangam DMC")
    guro = make_cluster("guro", name_ko="구로 G밸리", name_en="Guro G-Valley")
    w = SimpleNamespace(
        dmc=dmc,
        guro=guro,
        nuri=make_company(dmc, name="(주)누리미디어"),
        hanbit=make_company(dmc, name="한빛소프트"),
        gurotech=make_company(guro, name="구로테크"),
        event=make_event(
            dmc,
            title_ko="DMC 송년 네트워킹",
            capacity=100,
            open_to_all_clusters=True,
            open_to_guests=True,
            starts_at=kst(19),
            ends_at=kst(21),
        ),
        admin=make_user(Role.ADMIN, email="admin@example.com"),
        dmc_staff=make_user(Role.STAFF, clusters=[dmc], email="dmc.staff@example.com"),
        guro_staff=make_user(Role.STAFF, clusters=[guro], email="guro.staff@example.com"),
    )
    w.member = make_user(company=w.nuri, email="member@nuri.example")
    db.session.commit()
    return w


def _people(w):
    """Nine confirmed (two walk-ins, one left), one waitlisted and one cancelled registration."""
    reg = lambda company, name, **kw: make_registration(w.event, company, name=name, **kw)  # noqa: E731
    p = SimpleNamespace(
        kim=reg(w.nuri, "김누리"),
        park=reg(w.nuri, "박누리"),
        choi=reg(w.nuri, "최누리", role=AttendeeRole.SPEAKER),
        han=reg(w.hanbit, "한빛나"),
        lee=reg(w.gurotech, "이구로"),
        oh=reg(w.gurotech, "오구로"),
        jung=reg(None, "정게스트", guest_company_name="바깥컨설팅", guest_brn=valid_brn()),
        walk1=reg(w.hanbit, "문현장"),
        walk2=reg(None, "배현장", guest_company_name="가나상사", guest_brn=valid_brn()),
        waiting=reg(w.nuri, "대기자", status=WAITLISTED),
        gone=reg(w.gurotech, "취소자", status=CANCELLED),
    )
    make_checkin(p.kim, checked_in_at=kst(18, 50), gate="A")
    make_checkin(p.park, checked_in_at=kst(18, 55), gate="A", checked_out_at=kst(20, 0))
    make_checkin(p.lee, checked_in_at=kst(19, 2), gate="B")
    make_checkin(p.walk1, checked_in_at=kst(19, 5), gate="A", method="walkin")
    make_checkin(p.walk2, checked_in_at=kst(19, 12), gate="A", method="walkin")
    db.session.commit()
    return p


# --- counts ---------------------------------------------------------------------------------


def test_totals_count_confirmed_people_checked_in_left_and_walkins(world):
    _people(world)
    figures = dashboard_figures(world.event, kst(20, 30))
    assert figures["totals"] == {
        "confirmed": 9,
        "checked_in": 5,
        "checked_out": 1,
        "present": 4,
        "not_arrived": 4,
        "walkins": 2,
        "present_label": "4",
    }
    assert figures["headline"] == "체크인 5 / 확정 9"
    assert (figures["phase"], figures["phase_label"]) == ("running", "진행 중")


def test_after_the_end_nobody_is_shown_as_still_present(world):
    """Four people never scanned out; once the event is over they are not "in the room"."""
    _people(world)
    figures = dashboard_figures(world.event, kst(21, 30))
    assert figures["totals"]["present"] is None
    assert figures["totals"]["present_label"] == "종료" == figures["phase_label"]
    # Attendance itself is history and stays.
    assert (figures["totals"]["checked_in"], figures["totals"]["checked_out"]) == (5, 1)


def test_before_the_start_the_phase_says_so(world):
    _people(world)
    assert dashboard_figures(world.event, kst(18, 0))["phase_label"] == "진행 전"


def test_counts_by_cluster_and_by_company(world):
    _people(world)
    figures = dashboard_figures(world.event, kst(20, 30))
    by_cluster = {
        g["label"]: (g["checked_in"], g["confirmed"], g["checked_out"], g["walkins"]) for g in figures["by_cluster"]
    }
    assert by_cluster == {"상암 DMC": (3, 5, 1, 1), "구로 G밸리": (1, 2, 0, 0), "외부 기업 (게스트)": (1, 2, 0, 1)}
    assert [g["label"] for g in figures["by_cluster"]] == ["상암 DMC", "구로 G밸리", "외부 기업 (게스트)"]

    by_company = [
        (g["label"], g["detail"], g["checked_in"], g["confirmed"], g["present"]) for g in figures["by_company"]
    ]
    # 가나다 order, (주) ignored; guest firms after the tenants.
    assert by_company == [
        ("구로테크", "구로 G밸리", 1, 2, 1),
        ("(주)누리미디어", "상암 DMC", 2, 3, 1),
        ("한빛소프트", "상암 DMC", 1, 2, 1),
        ("가나상사", "외부 기업 (게스트)", 1, 1, 1),
        ("바깥컨설팅", "외부 기업 (게스트)", 0, 1, 0),
    ]


def test_not_arrived_lists_confirmed_people_without_checkin(world):
    _people(world)
    not_arrived = dashboard_figures(world.event, kst(20, 30))["not_arrived"]
    assert not_arrived["total"] == 4 and not not_arrived["truncated"]
    assert [(p["name"], p["company"], p["role"], p["role_label"]) for p in not_arrived["people"]] == [
        ("오구로", "구로테크", "attendee", "참가자"),
        ("최누리", "(주)누리미디어", "speaker", "연사"),
        ("한빛나", "한빛소프트", "attendee", "참가자"),
        ("정게스트", "바깥컨설팅", "attendee", "게스트"),
    ]


def test_not_arrived_list_is_cut_but_its_total_is_exact(world, monkeypatch):
    monkeypatch.setattr("app.checkin.dashboard.NOT_ARRIVED_LIMIT", 2)
    _people(world)
    not_arrived = dashboard_figures(world.event, kst(20, 30))["not_arrived"]
    assert not_arrived["total"] == 4 and len(not_arrived["people"]) == 2 and not_arrived["truncated"]


def test_nobody_registered_gives_zeros_and_no_rows(world):
    figures = dashboard_figures(world.event, kst(18, 30))
    assert figures["totals"]["confirmed"] == 0
    assert figures["by_cluster"] == [] and figures["by_company"] == [] and figures["not_arrived"]["people"] == []
    assert figures["quorum"] is None


# --- arrivals per 10 minutes ------------------------------------------------------------------


def _arrive(w, *times):
    for i, when in enumerate(times):
        make_checkin(make_registration(w.event, w.nuri, name=f"도착{i}"), checked_in_at=when)
    db.session.commit()


def test_arrivals_are_counted_in_seoul_ten_minute_buckets_from_doors_open_to_now(world):
    # 18:09:59 and 18:10:00 fall on both sides of a bucket edge; 18:59:59 is still 18:50.
    _arrive(world, kst(18, 5), kst(18, 9, 59), kst(18, 10), kst(18, 59, 59), kst(19, 20))
    arrivals = dashboard_figures(world.event, kst(19, 25))["arrivals"]
    assert arrivals["bucket_minutes"] == 10
    assert [(b["label"], b["count"]) for b in arrivals["buckets"]] == [
        ("18:00", 2),
        ("18:10", 1),
        ("18:20", 0),
        ("18:30", 0),
        ("18:40", 0),
        ("18:50", 1),
        ("19:00", 0),
        ("19:10", 0),
        ("19:20", 1),
    ]
    assert arrivals["max"] == 2
    # Bucket starts are UTC instants: 18:00 KST is 09:00 UTC.
    assert arrivals["buckets"][0]["start"] == "2030-12-03T09:00:00+00:00"


def test_arrivals_start_at_an_arrival_before_doors_open_and_stop_at_the_end(world):
    _arrive(world, kst(17, 45), kst(19, 1))
    buckets = dashboard_figures(world.event, kst(23, 0))["arrivals"]["buckets"]
    assert buckets[0]["label"] == "17:40" and buckets[0]["count"] == 1
    assert buckets[-1]["label"] == "21:00"  # the event ended at 21:00; no bars up to 23:00
    assert len(buckets) == 21


def test_arrivals_are_empty_before_doors_open(world):
    assert dashboard_figures(world.event, kst(17, 0))["arrivals"]["buckets"] == []
    # From doors-open on, the chart runs even while nobody has come.
    buckets = dashboard_figures(world.event, kst(18, 15))["arrivals"]["buckets"]
    assert [(b["label"], b["count"]) for b in buckets] == [("18:00", 0), ("18:10", 0)]


def test_people_who_left_still_count_where_they_arrived(world):
    _people(world)
    buckets = {b["label"]: b["count"] for b in dashboard_figures(world.event, kst(20, 30))["arrivals"]["buckets"]}
    assert buckets["18:50"] == 2  # kim and park (who left at 20:00)


# --- latest scans ---------------------------------------------------------------------------


def test_latest_scans_newest_first_with_name_gate_and_result(world):
    p = _people(world)
    for when, reg, mode, result, gate in [
        (kst(18, 50), p.kim, "in", "ok", "A"),
        (kst(18, 51), p.kim, "in", "already_checked_in", "B"),
        (kst(18, 52), None, "in", "unknown_code", "A"),
        (kst(20, 0), p.park, "out", "ok", "A"),
    ]:
        db.session.add(
            ScanLog(
                event_id=world.event.id,
                registration_id=reg.id if reg else None,
                scanned_at=when,
                mode=mode,
                result=result,
                gate=gate,
            )
        )
    db.session.commit()
    scans = dashboard_figures(world.event, kst(20, 30))["latest_scans"]
    assert [(s["time_label"], s["gate"], s["result"], s["result_label"], s["tone"], s["name"]) for s in scans] == [
        ("20:00:00", "A", "ok", "퇴장", "ok", "박누리"),
        ("18:52:00", "A", "unknown_code", "등록되지 않은 코드", "error", ""),
        ("18:51:00", "B", "already_checked_in", "이미 체크인", "warn", "김누리"),
        ("18:50:00", "A", "ok", "체크인 완료", "ok", "김누리"),
    ]


# --- the council quorum -----------------------------------------------------------------------


@pytest.fixture
def council(world):
    """A DMC council meeting with five member companies (quorum 3), a non-member tenant,
    a retired member and another cluster's member."""
    dmc = world.dmc
    c = SimpleNamespace(
        event=make_event(
            dmc, kind=EventKind.COUNCIL, title_ko="DMC 협의회 정기회의", starts_at=kst(19), ends_at=kst(21)
        ),
        a=make_company(dmc, name="가온랩", is_council_member=True),
        b=make_company(dmc, name="나래필름", is_council_member=True),
        c=make_company(dmc, name="다솜미디어", is_council_member=True),
        d=make_company(dmc, name="라온소프트", is_council_member=True),
        e=make_company(dmc, name="마루전자", is_council_member=True),
        plain=make_company(dmc, name="바다상사"),
        retired=make_company(dmc, name="사랑건설", is_council_member=True, is_active=False),
        other=make_company(world.guro, name="구로정밀", is_council_member=True),
    )
    db.session.commit()
    return c


def _voter(c, company, checked_in_at=None, checked_out_at=None, role=VOTER):
    reg = make_registration(c.event, company, name=f"{company.name} 대표", role=role)
    if checked_in_at is not None:
        make_checkin(reg, checked_in_at=checked_in_at, checked_out_at=checked_out_at)
    return reg


def _proxy(c, giver, holder):
    db.session.add(
        CouncilProxy(event_id=c.event.id, from_company_id=giver.id, to_company_id=holder.id, created_at=kst(9))
    )


def test_quorum_rule_is_more_than_half_of_the_members():
    assert [quorum_votes_needed(n) for n in (1, 2, 3, 4, 5, 30)] == [1, 2, 2, 3, 3, 16]


def test_no_quorum_with_two_of_five_members(council):
    _voter(council, council.a, kst(18, 50))
    _voter(council, council.b, kst(18, 55))
    _voter(council, council.c)  # registered, not arrived
    # Voters of a non-member, a retired member and another cluster do not count.
    _voter(council, council.plain, kst(18, 51))
    _voter(council, council.retired, kst(18, 52))
    _voter(council, council.other, kst(18, 53))
    db.session.commit()
    q = quorum(council.event)
    assert (q["members"], q["needed"], q["present_votes"], q["met"], q["reached_at"]) == (5, 3, 2, False, None)
    assert q["label"] == "정족수 미달: 2 / 필요 3"


def test_quorum_is_reached_at_the_check_in_that_passes_the_threshold(council):
    _voter(council, council.c, kst(19, 7, 30))  # the third: quorum
    _voter(council, council.a, kst(18, 50))
    _voter(council, council.b, kst(19, 1))
    _voter(council, council.d, kst(19, 20))
    make_checkin(make_registration(council.event, council.e, name="참관인", role=OBSERVER), checked_in_at=kst(18, 40))
    db.session.commit()
    q = quorum(council.event)
    assert (q["present_votes"], q["in_person"], q["by_proxy"], q["met"]) == (4, 4, 0, True)
    assert q["reached_at"] == kst(19, 7, 30).astimezone(UTC).isoformat()
    assert q["reached_at_label"] == "19:07"
    assert q["label"] == "정족수 충족 (19:07)"
    assert dashboard_figures(council.event, kst(19, 30))["quorum"] == q


def test_proxies_count_only_while_the_holders_voter_is_present(council):
    _proxy(council, council.c, council.a)
    _proxy(council, council.d, council.a)
    holder = _voter(council, council.a)  # registered, not arrived: holds two proxies that do not count yet
    _voter(council, council.b, kst(18, 50))
    db.session.commit()
    q = quorum(council.event)
    assert (q["present_votes"], q["met"]) == (1, False)

    make_checkin(holder, checked_in_at=kst(19, 3))
    db.session.commit()
    q = quorum(council.event)
    assert (q["present_votes"], q["in_person"], q["by_proxy"], q["met"]) == (4, 2, 2, True)
    assert q["reached_at_label"] == "19:03"  # a's voter brought three votes at once


def test_a_company_that_gave_its_vote_does_not_count_itself(council):
    _proxy(council, council.c, council.a)
    # c's observer is in the room; its vote went to a, whose voter has not come.
    _voter(council, council.c, kst(18, 50), role=OBSERVER)
    _voter(council, council.b, kst(18, 51))
    db.session.commit()
    q = quorum(council.event)
    assert (q["present_votes"], q["in_person"], q["by_proxy"]) == (1, 1, 0)


def test_a_revoked_proxy_and_a_non_member_giver_are_not_counted(council):
    revoked = CouncilProxy(
        event_id=council.event.id,
        from_company_id=council.c.id,
        to_company_id=council.a.id,
        created_at=kst(9),
        revoked_at=kst(10),
    )
    db.session.add(revoked)
    _proxy(council, council.retired, council.a)  # gave while a member, since retired
    _voter(council, council.a, kst(18, 50))
    db.session.commit()
    assert quorum(council.event)["present_votes"] == 1


def test_a_voter_who_checks_out_takes_the_votes_along_but_reached_time_stays(council):
    _proxy(council, council.e, council.c)
    _voter(council, council.a, kst(18, 50))
    _voter(council, council.b, kst(18, 55))
    _voter(council, council.c, kst(19, 4), checked_out_at=kst(20, 10))  # holds e's vote
    db.session.commit()
    q = quorum(council.event)
    assert (q["present_votes"], q["met"]) == (2, False)
    assert q["reached_at_label"] == "19:04" and q["lost"]
    assert q["label"] == "정족수 미달: 2 / 필요 3"
    assert q["lost_label"] == "19:04에 정족수가 충족되었지만 지금은 미달입니다."


def test_a_council_without_members_never_has_quorum(world):
    event = make_event(world.guro, kind=EventKind.COUNCIL, starts_at=kst(19), ends_at=kst(21))
    db.session.commit()
    q = quorum(event)
    assert (q["members"], q["present_votes"], q["met"]) == (0, 0, False)


# --- the page and the JSON API -----------------------------------------------------------------


def test_api_returns_the_figures_as_json_and_is_not_cached(client, world, council):
    _voter(council, council.a, kst(18, 50))
    db.session.commit()
    login(client, world.dmc_staff.email)
    resp = client.get(api_url(council.event.id))
    assert resp.status_code == 200
    assert resp.mimetype == "application/json"
    assert resp.headers["Cache-Control"] == "no-store"
    data = resp.get_json()
    assert set(data) == {
        "event",
        "phase",
        "phase_label",
        "generated_at",
        "generated_at_label",
        "totals",
        "headline",
        "by_cluster",
        "by_company",
        "arrivals",
        "not_arrived",
        "latest_scans",
        "conflicts",
        "quorum",
    }
    assert data["event"] == {
        "id": council.event.id,
        "title": "DMC 협의회 정기회의",
        "kind": "council",
        "is_council": True,
        "starts_at": "2030-12-03T10:00:00+00:00",
        "ends_at": "2030-12-03T12:00:00+00:00",
    }
    assert set(data["totals"]) == {
        "confirmed",
        "checked_in",
        "checked_out",
        "present",
        "present_label",
        "not_arrived",
        "walkins",
    }
    assert set(data["by_company"][0]) == {
        "label",
        "detail",
        "is_guest",
        "confirmed",
        "checked_in",
        "checked_out",
        "present",
        "not_arrived",
        "walkins",
    }
    assert set(data["arrivals"]) == {"bucket_minutes", "buckets", "max", "truncated"}
    assert set(data["not_arrived"]) == {"total", "people", "truncated"}
    assert set(data["quorum"]) == {
        "members",
        "needed",
        "present_votes",
        "in_person",
        "by_proxy",
        "met",
        "reached_at",
        "reached_at_label",
        "label",
        "lost",
        "lost_label",
    }
    assert re.fullmatch(r"\d\d:\d\d:\d\d", data["generated_at_label"])


def test_api_of_a_networking_night_has_no_quorum(client, world):
    login(client, world.admin.email)
    assert client.get(api_url(world.event.id)).get_json()["quorum"] is None


def test_page_shows_the_figures_without_script(client, world, council):
    _voter(council, council.a, kst(18, 50))
    _voter(council, council.b, kst(18, 51))
    _voter(council, council.c)
    db.session.commit()
    login(client, world.dmc_staff.email)
    resp = client.get(page_url(council.event.id))
    assert resp.status_code == 200
    assert "no-store" in resp.headers["Cache-Control"]
    html = resp.get_data(as_text=True)
    assert "체크인 2 / 확정 3" in html
    assert "정족수 미달: 2 / 필요 3" in html
    assert "다솜미디어 대표" in html  # not arrived
    assert "<svg" in html and "18:50" in html  # the chart, drawn on the server


def test_page_passes_translated_texts_and_the_api_url_to_its_script(client, world):
    login(client, world.dmc_staff.email)
    html = client.get(page_url(world.event.id)).get_data(as_text=True)
    match = re.search(r'<script type="application/json" id="dashboard-config">(.*?)</script>', html, re.S)
    assert match
    config = json.loads(match.group(1))
    assert config["url"] == api_url(world.event.id)
    assert config["intervalMs"] == 3000
    assert config["text"]["lastUpdated"] == "마지막 갱신 {time}"
    assert "{time}" in config["text"]["offline"]
    # The script is ours, served locally: no CDN.
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert "/static/js/dashboard.js" in scripts and all(src.startswith("/static/js/") for src in scripts)


def test_page_has_an_empty_state_when_nobody_registered(client, world):
    login(client, world.dmc_staff.email)
    html = client.get(page_url(world.event.id)).get_data(as_text=True)
    assert "아직 확정된 신청자가 없습니다." in html
    assert re.search(r'<article class="empty-state" data-dash="empty"\s*>', html)  # shown, not hidden
    assert re.search(r'<div data-dash="body"\s+hidden>', html)


def test_the_script_exists_and_draws_the_chart_itself(app):
    import pathlib

    source = pathlib.Path(app.static_folder, "js", "dashboard.js").read_text(encoding="utf-8")
    assert "http://" not in source.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in source
    assert "visibilitychange" in source and "createElementNS" in source
    assert "innerHTML" not in source


def test_staff_registrations_page_links_to_the_dashboard(client, world):
    login(client, world.dmc_staff.email)
    html = client.get(f"/staff/events/{world.event.id}/registrations").get_data(as_text=True)
    assert f'href="{page_url(world.event.id)}"' in html


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["admin", "dmc_staff"])
def test_admin_and_host_cluster_staff_may_see_page_and_api(client, world, who):
    login(client, getattr(world, who).email)
    assert client.get(page_url(world.event.id)).status_code == 200
    assert client.get(api_url(world.event.id)).status_code == 200


@pytest.mark.parametrize("who", ["guro_staff", "member"])
def test_other_cluster_staff_and_members_get_403(client, world, who):
    login(client, getattr(world, who).email)
    assert client.get(page_url(world.event.id)).status_code == 403
    resp = client.get(api_url(world.event.id))
    assert resp.status_code == 403
    assert resp.is_json and "error" in resp.get_json()


def test_anonymous_is_sent_to_login_from_the_page_and_gets_401_json_from_the_api(client, world):
    resp = client.get(page_url(world.event.id))
    assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"]
    resp = client.get(api_url(world.event.id), headers={"Accept": "application/json"})
    assert resp.status_code == 401
    assert resp.get_json()["error"] == "login_required"


def test_unknown_event_is_404(client, world):
    login(client, world.dmc_staff.email)
    assert client.get(page_url(999999)).status_code == 404
    resp = client.get(api_url(999999))
    assert resp.status_code == 404 and resp.is_json


# --- queries --------------------------------------------------------------------------------


def _fill(c, start: int, count: int):
    """Member companies with a voter or an observer each, two in three checked in, some as walk-ins."""
    see_committed()  # a read snapshot older than the requests' commits could not write
    for i in range(start, start + count):
        company = make_company(c.event.host_cluster, name=f"회원사{i:03d}", is_council_member=True)
        reg = make_registration(c.event, company, name=f"대표{i:03d}", role=VOTER if i % 2 else OBSERVER)
        if i % 3:
            make_checkin(
                reg,
                checked_in_at=kst(18, 30) + dt.timedelta(minutes=i % 60),
                gate="A",
                method="walkin" if i % 7 == 0 else "qr",
            )
            db.session.add(
                ScanLog(
                    event_id=c.event.id,
                    registration_id=reg.id,
                    scanned_at=kst(18, 30),
                    mode="in",
                    result="ok",
                    gate="A",
                )
            )
    db.session.commit()


def _api_queries(client, event_id) -> int:
    with count_queries(db.engine) as statements:
        resp = client.get(api_url(event_id))
    assert resp.status_code == 200
    return len(statements)


def test_api_query_count_does_not_grow_with_attendees(client, world, council):
    _proxy(council, council.c, council.a)
    _voter(council, council.a, kst(18, 45))
    db.session.commit()
    _fill(council, 0, 5)
    login(client, world.dmc_staff.email)
    few = _api_queries(client, council.event.id)
    _fill(council, 5, 95)
    many = _api_queries(client, council.event.id)
    assert client.get(api_url(council.event.id)).get_json()["totals"]["confirmed"] == 101
    assert many == few, (few, many)
    assert few <= 12  # the figures (nine) plus the signed-in user, their clusters and the event
