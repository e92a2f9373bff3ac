"""The networking consent: separate from the registration consent, unticked, with its own purpose.

Registrations store NETWORKING_CONSENT_VERSION when the attendee agrees, so the version must
change whenever this text changes. Without it a person is neither shown to others nor shown others.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

NETWORKING_CONSENT_VERSION = "2026-12-v1"

CONSENT_TITLE = _l("네트워킹 참여 동의 (선택)")

CONSENT_ITEMS = (
    (
        _l("목적"),
        _l("같은 행사에 오는 기업과 참가자를 서로 확인하고, 1:1 미팅을 잡고, 명함을 교환하기 위해"),
    ),
    (_l("다른 참가자에게 보이는 항목"), _l("이름, 직함, 소속 기업과 기업의 네트워킹 프로필")),
    (
        _l("명함 교환 시 상대에게 전달되는 항목"),
        _l("이름, 직함, 소속 기업, 이메일, 휴대전화 (서로 명함 교환 QR을 찍은 경우에만)"),
    ),
    (_l("보유·이용 기간"), _l("행사 종료 후 1년간 보관 후 파기 (참가 신청 정보와 같음)")),
    (
        _l("동의 거부 권리"),
        _l(
            "동의하지 않아도 행사 참가에는 지장이 없습니다. 참가 기업 목록, 미팅, 명함 교환만 쓸 수 없습니다. "
            "동의는 언제든 철회할 수 있습니다."
        ),
    ),
)

CONSENT_LABEL = _l("위 네트워킹 참여에 동의합니다.")
