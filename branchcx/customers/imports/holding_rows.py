"""The holdings file: products and accounts per customer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from branchcx.customers.imports.base import Importer, parse_fields
from branchcx.customers.imports.cells import HOLDING_STATUSES, choice, parse_date, parse_money
from branchcx.customers.imports.report import CHUNK, ImportReport, RowErrors
from branchcx.customers.models import (
    Customer,
    Holding,
    Product,
)
from branchcx.customers.queries import refresh_aum


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
        values = parse_fields(row, self.parsers, self.required)
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
