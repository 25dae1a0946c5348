"""Loading the core system's export files: customers, holdings and transactions.

One pass over the file inside one database transaction. Rows are parsed and checked in
chunks; each chunk is checked against the database (identity documents, accounts, customer
numbers) and written with bulk statements. Every problem is collected as (row, column,
reason); if there is any, or the run is a dry run, the transaction is rolled back, so a file
is loaded completely or not at all. A dry run therefore performs exactly the checks of a
real run, including those only the database can make. Only when the user asks for it
explicitly (``skip_invalid``) are the valid rows loaded and the rows with errors skipped,
each still listed in the report.

Re-importing a file is idempotent: customers are matched by customer number and updated only
where something changed; holdings by product and account number; transactions by the core
system's reference (流水号), which are skipped when already present.

Column headers may be the English names below or the Chinese headers core systems use
(客户号, 姓名, 证件号码, …); see ``docs/user-guide.md``.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from branchcx.audit.actions import Action, record
from branchcx.customers.models import (
    ContactChannel,
    Customer,
    Gender,
    Holding,
    IdType,
    KycRisk,
    Product,
    Tag,
    Temperament,
    TierLevel,
    Transaction,
    ValueOrientation,
)
from branchcx.customers.queries import refresh_aum
from branchcx.lib.bulkload import HistoryLoader, Loader, copy_rows, update_later
from branchcx.lib.crypto import blind_index_fields
from branchcx.lib.identifiers import normalise_document, normalise_email, normalise_mobile
from branchcx.lib.spreadsheets import FileFormatError, looks_like_formula, read_table
from branchcx.org.models import Branch, Role, StaffProfile
from branchcx.org.scoping import require_perm

CHUNK = 2000
ERROR_LIMIT = 500  # errors kept for the report; all are counted

Progress = Callable[[int, int], None]


class RowErrors(Exception):
    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors


class _Rollback(Exception):
    """Raised inside the transaction to undo a dry run or a file with errors."""


@dataclass
class ImportReport:
    kind: str
    dry_run: bool
    skip_invalid: bool = False
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    error_count: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)
    file_error: str = ""
    encoding: str = ""
    error_rows: set[int] = field(default_factory=set)

    @property
    def skipped(self) -> int:
        """Rows with at least one error (left out when ``skip_invalid``)."""
        return len(self.error_rows)

    @property
    def writes_blocked(self) -> bool:
        """An error ends the writing unless the user chose to skip the rows with errors."""
        return bool(self.error_count) and not self.skip_invalid

    @property
    def loaded(self) -> int:
        """Rows now in the database as the file says (new, changed or already so)."""
        return self.created + self.updated + self.unchanged

    @property
    def skipped_ranges(self) -> str:
        """Every skipped row number, compactly: "3-5, 9" (the error list stops at 500)."""
        return row_ranges(self.error_rows)

    @property
    def committed(self) -> bool:
        return not self.dry_run and not self.writes_blocked and not self.file_error

    def add_error(self, row: int, column: str, reason: str) -> None:
        self.error_count += 1
        self.error_rows.add(row)
        if len(self.errors) < ERROR_LIMIT:
            self.errors.append((row, column, reason))


def row_ranges(rows: set[int]) -> str:
    ranges: list[str] = []
    ordered = sorted(rows)
    start = previous = ordered[0] if ordered else 0
    for row in [*ordered[1:], None]:
        if row is not None and row == previous + 1:
            previous = row
            continue
        ranges.append(str(start) if start == previous else f"{start}-{previous}")
        if row is not None:
            start = previous = row
    return ", ".join(ranges) if ordered else ""


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


# --- the three file kinds ------------------------------------------------------------------


class Importer(ABC):
    kind = ""
    # canonical column → accepted header spellings (lower case)
    columns: dict[str, tuple[str, ...]] = {}
    required: tuple[str, ...] = ()

    def __init__(self, actor: Any, report: ImportReport) -> None:
        self.actor = actor
        self.report = report
        self.outlets = {
            b.code: b
            for b in Branch.objects.visible_to(actor).filter(
                level=Branch.Level.OUTLET, is_active=True
            )
        }

    def header_map(self, headers: list[str]) -> dict[str, str]:
        """file header → canonical column; unknown headers are an error (a typo would
        otherwise silently drop a column)."""
        spelling = {alias: name for name, aliases in self.columns.items() for alias in aliases}
        spelling.update({name: name for name in self.columns})
        mapping, unknown = {}, []
        for header in headers:
            if not header:
                continue
            if header in spelling:
                mapping[header] = spelling[header]
            else:
                unknown.append(header)
        missing = [c for c in self.required if c not in mapping.values()]
        problems = []
        if unknown:
            problems.append(_("Unknown columns: %s.") % ", ".join(unknown))
        if missing:
            problems.append(_("Missing required columns: %s.") % ", ".join(missing))
        if problems:
            raise FileFormatError(" ".join(problems))
        return mapping

    @abstractmethod
    def parse(self, row: dict[str, str]) -> dict[str, Any]:
        """One row's cells → checked values; raises RowErrors with every problem."""

    @abstractmethod
    def write(self, chunk: list[tuple[int, dict[str, Any]]]) -> None:
        """Check a chunk against the database and, while the file has no errors, write it."""

    @abstractmethod
    def finish(self) -> None:
        """Set-based work after the last chunk (AUM, last activity)."""

    # helpers
    def _customer_ids(self, numbers: set[str]) -> dict[str, int]:
        """customer number → primary key, for the customers of the importer's scope."""
        return dict(
            Customer.objects.visible_to(self.actor)
            .filter(customer_no__in=numbers)
            .values_list("customer_no", "pk")
        )


