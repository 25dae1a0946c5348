"""Cell parsers (each returns the value or raises ValueError with the reason) and the codes
core systems write for the model's choices, Chinese aliases included."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from branchcx.customers.models import (
    ContactChannel,
    Gender,
    Holding,
    IdType,
    KycRisk,
    Temperament,
    Transaction,
    ValueOrientation,
)

# --- cell parsers: each returns the value or raises ValueError with the reason ----------

TRUE = {"1", "y", "yes", "true", "是", "同意", "已授权", "t"}
FALSE = {"0", "n", "no", "false", "否", "不同意", "未授权", "f", ""}
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d")
LOCAL = timezone.get_default_timezone()
DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y%m%d%H%M%S")


def parse_date(text: str) -> date:
    if len(text) == 10 and text[4] == text[7] == "-":  # the usual form, parsed fast
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass  # the formats below give the verdict
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()  # noqa: DTZ007 (a date only)
        except ValueError:
            continue
    raise ValueError(_("Not a date: write it as YYYY-MM-DD."))


def parse_datetime(text: str) -> datetime:
    """A local wall-clock time in the bank's time zone (``TIME_ZONE``)."""
    if len(text) == 19 and text[4] == text[7] == "-" and text[10] == " ":  # the usual form
        try:
            return timezone.make_aware(datetime.fromisoformat(text), LOCAL)
        except ValueError:
            pass
    for fmt in DATETIME_FORMATS:
        try:
            return timezone.make_aware(datetime.strptime(text, fmt), LOCAL)  # noqa: DTZ007
        except ValueError:
            continue
    try:
        return timezone.make_aware(datetime.combine(parse_date(text), datetime.min.time()), LOCAL)
    except ValueError:
        raise ValueError(_("Not a time: write it as YYYY-MM-DD HH:MM:SS.")) from None


def parse_bool(text: str) -> bool:
    value = text.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ValueError(_("Write yes or no (是/否)."))


def parse_money(text: str) -> Decimal:
    try:
        amount = Decimal(text.replace(",", "").replace("，", ""))
    except InvalidOperation:
        raise ValueError(_("Not an amount: write it like 1234.56.")) from None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        raise ValueError(_("Amounts have at most two decimals."))
    if abs(amount) >= Decimal("1e16"):
        raise ValueError(_("The amount is too large."))
    return amount


def choice(options: dict[str, str]) -> Callable[[str], str]:
    """A parser accepting the stored codes, the English labels and the Chinese words."""
    lookup = {k.lower(): v for k, v in options.items()}

    def parse(text: str) -> str:
        try:
            return lookup[text.strip().lower()]
        except KeyError:
            raise ValueError(
                _("Unknown value; use one of: %s") % ", ".join(sorted(set(options.values())))
            ) from None

    return parse


def _codes(choices: Any, **aliases: str) -> dict[str, str]:
    mapping = {value: value for value in choices.values}
    mapping.update({str(label): value for value, label in choices.choices})
    mapping.update(aliases)
    return mapping


ID_TYPES = _codes(
    IdType,
    **{"身份证": "resident_id", "居民身份证": "resident_id", "护照": "passport"},
    **{"港澳通行证": "hk_macau_permit", "台胞证": "taiwan_permit"},
    **{"外国人永久居留证": "foreign_permanent_resident", "其他": "other"},
)
GENDERS = _codes(
    Gender, **{"男": "male", "女": "female", "m": "male", "f": "female", "未知": "unknown"}
)
RISKS = _codes(KycRisk, **{"低": "low", "中": "medium", "高": "high"})
TEMPERAMENTS = _codes(
    Temperament,
    **{"支配型": "dominant", "表达型": "expressive", "和平型": "amiable"},
    **{"分析型": "analytical"},
)
ORIENTATIONS = _codes(
    ValueOrientation,
    **{"价格敏感型": "price", "服务主导型": "service", "产品主导型": "product"},
)
CHANNELS = _codes(ContactChannel, **{"柜面": "counter", "电话": "phone", "微信": "wechat"})
HOLDING_STATUSES = _codes(Holding.Status, **{"正常": "active", "休眠": "dormant", "销户": "closed"})
DIRECTIONS = _codes(Transaction.Direction, **{"收": "credit", "入": "credit", "支": "debit"})
TXN_KINDS = _codes(Transaction.Kind)
TXN_CHANNELS = _codes(Transaction.Channel, **{"柜面": "counter", "手机银行": "mobile_banking"})
