"""The panels this app contributes to the customer 360 page (registered in ``apps.py``).

Each builder runs a fixed number of queries whatever the size of the relationship.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from branchcx.customers import queries
from branchcx.customers.guidance import (
    VALUE_GUIDANCE,
    presentation_guidance,
    temperament_guidance,
)
from branchcx.customers.models import Customer, Holding, Interaction, Product
from branchcx.lib import masking
from branchcx.web.panels import Column, Panel, customer_panels

CARD_CATEGORIES = {Product.Category.DEBIT_CARD, Product.Category.CREDIT_CARD}
UNMASK_PERMISSION = "audit.unmask_personal_data"


def personal_fields(customer: Customer) -> list[tuple[str, Any, str]]:
    """(field, label, masked value) of every personal field, in display order."""
    return [
        ("name", pgettext_lazy("person", "Name"), masking.mask_name(customer.name or "")),
        (
            "id_number",
            customer.get_id_type_display(),
            masking.mask_document(customer.id_type, customer.id_number or ""),
        ),
        ("mobile", _("Mobile"), masking.mask_mobile(customer.mobile or "")),
        ("email", _("Email"), masking.mask_email(customer.email or "")),
        ("address", _("Address"), masking.mask_address(customer.address or "")),
    ]


def masked_account(holding: Holding) -> str:
    number = holding.account_number or ""
    if holding.product.category in CARD_CATEGORIES:
        return masking.mask_card_number(number)
    return masking.mask_account_number(number)


def _profile(user: Any, customer: Customer) -> dict[str, Any]:
    return {
        "customer": customer,
        "personal": personal_fields(customer),
        "tags": list(customer.tags.all()),
        "can_unmask": user.has_perm(UNMASK_PERMISSION),
        "can_edit": user.has_perm("customers.change_customer"),
    }


def _guidance(user: Any, customer: Customer) -> dict[str, Any]:
    last = queries.last_contact(customer)
    presented = last["presentation"] if last else ""
    return {
        "customer": customer,
        "temperament": temperament_guidance(customer.temperament),
        "value": VALUE_GUIDANCE.get(customer.value_orientation),
        "last_presentation": Interaction.Presentation(presented).label if presented else "",
        "last_presentation_at": last["occurred_at"] if last else None,
        "presentation": presentation_guidance(presented),
    }


def _holdings(user: Any, customer: Customer) -> dict[str, Any]:
    holdings = queries.holdings_of(customer)
    upper = queries.next_tier(customer)
    return {
        "customer": customer,
        "rows": [{"holding": h, "account": masked_account(h)} for h in holdings],
        "summary": queries.balance_summary(customer),
        "next_tier": upper,
        "to_next_tier": (upper.min_aum - customer.aum) if upper else None,
    }


def _transactions(user: Any, customer: Customer) -> dict[str, Any]:
    flows = queries.monthly_flows(customer)
    return {
        "customer": customer,
        "chart": {
            "months": [row["month"] for row in flows],
            "credit": [str(row["credit"]) for row in flows],
            "debit": [str(row["debit"]) for row in flows],
            "count": [row["count"] for row in flows],
            "labels": {
                "credit": str(_("In")),
                "debit": str(_("Out")),
                "count": str(_("Transactions")),
            },
        },
        "has_flows": any(row["count"] for row in flows),
        "recent": queries.recent_transactions(customer),
    }


def _contacts(user: Any, customer: Customer) -> dict[str, Any]:
    return {
        "customer": customer,
        "contacts": queries.contact_timeline(customer),
        "can_log": user.has_perm("customers.add_interaction"),
    }


def register_builtin() -> None:
    customer_panels.register(
        Panel(
            "profile",
            _("Profile"),
            "customers/panels/profile.html",
            _profile,
            column=Column.SIDE,
            order=10,
        )
    )
    customer_panels.register(
        Panel(
            "guidance",
            _("How to serve this customer"),
            "customers/panels/guidance.html",
            _guidance,
            column=Column.SIDE,
            order=20,
        )
    )
    customer_panels.register(
        Panel("holdings", _("Holdings"), "customers/panels/holdings.html", _holdings, order=10)
    )
    customer_panels.register(
        Panel(
            "transactions",
            _("Transactions"),
            "customers/panels/transactions.html",
            _transactions,
            order=20,
        )
    )
    customer_panels.register(
        Panel(
            "contacts",
            _("Contact history"),
            "customers/panels/contacts.html",
            _contacts,
            permission="customers.view_interaction",
            order=30,
        )
    )
