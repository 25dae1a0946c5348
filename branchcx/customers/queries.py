"""Read-side questions about customers, and the set-based AUM/tier refresh."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from branchcx.customers.models import Customer, Holding, Product, TierLevel
from branchcx.lib.identifiers import normalise_name
from branchcx.lib.masking import COMPOUND_SURNAMES

ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=18, decimal_places=2))


def refresh_aum(customers: QuerySet[Customer]) -> int:
    """Recompute AUM (sum of active asset holdings) and tier for ``customers``.

    Two UPDATE statements whatever the number of customers: the sums and the tier look-up run
    in the database, never row by row in Python.
    """
    assets = (
        Holding.objects.filter(
            customer=OuterRef("pk"),
            status__in=[Holding.Status.ACTIVE, Holding.Status.DORMANT],
            product__category__in=Product.ASSET_CATEGORIES,
        )
        .order_by()
        .values("customer")
        .annotate(total=Sum("balance"))
        .values("total")
    )
    ids = customers.values("pk")
    updated = Customer.objects.filter(pk__in=ids).update(aum=Coalesce(Subquery(assets), ZERO))
    tier = TierLevel.objects.filter(min_aum__lte=OuterRef("aum")).order_by("-min_aum").values("pk")
    Customer.objects.filter(pk__in=ids).update(tier=Subquery(tier[:1]))
    return updated


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