def _parse_fields(
    row: dict[str, str], parsers: dict[str, Callable[[str], Any]], required: tuple[str, ...]
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    errors: list[tuple[str, str]] = []
    for name, text in row.items():
        if looks_like_formula(text):
            errors.append((name, _("Looks like a spreadsheet formula; remove the leading sign.")))
            continue
        if not text:
            if name in required:
                errors.append((name, _("Required.")))
            continue
        parser = parsers.get(name, str)
        try:
            values[name] = parser(text)
        except ValueError as exc:
            errors.append((name, str(exc)))
    for name in required:
        if name not in row:
            errors.append((name, _("Required.")))
    if errors:
        raise RowErrors(errors)
    return values


# free-text columns of limited length, checked per row (an over-long cell would fail COPY)
TEXT_LIMITS: dict[str, int] = {
    name: int(getattr(Customer._meta.get_field(name), "max_length", 0))
    for name in ("occupation", "contact_times")
}


class CustomerImporter(Importer):
    kind = "customers"
    columns = {
        "customer_no": ("客户号", "客户编号"),
        "name": ("姓名", "客户姓名"),
        "id_type": ("证件类型",),
        "id_number": ("证件号码", "证件号"),
        "gender": ("性别",),
        "birth_date": ("出生日期",),
        "mobile": ("手机号", "手机号码", "手机"),
        "email": ("邮箱", "电子邮箱"),
        "address": ("地址", "联系地址"),
        "occupation": ("职业",),
        "home_outlet": ("归属网点", "网点代码", "开户网点"),
        "relationship_manager": ("客户经理工号", "客户经理"),
        "kyc_risk": ("风险等级", "反洗钱风险等级"),
        "marketing_consent": ("营销授权",),
        "marketing_consent_at": ("授权时间",),
        "preferred_channel": ("首选渠道",),
        "contact_times": ("联系时间",),
        "temperament": ("性格类型",),
        "value_orientation": ("价值取向",),
        "tags": ("标签",),
        "became_customer_on": ("成为客户日期", "建档日期", "开户日期"),
        "is_active": ("有效",),
    }
    required = ("customer_no", "name", "id_number", "home_outlet", "became_customer_on")
    parsers: dict[str, Callable[[str], Any]] = {
        "id_type": choice(ID_TYPES),
        "gender": choice(GENDERS),
        "birth_date": parse_date,
        "kyc_risk": choice(RISKS),
        "marketing_consent": parse_bool,
        "marketing_consent_at": parse_datetime,
        "preferred_channel": choice(CHANNELS),
        "temperament": choice(TEMPERAMENTS),
        "value_orientation": choice(ORIENTATIONS),
        "became_customer_on": parse_date,
        "is_active": parse_bool,
        "mobile": normalise_mobile,
        "email": normalise_email,
    }
    # compared and written on update; personal ones are compared decrypted
    fields = (
        "name", "id_type", "id_number", "gender", "birth_date", "mobile", "email", "address",
        "occupation", "home_outlet_id", "relationship_manager_id", "kyc_risk",
        "marketing_consent", "marketing_consent_at", "preferred_channel", "contact_times",
        "temperament", "value_orientation", "became_customer_on", "is_active",
    )  # fmt: skip

    def __init__(self, actor: Any, report: ImportReport) -> None:
        super().__init__(actor, report)
        self.seen_numbers: set[str] = set()
        self.managers = {
            s.employee_no: s
            for s in StaffProfile.objects.filter(
                role=Role.RELATIONSHIP_MANAGER, is_active=True
            ).select_related("branch")
        }
        self.tags = {t.code: t for t in Tag.objects.filter(is_active=True)}
        self.tags.update({t.name: t for t in self.tags.values()})
        self.index = Customer._meta.get_field("id_number_index")
        self.loader = Loader(Customer)
        self.history = HistoryLoader(Customer)
        # New customers hold nothing yet: AUM 0 and the ladder's first tier.
        self.base_tier = (
            TierLevel.objects.filter(min_aum__lte=0)
            .order_by("-min_aum")
            .values_list("pk", flat=True)
            .first()
        )

    def parse(self, row: dict[str, str]) -> dict[str, Any]:
        values = _parse_fields(row, self.parsers, self.required)
        errors: list[tuple[str, str]] = []
        number = values["customer_no"]
        if not re.fullmatch(r"[0-9A-Za-z_-]{1,32}", number):
            errors.append(("customer_no", _("Use up to 32 letters, digits, - or _.")))
        elif number in self.seen_numbers:
            errors.append(("customer_no", _("This customer number appears twice in the file.")))
        self.seen_numbers.add(number)
        id_type = values.get("id_type", IdType.RESIDENT_ID)
        values["id_type"] = id_type
        try:
            values["id_number"] = normalise_document(id_type, values["id_number"])
        except ValueError as exc:
            errors.append(("id_number", str(exc)))
        outlet = self.outlets.get(values["home_outlet"])
        if outlet is None:
            errors.append(
                ("home_outlet", _("Unknown outlet code, or an outlet outside your scope."))
            )
        values["home_outlet"] = outlet
        if "relationship_manager" in values:
            rm = self.managers.get(values["relationship_manager"])
            if rm is None or (outlet and not outlet.path.startswith(rm.branch.path)):
                errors.append(
                    (
                        "relationship_manager",
                        _(
                            "No active relationship manager with this employee number "
                            "serves the outlet."
                        ),
                    )
                )
            values["relationship_manager"] = rm
        if "tags" in values:
            names = [t for t in re.split(r"[,，;；|、]\s*", values["tags"]) if t]
            unknown = [t for t in names if t not in self.tags]
            if unknown:
                errors.append(("tags", _("Unknown tags: %s") % ", ".join(unknown)))
            values["tags"] = {self.tags[t].pk for t in names if t in self.tags}
        if (
            "birth_date" not in values
            and id_type == IdType.RESIDENT_ID
            and "id_number" not in dict(errors)
        ):
            text = values["id_number"]
            values["birth_date"] = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
        today = timezone.localdate()
        if values.get("birth_date") and not date(1900, 1, 1) <= values["birth_date"] <= today:
            errors.append(("birth_date", _("The birth date must lie between 1900 and today.")))
        if values["became_customer_on"] > today:
            errors.append(("became_customer_on", _("This date is in the future.")))
        for name in ("occupation", "contact_times"):
            limit = TEXT_LIMITS[name]
            if len(values.get(name, "")) > limit:
                errors.append((name, _("At most %(limit)s characters.") % {"limit": limit}))
        if values.get("marketing_consent") and "marketing_consent_at" not in values:
            values["marketing_consent_at"] = timezone.now()
        if errors:
            raise RowErrors(errors)
        values["name"] = " ".join(values["name"].split())
        return values

    def _target(self, values: dict[str, Any]) -> dict[str, Any]:
        target = {
            name: values.get(name, default)
            for name, default in (
                ("name", ""), ("id_type", IdType.RESIDENT_ID), ("id_number", ""),
                ("gender", Gender.UNKNOWN), ("birth_date", None), ("mobile", ""), ("email", ""),
                ("address", ""), ("occupation", ""), ("kyc_risk", KycRisk.LOW),
                ("marketing_consent", False), ("marketing_consent_at", None),
                ("preferred_channel", ""), ("contact_times", ""), ("temperament", ""),
                ("value_orientation", ""), ("became_customer_on", None), ("is_active", True),
            )
        }  # fmt: skip
        if not target["marketing_consent"]:
            target["marketing_consent_at"] = None
        target["home_outlet_id"] = values["home_outlet"].pk
        rm = values.get("relationship_manager")
        target["relationship_manager_id"] = rm.pk if rm else None
        return target

    def write(self, chunk: list[tuple[int, dict[str, Any]]]) -> None:
        numbers = {v["customer_no"] for _line, v in chunk}
        existing = {c.customer_no: c for c in Customer.objects.filter(customer_no__in=numbers)}
        visible = set(
            Customer.objects.visible_to(self.actor)
            .filter(customer_no__in=numbers)
            .values_list("customer_no", flat=True)
        )
        # Identity documents must be unique across customers (within the file too).
        for _line, v in chunk:
            v["id_number_index"] = self.index.index_for(v["id_number"])
        keys = {(v["id_type"], v["id_number_index"]): v["customer_no"] for _line, v in chunk}
        holders = {
            (c_type, c_index): c_no
            for c_type, c_index, c_no in Customer.objects.filter(
                id_number_index__in={k[1] for k in keys}
            ).values_list("id_type", "id_number_index", "customer_no")
        }
        seen_keys: dict[tuple[str, str], str] = {}
        creates: list[dict[str, Any]] = []
        updates: list[Customer] = []
        tag_sets: list[tuple[str, set[int]]] = []
        for line, values in chunk:
            number = values["customer_no"]
            key = (values["id_type"], values["id_number_index"])
            holder = holders.get(key) or seen_keys.get(key)
            if holder and holder != number:
                self.report.add_error(
                    line, "id_number", _("Another customer has this identity document.")
                )
                continue
            seen_keys[key] = number
            current = existing.get(number)
            if current is not None and number not in visible:
                self.report.add_error(
                    line,
                    "customer_no",
                    _("This customer number belongs to a customer outside your scope."),
                )
                continue
            target = self._target(values)
            if current is None:
                creates.append(
                    {
                        "customer_no": number,
                        **target,
                        "id_number_index": values["id_number_index"],
                        "tier_id": self.base_tier,
                    }
                )
            else:
                changed = [n for n, v in target.items() if getattr(current, n) != v]
                if not changed:
                    self.report.unchanged += 1
                else:
                    for name in changed:
                        setattr(current, name, target[name])
                    current.version += 1
                    updates.append(current)
            if "tags" in values:
                tag_sets.append((number, values["tags"]))
        if self.report.writes_blocked:
            return  # nothing more will be kept; keep checking the rest of the file
        ids = {c.customer_no: c.pk for c in existing.values()}
        if creates:
            now = timezone.now()
            prepared = [self.loader.prepare(values, now) for values in creates]
            self.loader.insert(prepared)
            ids.update(
                Customer.objects.filter(
                    customer_no__in=[c["customer_no"] for c in creates]
                ).values_list("customer_no", "pk")
            )
            user = _user(self.actor)
            self.history.insert(
                self.history.rows_for(
                    ((ids[row["customer_no"]], row) for row in prepared),
                    user.pk if user else None,
                    now,
                )
            )
            self.report.created += len(creates)
        if updates:
            for customer in updates:
                for blind in blind_index_fields(Customer):
                    blind.pre_save(customer, add=False)
            bulk_update_with_history(
                updates,
                Customer,
                [
                    *self.fields,
                    "version",
                    "name_index",
                    "surname_index",
                    "id_number_index",
                    "mobile_index",
                ],
                batch_size=CHUNK,
                default_user=_user(self.actor),
            )
            self.report.updated += len(updates)
        if tag_sets:
            through = Customer.tags.through
            through.objects.filter(customer_id__in=[ids[n] for n, _t in tag_sets]).delete()
            through.objects.bulk_create(
                [through(customer_id=ids[n], tag_id=t) for n, tags in tag_sets for t in tags]
            )

    def finish(self) -> None:
        """Nothing: new customers start at AUM 0 with the first tier, and changing a
        customer's details does not change what they hold."""


class HoldingImporter(Importer):
    kind = "holdings"
    columns = {
        "customer_no": ("客户号", "客户编号"),
        "product": ("产品代码", "产品"),
        "account_number": ("账号", "卡号", "账号/卡号"),
        "balance": ("余额",),
        "credit_limit": ("额度", "授信额度"),
        "opened_on": ("开立日期", "开户日期"),
        "closed_on": ("销户日期", "结清日期"),
        "status": ("状态",),
    }
    required = ("customer_no", "product", "account_number", "balance", "opened_on")
    parsers: dict[str, Callable[[str], Any]] = {
        "balance": parse_money,
        "credit_limit": parse_money,
        "opened_on": parse_date,
        "closed_on": parse_date,
        "status": choice(HOLDING_STATUSES),
    }

    def __init__(self, actor: Any, report: ImportReport) -> None:
        super().__init__(actor, report)
        self.products = {p.code: p for p in Product.objects.all()}
        self.products.update({p.name: p for p in self.products.values()})
        self.index = Holding._meta.get_field("account_index")
        self.seen: set[tuple[int, str]] = set()
        self.touched: set[int] = set()

    def parse(self, row: dict[str, str]) -> dict[str, Any]:
        values = _parse_fields(row, self.parsers, self.required)
        errors: list[tuple[str, str]] = []
        product = self.products.get(values["product"])
        if product is None:
            errors.append(("product", _("Unknown product code.")))
        values["product"] = product
        try:
            values["account_key"] = self.index.index_for(values["account_number"])
        except ValueError as exc:
            errors.append(("account_number", str(exc)))
        else:
            key = (product.pk if product else 0, values["account_key"])
            if key in self.seen:
                errors.append(("account_number", _("This account appears twice in the file.")))
            self.seen.add(key)
        if (
            product
            and values["balance"] < 0
            and product.category not in Product.LIABILITY_CATEGORIES
        ):
            errors.append(("balance", _("Only loans and credit cards carry negative balances.")))
        status = values.setdefault("status", Holding.Status.ACTIVE)
        if status == Holding.Status.CLOSED and "closed_on" not in values:
            errors.append(("closed_on", _("A closed holding needs its closing date.")))
        if values.get("closed_on") and values["closed_on"] < values["opened_on"]:
            errors.append(("closed_on", _("It cannot close before it opened.")))
        if values["opened_on"] > timezone.localdate():
            errors.append(("opened_on", _("This date is in the future.")))
        if errors:
            raise RowErrors(errors)
        return values

    def write(self, chunk: list[tuple[int, dict[str, Any]]]) -> None:
        customers = self._customer_ids({v["customer_no"] for _l, v in chunk})
        existing = {
            (h.product_id, h.account_index): h
            for h in Holding.objects.filter(account_index__in={v["account_key"] for _l, v in chunk})
        }
        creates, updates = [], []
        for line, values in chunk:
            customer_id = customers.get(values["customer_no"])
            if customer_id is None:
                self.report.add_error(
                    line, "customer_no", _("No customer with this number in your scope.")
                )
                continue
            holding = existing.get((values["product"].pk, values["account_key"]))
            target = {
                "balance": values["balance"],
                "credit_limit": values.get("credit_limit"),
                "opened_on": values["opened_on"],
                "closed_on": values.get("closed_on"),
                "status": values["status"],
            }
            if holding is None:
                creates.append(
                    Holding(customer_id=customer_id, product=values["product"],
                            account_number=values["account_number"], **target)
                )  # fmt: skip
            elif holding.customer_id != customer_id:
                self.report.add_error(
                    line, "account_number", _("This account belongs to another customer.")
                )
                continue
            elif all(getattr(holding, n) == v for n, v in target.items()):
                self.report.unchanged += 1
            else:
                for name, value in target.items():
                    setattr(holding, name, value)
                holding.version += 1
                updates.append(holding)
            self.touched.add(customer_id)
        if self.report.writes_blocked:
            return
        Holding.objects.bulk_create(creates, batch_size=CHUNK)
        Holding.objects.bulk_update(
            updates, ["balance", "credit_limit", "opened_on", "closed_on", "status", "version"],
            batch_size=CHUNK,
        )  # fmt: skip
        self.report.created += len(creates)
        self.report.updated += len(updates)

    def finish(self) -> None:
        ids = sorted(self.touched)
        for start in range(0, len(ids), CHUNK):
            refresh_aum(Customer.objects.filter(pk__in=ids[start : start + CHUNK]))


TRANSACTION_COLUMNS = (
    "customer_id", "holding_id", "amount", "direction", "kind", "channel", "outlet_id",
    "occurred_at", "reference",
)  # fmt: skip


class TransactionImporter(Importer):
    kind = "transactions"
    columns = {
        "reference": ("流水号", "交易流水号"),
        "customer_no": ("客户号", "客户编号"),
        "product": ("产品代码", "产品"),
        "account_number": ("账号", "卡号"),
        "amount": ("金额", "交易金额"),
        "direction": ("收支", "借贷方向"),
        "kind": ("交易类型",),
        "channel": ("渠道", "交易渠道"),
        "outlet": ("交易网点", "网点代码"),
        "occurred_at": ("交易时间",),
    }
    required = ("reference", "customer_no", "amount", "direction", "kind", "channel", "occurred_at")
    parsers: dict[str, Callable[[str], Any]] = {
        "amount": parse_money,
        "direction": choice(DIRECTIONS),
        "kind": choice(TXN_KINDS),
        "channel": choice(TXN_CHANNELS),
        "occurred_at": parse_datetime,
    }

    def __init__(self, actor: Any, report: ImportReport) -> None:
        super().__init__(actor, report)
        # Transactions may happen at any outlet of the bank, not only the importer's.
        self.all_outlets = {b.code: b.pk for b in Branch.objects.filter(level=Branch.Level.OUTLET)}
        self.products = {p.code: p for p in Product.objects.all()}
        self.index = Holding._meta.get_field("account_index")
        self.seen: set[str] = set()
        self.newest: dict[int, datetime] = {}  # customer → time of their newest new transaction

    def parse(self, row: dict[str, str]) -> dict[str, Any]:
        values = _parse_fields(row, self.parsers, self.required)
        errors: list[tuple[str, str]] = []
        if len(values["reference"]) > 40:
            errors.append(("reference", _("At most %(limit)s characters.") % {"limit": 40}))
        elif values["reference"] in self.seen:
            errors.append(("reference", _("This reference appears twice in the file.")))
        self.seen.add(values["reference"])
        if values["amount"] <= 0:
            errors.append(
                ("amount", _("The amount must be positive; the direction says in or out."))
            )
        if "outlet" in values:
            values["outlet_id"] = self.all_outlets.get(values["outlet"])
            if values["outlet_id"] is None:
                errors.append(("outlet", _("Unknown outlet code.")))
        if values["occurred_at"] > timezone.now():
            errors.append(("occurred_at", _("This time is in the future.")))
        if ("account_number" in values) != ("product" in values):
            errors.append(
                ("account_number", _("Give both the product and the account number, or neither."))
            )
        elif "product" in values:
            product = self.products.get(values["product"])
            if product is None:
                errors.append(("product", _("Unknown product code.")))
            try:
                values["holding_key"] = (
                    product.pk if product else 0,
                    self.index.index_for(values["account_number"]),
                )
            except ValueError as exc:
                errors.append(("account_number", str(exc)))
        if errors:
            raise RowErrors(errors)
        return values

    def write(self, chunk: list[tuple[int, dict[str, Any]]]) -> None:
        customers = self._customer_ids({v["customer_no"] for _l, v in chunk})
        present = set(
            Transaction.objects.filter(
                reference__in=[v["reference"] for _l, v in chunk]
            ).values_list("reference", flat=True)
        )
        holdings = {
            (product_id, key): (pk, customer_id)
            for pk, product_id, key, customer_id in Holding.objects.filter(
                account_index__in={v["holding_key"][1] for _l, v in chunk if "holding_key" in v}
            ).values_list("pk", "product_id", "account_index", "customer_id")
        }
        creates = []
        adapt_time = connection.ops.adapt_datetimefield_value  # the stored form (SQLite: UTC text)
        for line, values in chunk:
            customer_id = customers.get(values["customer_no"])
            if customer_id is None:
                self.report.add_error(
                    line, "customer_no", _("No customer with this number in your scope.")
                )
                continue
            holding_id = None
            if "holding_key" in values:
                found = holdings.get(values["holding_key"])
                if found is None or found[1] != customer_id:
                    self.report.add_error(
                        line,
                        "account_number",
                        _("The customer holds no such account; import the holdings first."),
                    )
                    continue
                holding_id = found[0]
            if values["reference"] in present:
                self.report.unchanged += 1
                continue
            creates.append(
                (
                    customer_id, holding_id, values["amount"], values["direction"],
                    values["kind"], values["channel"], values.get("outlet_id"),
                    adapt_time(values["occurred_at"]), values["reference"],
                )
            )  # fmt: skip
            when = values["occurred_at"]
            if customer_id not in self.newest or self.newest[customer_id] < when:
                self.newest[customer_id] = when
        if self.report.writes_blocked:
            return
        # Every value is already of its column's type: straight to COPY, no model instances.
        copy_rows(Transaction._meta.db_table, TRANSACTION_COLUMNS, creates)
        self.report.created += len(creates)

    def finish(self) -> None:
        """Last activity = the later of what it was and the newest new transaction."""
        newest = list(self.newest.items())
        for start in range(0, len(newest), CHUNK):
            update_later(Customer, "last_activity_at", newest[start : start + CHUNK])


IMPORTERS: dict[str, type[Importer]] = {
    "customers": CustomerImporter,
    "holdings": HoldingImporter,
    "transactions": TransactionImporter,
}


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def count_rows(path: Path) -> int:
    """Data rows in the file, for the progress bar (an estimate for CSV with quoted newlines)."""
    with path.open("rb") as handle:
        if handle.read(4) == b"PK\x03\x04":
            from openpyxl import load_workbook

            book = load_workbook(path, read_only=True)
            rows = max((book.worksheets[0].max_row or 1) - 1, 0)
            book.close()
            return rows
        handle.seek(0)
        return max(sum(1 for _line in handle) - 1, 0)


def run_import(
    actor: Any,
    kind: str,
    path: Path | str,
    *,
    file_name: str = "",
    dry_run: bool = False,
    skip_invalid: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Check and (unless ``dry_run``) load one file: all or nothing, or with
    ``skip_invalid`` the valid rows only. See the module docs."""
    require_perm(actor, "customers.import_customers")
    if kind not in IMPORTERS:
        raise ValidationError({"kind": _("Choose customers, holdings or transactions.")})
    path = Path(path)
    report = ImportReport(kind=kind, dry_run=dry_run, skip_invalid=skip_invalid)
    try:
        table = read_table(path, file_name or path.name)
        total = count_rows(path)
        importer = IMPORTERS[kind](actor, report)
        mapping = importer.header_map(table.headers)
    except FileFormatError as exc:
        report.file_error = str(exc)
        return report
    report.encoding = table.encoding
    try:
        with transaction.atomic():
            for chunk in _chunks(table.rows, mapping, importer, report):
                if chunk:
                    # checks against the database always run; writes stop at the first error
                    importer.write(chunk)
                if progress:
                    progress(report.total, max(total, report.total))
            if report.total == 0:
                report.file_error = _("The file has no data rows.")
            if report.writes_blocked or report.file_error:
                raise _Rollback
            importer.finish()
            if dry_run:
                raise _Rollback
            _audit(actor, report, file_name or path.name)  # with the data, in its transaction
    except _Rollback:
        pass
    if dry_run and not report.writes_blocked and not report.file_error:
        # Checking a file reads personal data against the database: recorded too.
        _audit(actor, report, file_name or path.name)
    return report


def _chunks(
    rows: Iterator[tuple[int, dict[str, str]]],
    mapping: dict[str, str],
    importer: Importer,
    report: ImportReport,
) -> Iterator[list[tuple[int, dict[str, Any]]]]:
    chunk: list[tuple[int, dict[str, Any]]] = []
    for line, raw in rows:
        report.total += 1
        if "__extra__" in raw:
            report.add_error(line, "", _("The row has more cells than the header has columns."))
            continue
        row = {mapping[h]: v for h, v in raw.items() if h in mapping}
        try:
            chunk.append((line, importer.parse(row)))
        except RowErrors as exc:
            for column, reason in exc.errors:
                report.add_error(line, column, reason)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk or report.total:
        yield chunk


def _audit(actor: Any, report: ImportReport, file_name: str) -> None:
    detail: dict[str, Any] = {"rows": report.total}
    if report.dry_run:
        detail["dry_run"] = True
    else:
        detail.update(created=report.created, updated=report.updated, unchanged=report.unchanged)
    if report.skip_invalid:
        detail["skipped"] = report.skipped
    record(
        Action.IMPORT, actor=actor, target_label=file_name[:200], field=report.kind, detail=detail
    )
