"""The transactions file, matched by the core system's reference (流水号)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from branchcx.customers.imports.base import Importer, parse_fields
from branchcx.customers.imports.cells import (
    DIRECTIONS,
    TXN_CHANNELS,
    TXN_KINDS,
    choice,
    parse_datetime,
    parse_money,
)
from branchcx.customers.imports.report import CHUNK, ImportReport, RowErrors
from branchcx.customers.models import (
    Customer,
    Holding,
    Product,
    Transaction,
)
from branchcx.lib.bulkload import copy_rows, update_later
from branchcx.org.models import Branch

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
        values = parse_fields(row, self.parsers, self.required)
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
