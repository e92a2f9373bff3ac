"""사업자등록번호 (BRN) and mobile-number validation, and the Company model's use of it."""

from __future__ import annotations

import pytest

from app.models import Company
from app.validators import InvalidBRN, format_brn, is_valid_brn, normalize_brn, normalize_mobile

# Published BRNs of well-known companies (from their own web sites / DART filings).
REAL_BRNS = {
    "삼성전자": "124-81-00998",
    "네이버": "220-81-62517",
    "카카오": "120-81-47521",
    "LG전자": "107-86-14075",
    "SK텔레콤": "104-81-37225",
}

CHECK_DIGIT_MESSAGE = "검증번호가 맞지 않습니다"
LENGTH_MESSAGE = "10자리 숫자여야 합니다"


def _with_wrong_last_digit(brn: str) -> list[str]:
    digits = brn.replace("-", "")
    return [digits[:9] + str(d) for d in range(10) if str(d) != digits[9]]


@pytest.mark.parametrize("company,brn", REAL_BRNS.items(), ids=list(REAL_BRNS))
def test_real_brn_is_valid_with_and_without_dashes(company, brn):
    digits = brn.replace("-", "")
    assert normalize_brn(brn) == digits
    assert normalize_brn(digits) == digits
    assert normalize_brn(f"  {brn} ") == digits
    assert is_valid_brn(brn)


@pytest.mark.parametrize("company,brn", REAL_BRNS.items(), ids=list(REAL_BRNS))
def test_changing_the_check_digit_makes_a_real_brn_invalid(company, brn):
    for wrong in _with_wrong_last_digit(brn):
        with pytest.raises(InvalidBRN, match=CHECK_DIGIT_MESSAGE):
            normalize_brn(wrong)
        assert not is_valid_brn(wrong)
        # Same answer when typed with dashes.
        with pytest.raises(InvalidBRN, match=CHECK_DIGIT_MESSAGE):
            normalize_brn(format_brn(wrong))


@pytest.mark.parametrize(
    "value",
    ["124810099", "12481009981", "124-81-0099", "12A8100998", "abc-de-fghij", "", "   ", None],
)
def test_wrong_length_or_letters_get_the_length_message(value):
    with pytest.raises(InvalidBRN, match=LENGTH_MESSAGE):
        normalize_brn(value)
    assert not is_valid_brn(value)


def test_invalid_brn_is_a_value_error():
    # Forms and services catch ValueError; InvalidBRN must be one.
    assert issubclass(InvalidBRN, ValueError)


def test_format_brn_groups_3_2_5():
    assert format_brn("1234567890") == "123-45-67890"
    assert format_brn(normalize_brn("220-81-62517")) == "220-81-62517"


def test_company_stores_brn_as_ten_digits_and_displays_with_dashes():
    company = Company(name="삼성전자", brn="124-81-00998")
    assert company.brn == "1248100998"
    assert company.brn_display == "124-81-00998"


@pytest.mark.parametrize("value", ["", None])
def test_company_without_brn_is_allowed(value):
    company = Company(name="개인사업자", brn=value)
    assert company.brn is None
    assert company.brn_display == ""


@pytest.mark.parametrize("bad", ["124-81-00999", "12345", "124-81-0099x"])
def test_company_with_bad_brn_raises(bad):
    with pytest.raises(InvalidBRN):
        Company(name="가짜기업", brn=bad)
    company = Company(name="기존기업", brn="124-81-00998")
    with pytest.raises(InvalidBRN):
        company.brn = bad
    assert company.brn == "1248100998"


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("01012345678", "010-1234-5678"),
        ("010-1234-5678", "010-1234-5678"),
        ("010 1234 5678", "010-1234-5678"),
        ("010.1234.5678", "010-1234-5678"),
        (" 01012345678 ", "010-1234-5678"),
        ("0111234567", "011-123-4567"),
    ],
)
def test_mobile_numbers_are_normalised(raw, expected):
    assert normalize_mobile(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["02-123-4567", "02-1234-5678", "031-123-4567", "010-1234-567", "010-1234-56789", "010-abcd-5678", "", None],
)
def test_non_mobile_numbers_are_rejected(raw):
    with pytest.raises(ValueError, match="휴대전화 번호"):
        normalize_mobile(raw)


def test_ten_digits_with_an_impossible_part_get_their_own_message():
    # 000 is no tax office; the message must not claim the number lacks digits.
    with pytest.raises(InvalidBRN) as excinfo:
        normalize_brn("000-81-12345")
    assert "존재할 수 없는 사업자등록번호" in str(excinfo.value)
    assert "10자리" not in str(excinfo.value)
