"""Read-side questions about customers, and the set-based AUM/tier refresh."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    Case,
    Count,
    DecimalField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from branchcx.customers.models import (
    Customer,
    Holding,
    Interaction,
    Product,
    TierLevel,
    Transaction,
)
from branchcx.lib.identifiers import normalise_name
from branchcx.lib.masking import COMPOUND_SURNAMES
from branchcx.org.models import Branch, Role, StaffProfile

CENT = Decimal("0.01")
ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=18, decimal_places=2))


def refresh_aum(customers: QuerySet[Customer]) -> int:
    """Recompute AUM (sum of active and dormant asset holdings) and tier for ``customers``.

    One ``UPDATE … FROM`` over the holdings grouped by customer, whatever the number of
    customers (PostgreSQL, SQLite ≥ 3.33): never row by row in Python, and no correlated
    sub-query per customer; the grouped sums are one hash join.
    """
    try:
        ids_sql, ids_params = customers.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:  # .none(), or pk__in=[]: nothing to refresh
        return 0
    quote = connection.ops.quote_name
    customer = quote(Customer._meta.db_table)
    holding, product = quote(Holding._meta.db_table), quote(Product._meta.db_table)
    tier = quote(TierLevel._meta.db_table)
    statuses = [Holding.Status.ACTIVE, Holding.Status.DORMANT]
    categories = sorted(Product.ASSET_CATEGORIES)
    marks = ", ".join
    sql = f"""
        UPDATE {customer}
        SET aum = s.total,
            tier_id = (SELECT t.id FROM {tier} t WHERE t.min_aum <= s.total
                       ORDER BY t.min_aum DESC LIMIT 1)
        FROM (
            SELECT c.id AS customer_id, COALESCE(SUM(h.balance), 0) AS total
            FROM {customer} c
            LEFT JOIN {holding} h
              ON h.customer_id = c.id
             AND h.status IN ({marks(["%s"] * len(statuses))})
             AND h.product_id IN (SELECT p.id FROM {product} p
                                  WHERE p.category IN ({marks(["%s"] * len(categories))}))
            WHERE c.id IN ({ids_sql})
            GROUP BY c.id
        ) s
        WHERE {customer}.id = s.customer_id
    """  # noqa: S608 (identifiers quoted by the backend; values are parameters)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*statuses, *categories, *ids_params])
        return int(cursor.rowcount)


_MOBILE = re.compile(r"^\+?[\d\s-]{11,16}$")
_DOCUMENT = re.compile(r"^[0-9A-Za-z\s-]{5,32}$")


def _index(field: str, text: str) -> str | None:
    blind: Any = Customer._meta.get_field(field)
    try:
        return str(blind.index_for(text))
    except ValueError:
        return None


def _is_surname_only(text: str) -> bool:
    name = normalise_name(text)
    return name in COMPOUND_SURNAMES or (len(name) == 1 and not name.isascii())


def search(customers: QuerySet[Customer], text: str) -> QuerySet[Customer]:
    """Find customers by what staff type at the counter, exactly.

    A mobile number, an ID or passport number, a customer number, a full name, or a surname
    alone (张, 欧阳). Names are matched through blind indexes, so there is no prefix or fuzzy
    search on them (see docs/decisions.md, "Name search").
    """
    text = text.strip()
    if not text:
        return customers.none()
    conditions = Q(customer_no=text)
    if _MOBILE.match(text) and (mobile := _index("mobile_index", text)):
        conditions |= Q(mobile_index=mobile)
    if _DOCUMENT.match(text) and (document := _index("id_number_index", text)):
        conditions |= Q(id_number_index=document)
    if not text.isdigit():
        if _is_surname_only(text):
            conditions |= Q(surname_index=_index("surname_index", text))
        elif name := _index("name_index", text):
            conditions |= Q(name_index=name)
    return customers.filter(conditions)


def filter_customers(
    customers: QuerySet[Customer],
    *,
    q: str = "",
    tag: str = "",
    tier: str = "",
    outlet: str = "",
    relationship_manager: str = "",
    active: bool | None = None,
) -> QuerySet[Customer]:
    """The customer list's filters; each one narrows an indexed column."""
    if q:
        customers = search(customers, q)
    if tag:
        customers = customers.filter(tags__code=tag)
    if tier:
        customers = customers.filter(tier__code=tier)
    if outlet:
        customers = customers.filter(home_outlet__code=outlet)
    if relationship_manager:
        try:
            customers = customers.filter(relationship_manager__uuid=UUID(relationship_manager))
        except ValueError:  # not a staff id: nobody matches
            customers = customers.none()
    if active is not None:
        customers = customers.filter(is_active=active)
    return customers


