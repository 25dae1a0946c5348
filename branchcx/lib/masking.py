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
import unicodedata

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


# --- free text (survey export and responses area) ---------------------------------------------

# Numbers a customer may type into a comment, each with the separators people use. The
# boundaries stop a match inside a longer number (letters may touch it: "tel13812345678");
# dates ("2024-05-01") and amounts ("5,000") match nothing: they are not personal identifiers
# and the reader needs them.
_EDGE_BEFORE = r"(?<![0-9０-９])"
_EDGE_AFTER = r"(?![0-9０-９])"
_D = r"[0-9０-９]"
_SEP = r"[ .\-]?"
_NUMBER_IN_TEXT = re.compile(
    _EDGE_BEFORE
    + "(?:"
    + rf"(?:\+?86{_SEP})?1{_D}{{2}}{_SEP}{_D}{{4}}{_SEP}{_D}{{4}}"  # mobile 138 1234 5678
    + rf"|{_D}{{6}}{_SEP}{_D}{{8}}{_SEP}{_D}{{3}}[0-9０-９Xx]"  # resident ID, maybe spaced
    + rf"|{_D}{{4}}(?:{_SEP}{_D}{{4}}){{2,3}}(?:{_SEP}{_D}{{1,3}})?"  # card in groups of four
    + rf"|0{_D}{{2,3}}{_SEP}{_D}{{7,8}}"  # landline with its area code
    + rf"|{_D}{{7,}}[Xx]?"  # any other run of seven digits or more (accounts, old IDs)
    + ")"
    + _EDGE_AFTER
)
# ASCII only: Chinese written right before an address is not part of it
_EMAIL_IN_TEXT = re.compile(r"[A-Za-z0-9_.+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")


def _mask_digits(text: str, head: int, tail: int) -> str:
    """Mask the digits of ``text`` but the first ``head`` and last ``tail``, keeping the
    separators where the writer put them ("138 **** 5678")."""
    positions = [i for i, ch in enumerate(text) if ch.isdigit() or ch in "Xx"]
    hidden = set(positions[head : len(positions) - tail] if tail else positions[head:])
    if len(positions) <= head + tail:
        hidden = set(positions)
    return "".join(MASK if i in hidden else ch for i, ch in enumerate(text))


def _mask_number(match: re.Match[str]) -> str:
    text = match.group(0)
    # full-width digits (typed on a phone's Chinese keyboard) read as ASCII ones
    kept = "".join(ch for ch in text if ch.isdigit() or ch in "Xx")
    compact = unicodedata.normalize("NFKC", kept)
    digits = list(compact)
    if len(digits) == 13 and compact.startswith("86") and compact[2] == "1":
        return _mask_digits(text, 5, 4)  # +86 and a mobile: the mobile rule after the code
    if len(digits) == 11 and compact.startswith("1"):
        return _mask_digits(text, 3, 4)  # the mobile rule
    if len(digits) == 18 or compact[-1:] in ("X", "x"):
        return _mask_digits(text, 4, 4)  # the resident-ID rule
    if 13 <= len(digits) <= 19:
        return _mask_digits(text, 6, 4)  # the card-number rule
    return _mask_digits(text, 0, 4)  # accounts, landlines and anything else: last four


def mask_text(value: str) -> str:
    """Free text (a survey comment, a note) with the identifiers in it masked: mobile and
    landline numbers, resident ID numbers, card and account numbers (any run of seven digits
    or more) and email addresses, each by its rule above. The rest of the text is kept as
    written. Names cannot be told from other words reliably and are not masked: free text
    is still personal data and is shown only where the reader may see it."""
    if not value:
        return ""
    masked = _NUMBER_IN_TEXT.sub(_mask_number, value)
    return _EMAIL_IN_TEXT.sub(lambda m: mask_email(m.group(0)), masked)
