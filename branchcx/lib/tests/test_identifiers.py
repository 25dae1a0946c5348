"""Validation and normalisation of identifiers before they are encrypted and indexed."""

from __future__ import annotations

import random

import phonenumbers
import pytest
from stdnum import luhn
from stdnum.cn import ric

from branchcx.lib.identifiers import (
    normalise_account_number,
    normalise_card_number,
    normalise_mobile,
    normalise_resident_id,
)


def with_luhn_digit(payload: str) -> str:
    return payload + luhn.calc_check_digit(payload)


# --- resident ID -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("11010519491231002X", "11010519491231002X"),
        ("11010519491231002x", "11010519491231002X"),  # lowercase check character
        ("110105 19491231 002X", "11010519491231002X"),
        ("110105-19491231-002x", "11010519491231002X"),
        (" 110101199003077774\n", "110101199003077774"),
        ("310101199003070019", "310101199003070019"),
    ],
)
def test_a_valid_resident_id_is_returned_in_canonical_form(typed, canonical):
    assert normalise_resident_id(typed) == canonical


@pytest.mark.parametrize(
    "value",
    [
        "110105194912310021",  # wrong check digit
        "110101199003077777",  # wrong check digit (the masking example)
        "11010519491231002",  # 17 characters
        "11010519491231002X1",  # 19 characters
        "110105491231002",  # old 15-digit form
        "110105194913310029",  # month 13
        "1101051949123100AX",  # letters in the body
        "",
    ],
)
def test_an_invalid_resident_id_is_refused(value):
    with pytest.raises(ValueError):
        normalise_resident_id(value)


def test_a_resident_id_with_a_bad_date_is_refused_even_with_a_matching_check_digit():
    body = "11010519490230001"  # 30 February
    number = body + ric.calc_check_digit(body + "0")  # the check digit is computed over 17
    assert ric.calc_check_digit(number) == number[-1]
    with pytest.raises(ValueError):
        normalise_resident_id(number)


def test_resident_id_checks_agree_with_stdnum_on_random_numbers():
    # real region codes and dates, random sequence digits: about one in eleven check digits fit
    rng = random.Random(5)
    regions = ["110105", "310104", "440305", "510107", "110199", "999999", "341502", "330106"]
    for _ in range(20_000):
        body = (
            f"{rng.choice(regions)}{rng.randrange(1890, 2030)}{rng.randrange(1, 14):02d}"
            f"{rng.randrange(1, 33):02d}{rng.randrange(1000):03d}"
        )
        typed = body + rng.choice("0123456789X")
        try:
            ours = normalise_resident_id(typed)
        except ValueError:
            ours = None
        assert ours == (typed if stdnum_accepts(typed) else None), typed


def stdnum_accepts(number: str) -> bool:
    try:
        return ric.is_valid(number)
    except KeyError:  # stdnum's own look-up fails on some retired region codes
        return False


def test_a_retired_region_code_is_an_invalid_number_not_a_crash():
    body = "11019919900101001"  # 110199: no county record in stdnum's data
    with pytest.raises(ValueError):
        normalise_resident_id(body + ric.calc_check_digit(body + "0"))


# --- mobile ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "13912340004",
        "139 1234 0004",
        "139-1234-0004",
        "+86 139-1234-0004",
        "+8613912340004",
        "0086 139 1234 0004",
        "(+86) 139 1234 0004",
        "１３９１２３４０００４",  # full-width digits from a Chinese input method
    ],
)
def test_mobile_numbers_normalise_to_eleven_digits(typed):
    assert normalise_mobile(typed) == "13912340004"


@pytest.mark.parametrize(
    "value",
    [
        "010-12345678",  # Beijing landline
        "021 6888 8888",  # Shanghai landline
        "+1 650 253 0000",  # United States
        "+852 9123 4567",  # Hong Kong mobile
        "+886 912 345 678",  # Taiwan mobile
        "1391234000",  # 10 digits
        "139123400041",  # 12 digits
        "12345",
        "not a phone",
        "",
    ],
)
def test_landlines_foreign_and_malformed_numbers_are_refused(value):
    with pytest.raises(ValueError):
        normalise_mobile(value)


def full_parse_verdict(value: str) -> str | None:
    """What libphonenumber's complete parse and validation says of a mainland mobile."""
    try:
        number = phonenumbers.parse(value, "CN")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE:
        return None
    return str(number.national_number)


def test_the_fast_path_for_plain_eleven_digits_agrees_with_the_full_parse():
    # every four-digit prefix from 1000 to 1999, with random subscriber digits
    rng = random.Random(11)
    for prefix in range(1000, 2000):
        for _ in range(5):
            typed = f"{prefix}{rng.randrange(10**7):07d}"
            try:
                ours = normalise_mobile(typed)
            except ValueError:
                ours = None
            assert ours == full_parse_verdict(typed), typed


# --- bank card ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("4111 1111 1111 1111", "4111111111111111"),
        ("4111-1111-1111-1111", "4111111111111111"),
        (with_luhn_digit("622202123456789012"), with_luhn_digit("622202123456789012")),
        (with_luhn_digit("622202123456"), with_luhn_digit("622202123456")),  # 13 digits
    ],
)
def test_a_card_number_passing_luhn_is_returned_as_digits(typed, canonical):
    assert normalise_card_number(typed) == canonical


@pytest.mark.parametrize(
    "value",
    [
        "4111 1111 1111 1112",  # fails the check digit
        "6222021234567890123",  # fails the check digit
        with_luhn_digit("62220212345"),  # 12 digits
        with_luhn_digit("6222021234567890123"),  # 20 digits
        "4111 1111 1111 111A",
        "４１１１１１１１１１１１１１１１",  # full-width digits are not stored as they are
        "",
    ],
)
def test_an_invalid_card_number_is_refused(value):
    with pytest.raises(ValueError):
        normalise_card_number(value)


# --- account -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("31050161373600001234", "31050161373600001234"),
        ("3105 0161 3736 0000 1234", "31050161373600001234"),
        ("3105-0161-3736", "310501613736"),
        ("12345678", "12345678"),  # 8 digits
        ("1" * 32, "1" * 32),
    ],
)
def test_an_account_number_is_returned_as_digits(typed, canonical):
    assert normalise_account_number(typed) == canonical


@pytest.mark.parametrize(
    "value",
    [
        "1234567",  # 7 digits
        "1" * 33,
        "3105016137360000123A",
        "１２３４５６７８９０",  # full-width digits
        "²²²²²²²²",  # digits by Unicode, not by any bank
        "",
    ],
)
def test_an_invalid_account_number_is_refused(value):
    with pytest.raises(ValueError):
        normalise_account_number(value)
