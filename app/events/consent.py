"""PIPA consent for event registration: the text shown above the consent box and its version.

Registrations store CONSENT_VERSION, so the version must change whenever this text changes.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

CONSENT_VERSION = "2026-12-v2"  # v2 of 2026-12: the follow-up questionnaires (v1: company-level outcomes)

CONSENT_TITLE = _l("개인정보 수집·이용 동의 (필수)")

# (heading, content) pairs, shown in this order.
CONSENT_ITEMS = (
    (
        _l("수집·이용 목적"),
        _l(
            "행사 참가 신청 확인, 출입 관리, 참가확인서 발급, 행사 관련 연락, "
            "행사 2주·6개월·12개월 후 만난 기업과의 교류 성과를 묻는 후속 설문(이메일)"
        ),
    ),
    (_l("수집 항목"), _l("이름, 이메일, 휴대전화, 직함, 소속 기업")),
    (
        _l("보유·이용 기간"),
        _l(
            "행사 종료 후 1년간 보관 후 파기. 단, 행사에서 비롯된 기업 간 성과(협약, 계약, 과제 수주 등)와 "
            "후속 설문의 기업 단위 응답은 개인정보가 아닌 기업 단위 정보로, 기관의 성과 보고를 위해 이 기간이 "
            "지나도 보관합니다(응답한 사람의 개인정보는 함께 파기)."
        ),
    ),
    (_l("동의 거부 권리"), _l("동의를 거부할 수 있으나, 거부하면 참가 신청을 할 수 없습니다.")),
)

CONSENT_LABEL = _l("위 개인정보 수집·이용에 동의합니다.")
