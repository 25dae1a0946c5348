"""Validation and normalisation of personal identifiers before they are stored or indexed.

Each ``normalise_*`` returns the canonical text that is encrypted and blind-indexed, so the
same person typed two ways ("138 1234 5678", "+86 13812345678") finds the same record. Each
raises ``ValueError`` with a translatable message when the value is not valid.
"""

from __future__ import annotations

import re

import phonenumbers
from django.utils.translation import gettext as _
from stdnum import luhn
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

_SPACES = re.compile(r"[\s\-]+")


def normalise_resident_id(value: str) -> str:
    """Mainland resident identity card number (居民身份证), 18 characters with checksum."""
    compact = _SPACES.sub("", value).upper()
    if len(compact) != 18:
        raise ValueError(_("A resident ID number has 18 characters."))
    try:
        return str(ric.validate(compact))
    except StdnumError:
        raise ValueError(_("This resident ID number is not valid (check digit or date).")) from None


def normalise_mobile(value: str) -> str:
    """A mainland China mobile number, returned as 11 digits without the country code."""
    try:
        number = phonenumbers.parse(value, "CN")
    except phonenumbers.NumberParseException:
        raise ValueError(_("This is not a phone number.")) from None
    if (
        number.country_code != 86
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE
    ):
        raise ValueError(_("This is not a valid mainland China mobile number."))
    return str(number.national_number)


def normalise_card_number(value: str) -> str:
    """A bank card number: 13 to 19 digits passing the Luhn check."""
    digits = _SPACES.sub("", value)
    if not digits.isdigit() or not 13 <= len(digits) <= 19:
        raise ValueError(_("A bank card number has 13 to 19 digits."))
    if not luhn.is_valid(digits):
        raise ValueError(_("This bank card number fails its check digit."))
    return digits


def normalise_account_number(value: str) -> str:
    """A bank account number: digits only (length varies by bank, 8 to 32)."""
    digits = _SPACES.sub("", value)
    if not (digits.isascii() and digits.isdigit()) or not 8 <= len(digits) <= 32:
        raise ValueError(_("An account number has 8 to 32 digits."))
    return digits