def holdings_of(customer: Customer) -> list[Holding]:
    """Open and dormant holdings first, then closed ones, with their products (one query)."""
    return list(
        Holding.objects.filter(customer=customer)
        .select_related("product")
        .order_by(
            Case(When(status=Holding.Status.CLOSED, then=1), default=0),
            "product__category",
            "-balance",
        )
    )


def balance_summary(customer: Customer) -> dict[str, Decimal]:
    """Assets (counted in AUM) and what the customer owes, summed in the database."""
    live = Holding.objects.filter(customer=customer).exclude(status=Holding.Status.CLOSED)
    sums = live.aggregate(
        assets=Coalesce(
            Sum("balance", filter=Q(product__category__in=Product.ASSET_CATEGORIES)), ZERO
        ),
        owed=Coalesce(
            Sum("balance", filter=Q(product__category__in=Product.LIABILITY_CATEGORIES)), ZERO
        ),
    )
    return {"assets": _cents(sums["assets"]), "owed": _cents(abs(sums["owed"]))}


def _cents(value: Decimal) -> Decimal:
    # SQLite returns sums without their scale (Decimal("3000")); money always has two places.
    return Decimal(value).quantize(CENT)


def next_tier(customer: Customer) -> TierLevel | None:
    return TierLevel.objects.filter(min_aum__gt=customer.aum).order_by("min_aum").first()


def monthly_flows(customer: Customer, months: int = 12) -> list[dict[str, Any]]:
    """Money in and out per calendar month for the last ``months`` months, oldest first.

    One grouped query on the (customer, time) index; months without transactions are zero.
    """
    today = timezone.localdate()
    first = _add_months(today.replace(day=1), -(months - 1))
    start = timezone.make_aware(datetime.combine(first, time.min))
    rows = (
        Transaction.objects.filter(customer=customer, occurred_at__gte=start)
        .order_by()
        .annotate(month=TruncMonth("occurred_at"))
        .values("month")
        .annotate(
            credit=Coalesce(Sum("amount", filter=Q(direction=Transaction.Direction.CREDIT)), ZERO),
            debit=Coalesce(Sum("amount", filter=Q(direction=Transaction.Direction.DEBIT)), ZERO),
            count=Count("id"),
        )
    )
    by_month = {_month_key(row["month"]): row for row in rows}
    result = []
    for i in range(months):
        month = _add_months(first, i)
        row = by_month.get(month.strftime("%Y-%m"), {})
        result.append(
            {
                "month": month.strftime("%Y-%m"),
                "credit": _cents(row.get("credit", Decimal("0"))),
                "debit": _cents(row.get("debit", Decimal("0"))),
                "count": row.get("count", 0),
            }
        )
    return result


def _month_key(value: date | datetime) -> str:
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.strftime("%Y-%m")


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return day.replace(year=index // 12, month=index % 12 + 1, day=1)


def recent_transactions(customer: Customer, limit: int = 20) -> list[Transaction]:
    return list(
        Transaction.objects.filter(customer=customer)
        .select_related("holding__product", "outlet")
        .order_by("-occurred_at", "-id")[:limit]
    )


def contact_timeline(customer: Customer, limit: int = 20) -> list[Interaction]:
    return list(
        Interaction.objects.filter(customer=customer)
        .select_related("staff__branch")
        .order_by("-occurred_at", "-id")[:limit]
    )


def transactions_of(customer: Customer) -> QuerySet[Transaction]:
    return (
        Transaction.objects.filter(customer=customer)
        .select_related("outlet", "holding__product")
        .order_by("-occurred_at", "-id")
    )


def contacts_of(customer: Customer) -> QuerySet[Interaction]:
    return (
        Interaction.objects.filter(customer=customer)
        .select_related("staff")
        .order_by("-occurred_at", "-id")
    )


def last_contact(customer: Customer) -> dict[str, Any] | None:
    """How the customer presented at the latest contact, and when."""
    return (
        Interaction.objects.filter(customer=customer)
        .order_by("-occurred_at", "-id")
        .values("presentation", "occurred_at")
        .first()
    )


def managers_serving(outlet: Branch) -> QuerySet[StaffProfile]:
    """Active relationship managers of the outlet, its branch or head office: those who may
    be assigned to the outlet's customers (even when above the current user's scope)."""
    parts = [p for p in outlet.path.split("/") if p]
    paths = ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]
    return StaffProfile.objects.filter(
        role=Role.RELATIONSHIP_MANAGER, is_active=True, branch__path__in=paths
    ).order_by("full_name")
