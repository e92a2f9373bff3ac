"""The demo tables (pure data): clusters, companies, research group, accounts, venues, events, names.

Everything here is fictional: company names, 사업자등록번호 (valid check digits, invented
numbers), people, e-mail addresses (all under ``moim.example``) and mobile numbers. Nothing in
this module touches the database or the clock; ``plan.py`` turns it into what to create.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

from app.models import EventKind, EventStatus, Role
from app.validators import brn_check_digit, format_brn, normalize_brn

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
    ClusterSeed(
        "dmc", "상암 디지털미디어시티(DMC)", "Sangam DMC", "미디어·엔터테인먼트", "Media & entertainment", True
    ),
    ClusterSeed(
        "magok", "마곡 R&D 특화 산업단지", "Magok R&D complex", "연구개발(R&D)", "Research & development", True
    ),
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
COMPANY_BY_DOMAIN = {c.domain: c for c in COMPANIES}

# Outside firms invited to the forums as guests (no Company row, no account).
GUEST_COMPANIES = [
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
    company = COMPANY_BY_DOMAIN[domain]
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
    UserSeed(
        f"yangjae.staff@{MAIL_DOMAIN}",
        "남궁민",
        Role.STAFF,
        "양재 Y밸리 클러스터팀",
        ("yangjae",),
        mobile="010-7154-2803",
    ),
    UserSeed(
        f"guro.staff@{MAIL_DOMAIN}", "신동욱", Role.STAFF, "구로 G밸리 클러스터팀", ("guro",), mobile="010-4682-9317"
    ),
    UserSeed(
        f"network.staff@{MAIL_DOMAIN}",
        "문소희",
        Role.STAFF,
        "클러스터 협력 담당 (마곡·양재)",
        ("magok", "yangjae"),
        mobile="010-6390-2754",
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

STAFF_OF = {
    "dmc": f"dmc.staff@{MAIL_DOMAIN}",
    "magok": f"magok.staff@{MAIL_DOMAIN}",
    "yangjae": f"yangjae.staff@{MAIL_DOMAIN}",
    "guro": f"guro.staff@{MAIL_DOMAIN}",
}
MEMBER_OF = {u.company: u for u in USERS if u.company}


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

    pool: str  # "cluster": host's companies; "group": research group members;
    #            "forum": participating clusters' companies
    companies: int  # how many companies register (per cluster for "forum")
    fill: bool = False  # every company sends seats_per_company people until capacity is reached
    waitlist: int = 0  # extra people waitlisted after capacity is reached
    cancelled: int = 0  # registrations cancelled by the attendee
    guests: int = 0  # outside companies (forums)


@dataclass(frozen=True)
class CouncilAttendance:
    """How the member companies take part in a council meeting, by company domain.

    A member company either registers its voting representative (its member account's user
    when it has one, else a colleague) or hands its vote to another member company; plan.py
    checks the proxy rules (members only, no voter beside a proxy, no chains).
    """

    voters: tuple[str, ...]  # companies that register a voting representative
    proxies: tuple[tuple[str, str], ...] = ()  # (giver, receiver): the giver hands its vote over
    observers: tuple[str, ...] = ()  # companies that also send an observer (if the meeting allows them)
    absent: tuple[str, ...] = ()  # voters who registered but did not come (past meetings)


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
    allows_observers: bool = True  # council meetings
    attendance: Attendance | None = None
    council: CouncilAttendance | None = None  # council meetings, instead of attendance

    @property
    def is_past(self) -> bool:
        # Past offsets are <= -8 days, so moving to a weekday keeps them in the past.
        offset = self.day_offset if self.day_offset is not None else self.council_month
        return offset < 0


MON, TUE, WED, THU, FRI = range(5)

EVENTS: list[EventSeed] = [
    # Networking nights
    EventSeed(
        host="dmc",
        kind=EventKind.NETWORKING,
        day_offset=-31,
        weekday=THU,
        hour=19,
        hours=2,
        title_ko="제14회 DMC 네트워킹 나이트",
        title_en="DMC Networking Night #14",
        description_ko=(
            "상암 DMC 입주기업 대표와 실무자가 한자리에 모이는 정기 네트워킹 행사입니다. "
            "신규 입주기업 소개와 자유 교류 시간이 이어지며, 간단한 식사가 제공됩니다."
        ),
        description_en=(
            "The regular evening where founders and staff of Sangam DMC tenants meet. "
            "New tenants introduce themselves, then free networking over a light dinner."
        ),
        venue="dmc_hall",
        capacity=80,
        seats_per_company=3,
        attendance=Attendance("cluster", companies=13, cancelled=1),
    ),
    EventSeed(
        host="dmc",
        kind=EventKind.NETWORKING,
        day_offset=20,
        weekday=THU,
        hour=19,
        hours=2,
        title_ko="제15회 DMC 네트워킹 나이트",
        title_en="DMC Networking Night #15",
        description_ko=(
            "이번 회차는 '콘텐츠 IP의 해외 진출'을 주제로 입주기업 세 곳의 짧은 발표 후 "
            "자유 네트워킹을 진행합니다. 다른 클러스터 기업의 참여도 환영합니다."
        ),
        venue="dmc_hall",
        capacity=80,
        seats_per_company=3,
        attendance=Attendance("cluster", companies=8, cancelled=1),
    ),
    EventSeed(
        host="magok",
        kind=EventKind.NETWORKING,
        day_offset=-12,
        weekday=WED,
        hour=18,
        hours=2,
        title_ko="마곡 R&D 오픈 네트워킹 데이",
        title_en="Magok R&D Open Networking Day",
        description_ko=(
            "마곡 입주 연구소와 기업이 보유 기술과 장비를 소개하고 공동연구 파트너를 찾는 자리입니다. "
            "기술 수요·공급 매칭 테이블을 운영합니다."
        ),
        venue="magok_seminar",
        capacity=60,
        seats_per_company=2,
        attendance=Attendance("cluster", companies=10),
    ),
    EventSeed(
        host="yangjae",
        kind=EventKind.NETWORKING,
        day_offset=12,
        weekday=THU,
        hour=19,
        hours=2,
        title_ko="양재 AI 스타트업 네트워킹 나이트",
        title_en="Yangjae AI Startup Networking Night",
        description_ko=(
            "양재 Y밸리 AI 스타트업이 서로의 제품을 소개하고 협업 기회를 찾는 저녁 모임입니다. "
            "좌석이 한정되어 있어 기업당 2명까지 신청할 수 있습니다."
        ),
        description_en=(
            "An evening for Yangjae AI start-ups to show their products and find partners. "
            "Seats are limited: at most two people per company."
        ),
        venue="yangjae_lounge",
        capacity=24,
        seats_per_company=2,
        attendance=Attendance("cluster", companies=15, fill=True, waitlist=3),
    ),
    EventSeed(
        host="guro",
        kind=EventKind.NETWORKING,
        day_offset=-60,
        weekday=WED,
        hour=19,
        hours=2,
        title_ko="G밸리 네트워킹 나이트: 제조와 IT의 만남",
        description_ko=(
            "구로 G밸리의 제조 기업과 IT 기업이 만나 공정 자동화, 데이터 활용 사례를 나눕니다. "
            "기업별 1분 소개 후 관심 분야별 테이블 네트워킹이 이어집니다."
        ),
        venue="guro_hall",
        capacity=70,
        seats_per_company=3,
        attendance=Attendance("cluster", companies=12),
    ),
    EventSeed(
        host="guro",
        kind=EventKind.NETWORKING,
        day_offset=26,
        weekday=WED,
        hour=19,
        hours=2,
        title_ko="G밸리 네트워킹 나이트: 스마트공장 편",
        description_ko=(
            "스마트공장 도입 경험이 있는 기업과 도입을 준비하는 기업이 만나는 자리입니다. "
            "세부 프로그램은 확정되는 대로 안내드립니다."
        ),
        venue="guro_hall",
        capacity=70,
        seats_per_company=3,
        status=EventStatus.DRAFT,
    ),
    # Tenant council meetings (second Tuesday of the month)
    EventSeed(
        host="dmc",
        kind=EventKind.COUNCIL,
        council_month=-1,
        hour=15,
        hours=2,
        title_ko="DMC 입주기업협의회 제7차 정기회의",
        title_en="DMC Tenant Council, 7th regular meeting",
        description_ko=(
            "안건: 1) 공용 스튜디오 운영 규정 개정, 2) 하반기 공동 홍보 예산, 3) 기타 건의사항. "
            "회원사별 의결권은 1표이며, 불참 시 다른 회원사에 위임할 수 있습니다."
        ),
        venue="dmc_room",
        capacity=20,
        seats_per_company=2,
        # 4 of 5 votes present (3 in person, 1 by proxy): quorum 3 reached.
        council=CouncilAttendance(
            voters=("nurimedia", "onsaemiro", "daonsound", "ieumtoon"),
            proxies=(("hanbit", "nurimedia"),),
            observers=("nurimedia", "ieumtoon"),
            absent=("daonsound",),
        ),
    ),
    EventSeed(
        host="dmc",
        kind=EventKind.COUNCIL,
        council_month=1,
        hour=15,
        hours=2,
        title_ko="DMC 입주기업협의회 제8차 정기회의",
        title_en="DMC Tenant Council, 8th regular meeting",
        description_ko=(
            "안건: 1) 제7차 회의 결정사항 이행 점검, 2) 연말 네트워킹 행사 공동 주관, 3) 신규 회원사 가입 승인. "
            "회원사별 의결권은 1표이며, 불참 시 위임장을 제출해 주세요."
        ),
        venue="dmc_room",
        capacity=20,
        seats_per_company=2,
        # Upcoming: 3 voters registered, one proxy given (박준호 of 스튜디오한빛 can still revoke it),
        # (주)다온사운드 not registered yet.
        council=CouncilAttendance(
            voters=("nurimedia", "onsaemiro", "ieumtoon"),
            proxies=(("hanbit", "nurimedia"),),
            observers=("onsaemiro",),
        ),
    ),
    EventSeed(
        host="magok",
        kind=EventKind.COUNCIL,
        council_month=-1,
        hour=16,
        hours=2,
        title_ko="마곡 입주기업협의회 제4차 정기회의",
        description_ko=(
            "안건: 1) 공동 실험장비 예약 시스템 도입, 2) 주차 및 출입 관리 개선, 3) 협의회 회칙 개정안. "
            "회원사별 대표 1인이 의결에 참여합니다."
        ),
        venue="magok_room",
        capacity=15,
        seats_per_company=2,
        allows_observers=False,
        # 4 of 5 votes present (3 in person, 1 by proxy): quorum 3 reached; no observers.
        council=CouncilAttendance(
            voters=("hanulbio", "naraedx", "bareum", "onnuripharm"),
            proxies=(("seum", "hanulbio"),),
            absent=("onnuripharm",),
        ),
    ),
    EventSeed(
        host="guro",
        kind=EventKind.COUNCIL,
        council_month=-2,
        hour=15,
        hours=2,
        title_ko="G밸리 입주기업협의회 제11차 정기회의",
        description_ko=(
            "안건: 1) 공동 물류 창고 임차 검토, 2) 인력 채용 박람회 공동 참가, 3) 회비 결산 보고. "
            "회원사별 의결권은 1표입니다."
        ),
        venue="guro_room",
        capacity=20,
        seats_per_company=2,
        # 3 of 5 votes present (2 in person, 1 by proxy): quorum 3 reached only through the proxy.
        council=CouncilAttendance(
            voters=("codenuri", "gvalleysoft", "digitalgaon", "woorisemi"),
            proxies=(("dongjin", "codenuri"),),
            observers=("codenuri",),
            absent=("digitalgaon", "woorisemi"),
        ),
    ),
    EventSeed(
        host="yangjae",
        kind=EventKind.COUNCIL,
        day_offset=5,
        weekday=TUE,
        hour=15,
        hours=1,
        title_ko="양재 Y밸리 입주기업협의회 임시회의",
        description_ko=(
            "입주 공간 재배치 일정 논의를 위한 임시회의입니다. "
            "일정 조정으로 취소되었으며, 다음 정기회의에서 함께 논의합니다."
        ),
        venue="yangjae_room",
        capacity=15,
        seats_per_company=2,
        status=EventStatus.CANCELLED,
    ),
    # Inter-cluster forums
    EventSeed(
        host="dmc",
        kind=EventKind.FORUM,
        day_offset=-24,
        weekday=TUE,
        hour=14,
        hours=4,
        title_ko="제1회 서울 클러스터 연합 포럼",
        title_en="1st Seoul Cluster Forum",
        description_ko=(
            "상암·마곡·양재·구로 네 클러스터의 기업이 처음으로 한자리에 모여 클러스터 간 협력 사례를 나눕니다. "
            "기조 발표, 클러스터별 사례 발표, 분야별 교류회로 진행되며 외부 기업도 참가할 수 있습니다."
        ),
        description_en=(
            "Companies of the four clusters (Sangam, Magok, Yangjae, Guro) meet for the first time to share "
            "cases of cross-cluster work: keynote, cluster case talks, then networking by field. "
            "Outside companies are welcome."
        ),
        venue="dmc_auditorium",
        capacity=150,
        seats_per_company=2,
        open_to_guests=True,
        participating=("dmc", "magok", "yangjae", "guro"),
        attendance=Attendance("forum", companies=5, cancelled=1, guests=3),
    ),
    EventSeed(
        host="dmc",
        kind=EventKind.FORUM,
        day_offset=40,
        weekday=TUE,
        hour=14,
        hours=4,
        title_ko="제2회 서울 클러스터 연합 포럼",
        title_en="2nd Seoul Cluster Forum",
        description_ko=(
            "'AI로 연결되는 클러스터'를 주제로 양재 AI 허브에서 열립니다. "
            "클러스터 간 공동 과제 성과 발표와 기업 매칭 상담회가 함께 진행됩니다."
        ),
        description_en=(
            '"Clusters connected by AI", held at the Yangjae AI Hub: results of joint projects '
            "across clusters and one-to-one company matching."
        ),
        venue="yangjae_seminar",
        capacity=120,
        seats_per_company=2,
        open_to_guests=True,
        participating=("dmc", "magok", "yangjae", "guro"),
        attendance=Attendance("forum", companies=2, guests=1),
    ),
    # Research group meetings
    EventSeed(
        host="yangjae",
        kind=EventKind.RESEARCH,
        day_offset=-38,
        weekday=THU,
        hour=16,
        hours=2,
        title_ko="빅데이터연구회 제5차 정기모임",
        research=True,
        description_ko=(
            "회원사별 데이터 파이프라인 구축 경험을 공유하고, 공공데이터 활용 공동 과제 제안서의 "
            "역할 분담을 논의합니다."
        ),
        venue="yangjae_seminar",
        capacity=20,
        seats_per_company=2,
        attendance=Attendance("group", companies=6),
    ),
    EventSeed(
        host="yangjae",
        kind=EventKind.RESEARCH,
        day_offset=18,
        weekday=THU,
        hour=16,
        hours=2,
        title_ko="빅데이터연구회 제6차 정기모임",
        title_en="Big Data Research Group, 6th meeting",
        research=True,
        description_ko=(
            "정부 과제 공모 일정에 맞춰 공동 제안서 초안을 검토합니다. "
            "회원사는 담당 파트의 진행 상황을 5분 내외로 공유해 주세요."
        ),
        venue="yangjae_seminar",
        capacity=20,
        seats_per_company=2,
        attendance=Attendance("group", companies=4),
    ),
    EventSeed(
        host="yangjae",
        kind=EventKind.RESEARCH,
        day_offset=46,
        weekday=THU,
        hour=16,
        hours=2,
        title_ko="빅데이터연구회 제7차 정기모임",
        research=True,
        description_ko="제안서 제출 결과를 공유하고 다음 분기 연구 주제를 정합니다.",
        venue="yangjae_seminar",
        capacity=20,
        seats_per_company=2,
        status=EventStatus.DRAFT,
    ),
]

assert len({(e.host, e.title_ko) for e in EVENTS}) == len(EVENTS)


# --------------------------------------------------------------------------- names


SURNAMES = [
    ("김", "kim"),
    ("이", "lee"),
    ("박", "park"),
    ("최", "choi"),
    ("정", "jung"),
    ("강", "kang"),
    ("조", "cho"),
    ("윤", "yoon"),
    ("장", "jang"),
    ("임", "lim"),
    ("한", "han"),
    ("오", "oh"),
    ("서", "seo"),
    ("신", "shin"),
    ("권", "kwon"),
    ("황", "hwang"),
    ("안", "ahn"),
    ("송", "song"),
    ("류", "ryu"),
    ("홍", "hong"),
]
GIVEN_NAMES = [
    ("민준", "minjun"),
    ("서연", "seoyeon"),
    ("지호", "jiho"),
    ("하은", "haeun"),
    ("도윤", "doyun"),
    ("수빈", "subin"),
    ("예준", "yejun"),
    ("지민", "jimin"),
    ("현우", "hyunwoo"),
    ("유진", "yujin"),
    ("준서", "junseo"),
    ("다은", "daeun"),
    ("승민", "seungmin"),
    ("소연", "soyeon"),
    ("태현", "taehyun"),
    ("혜진", "hyejin"),
    ("동현", "donghyun"),
    ("은지", "eunji"),
    ("성훈", "sunghoon"),
    ("지영", "jiyoung"),
]


# Contact person names and mobile numbers for the companies (fictional).
CONTACTS = [
    ("김민준", "2481-3370"),
    ("이서연", "3920-1174"),
    ("박지호", "5172-8836"),
    ("최수아", "6603-2291"),
    ("정도윤", "7714-5528"),
    ("강하은", "8825-6613"),
    ("조예준", "9036-7740"),
    ("윤지우", "4147-8852"),
    ("장시우", "3258-9963"),
    ("임서윤", "2369-1075"),
    ("한주원", "5471-2186"),
    ("오채원", "6582-3297"),
]
