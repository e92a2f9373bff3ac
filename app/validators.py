"""Korean identifier formats: 사업자등록번호 (BRN) and mobile numbers."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from stdnum.exceptions import ValidationError
from stdnum.kr import brn as stdnum_brn

# National Tax Service weights for the BRN check digit.
_BRN_WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)


class InvalidBRN(ValueError):
    """A 사업자등록번호 that is malformed or fails its check digit."""


def brn_check_digit(first_nine: str) -> int:
    """The check digit of the first nine digits of a BRN."""
    total = sum(int(d) * w for d, w in zip(first_nine, _BRN_WEIGHTS, strict=False))
    total += int(first_nine[8]) * 5 // 10
    return (10 - total % 10) % 10


def normalize_brn(value: str) -> str:
    """Return the 10 digits of a valid BRN, or raise InvalidBRN with a Korean message.

    python-stdnum's stdnum.kr.brn checks length and format; it does not check
    the check digit, so that is computed here.
    """
    raw = (value or "").strip()
    try:
        digits = stdnum_brn.validate(raw)
    except ValidationError:
        compact = stdnum_brn.compact(raw)
        if len(compact) == 10 and compact.isdigit():
            # Ten digits, but an impossible tax-office or business-type part (e.g. 000-00-...).
            raise InvalidBRN(_("존재할 수 없는 사업자등록번호입니다. 번호를 다시 확인해 주세요.")) from None
        raise InvalidBRN(_("사업자등록번호는 10자리 숫자여야 합니다 (예: 123-45-67890).")) from None
    if brn_check_digit(digits[:9]) != int(digits[9]):
        raise InvalidBRN(_("사업자등록번호의 검증번호가 맞지 않습니다. 번호를 다시 확인해 주세요."))
    return digits


def is_valid_brn(value: str) -> bool:
    try:
        normalize_brn(value)
    except InvalidBRN:
        return False
    return True


def format_brn(digits: str) -> str:
    return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"


# 010 numbers always have 11 digits; only the older 011/016-019 ranges still have
# 10-digit numbers (011-123-4567). Accepting 10 digits for 010 turned a typo with a
# digit missing (010-1234-567) into a different, valid-looking 010-123-4567.
_MOBILE_RE = re.compile(r"^(?:010\d{8}|01[16789]\d{7,8})$")


def normalize_mobile(value: str) -> str:
    """Return a Korean mobile number as 010-1234-5678, or raise ValueError."""
    digits = re.sub(r"[\s\-.]", "", value or "")
    if not _MOBILE_RE.match(digits):
        raise ValueError(_("휴대전화 번호 형식이 올바르지 않습니다 (예: 010-1234-5678)."))
    if len(digits) == 10:
        return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    return f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"
