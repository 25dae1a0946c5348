"""How personal data is shown by default: masked.

The rules follow common practice in Chinese retail banking (and JR/T 0171-2020's advice to
show only what the task needs):

==================  ======================  =========================================
what                example in              shown as
==================  ======================  =========================================
resident ID         110101199003077777      ``1101**********7777`` (first 4, last 4)
mobile              13812345678             ``138****5678`` (first 3, last 4)
card number         6222021234567890123     ``622202*********0123`` (first 6, last 4)
account number      31050161373600001234    ``****************1234`` (last 4)
name, staff view    张三丰                  ``张*丰`` (first and last character)
name, public view   张三丰 / 欧阳娜娜         ``张**`` / ``欧阳**`` (surname only)
address             上海市浦东新区世纪大道100号  ``上海市浦东新区****`` (up to the district)
email               zhang.san@example.com   ``z***@example.com``
==================  ======================  =========================================

Masking never fails: an empty value stays empty, and a value too short for its rule is
masked completely rather than shown.
"""

from __future__ import annotations

import re

MASK = "*"

# Two-character surnames (复姓) seen in practice; anything else is a one-character surname.
_COMPOUND = (
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 钟离 "
    "端木 百里 呼延 独孤 南宫 西门 万俟 闻人 澹台 公冶 太史 申屠 赫连 濮阳 单于"
)
COMPOUND_SURNAMES = frozenset(_COMPOUND.split())
# Keep the address down to the district or county; failing that, down to the city.
_ADDRESS_PREFIXES = (re.compile(r"^.{2,12}?[区县旗]"), re.compile(r"^.{2,10}?市"))


def _keep(value: str, head: int, tail: int) -> str:
    if len(value) <= head + tail:
        return MASK * len(value)
    return value[:head] + MASK * (len(value) - head - tail) + (value[-tail:] if tail else "")


def mask_resident_id(value: str) -> str:
    return _keep(value, 4, 4) if value else ""


def mask_mobile(value: str) -> str:
    return _keep(value, 3, 4) if value else ""


def mask_card_number(value: str) -> str:
    return _keep(value, 6, 4) if value else ""


def mask_account_number(value: str) -> str:
    return _keep(value, 0, 4) if value else ""


def surname(name: str) -> str:
    name = name.strip()
    if len(name) > 2 and name[:2] in COMPOUND_SURNAMES:
        return name[:2]
    return name[:1]


def mask_name(value: str) -> str:
    """Staff screens: enough to greet the customer, not enough to identify them alone."""
    name = value.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + MASK
    if " " in name:  # Latin names: keep the initials of each word.
        return " ".join(part[:1] + MASK * (len(part) - 1) for part in name.split())
    return name[0] + MASK * (len(name) - 2) + name[-1]


def mask_name_public(value: str) -> str:
    """Public screens (queue display, printed tickets): surname only."""
    name = value.strip()
    if not name:
        return ""
    family = surname(name)
    return family + MASK * max(len(name) - len(family), 1)


def mask_address(value: str) -> str:
    address = value.strip()
    if not address:
        return ""
    for pattern in _ADDRESS_PREFIXES:
        match = pattern.match(address)
        if match and len(match.group(0)) < len(address):
            return match.group(0) + MASK * 4
    return address[: len(address) // 3] + MASK * 4


def mask_email(value: str) -> str:
    local, at, domain = value.strip().partition("@")
    if not at:
        return MASK * len(value)
    return (local[:1] + MASK * 3) + "@" + domain


def mask_document(id_type: str, value: str) -> str:
    """Identity documents: the resident-ID rule, and first 1 + last 3 for other documents."""
    if not value:
        return ""
    if id_type == "resident_id":
        return mask_resident_id(value)
    return _keep(value, 1, 3)
