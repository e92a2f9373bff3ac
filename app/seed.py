"""Demo data for a newcomer: clusters, companies, accounts, events with registrations and check-ins.

Everything here is fictional: company names, 사업자등록번호 (valid check digits, invented
numbers), people, e-mail addresses (all under ``moim.example``) and mobile numbers.

``seed_demo()`` is idempotent. Every object is looked up by its natural key (cluster by slug,
company by BRN, research group by name, user by e-mail, event by host cluster and Korean title,
registration by event and e-mail, check-in by registration) and only what is missing is created;
objects that already exist are left as they are, so edits made while trying the app survive a
second run. The caller commits. Choices are drawn from ``random.Random(2026)`` in a fixed order
that does not depend on the database or on ``now``, so two runs describe the same data; only the
ticket codes are truly random (they are secrets). Event dates are relative to ``now``.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.events.tickets import issue_ticket
from app.extensions import db
from app.models import (
    CheckIn,
    Cluster,
    Company,
    Event,
    EventKind,
    EventStatus,
    Registration,
    RegistrationStatus,
    ResearchGroup,
    Role,
    User,
    utcnow,
)
from app.validators import brn_check_digit, format_brn, normalize_brn

__all__ = [
    "CLUSTERS",
    "COMPANIES",
    "DEMO_LOGINS",
    "DEMO_PASSWORD",
    "EVENTS",
    "RESEARCH_GROUP",
    "USERS",
    "database_is_empty",
    "seed_demo",
]

KST = ZoneInfo("Asia/Seoul")
SEED = 2026
DEMO_PASSWORD = "moim-demo-2026"
MAIL_DOMAIN = "moim.example"


# --------------------------------------------------------------------------- clusters


class ClusterSeed(NamedTuple):
    slug: str
    name_ko: str
    name_en: str
    field_ko: str
    field_en: str
    is_active: bool


# In this order: the app lists clusters by id, i.e. in seed order.
CLUSTERS: list[ClusterSeed] = [
    ClusterSeed("dmc", "상암 디지털미디어시티(DMC)", "Sangam DMC", "미디어·엔터테인먼트", "Media & entertainment", True),
    ClusterSeed("magok", "마곡 R&D 특화 산업단지", "Magok R&D complex", "연구개발(R&D)", "Research & development", True),
    ClusterSeed("yangjae", "양재 Y밸리", "Yangjae Y-Valley", "인공지능(AI)·R&D", "AI, R&D", True),
    ClusterSeed("guro", "구로 G밸리", "Guro G-Valley", "IT·제조", "IT, manufacturing", True),
    # Joins next year: exists so staff can prepare it, inactive until launched.
    ClusterSeed("gangbuk", "강북 K밸리", "Gangbuk K-Valley", "", "", False),
]


# --------------------------------------------------------------------------- companies


class CompanySeed(NamedTuple):
    cluster: str  # cluster slug
    name: str
    industry: str
    domain: str  # ascii label: e-mail {x}@{domain}.moim.example, website
    website: str | None
    brn: str  # 10 digits, valid check digit
    is_council_member: bool
    council_joined_on: dt.date | None


# Per cluster: (name, industry, ascii label, has a website).
_COMPANY_TABLE: dict[str, list[tuple[str, str, str, bool]]] = {
    "dmc": [
        ("(주)누리미디어랩", "디지털 미디어 콘텐츠", "nurimedia", True),
        ("스튜디오한빛", "영상 제작", "hanbit", True),
        ("(주)별빛게임즈", "모바일 게임 개발", "byeolbit", True),
        ("(주)온새미로엔터테인먼트", "엔터테인먼트·매니지먼트", "onsaemiro", False),
        ("마루애니메이션(주)", "애니메이션 제작", "maruani", True),
        ("(주)다온사운드", "음향·음악 제작", "daonsound", False),
        ("(주)픽셀숲", "VFX·CG", "pixelsoop", True),
        ("(주)하늘채널", "방송 채널 운영", "haneulch", False),
        ("이음웹툰(주)", "웹툰·웹소설 플랫폼", "ieumtoon", True),
        ("(주)가람이앤엠", "공연·행사 기획", "garamenm", False),
        ("(주)새벽XR", "XR 실감 콘텐츠", "saebyeokxr", True),
        ("(주)모아캐스트", "1인 미디어·MCN", "moacast", False),
        ("스튜디오아라", "광고 영상 제작", "studioara", False),
        ("(주)빛누리방송기술", "방송 장비", "bitnuri", True),
        ("(주)한결로컬라이즈", "자막·더빙 현지화", "hangyeol", False),
    ],
    "magok": [
        ("(주)한울바이오텍", "바이오 신약 개발", "hanulbio", True),
        ("(주)세움신소재", "첨단 신소재", "seum", True),
        ("그린셀테라퓨틱스(주)", "세포치료제", "greencell", True),
        ("(주)나래진단", "체외진단기기", "naraedx", False),
        ("(주)에이치투에너지랩", "수소 연료전지", "h2energylab", True),
        ("(주)바름메디칼", "의료기기", "bareum", False),
        ("(주)솔빛광학", "광학 부품", "solbit", False),
        ("(주)미르나노", "나노 소재", "mirnano", True),
        ("온누리제약연구소(주)", "제약 R&D", "onnuripharm", False),
        ("(주)청람배터리", "이차전지 소재", "cheongram", True),
        ("(주)늘봄로보틱스", "협동로봇", "neulbom", False),
        ("(주)다솜푸드테크", "식품 기술", "dasomfood", False),
        ("(주)지오센서", "산업용 센서", "geosensor", True),
        ("(주)유리온케미칼", "정밀화학", "urion", False),
        ("(주)새롬헬스케어", "디지털 헬스케어", "saeromhc", False),
    ],
    "yangjae": [
        ("(주)딥라이트AI", "컴퓨터 비전", "deeplight", True),
        ("(주)말모이랩스", "자연어 처리", "malmoi", True),
        ("(주)슬기로운데이터", "AI 학습 데이터", "datasulgi", True),
        ("뉴로웨이브(주)", "음성 인식", "neurowave", True),
        ("(주)에이아이봄", "AI 교육", "aibom", False),
        ("(주)큐브레인", "추천 시스템", "qbrain", False),
        ("(주)도담로직스", "AI 물류 최적화", "dodamlogix", True),
        ("(주)아름모빌리티", "자율주행", "areummobility", True),
        ("(주)벼리시큐리티", "AI 보안", "byeorisec", False),
        ("(주)한뜻리걸테크", "리걸테크", "hantteut", False),
        ("인사이트마인드(주)", "AI 헬스케어", "insightmind", True),
        ("(주)하람클라우드", "MLOps·클라우드", "haramcloud", True),
        ("(주)노을비전", "영상 분석", "noeulvision", False),
        ("(주)라온에듀테크", "에듀테크", "raonedu", False),
        ("(주)초록팜AI", "스마트팜 AI", "chorokfarm", False),
    ],
    "guro": [
        ("(주)동진정밀", "정밀 가공", "dongjin", False),
        ("(주)코드누리", "SI·웹 개발", "codenuri", True),
        ("(주)태성전자", "전자부품", "taesung", False),
        ("(주)지밸리소프트", "업무용 소프트웨어", "gvalleysoft", True),
        ("(주)에스엠티솔루션", "SMT 실장", "smtsol", False),
        ("(주)디지털가온", "IoT 기기", "digitalgaon", True),
        ("(주)미래패키징", "포장재 제조", "miraepack", False),
        ("(주)넥스트필드", "ERP 솔루션", "nextfield", True),
        ("(주)우리반도체장비", "반도체 장비 부품", "woorisemi", False),
        ("(주)세진금형", "금형", "sejinmold", False),
        ("(주)아이티브릿지", "IT 아웃소싱", "itbridge", True),
        ("(주)스마트팩토리원", "스마트공장 솔루션", "sfone", True),
        ("(주)보람인쇄", "인쇄·출판", "boramprint", False),
        ("(주)다인네트웍스", "네트워크 장비", "dainnet", True),
        ("(주)바로테스트", "품질 시험·계측", "barotest", False),
    ],
}

# 세무서 code of each cluster's district (fictional numbers, plausible prefixes).
_BRN_OFFICE = {"dmc": "105", "magok": "109", "yangjae": "214", "guro": "113"}
# Positions in each cluster's list that sit on the tenant council, and when they joined.
_COUNCIL_POSITIONS = (0, 1, 3, 5, 8)
_COUNCIL_JOINED = {
    "dmc": dt.date(2023, 3, 2),
    "magok": dt.date(2024, 4, 1),
    "yangjae": dt.date(2024, 9, 2),
    "guro": dt.date(2022, 11, 1),
}


def demo_brn(office: str, kind: str, serial: int) -> str:
    """A 사업자등록번호 (10 digits) with a valid check digit: office(3) kind(2) serial(4) check(1)."""
    first_nine = f"{office}{kind}{serial:04d}"
    return first_nine + str(brn_check_digit(first_nine))


def _build_companies() -> list[CompanySeed]:
    companies = []
    for cluster_no, (slug, rows) in enumerate(_COMPANY_TABLE.items()):
        for i, (name, industry, domain, has_site) in enumerate(rows):
            corporate = "(주)" in name
            # 81/86/87/88: 법인; 2x: 개인사업자 (a studio without "(주)").
            kind = ("81", "86", "87", "88")[i % 4] if corporate else "2" + str(i % 10)
            serial = (cluster_no * 2311 + i * 397 + 1207) % 9000 + 1000
            council = i in _COUNCIL_POSITIONS
            companies.append(
                CompanySeed(
                    cluster=slug,
                    name=name,
                    industry=industry,
                    domain=domain,
                    website=f"https://www.{domain}.{MAIL_DOMAIN}" if has_site else None,
                    brn=demo_brn(_BRN_OFFICE[slug], kind, serial),
                    is_council_member=council,
                    council_joined_on=_COUNCIL_JOINED[slug] if council else None,
                )
            )
    brns = [c.brn for c in companies]
    domains = [c.domain for c in companies]
    assert len(set(brns)) == len(brns) and len(set(domains)) == len(domains)
    assert all(normalize_brn(format_brn(b)) == b for b in brns)
    return companies


COMPANIES: list[CompanySeed] = _build_companies()
_COMPANY_BY_DOMAIN = {c.domain: c for c in COMPANIES}

# Outside firms invited to the forums as guests (no Company row, no account).
_GUEST_COMPANIES = [
    ("(주)한강스마트시티", "hangangcity"),
    ("(주)바다콘텐츠랩", "badacontents"),
    ("새솔로보틱스(주)", "saesol"),
]


# --------------------------------------------------------------------------- research group


class ResearchGroupSeed(NamedTuple):
    name: str
    cluster: str
    description: str
    members: tuple[str, ...]  # company domains


RESEARCH_GROUP = ResearchGroupSeed(
    name="빅데이터연구회",
    cluster="yangjae",
    description=(
        "상암·마곡·양재·구로 입주기업이 데이터 수집·가공·활용 경험을 나누고 "
        "함께 도전할 정부 과제를 발굴하는 과제발굴연구회입니다. 매월 한 번 모입니다."
    ),
    members=("deeplight", "datasulgi", "nurimedia", "naraedx", "codenuri", "nextfield"),
)


# --------------------------------------------------------------------------- accounts


class UserSeed(NamedTuple):
    email: str
    name: str
    role: Role
    description: str  # shown by `make run` next to the login
    clusters: tuple[str, ...] = ()  # staff scope
    company: str | None = None  # company domain, members only
    mobile: str | None = None
    locale: str = "ko"


def _member(local: str, domain: str, name: str, mobile: str, locale: str = "ko") -> UserSeed:
    company = _COMPANY_BY_DOMAIN[domain]
    return UserSeed(
        email=f"{local}@{domain}.{MAIL_DOMAIN}",
        name=name,
        role=Role.MEMBER,
        description=f"기업 회원 ({company.name})",
        company=domain,
        mobile=mobile,
        locale=locale,
    )


USERS: list[UserSeed] = [
    UserSeed(f"admin@{MAIL_DOMAIN}", "이수정", Role.ADMIN, "관리자", mobile="010-2417-3085"),
    UserSeed(f"dmc.staff@{MAIL_DOMAIN}", "오현우", Role.STAFF, "상암 DMC 클러스터팀", ("dmc",), mobile="010-3921-4470"),
    UserSeed(f"magok.staff@{MAIL_DOMAIN}", "배지현", Role.STAFF, "마곡 클러스터팀", ("magok",), mobile="010-5238-1946"),
    UserSeed(f"yangjae.staff@{MAIL_DOMAIN}", "남궁민", Role.STAFF, "양재 Y밸리 클러스터팀", ("yangjae",), mobile="010-7154-2803"),
    UserSeed(f"guro.staff@{MAIL_DOMAIN}", "신동욱", Role.STAFF, "구로 G밸리 클러스터팀", ("guro",), mobile="010-4682-9317"),
    UserSeed(
        f"network.staff@{MAIL_DOMAIN}", "문소희", Role.STAFF, "클러스터 협력 담당 (마곡·양재)",
        ("magok", "yangjae"), mobile="010-6390-2754",
    ),
    _member("ceo", "nurimedia", "김서연", "010-2741-8836"),
    _member("pd", "hanbit", "박준호", "010-9310-4527"),
    _member("lab", "hanulbio", "이지은", "010-8462-1093"),
    _member("ceo", "seum", "최민수", "010-3375-6218"),
    _member("ceo", "deeplight", "정하늘", "010-5126-7740"),
    _member("daniel", "malmoi", "Daniel Weber", "010-4093-5581", locale="en"),
    _member("ceo", "dongjin", "윤재훈", "010-6614-2039"),
    _member("manager", "codenuri", "한예린", "010-2958-7412"),
]

DEMO_LOGINS: list[tuple[str, str]] = [(u.email, u.description) for u in USERS]

_STAFF_OF = {"dmc": f"dmc.staff@{MAIL_DOMAIN}", "magok": f"magok.staff@{MAIL_DOMAIN}",
             "yangjae": f"yangjae.staff@{MAIL_DOMAIN}", "guro": f"guro.staff@{MAIL_DOMAIN}"}
_MEMBER_OF = {u.company: u for u in USERS if u.company}


# --------------------------------------------------------------------------- events


VENUES: dict[str, tuple[str, str]] = {
    "dmc_hall": ("DMC 첨단산업센터 1층 다목적홀", "서울특별시 마포구 매봉산로 18"),
    "dmc_auditorium": ("DMC 첨단산업센터 2층 대강당", "서울특별시 마포구 매봉산로 18"),
    "dmc_room": ("DMC 첨단산업센터 5층 대회의실", "서울특별시 마포구 매봉산로 18"),
    "magok_seminar": ("마곡 R&D 지원센터 2층 세미나실", "서울특별시 강서구 마곡중앙로 161-8"),
    "magok_room": ("마곡 R&D 지원센터 3층 회의실", "서울특별시 강서구 마곡중앙로 161-8"),
    "yangjae_lounge": ("양재 AI 허브 1층 라운지", "서울특별시 서초구 태봉로 114"),
    "yangjae_seminar": ("양재 AI 허브 4층 세미나실 B", "서울특별시 서초구 태봉로 114"),
    "yangjae_room": ("양재 AI 허브 3층 회의실", "서울특별시 서초구 태봉로 114"),
    "guro_hall": ("G밸리 비즈플라자 컨퍼런스홀", "서울특별시 구로구 디지털로 300"),
    "guro_room": ("G밸리 비즈플라자 7층 중회의실", "서울특별시 구로구 디지털로 300"),
}


@dataclass(frozen=True)
class Attendance:
    """Who registers for an event (drawn from the seeded RNG)."""

    pool: str  # "cluster": host's companies; "council": host's council members;
    #            "group": research group members; "forum": participating clusters' companies
    companies: int  # how many companies register (per cluster for "forum")
    fill: bool = False  # every company sends seats_per_company people until capacity is reached
    waitlist: int = 0  # extra people waitlisted after capacity is reached
    cancelled: int = 0  # registrations cancelled by the attendee
    guests: int = 0  # outside companies (forums)


@dataclass(frozen=True)
class EventSeed:
    host: str
    kind: EventKind
    title_ko: str
    description_ko: str
    venue: str
    hour: int  # start, KST, whole hour
    hours: int  # duration
    capacity: int
    seats_per_company: int | None
    # Either days from today (KST), moved forward to `weekday` (0 = Monday), or the second
    # Tuesday of the month `council_month` months from now (council meetings).
    day_offset: int | None = None
    weekday: int | None = None
    council_month: int | None = None
    title_en: str | None = None
    description_en: str | None = None
    status: EventStatus = EventStatus.PUBLISHED
    open_to_guests: bool = False
    participating: tuple[str, ...] = ()
    research: bool = False
    attendance: Attendance | None = None

    @property
    def is_past(self) -> bool:
        # Past offsets are <= -8 days, so moving to a weekday keeps them in the past.
        offset = self.day_offset if self.day_offset is not None else self.council_month
        return offset < 0


_MON, _TUE, _WED, _THU, _FRI = range(5)

EVENTS: list[EventSeed] = [
    # Networking nights
    EventSeed(
        host="dmc", kind=EventKind.NETWORKING, day_offset=-31, weekday=_THU, hour=19, hours=2,
        title_ko="제14회 DMC 네트워킹 나이트", title_en="DMC Networking Night #14",
        description_ko=(
            "상암 DMC 입주기업 대표와 실무자가 한자리에 모이는 정기 네트워킹 행사입니다. "
            "신규 입주기업 소개와 자유 교류 시간이 이어지며, 간단한 식사가 제공됩니다."
        ),
        description_en=(
            "The regular evening where founders and staff of Sangam DMC tenants meet. "
            "New tenants introduce themselves, then free networking over a light dinner."
        ),
        venue="dmc_hall", capacity=80, seats_per_company=3,
        attendance=Attendance("cluster", companies=13, cancelled=1),
    ),
    EventSeed(
        host="dmc", kind=EventKind.NETWORKING, day_offset=20, weekday=_THU, hour=19, hours=2,
        title_ko="제15회 DMC 네트워킹 나이트", title_en="DMC Networking Night #15",
        description_ko=(
            "이번 회차는 '콘텐츠 IP의 해외 진출'을 주제로 입주기업 세 곳의 짧은 발표 후 "
            "자유 네트워킹을 진행합니다. 다른 클러스터 기업의 참여도 환영합니다."
        ),
        venue="dmc_hall", capacity=80, seats_per_company=3,
        attendance=Attendance("cluster", companies=8, cancelled=1),
    ),
    EventSeed(
        host="magok", kind=EventKind.NETWORKING, day_offset=-12, weekday=_WED, hour=18, hours=2,
        title_ko="마곡 R&D 오픈 네트워킹 데이", title_en="Magok R&D Open Networking Day",
        description_ko=(
            "마곡 입주 연구소와 기업이 보유 기술과 장비를 소개하고 공동연구 파트너를 찾는 자리입니다. "
            "기술 수요·공급 매칭 테이블을 운영합니다."
        ),
        venue="magok_seminar", capacity=60, seats_per_company=2,
        attendance=Attendance("cluster", companies=10),
    ),
    EventSeed(
        host="yangjae", kind=EventKind.NETWORKING, day_offset=12, weekday=_THU, hour=19, hours=2,
        title_ko="양재 AI 스타트업 네트워킹 나이트", title_en="Yangjae AI Startup Networking Night",
        description_ko=(
            "양재 Y밸리 AI 스타트업이 서로의 제품을 소개하고 협업 기회를 찾는 저녁 모임입니다. "
            "좌석이 한정되어 있어 기업당 2명까지 신청할 수 있습니다."
        ),
        description_en=(
            "An evening for Yangjae AI start-ups to show their products and find partners. "
            "Seats are limited: at most two people per company."
        ),
        venue="yangjae_lounge", capacity=24, seats_per_company=2,
        attendance=Attendance("cluster", companies=15, fill=True, waitlist=3),
    ),
    EventSeed(
        host="guro", kind=EventKind.NETWORKING, day_offset=-60, weekday=_WED, hour=19, hours=2,
        title_ko="G밸리 네트워킹 나이트: 제조와 IT의 만남",
        description_ko=(
            "구로 G밸리의 제조 기업과 IT 기업이 만나 공정 자동화, 데이터 활용 사례를 나눕니다. "
            "기업별 1분 소개 후 관심 분야별 테이블 네트워킹이 이어집니다."
        ),
        venue="guro_hall", capacity=70, seats_per_company=3,
        attendance=Attendance("cluster", companies=12),
    ),
    EventSeed(
        host="guro", kind=EventKind.NETWORKING, day_offset=26, weekday=_WED, hour=19, hours=2,
        title_ko="G밸리 네트워킹 나이트: 스마트공장 편",
        description_ko=(
            "스마트공장 도입 경험이 있는 기업과 도입을 준비하는 기업이 만나는 자리입니다. "
            "세부 프로그램은 확정되는 대로 안내드립니다."
        ),
        venue="guro_hall", capacity=70, seats_per_company=3, status=EventStatus.DRAFT,
    ),
    # Tenant council meetings (second Tuesday of the month)
    EventSeed(
        host="dmc", kind=EventKind.COUNCIL, council_month=-1, hour=15, hours=2,
        title_ko="DMC 입주기업협의회 제7차 정기회의", title_en="DMC Tenant Council, 7th regular meeting",
        description_ko=(
            "안건: 1) 공용 스튜디오 운영 규정 개정, 2) 하반기 공동 홍보 예산, 3) 기타 건의사항. "
            "회원사별 의결권은 1표이며, 불참 시 다른 회원사에 위임할 수 있습니다."
        ),
        venue="dmc_room", capacity=20, seats_per_company=2,
        attendance=Attendance("council", companies=5),
    ),
    EventSeed(
        host="dmc", kind=EventKind.COUNCIL, council_month=1, hour=15, hours=2,
        title_ko="DMC 입주기업협의회 제8차 정기회의", title_en="DMC Tenant Council, 8th regular meeting",
        description_ko=(
            "안건: 1) 제7차 회의 결정사항 이행 점검, 2) 연말 네트워킹 행사 공동 주관, 3) 신규 회원사 가입 승인. "
            "회원사별 의결권은 1표이며, 불참 시 위임장을 제출해 주세요."
        ),
        venue="dmc_room", capacity=20, seats_per_company=2,
        attendance=Attendance("council", companies=3),
    ),
    EventSeed(
        host="magok", kind=EventKind.COUNCIL, council_month=-1, hour=16, hours=2,
        title_ko="마곡 입주기업협의회 제4차 정기회의",
        description_ko=(
            "안건: 1) 공동 실험장비 예약 시스템 도입, 2) 주차 및 출입 관리 개선, 3) 협의회 회칙 개정안. "
            "회원사별 대표 1인이 의결에 참여합니다."
        ),
        venue="magok_room", capacity=15, seats_per_company=2,
        attendance=Attendance("council", companies=5),
    ),
    EventSeed(
        host="guro", kind=EventKind.COUNCIL, council_month=-2, hour=15, hours=2,
        title_ko="G밸리 입주기업협의회 제11차 정기회의",
        description_ko=(
            "안건: 1) 공동 물류 창고 임차 검토, 2) 인력 채용 박람회 공동 참가, 3) 회비 결산 보고. "
            "회원사별 의결권은 1표입니다."
        ),
        venue="guro_room", capacity=20, seats_per_company=2,
        attendance=Attendance("council", companies=5),
    ),
    EventSeed(
        host="yangjae", kind=EventKind.COUNCIL, day_offset=5, weekday=_TUE, hour=15, hours=1,
        title_ko="양재 Y밸리 입주기업협의회 임시회의",
        description_ko=(
            "입주 공간 재배치 일정 논의를 위한 임시회의입니다. "
            "일정 조정으로 취소되었으며, 다음 정기회의에서 함께 논의합니다."
        ),
        venue="yangjae_room", capacity=15, seats_per_company=2, status=EventStatus.CANCELLED,
    ),
    # Inter-cluster forums
    EventSeed(
        host="dmc", kind=EventKind.FORUM, day_offset=-24, weekday=_TUE, hour=14, hours=4,
        title_ko="제1회 서울 클러스터 연합 포럼", title_en="1st Seoul Cluster Forum",
        description_ko=(
            "상암·마곡·양재·구로 네 클러스터의 기업이 처음으로 한자리에 모여 클러스터 간 협력 사례를 나눕니다. "
            "기조 발표, 클러스터별 사례 발표, 분야별 교류회로 진행되며 외부 기업도 참가할 수 있습니다."
        ),
        description_en=(
            "Companies of the four clusters (Sangam, Magok, Yangjae, Guro) meet for the first time to share "
            "cases of cross-cluster work: keynote, cluster case talks, then networking by field. "
            "Outside companies are welcome."
        ),
        venue="dmc_auditorium", capacity=150, seats_per_company=2, open_to_guests=True,
        participating=("dmc", "magok", "yangjae", "guro"),
        attendance=Attendance("forum", companies=5, cancelled=1, guests=3),
    ),
    EventSeed(
        host="dmc", kind=EventKind.FORUM, day_offset=40, weekday=_TUE, hour=14, hours=4,
        title_ko="제2회 서울 클러스터 연합 포럼", title_en="2nd Seoul Cluster Forum",
        description_ko=(
            "'AI로 연결되는 클러스터'를 주제로 양재 AI 허브에서 열립니다. "
            "클러스터 간 공동 과제 성과 발표와 기업 매칭 상담회가 함께 진행됩니다."
        ),
        description_en=(
            "\"Clusters connected by AI\", held at the Yangjae AI Hub: results of joint projects "
            "across clusters and one-to-one company matching."
        ),
        venue="yangjae_seminar", capacity=120, seats_per_company=2, open_to_guests=True,
        participating=("dmc", "magok", "yangjae", "guro"),
        attendance=Attendance("forum", companies=2, guests=1),
    ),
    # Research group meetings
    EventSeed(
        host="yangjae", kind=EventKind.RESEARCH, day_offset=-38, weekday=_THU, hour=16, hours=2,
        title_ko="빅데이터연구회 제5차 정기모임", research=True,
        description_ko=(
            "회원사별 데이터 파이프라인 구축 경험을 공유하고, 공공데이터 활용 공동 과제 제안서의 "
            "역할 분담을 논의합니다."
        ),
        venue="yangjae_seminar", capacity=20, seats_per_company=2,
        attendance=Attendance("group", companies=6),
    ),
    EventSeed(
        host="yangjae", kind=EventKind.RESEARCH, day_offset=18, weekday=_THU, hour=16, hours=2,
        title_ko="빅데이터연구회 제6차 정기모임", title_en="Big Data Research Group, 6th meeting",
        research=True,
        description_ko=(
            "정부 과제 공모 일정에 맞춰 공동 제안서 초안을 검토합니다. "
            "회원사는 담당 파트의 진행 상황을 5분 내외로 공유해 주세요."
        ),
        venue="yangjae_seminar", capacity=20, seats_per_company=2,
        attendance=Attendance("group", companies=4),
    ),
    EventSeed(
        host="yangjae", kind=EventKind.RESEARCH, day_offset=46, weekday=_THU, hour=16, hours=2,
        title_ko="빅데이터연구회 제7차 정기모임", research=True,
        description_ko="제안서 제출 결과를 공유하고 다음 분기 연구 주제를 정합니다.",
        venue="yangjae_seminar", capacity=20, seats_per_company=2, status=EventStatus.DRAFT,
    ),
]

assert len({(e.host, e.title_ko) for e in EVENTS}) == len(EVENTS)


# --------------------------------------------------------------------------- planning (pure)

_SURNAMES = [
    ("김", "kim"), ("이", "lee"), ("박", "park"), ("최", "choi"), ("정", "jung"), ("강", "kang"),
    ("조", "cho"), ("윤", "yoon"), ("장", "jang"), ("임", "lim"), ("한", "han"), ("오", "oh"),
    ("서", "seo"), ("신", "shin"), ("권", "kwon"), ("황", "hwang"), ("안", "ahn"), ("송", "song"),
    ("류", "ryu"), ("홍", "hong"),
]
_GIVEN_NAMES = [
    ("민준", "minjun"), ("서연", "seoyeon"), ("지호", "jiho"), ("하은", "haeun"), ("도윤", "doyun"),
    ("수빈", "subin"), ("예준", "yejun"), ("지민", "jimin"), ("현우", "hyunwoo"), ("유진", "yujin"),
    ("준서", "junseo"), ("다은", "daeun"), ("승민", "seungmin"), ("소연", "soyeon"), ("태현", "taehyun"),
    ("혜진", "hyejin"), ("동현", "donghyun"), ("은지", "eunji"), ("성훈", "sunghoon"), ("지영", "jiyoung"),
]


@dataclass(frozen=True)
class _Person:
    name: str
    email: str
    mobile: str | None


@dataclass(frozen=True)
class _PlannedRegistration:
    email: str
    name: str
    mobile: str | None
    company: str | None  # company domain; None for a guest
    guest_company_name: str | None
    registered_by: str | None  # user e-mail
    status: RegistrationStatus
    created_frac: float  # position in the registration window, 0..1
    checkin_after_s: int | None  # seconds after the start; None: not checked in


def _mobile(rng: random.Random) -> str:
    return f"010-{rng.randint(2000, 9999)}-{rng.randint(0, 9999):04d}"


def _colleagues(rng: random.Random, domain: str, n: int) -> list[_Person]:
    people: list[_Person] = []
    seen: set[str] = set()
    while len(people) < n:
        surname, surname_en = rng.choice(_SURNAMES)
        given, given_en = rng.choice(_GIVEN_NAMES)
        email = f"{given_en}.{surname_en}@{domain}.{MAIL_DOMAIN}"
        mobile = _mobile(rng) if rng.random() < 0.8 else None
        if email in seen:
            continue
        seen.add(email)
        people.append(_Person(surname + given, email, mobile))
    return people


def _plan(rng: random.Random) -> dict[tuple[str, str], list[_PlannedRegistration]]:
    """Registrations per event key; depends only on the seed data and the RNG, never on the DB."""
    staff_pool: dict[str, list[_Person]] = {}
    for c in COMPANIES:
        people = _colleagues(rng, c.domain, 3)
        member = _MEMBER_OF.get(c.domain)
        if member:
            people.insert(0, _Person(member.name, member.email, member.mobile))
        staff_pool[c.domain] = people
    guest_pool = {domain: _colleagues(rng, domain, 2) for _, domain in _GUEST_COMPANIES}

    by_cluster: dict[str, list[str]] = {}
    for c in COMPANIES:
        by_cluster.setdefault(c.cluster, []).append(c.domain)

    member_emails = {u.email for u in USERS}
    plans: dict[tuple[str, str], list[_PlannedRegistration]] = {}
    for ev in EVENTS:
        a = ev.attendance
        if a is None:
            continue
        if a.pool == "cluster":
            chosen = rng.sample(by_cluster[ev.host], min(a.companies, len(by_cluster[ev.host])))
        elif a.pool == "council":
            council = [d for d in by_cluster[ev.host] if _COMPANY_BY_DOMAIN[d].is_council_member]
            chosen = rng.sample(council, min(a.companies, len(council)))
        elif a.pool == "group":
            chosen = rng.sample(list(RESEARCH_GROUP.members), min(a.companies, len(RESEARCH_GROUP.members)))
        elif a.pool == "forum":
            chosen = [d for slug in ev.participating for d in rng.sample(by_cluster[slug], a.companies)]
        else:  # pragma: no cover - data error
            raise ValueError(a.pool)

        seats = ev.seats_per_company or 3
        entries: list[tuple[str | None, str | None, _Person, RegistrationStatus]] = []
        confirmed = 0
        leftover: list[str] = []
        for domain in chosen:
            if a.fill and confirmed >= ev.capacity:
                leftover.append(domain)
                continue
            n = seats if a.fill else rng.randint(1, seats)
            n = min(n, ev.capacity - confirmed)
            for person in staff_pool[domain][:n]:
                entries.append((domain, None, person, RegistrationStatus.CONFIRMED))
                confirmed += 1
        for domain in leftover[: a.waitlist]:
            entries.append((domain, None, staff_pool[domain][0], RegistrationStatus.WAITLISTED))
        for guest_name, domain in _GUEST_COMPANIES[: a.guests]:
            person = guest_pool[domain][0]
            entries.append((None, guest_name, person, RegistrationStatus.CONFIRMED))

        # Cancel registrations of colleagues (never a member's own, never a guest's).
        cancellable = [
            i for i, (d, _, p, s) in enumerate(entries)
            if d and s == RegistrationStatus.CONFIRMED and p.email not in member_emails
        ]
        cancelled = set(rng.sample(cancellable, min(a.cancelled, len(cancellable))))

        fracs = sorted(rng.random() for _ in entries)
        planned = []
        for i, ((domain, guest_name, person, status), frac) in enumerate(zip(entries, fracs)):
            if i in cancelled:
                status = RegistrationStatus.CANCELLED
            checkin = rng.randint(0, 30 * 60 - 1) if rng.random() < 0.8 else None
            member = _MEMBER_OF.get(domain) if domain else None
            planned.append(
                _PlannedRegistration(
                    email=person.email,
                    name=person.name,
                    mobile=person.mobile,
                    company=domain,
                    guest_company_name=guest_name,
                    registered_by=member.email if member else None,
                    status=status,
                    created_frac=frac,
                    checkin_after_s=checkin if ev.is_past and status == RegistrationStatus.CONFIRMED else None,
                )
            )
        plans[(ev.host, ev.title_ko)] = planned
    return plans


def _kst(day: dt.date, hour: int) -> dt.datetime:
    """Whole hour on a Seoul calendar day, as an aware UTC datetime."""
    return dt.datetime.combine(day, dt.time(hour), tzinfo=KST).astimezone(dt.timezone.utc)


def _second_tuesday(year: int, month: int) -> dt.date:
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(_TUE - first.weekday()) % 7 + 7)


def _event_day(ev: EventSeed, today: dt.date) -> dt.date:
    if ev.council_month is not None:
        months = today.year * 12 + (today.month - 1) + ev.council_month
        return _second_tuesday(months // 12, months % 12 + 1)
    day = today + dt.timedelta(days=ev.day_offset or 0)
    if ev.weekday is not None:
        day += dt.timedelta(days=(ev.weekday - day.weekday()) % 7)
    return day


# --------------------------------------------------------------------------- seeding


# Contact person names and mobile numbers for the companies (fictional).
_CONTACTS = [
    ("김민준", "2481-3370"), ("이서연", "3920-1174"), ("박지호", "5172-8836"), ("최수아", "6603-2291"),
    ("정도윤", "7714-5528"), ("강하은", "8825-6613"), ("조예준", "9036-7740"), ("윤지우", "4147-8852"),
    ("장시우", "3258-9963"), ("임서윤", "2369-1075"), ("한주원", "5471-2186"), ("오채원", "6582-3297"),
]


def database_is_empty() -> bool:
    """True when there is no cluster yet (a fresh database)."""
    return db.session.scalar(select(Cluster.id).limit(1)) is None


def seed_demo(now: dt.datetime | None = None) -> dict[str, int]:
    """Create whatever demo data is missing; return how many objects of each kind were created.

    Does not commit (the caller does); flushes so that new rows get ids.
    """
    now = now or utcnow()
    if now.tzinfo is None:
        raise ValueError("seed_demo(now=...) needs an aware datetime")
    today = now.astimezone(KST).date()
    rng = random.Random(SEED)
    plans = _plan(rng)
    created = dict.fromkeys(
        ("clusters", "companies", "research_groups", "users", "events", "registrations", "checkins"), 0
    )
    session = db.session

    # Clusters
    clusters = {c.slug: c for c in session.scalars(select(Cluster).where(Cluster.slug.in_([s.slug for s in CLUSTERS])))}
    for s in CLUSTERS:
        if s.slug not in clusters:
            cluster = Cluster(slug=s.slug, name_ko=s.name_ko, name_en=s.name_en,
                              field_ko=s.field_ko, field_en=s.field_en, is_active=s.is_active)
            session.add(cluster)
            session.flush()  # one by one, so ids follow the seed order
            clusters[s.slug] = cluster
            created["clusters"] += 1

    # Companies
    companies = {c.brn: c for c in session.scalars(select(Company).where(Company.brn.in_([s.brn for s in COMPANIES])))}
    by_domain: dict[str, Company] = {}
    for s in COMPANIES:
        company = companies.get(s.brn)
        if company is None:
            contact = _CONTACTS[len(companies) % len(_CONTACTS)]
            company = Company(
                name=s.name, brn=s.brn, cluster=clusters[s.cluster], industry=s.industry,
                is_council_member=s.is_council_member, council_joined_on=s.council_joined_on, website=s.website,
                contact_name=contact[0], contact_email=f"contact@{s.domain}.{MAIL_DOMAIN}",
                contact_mobile=f"010-{contact[1]}",
            )
            session.add(company)
            companies[s.brn] = company
            created["companies"] += 1
        by_domain[s.domain] = company

    # Research group
    group = session.scalar(select(ResearchGroup).where(ResearchGroup.name == RESEARCH_GROUP.name).limit(1))
    if group is None:
        group = ResearchGroup(
            name=RESEARCH_GROUP.name, cluster=clusters[RESEARCH_GROUP.cluster],
            description=RESEARCH_GROUP.description,
            companies=[by_domain[d] for d in RESEARCH_GROUP.members],
        )
        session.add(group)
        created["research_groups"] += 1

    # Accounts
    users = {u.email: u for u in session.scalars(select(User).where(User.email.in_([s.email for s in USERS])))}
    for s in USERS:
        if s.email in users:
            continue
        user = User(email=s.email, name=s.name, mobile=s.mobile, role=s.role, locale=s.locale,
                    company=by_domain[s.company] if s.company else None)
        user.set_password(DEMO_PASSWORD)
        if s.clusters:
            user.clusters = [clusters[slug] for slug in s.clusters]
        session.add(user)
        users[s.email] = user
        created["users"] += 1
    session.flush()

    # Events
    cluster_ids = [clusters[e.host].id for e in EVENTS]
    events = {
        (e.host_cluster_id, e.title_ko): e
        for e in session.scalars(
            select(Event).where(Event.host_cluster_id.in_(set(cluster_ids)),
                                Event.title_ko.in_([e.title_ko for e in EVENTS]))
        )
    }
    new_events: set[tuple[str, str]] = set()
    event_by_key: dict[tuple[str, str], Event] = {}
    for s in EVENTS:
        host = clusters[s.host]
        key = (s.host, s.title_ko)
        event = events.get((host.id, s.title_ko))
        if event is None:
            event = _new_event(s, host, clusters, group, users, today, now, has_registrations=bool(plans.get(key)))
            session.add(event)
            new_events.add(key)
            created["events"] += 1
        event_by_key[key] = event
    session.flush()

    # Registrations
    event_ids = [e.id for e in event_by_key.values()]
    existing_regs: dict[tuple[int, str], tuple[int, RegistrationStatus]] = {}
    for reg_id, event_id, email, status in session.execute(
        select(Registration.id, Registration.event_id, Registration.email, Registration.status)
        .where(Registration.event_id.in_(event_ids))
        .order_by(Registration.id)
    ):
        # An active registration wins over an earlier cancelled one of the same address.
        if (event_id, email) not in existing_regs or status != RegistrationStatus.CANCELLED:
            existing_regs[(event_id, email)] = (reg_id, status)
    checked_in = set(session.scalars(select(CheckIn.registration_id).where(CheckIn.event_id.in_(event_ids))))

    to_check_in: list[tuple[Event, Registration | int, int]] = []
    for key, planned in plans.items():
        event = event_by_key[key]
        window_start = event.registration_opens_at or (event.starts_at - dt.timedelta(days=21))
        window_end = min(event.registration_closes_at or event.starts_at, now)
        window = max(window_end - window_start, dt.timedelta(0))
        for p in planned:
            found = existing_regs.get((event.id, p.email))
            if found is not None:
                reg_id, status = found
                wanted = p.checkin_after_s is not None and status == RegistrationStatus.CONFIRMED
                if wanted and reg_id not in checked_in:
                    to_check_in.append((event, reg_id, p.checkin_after_s))
                continue
            created_at = window_start + window * p.created_frac
            reg = Registration(
                event=event,
                company=by_domain[p.company] if p.company else None,
                guest_company_name=p.guest_company_name,
                registered_by=users.get(p.registered_by) if p.registered_by else None,
                name=p.name,
                email=p.email,
                mobile=p.mobile,
                status=p.status,
                created_at=created_at,
                # Cancelled a little later, still inside the window (hence before now).
                cancelled_at=(
                    created_at + (window_end - created_at) * 0.5
                    if p.status == RegistrationStatus.CANCELLED
                    else None
                ),
            )
            issue_ticket(reg)
            session.add(reg)
            created["registrations"] += 1
            if p.checkin_after_s is not None:
                to_check_in.append((event, reg, p.checkin_after_s))
    session.flush()

    # Check-ins at the door of past events
    for event, reg, after_s in to_check_in:
        reg_id = reg if isinstance(reg, int) else reg.id
        session.add(
            CheckIn(
                registration_id=reg_id,
                event_id=event.id,
                checked_in_at=event.starts_at + dt.timedelta(seconds=after_s),
                checked_in_by=users.get(_STAFF_OF.get(event.host_cluster.slug, "")),
                method="qr",
            )
        )
        created["checkins"] += 1
    session.flush()
    return created


def _new_event(
    s: EventSeed,
    host: Cluster,
    clusters: dict[str, Cluster],
    group: ResearchGroup,
    users: dict[str, User],
    today: dt.date,
    now: dt.datetime,
    has_registrations: bool,
) -> Event:
    day = _event_day(s, today)
    starts_at = _kst(day, s.hour)
    ends_at = starts_at + dt.timedelta(hours=s.hours)
    opens_at = _kst(day - dt.timedelta(days=30), 10)
    if has_registrations:
        # Registrations already taken must lie inside the window: open it at least two days ago.
        opens_at = min(opens_at, _kst(now.astimezone(KST).date() - dt.timedelta(days=2), 10))
    closes_at = _kst(day - dt.timedelta(days=1), 18)
    created_at = opens_at - dt.timedelta(days=3)
    venue_name, venue_address = VENUES[s.venue]
    cancelled = s.status == EventStatus.CANCELLED
    return Event(
        kind=s.kind,
        host_cluster=host,
        research_group=group if s.research else None,
        title_ko=s.title_ko,
        title_en=s.title_en,
        description_ko=s.description_ko,
        description_en=s.description_en,
        starts_at=starts_at,
        ends_at=ends_at,
        venue_name=venue_name,
        venue_address=venue_address,
        capacity=s.capacity,
        seats_per_company=s.seats_per_company,
        registration_opens_at=opens_at,
        registration_closes_at=closes_at,
        open_to_guests=s.open_to_guests,
        status=s.status,
        sequence=1 if cancelled else 0,  # the cancellation was a material change
        created_by_id=users[_STAFF_OF[s.host]].id if _STAFF_OF.get(s.host) in users else None,
        created_at=created_at,
        updated_at=min(now - dt.timedelta(days=1), starts_at) if cancelled else created_at,
        participating_clusters=[clusters[slug] for slug in s.participating],
    )
