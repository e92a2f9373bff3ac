"""Demo networking: company profiles, cluster words, networking events with slots, meetings and contacts.

A newcomer who logs in as a member of 누리미디어랩 finds a networking night coming up with a
meeting request to answer, suggestions with reasons, and last month's night with meetings held
and business cards exchanged. Like ``load.py`` this creates only what is missing, never
commits, and writes through the models without calling the services (they queue mail).
Everything is fixed by the tables below and ``random.Random``; nothing depends on the clock
except the times themselves, which follow the events.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

from sqlalchemy import insert, select

from app.events.registration import ACTIVE
from app.extensions import db
from app.i18n import SEOUL
from app.models import (
    CheckIn,
    Cluster,
    Company,
    CompanyProfile,
    Contact,
    Event,
    Meeting,
    MeetingSeat,
    MeetingSlot,
    MeetingStatus,
    MeetingTable,
    NetworkingTag,
    ProfileSide,
    Registration,
    RegistrationStatus,
    profile_tags,
)
from app.networking.consent import NETWORKING_CONSENT_VERSION
from app.networking.slots import seoul_instant
from app.networking.tags import ensure_default_tags
from app.seed.data import COMPANY_BY_DOMAIN, MEMBER_OF

MEMBER_EMAILS = frozenset(u.email for u in MEMBER_OF.values())

# --------------------------------------------------------------------------- the words

# Each cluster's own words beside the shared ones (기술, 판로, 투자, 공동R&D, 인력, 공간).
CLUSTER_TAGS: dict[str, tuple[tuple[str, str], ...]] = {
    "dmc": (("해외 진출", "Going abroad"), ("IP 라이선싱", "IP licensing")),
    "magok": (("임상·인증", "Trials & certification"), ("장비 공유", "Shared equipment")),
    "yangjae": (("학습 데이터", "Training data"), ("PoC", "Proof of concept")),
    "guro": (("스마트공장", "Smart factory"), ("시제품 제작", "Prototyping")),
}

# --------------------------------------------------------------------------- the profiles


@dataclasses.dataclass(frozen=True)
class ProfileSeed:
    offers: str
    seeks: str
    offer_tags: tuple[str, ...]
    seek_tags: tuple[str, ...]
    discoverable: bool = True


P = ProfileSeed
PROFILES: dict[str, ProfileSeed] = {
    # 상암 DMC
    "nurimedia": P(
        "웹툰·드라마 원작 IP를 영상과 게임으로 넓혀 온 기획·제작 경험, 자체 콘텐츠 관리 플랫폼",
        "해외 OTT 판로와 현지화 파트너, 실감 콘텐츠로 IP를 옮길 기술 기업",
        ("IP 라이선싱", "기술"),
        ("해외 진출", "판로"),
    ),
    "hanbit": P(
        "다큐멘터리·브랜디드 영상 기획과 촬영, 4K 후반 작업실",
        "원작 IP와 공동 제작 투자, 음향 후반 파트너",
        ("인력", "공간"),
        ("IP 라이선싱", "투자"),
    ),
    "byeolbit": P(
        "캐주얼 모바일 게임 개발·운영, 동남아 퍼블리싱 경험",
        "게임화할 웹툰·애니메이션 IP, 사운드 외주",
        ("기술", "해외 진출"),
        ("IP 라이선싱", "인력"),
    ),
    "onsaemiro": P(
        "아티스트 매니지먼트와 팬 커뮤니티 운영, 공연 섭외 네트워크",
        "아티스트 IP를 쓸 콘텐츠 제작사, 해외 공연 판로",
        ("판로", "IP 라이선싱"),
        ("해외 진출", "판로"),
    ),
    "maruani": P(
        "2D·3D 애니메이션 제작 라인과 캐릭터 IP 3종",
        "캐릭터 IP 라이선싱 판로, 공동 제작 투자",
        ("IP 라이선싱", "기술"),
        ("판로", "투자"),
    ),
    "daonsound": P(
        "영상·게임 음향 디자인과 녹음 스튜디오, 돌비 애트모스 믹싱",
        "정기적으로 음향을 맡길 영상·게임 제작사",
        ("기술", "공간"),
        ("판로",),
    ),
    "pixelsoop": P(
        "VFX·CG 파이프라인과 버추얼 프로덕션 경험",
        "실감 콘텐츠 공동R&D 파트너, 해외 VFX 수주 판로",
        ("기술",),
        ("공동R&D", "해외 진출"),
    ),
    "haneulch": P(
        "케이블 채널 편성과 광고 영업망",
        "방영할 신규 콘텐츠",
        ("판로",),
        ("IP 라이선싱",),
        discoverable=False,
    ),
    "ieumtoon": P(
        "웹툰·웹소설 원작 400여 편과 글로벌 연재 플랫폼",
        "원작을 영상·게임으로 옮길 제작사, 번역·현지화 파트너",
        ("IP 라이선싱", "판로"),
        ("기술", "해외 진출"),
    ),
    "garamenm": P(
        "공연·행사 기획과 운영 인력, 대형 무대 장비 네트워크",
        "행사에 쓸 XR·미디어아트 기술",
        ("인력", "판로"),
        ("기술",),
    ),
    "saebyeokxr": P(
        "XR 실감 콘텐츠 제작 엔진과 LED 월 스튜디오",
        "실감 콘텐츠로 만들 원작 IP, 공동R&D 과제 파트너",
        ("기술", "공간"),
        ("IP 라이선싱", "공동R&D"),
    ),
    "moacast": P(
        "크리에이터 120명 네트워크와 숏폼 마케팅",
        "브랜드 광고주",
        ("판로",),
        ("판로",),
        discoverable=False,
    ),
    "studioara": P(
        "광고 영상 기획·촬영, 모션그래픽",
        "광고를 맡길 기술 기업, 애니메이션 협업",
        ("인력",),
        ("판로",),
    ),
    "bitnuri": P(
        "방송·중계 장비 공급과 유지보수",
        "장비를 쓸 제작사, 장비 공동개발 파트너",
        ("기술", "판로"),
        ("공동R&D",),
    ),
    "hangyeol": P(
        "자막·더빙 현지화 12개 언어, 번역가 네트워크",
        "해외로 나갈 콘텐츠와 게임",
        ("해외 진출", "인력"),
        ("판로",),
    ),
    # 마곡
    "hanulbio": P(
        "항체 신약 후보물질과 전임상 설비",
        "임상 파트너와 투자, 진단 기업과의 공동R&D",
        ("기술", "장비 공유"),
        ("임상·인증", "투자"),
    ),
    "seum": P(
        "고기능성 복합 신소재와 시험 분석 장비",
        "소재를 쓸 배터리·의료기기 기업",
        ("기술", "장비 공유"),
        ("판로", "공동R&D"),
    ),
    "greencell": P(
        "세포치료제 GMP 시설과 공정 노하우",
        "공동 임상 파트너, 투자",
        ("공간", "기술"),
        ("임상·인증", "투자"),
    ),
    "naraedx": P(
        "체외진단 키트 개발·인증 경험",
        "진단 데이터 분석 AI 기업, 해외 판로",
        ("임상·인증", "기술"),
        ("공동R&D", "판로"),
    ),
    "h2energylab": P("수소 연료전지 스택 설계", "실증 부지와 투자", ("기술",), ("공간", "투자")),
    "bareum": P("의료기기 인허가 대응 경험", "센서·소재 공급 파트너", ("임상·인증",), ("기술",)),
    "mirnano": P("나노 소재 합성과 분석 장비", "소재 적용처, 공동R&D", ("기술", "장비 공유"), ("판로", "공동R&D")),
    "onnuripharm": P("제약 R&D 인력과 분석 실험실", "신약 후보물질", ("인력", "장비 공유"), ("기술",)),
    "cheongram": P("이차전지 양극재 소재", "소재 검증 파트너와 판로", ("기술",), ("판로", "공동R&D")),
    "neulbom": P("협동로봇 팔과 제어 소프트웨어", "로봇을 쓸 제조·물류 현장", ("기술",), ("판로",)),
    "geosensor": P("산업용 센서와 데이터 수집 모듈", "센서 데이터 분석 AI 기업", ("기술",), ("공동R&D", "판로")),
    "urion": P("정밀화학 원료", "원료 수요처", ("판로",), ("판로",), discoverable=False),
    "saeromhc": P(
        "디지털 헬스케어 앱과 병원 네트워크",
        "의료 AI 기술과 데이터 파트너",
        ("판로", "임상·인증"),
        ("기술", "공동R&D"),
    ),
    # 양재
    "deeplight": P(
        "컴퓨터 비전 모델과 영상 분석 API",
        "현장 데이터를 가진 제조·의료 기업, 공동R&D 과제",
        ("기술",),
        ("학습 데이터", "공동R&D"),
    ),
    "malmoi": P(
        "한국어 자연어 처리 엔진과 챗봇 구축",
        "고객 상담 데이터를 가진 기업, 해외 판로",
        ("기술",),
        ("학습 데이터", "판로"),
    ),
    "datasulgi": P(
        "AI 학습 데이터 수집·가공과 라벨링 인력",
        "데이터가 필요한 AI 기업, 정부 데이터 과제",
        ("학습 데이터", "인력"),
        ("판로", "공동R&D"),
    ),
    "neurowave": P("음성 인식 엔진", "음성 데이터와 적용처", ("기술",), ("학습 데이터", "판로")),
    "aibom": P("AI 교육 과정과 강사진", "교육을 맡길 기업", ("인력",), ("판로",)),
    "qbrain": P("추천 시스템 엔진", "콘텐츠·커머스 기업", ("기술",), ("판로", "PoC")),
    "dodamlogix": P("물류 경로 최적화 AI", "실증할 물류·제조 현장", ("기술",), ("PoC", "판로")),
    "areummobility": P("자율주행 인지 소프트웨어", "실증 부지와 투자", ("기술",), ("공간", "투자")),
    "byeorisec": P("AI 기반 보안 관제", "보안이 필요한 중소기업", ("기술",), ("판로",)),
    "hantteut": P("계약서 검토 AI", "법무 데이터와 기업 고객", ("기술",), ("학습 데이터", "판로")),
    "insightmind": P("정신건강 AI 상담", "병원과 임상 파트너", ("기술",), ("PoC", "공동R&D")),
    "haramcloud": P("MLOps 플랫폼과 GPU 클라우드", "AI 스타트업 고객", ("기술", "공간"), ("판로",)),
    "noeulvision": P("CCTV 영상 분석", "스마트시티·공장 실증", ("기술",), ("PoC",)),
    "raonedu": P("에듀테크 플랫폼", "교육 콘텐츠 제작사", ("판로",), ("판로", "기술")),
    "chorokfarm": P("스마트팜 생육 예측 AI", "농가 데이터와 투자", ("기술",), ("학습 데이터", "투자")),
    # 구로
    "dongjin": P(
        "정밀 가공 설비 40대와 시제품 가공",
        "공정 데이터를 분석할 IT 기업, 스마트공장 전환",
        ("시제품 제작", "공간"),
        ("스마트공장", "기술"),
    ),
    "codenuri": P(
        "웹·모바일 시스템 구축 인력, 공공 SI 경험",
        "제조 현장의 디지털 전환 과제",
        ("인력", "기술"),
        ("판로", "공동R&D"),
    ),
    "taesung": P("전자부품 양산", "부품 수요처", ("시제품 제작",), ("판로",)),
    "gvalleysoft": P("업무용 그룹웨어", "중소기업 고객", ("기술",), ("판로",)),
    "smtsol": P("SMT 실장 라인", "시제품 물량과 스마트공장", ("시제품 제작",), ("판로", "스마트공장")),
    "digitalgaon": P("IoT 센서 기기와 관제 앱", "설치할 공장·건물", ("기술",), ("판로", "스마트공장")),
    "miraepack": P("친환경 포장재", "포장재 수요처", ("판로",), ("판로",)),
    "nextfield": P("중소 제조 ERP", "데이터 분석 파트너", ("기술", "스마트공장"), ("공동R&D",)),
    "woorisemi": P("반도체 장비 부품 가공", "장비사 판로", ("시제품 제작",), ("판로",)),
    "sejinmold": P("정밀 금형", "금형 수요처", ("시제품 제작",), ("판로",), discoverable=False),
    "itbridge": P("IT 아웃소싱 인력", "개발을 맡길 기업", ("인력",), ("판로",)),
    "sfone": P(
        "스마트공장 구축 솔루션과 도입 컨설팅",
        "함께 현장에 들어갈 AI·센서 기업",
        ("스마트공장", "기술"),
        ("공동R&D", "기술"),
    ),
    "boramprint": P("인쇄·출판", "인쇄 수요처", ("판로",), ("판로",), discoverable=False),
    "dainnet": P("산업용 네트워크 장비", "공장 네트워크 구축처", ("기술",), ("판로", "스마트공장")),
    "barotest": P("품질 시험·계측 장비", "시험을 맡길 제조사", ("시제품 제작",), ("판로",)),
}
del P

# --------------------------------------------------------------------------- the events


@dataclasses.dataclass(frozen=True)
class MeetingSeed:
    requester: str  # company domain
    invitee: str
    slot: int  # 0-based slot number
    status: MeetingStatus
    message: str = ""


@dataclasses.dataclass(frozen=True)
class NetworkingEventSeed:
    meetings_per_company: int | None = 3
    slots_from: dt.time | None = None  # first slot (Seoul time) on the event day; None: no slots
    slot_minutes: int = 20
    slots: int = 0
    tables: int = 0
    meetings: tuple[MeetingSeed, ...] = ()
    contact_pairs: int = 0  # contacts exchanged at the door (past events), drawn at random


A, R, D, C = MeetingStatus.ACCEPTED, MeetingStatus.REQUESTED, MeetingStatus.DECLINED, MeetingStatus.CANCELLED
NETWORKING_EVENTS: dict[str, NetworkingEventSeed] = {
    "제14회 DMC 네트워킹 나이트": NetworkingEventSeed(
        slots_from=dt.time(19, 30),
        slots=4,
        tables=3,
        meetings=(
            MeetingSeed("nurimedia", "ieumtoon", 0, A, "원작 웹툰의 영상화 방향을 이야기하고 싶습니다."),
            MeetingSeed("hanbit", "saebyeokxr", 0, A),
            MeetingSeed("byeolbit", "daonsound", 1, A, "게임 사운드 외주 건으로 뵙고 싶습니다."),
            MeetingSeed("maruani", "nurimedia", 1, A),
            MeetingSeed("bitnuri", "hanbit", 2, A),
            MeetingSeed("garamenm", "saebyeokxr", 2, A, "공연에 XR을 접목하는 방안을 듣고 싶습니다."),
            MeetingSeed("hangyeol", "ieumtoon", 3, A),
            MeetingSeed("onsaemiro", "maruani", 3, D),
            MeetingSeed("daonsound", "nurimedia", 2, C),
        ),
        contact_pairs=14,
    ),
    "제15회 DMC 네트워킹 나이트": NetworkingEventSeed(
        slots_from=dt.time(19, 30),
        slots=4,
        tables=4,
        meetings=(
            MeetingSeed("nurimedia", "maruani", 0, A, "캐릭터 IP 공동 사업을 이어서 논의하고 싶습니다."),
            MeetingSeed("hanbit", "nurimedia", 1, R, "원작 IP 기반 다큐멘터리 공동 제작을 제안드립니다."),
            MeetingSeed("daonsound", "hanbit", 0, A),
            MeetingSeed("byeolbit", "nurimedia", 2, A, "IP 게임화 협업을 논의하고 싶습니다."),
            MeetingSeed("studioara", "onsaemiro", 1, D),
            MeetingSeed("hangyeol", "byeolbit", 3, R, "동남아 출시 게임의 현지화를 돕고 싶습니다."),
        ),
    ),
    "마곡 R&D 오픈 네트워킹 데이": NetworkingEventSeed(
        slots_from=dt.time(18, 30),
        slots=3,
        tables=2,
        meetings=(
            MeetingSeed("hanulbio", "greencell", 0, A),
            MeetingSeed("seum", "cheongram", 0, A, "양극재용 복합 소재 시험을 함께 해 보고 싶습니다."),
            MeetingSeed("geosensor", "neulbom", 1, A),
            MeetingSeed("saeromhc", "hanulbio", 2, A),
        ),
        contact_pairs=8,
    ),
    "제1회 서울 클러스터 연합 포럼": NetworkingEventSeed(meetings_per_company=None, contact_pairs=20),
    "제2회 서울 클러스터 연합 포럼": NetworkingEventSeed(meetings_per_company=None),
    "양재 AI 스타트업 네트워킹 나이트": NetworkingEventSeed(slots_from=dt.time(19, 30), slots=4, tables=3),
}
del A, R, D, C

CONTACT_NOTES = (
    "다음 달 사무실 방문 약속",
    "제안서 보내 주기로 함",
    "공동R&D 과제 공고 나오면 연락",
    "견적 요청",
    "",
    "",
)
SEED = 20261203


def _consents(registration: Registration) -> bool:
    """Most attendees tick the networking box; a stable few (by their e-mail) do not.

    The demo accounts always do, so that a newcomer signing in sees networking at work.
    """
    return registration.email in MEMBER_EMAILS or sum(registration.email.encode()) % 6 != 0


def seed_networking(clusters: dict[str, Cluster], events: dict[str, Event], new_event_titles: set[str]) -> dict:
    """Create the missing networking demo data; events created in this run get networking turned on."""
    created = dict.fromkeys(("tags", "profiles", "slots", "meetings", "contacts"), 0)
    session = db.session
    created["tags"] += ensure_default_tags()
    tags = _cluster_tags(clusters, created)

    companies = {
        c.brn: c
        for c in session.scalars(select(Company).where(Company.brn.in_([COMPANY_BY_DOMAIN[d].brn for d in PROFILES])))
    }
    by_domain = {d: companies[COMPANY_BY_DOMAIN[d].brn] for d in PROFILES if COMPANY_BY_DOMAIN[d].brn in companies}
    have = set(
        session.scalars(
            select(CompanyProfile.company_id).where(CompanyProfile.company_id.in_([c.id for c in by_domain.values()]))
        )
    )
    tag_rows = []
    for domain, p in PROFILES.items():
        company = by_domain.get(domain)
        if company is None or company.id in have:
            continue
        session.add(
            CompanyProfile(
                company_id=company.id,
                offers=p.offers,
                seeks=p.seeks,
                fields=COMPANY_BY_DOMAIN[domain].industry,
                is_discoverable=p.discoverable,
            )
        )
        slug = COMPANY_BY_DOMAIN[domain].cluster
        for side, labels in ((ProfileSide.OFFER, p.offer_tags), (ProfileSide.SEEK, p.seek_tags)):
            for label in labels:
                tag = tags.get((slug, label)) or tags[(None, label)]
                tag_rows.append({"company_id": company.id, "tag_id": tag.id, "side": side})
        created["profiles"] += 1
    session.flush()
    if tag_rows:
        session.execute(insert(profile_tags), tag_rows)

    for title, seed in NETWORKING_EVENTS.items():
        event = events.get(title)
        if event is None or title not in new_event_titles:
            continue  # an existing event keeps the settings it has
        event.networking_enabled = True
        event.meetings_per_company = seed.meetings_per_company
        _consent_all(event)
        slots, tables = _slots_and_tables(event, seed, created)
        _meetings(event, seed, slots, tables, by_domain, created)
        _contacts(event, seed, created)
    session.flush()
    return created


def _cluster_tags(clusters: dict[str, Cluster], created: dict) -> dict[tuple[str | None, str], NetworkingTag]:
    session = db.session
    tags: dict[tuple[str | None, str], NetworkingTag] = {}
    slug_of = {c.id: slug for slug, c in clusters.items()}
    for tag in session.scalars(select(NetworkingTag)):
        tags[(slug_of.get(tag.cluster_id) if tag.cluster_id else None, tag.label_ko)] = tag
    for slug, words in CLUSTER_TAGS.items():
        for order, (label_ko, label_en) in enumerate(words, start=1):
            if (slug, label_ko) in tags or slug not in clusters:
                continue
            tag = NetworkingTag(cluster=clusters[slug], label_ko=label_ko, label_en=label_en, sort_order=order)
            session.add(tag)
            tags[(slug, label_ko)] = tag
            created["tags"] += 1
    session.flush()
    return tags


def _consent_all(event: Event) -> None:
    for reg in db.session.scalars(select(Registration).where(Registration.event_id == event.id)):
        if _consents(reg):
            reg.networking_consent_version = NETWORKING_CONSENT_VERSION
            reg.networking_consent_at = reg.created_at


def _slots_and_tables(event: Event, seed: NetworkingEventSeed, created: dict):
    if seed.slots_from is None:
        return [], []
    day = event.starts_at.astimezone(SEOUL).date()
    first = seoul_instant(day, seed.slots_from)
    length = dt.timedelta(minutes=seed.slot_minutes)
    slots = []
    for i in range(seed.slots):
        starts = first + i * length
        if starts + length > event.ends_at:
            break
        slot = MeetingSlot(event=event, starts_at=starts, ends_at=starts + length)
        db.session.add(slot)
        slots.append(slot)
        created["slots"] += 1
    tables = [MeetingTable(event=event, name=f"테이블 {n}", sort_order=n) for n in range(1, seed.tables + 1)]
    db.session.add_all(tables)
    db.session.flush()
    return slots, tables


def _meetings(event, seed, slots, tables, by_domain, created) -> None:
    """The planned meetings, each only where the services would have allowed it."""
    if not slots:
        return
    acting = _acting_registrations(event)
    held: dict[int, set[int]] = {}  # slot id -> companies seated
    used_tables: dict[int, int] = {}  # slot id -> tables given
    for m in seed.meetings:
        requester, invitee = by_domain.get(m.requester), by_domain.get(m.invitee)
        if requester is None or invitee is None or m.slot >= len(slots):
            continue
        if requester.id not in acting or invitee.id not in acting:
            continue  # a company without a consenting attendee cannot ask or answer
        if not (PROFILES[m.requester].discoverable and PROFILES[m.invitee].discoverable):
            continue
        slot = slots[m.slot]
        seated = held.setdefault(slot.id, set())
        asked_at = max(event.registration_opens_at or event.created_at, acting[requester.id].created_at)
        meeting = Meeting(
            event=event,
            slot=slot,
            requester=requester,
            invitee=invitee,
            status=MeetingStatus.REQUESTED,
            message=m.message,
            requested_by=acting[requester.id],
            created_at=asked_at,
            updated_at=asked_at,
        )
        if m.status in (MeetingStatus.ACCEPTED, MeetingStatus.DECLINED):
            if m.status == MeetingStatus.ACCEPTED:
                n = used_tables.get(slot.id, 0)
                if n >= len(tables) or requester.id in seated or invitee.id in seated:
                    continue
                meeting.table = tables[n]
                used_tables[slot.id] = n + 1
                seated.update((requester.id, invitee.id))
            meeting.status = m.status
            meeting.responded_by = acting[invitee.id]
            meeting.responded_at = asked_at + dt.timedelta(hours=5)
            meeting.updated_at = meeting.responded_at
        elif m.status == MeetingStatus.CANCELLED:
            meeting.status = m.status
            meeting.cancelled_at = meeting.updated_at = asked_at + dt.timedelta(hours=2)
        db.session.add(meeting)
        db.session.flush()
        if meeting.status == MeetingStatus.ACCEPTED:
            for company_id in (requester.id, invitee.id):
                db.session.add(MeetingSeat(meeting_id=meeting.id, company_id=company_id, slot_id=slot.id))
        created["meetings"] += 1
    db.session.flush()


def _acting_registrations(event: Event) -> dict[int, Registration]:
    """Per company, its first confirmed attendee who consented: the one who asks and answers."""
    acting: dict[int, Registration] = {}
    for reg in db.session.scalars(
        select(Registration)
        .where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.company_id.is_not(None),
            Registration.networking_consent_at.is_not(None),
        )
        .order_by(Registration.id)
    ):
        acting.setdefault(reg.company_id, reg)
    return acting


def _firm(reg: Registration) -> tuple[int | None, str | None]:
    return reg.company_id, reg.guest_company_name


def _contacts(event: Event, seed: NetworkingEventSeed, created: dict) -> None:
    """Cards exchanged at the door: pairs of checked-in, consenting attendees of different companies."""
    if not seed.contact_pairs:
        return
    rows = db.session.execute(
        select(Registration, CheckIn.checked_in_at)
        .join(CheckIn, CheckIn.registration_id == Registration.id)
        .where(
            Registration.event_id == event.id,
            Registration.status.in_(ACTIVE),
            Registration.networking_consent_at.is_not(None),
        )
        .order_by(Registration.id)
    ).all()
    rng = random.Random(SEED + event.id)
    candidates = [(a, b) for i, a in enumerate(rows) for b in rows[i + 1 :] if _firm(a[0]) != _firm(b[0])]
    rng.shuffle(candidates)
    for (a, a_in), (b, b_in) in candidates[: seed.contact_pairs]:
        at = max(a_in, b_in) + dt.timedelta(minutes=rng.randint(5, 80))
        scanner, other = (a, b) if rng.random() < 0.5 else (b, a)
        note = rng.choice(CONTACT_NOTES)
        db.session.add_all(
            [
                Contact(
                    event_id=event.id,
                    owner_registration_id=scanner.id,
                    other_registration_id=other.id,
                    scanned_by_owner=True,
                    note=note,
                    rating=rng.randint(3, 5) if note else None,
                    created_at=at,
                    updated_at=at,
                ),
                Contact(
                    event_id=event.id,
                    owner_registration_id=other.id,
                    other_registration_id=scanner.id,
                    scanned_by_owner=False,
                    rating=rng.choice((None, 4, 5)),
                    created_at=at,
                    updated_at=at,
                ),
            ]
        )
        created["contacts"] += 2
    db.session.flush()
