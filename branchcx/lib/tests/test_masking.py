"""Masking of personal data for display: the table in masking.py, and its edge cases."""

from __future__ import annotations

import re

import pytest

from branchcx.lib import masking
from branchcx.lib.masking import (
    mask_account_number,
    mask_address,
    mask_card_number,
    mask_email,
    mask_mobile,
    mask_name,
    mask_name_public,
    mask_resident_id,
    surname,
)

ALL_MASKS = (
    mask_resident_id,
    mask_mobile,
    mask_card_number,
    mask_account_number,
    mask_name,
    mask_name_public,
    mask_address,
    mask_email,
)


@pytest.mark.parametrize(
    ("mask", "value", "shown"),
    [
        (mask_resident_id, "110101199003077777", "1101**********7777"),
        (mask_mobile, "13812345678", "138****5678"),
        (mask_card_number, "6222021234567890123", "622202*********0123"),
        (mask_account_number, "31050161373600001234", "****************1234"),
        (mask_name, "张三丰", "张*丰"),
        (mask_name_public, "张三丰", "张**"),
        (mask_name_public, "欧阳娜娜", "欧阳**"),
        (mask_address, "上海市浦东新区世纪大道100号", "上海市浦东新区****"),
        (mask_email, "zhang.san@example.com", "z***@example.com"),
    ],
)
def test_the_documented_examples_are_masked_as_documented(mask, value, shown):
    assert mask(value) == shown


DOCUMENTED = {
    "resident ID": [mask_resident_id],
    "mobile": [mask_mobile],
    "card number": [mask_card_number],
    "account number": [mask_account_number],
    "name, staff view": [mask_name],
    "name, public view": [mask_name_public, mask_name_public],
    "address": [mask_address],
    "email": [mask_email],
}
_ROW = re.compile(r"^(?P<what>\S.*?)\s{2,}(?P<examples>\S.*?)\s{2,}(?P<shown>``.*)$")


def test_the_table_in_the_module_docstring_matches_the_code():
    # given every row of the table in masking.py
    rows = {}
    for line in (masking.__doc__ or "").splitlines():
        match = _ROW.match(line)
        if match and match["what"] in DOCUMENTED:
            examples = [e.strip() for e in match["examples"].split(" / ")]
            shown = re.findall(r"``(.*?)``", match["shown"])
            rows[match["what"]] = list(zip(examples, shown, strict=True))
    assert set(rows) == set(DOCUMENTED)

    # then each example is masked exactly as the table says
    for what, pairs in rows.items():
        for mask, (example, shown) in zip(DOCUMENTED[what], pairs, strict=True):
            assert mask(example) == shown, what


@pytest.mark.parametrize(
    ("mask", "value", "kept"),
    [
        (mask_resident_id, "110101199003077777", "11017777"),
        (mask_mobile, "13812345678", "1385678"),
        (mask_card_number, "6222021234567890123", "6222020123"),
        (mask_account_number, "31050161373600001234", "1234"),
    ],
)
def test_number_masks_keep_the_length_and_only_the_documented_digits(mask, value, kept):
    shown = mask(value)

    assert len(shown) == len(value)
    assert shown.replace("*", "") == kept


@pytest.mark.parametrize("mask", ALL_MASKS)
def test_an_empty_value_stays_empty(mask):
    assert mask("") == ""


@pytest.mark.parametrize(
    ("mask", "value"),
    [
        (mask_resident_id, "12345678"),  # first 4 + last 4 would show it all
        (mask_resident_id, "123"),
        (mask_mobile, "1381234"),  # first 3 + last 4
        (mask_mobile, "12"),
        (mask_card_number, "6222021234"),  # first 6 + last 4
        (mask_account_number, "1234"),
        (mask_account_number, "9"),
    ],
)
def test_a_value_too_short_for_its_rule_is_masked_completely(mask, value):
    assert mask(value) == "*" * len(value)


def test_one_digit_beyond_the_rule_masks_exactly_one_digit():
    assert mask_mobile("13812345") == "138*2345"
    assert mask_resident_id("123456789") == "1234*6789"
    assert mask_account_number("12345") == "*2345"


@pytest.mark.parametrize(
    ("value", "staff", "public"),
    [
        ("张三", "张*", "张*"),
        ("张三丰", "张*丰", "张**"),
        ("欧阳娜娜", "欧**娜", "欧阳**"),
        ("司马光", "司*光", "司马*"),
        ("诸葛孔明", "诸**明", "诸葛**"),
        ("  王小明 ", "王*明", "王**"),
    ],
)
def test_chinese_names_are_masked_for_staff_and_public_screens(value, staff, public):
    assert mask_name(value) == staff
    assert mask_name_public(value) == public


@pytest.mark.parametrize(
    ("value", "family"),
    [
        ("欧阳娜娜", "欧阳"),
        ("司马光", "司马"),
        ("上官婉儿", "上官"),
        ("张三", "张"),
        ("欧阳", "欧"),
    ],
)
def test_compound_surnames_are_recognised_only_when_a_given_name_follows(value, family):
    assert surname(value) == family


def test_a_public_name_never_shows_the_given_name():
    for name in ("欧阳娜娜", "司马光", "张三丰", "李四"):
        shown = mask_name_public(name)
        assert shown.rstrip("*") == surname(name)
        assert shown.count("*") >= 1


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("Zhang San", "Z**** S**"),
        ("Mary Jane Smith", "M*** J*** S****"),
        ("Li  Lei", "L* L**"),
    ],
)
def test_latin_names_keep_the_initial_of_each_word(value, shown):
    assert mask_name(value) == shown


def test_a_latin_name_on_a_public_screen_shows_only_its_first_letter():
    assert mask_name_public("Zhang San") == "Z********"


def test_a_one_character_name_on_a_public_screen_is_followed_by_a_mask():
    assert mask_name_public("张") == "张*"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("浙江省杭州市淳安县千岛湖镇新安东路1号", "浙江省杭州市淳安县****"),
        ("内蒙古自治区呼和浩特市新城区1号", "内蒙古自治区****"),
        ("北京市长安街1号", "北京市****"),  # no district: down to the city
        ("上海市浦东新区", "上海市****"),  # the district is all there is: down to the city
        ("长安街100号院", "长安****"),  # neither: the first third
        ("北京", "****"),
        ("  上海市浦东新区世纪大道100号  ", "上海市浦东新区****"),
    ],
)
def test_addresses_are_kept_down_to_the_district_or_city(value, shown):
    assert mask_address(value) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("zhang.san@example.com", "z***@example.com"),
        ("a@bank.cn", "a***@bank.cn"),
        ("@example.com", "***@example.com"),
        ("not-an-email", "************"),
    ],
)
def test_email_keeps_the_first_letter_and_the_domain(value, shown):
    assert mask_email(value) == shown


def test_a_masked_email_hides_the_length_of_its_local_part():
    assert mask_email("z@example.com") == mask_email("zhangsanfeng@example.com")
