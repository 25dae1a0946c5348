"""Masking identifiers inside free text (survey comments): what is hidden, what is kept."""

from __future__ import annotations

import pytest

from branchcx.lib.masking import mask_text


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("请打13812345678联系我", "请打138****5678联系我"),
        ("手机 138 1234 5678 谢谢", "手机 138 **** 5678 谢谢"),
        ("电话138-1234-5678。", "电话138-****-5678。"),
        ("+86 13812345678", "+86 138****5678"),
        ("身份证110101199003077777", "身份证1101**********7777"),
        ("证件号11010119900307777X。", "证件号1101**********777X。"),
        ("卡号6222021234567890123扣了年费", "卡号622202*********0123扣了年费"),
        ("卡号 6222 0212 3456 7890 被冻结", "卡号 6222 02** **** 7890 被冻结"),
        ("账户31050161373600001234", "账户****************1234"),
        ("座机021-58881234", "座机***-****1234"),
        ("发到 zhang.san@example.com 吧", "发到 z***@example.com 吧"),
        ("全角１３８１２３４５６７８", "全角１３８****５６７８"),
    ],
)
def test_identifiers_in_a_comment_are_masked_by_their_rule(text, shown):
    assert mask_text(text) == shown


@pytest.mark.parametrize(
    "text",
    [
        "2024-05-01 上午10:30 等了五十分钟",
        "多扣了年费 300 元，共 5,000 元",
        "排队号 A023，窗口 3",
        "",
    ],
)
def test_dates_amounts_and_ordinary_words_are_kept(text):
    assert mask_text(text) == text


def test_no_digit_of_a_mobile_in_the_middle_survives():
    masked = mask_text("客户留了两个号码：13900001111，15811112222")
    assert masked == "客户留了两个号码：139****1111，158****2222"


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("tel13812345678", "tel138****5678"),  # letters may touch a number
        ("QQ123456789", "QQ*****6789"),
        ("订单号ABC1234567890", "订单号ABC******7890"),  # long digits in a code: masked too
        ("138.1234.5678", "138.****.5678"),  # dots between the groups
        ("联系我zhang@example.com", "联系我z***@example.com"),  # the Chinese stays
        ("2024.05.01 转账5,000元", "2024.05.01 转账5,000元"),  # dates and amounts kept
    ],
)
def test_numbers_glued_to_words_or_dotted_are_masked_too(written, shown):
    assert mask_text(written) == shown
