"""API for customers: list, exact search, the 360 view, history, contacts and unmasking."""

# No `from __future__ import annotations` here: django-ninja builds its query and pagination
# models from the live annotations.

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from branchcx.audit.actions import Action, do_unmask, record
from branchcx.customers import access, actions, queries
from branchcx.customers.guidance import (
    VALUE_GUIDANCE,
    presentation_guidance,
    temperament_guidance,
)
from branchcx.customers.models import Customer, Interaction, Transaction
from branchcx.customers.schemas import (
    ContactIn,
    ContactOut,
    Customer360Out,
    CustomerOut,
    CustomerUnmaskIn,
    SearchIn,
    TransactionOut,
)
from branchcx.org.schemas import UnmaskOut

router = Router(tags=["customers"])
SEARCH_LIMIT = 50


class CustomerFilter(Schema):
    tag: str | None = None
    tier: str | None = None
    outlet: str | None = None
    relationship_manager: str | None = None
    active: bool | None = None


@router.get("/customers", response=list[CustomerOut])
@paginate
def list_customers(request: HttpRequest, filters: Query[CustomerFilter]) -> QuerySet[Customer]:
    """Customers of your scope (masked). Searching by personal data is a POST, below, so
    that mobiles and ID numbers never appear in URLs or logs."""
    return queries.filter_customers(
        access.customers_for_user(request.user).select_related("relationship_manager"),
        tag=filters.tag or "",
        tier=filters.tier or "",
        outlet=filters.outlet or "",
        relationship_manager=filters.relationship_manager or "",
        active=filters.active,
    )


@router.post("/customers/search", response=list[CustomerOut])
def search_customers(request: HttpRequest, payload: SearchIn) -> list[Customer]:
    """Exact search (at most 50 results, best narrowed by the full name or a number)."""
    found = queries.search(
        access.customers_for_user(request.user).select_related("relationship_manager"),
        payload.q,
    )
    return list(found[:SEARCH_LIMIT])


@router.get("/customers/{uuid}", response=Customer360Out)
def get_customer(request: HttpRequest, uuid: str) -> dict[str, Any]:
    """The 360 view: masked profile, holdings and AUM, monthly flows, recent activity.
    Every call is recorded in the audit log."""
    customer = access.get_customer_for_user(request.user, uuid)
    record(
        Action.VIEW_PERSONAL,
        actor=request.user,
        target=customer,
        target_label=actions.customer_label(customer),
    )
    summary = queries.balance_summary(customer)
    contacts = (
        queries.contact_timeline(customer)
        if request.user.has_perm("customers.view_interaction")
        else []
    )
    last = contacts[0].presentation if contacts else ""
    upper = queries.next_tier(customer)
    return {
        "profile": customer,
        "assets": summary["assets"],
        "owed": summary["owed"],
        "next_tier": upper,
        "holdings": queries.holdings_of(customer),
        "monthly": queries.monthly_flows(customer),
        "recent_transactions": queries.recent_transactions(customer),
        "recent_contacts": contacts,
        "guidance": {
            "temperament": temperament_guidance(customer.temperament),
            "value_orientation": _text(VALUE_GUIDANCE.get(customer.value_orientation)),
            "last_presentation": presentation_guidance(last or ""),
        },
    }


def _text(value: Any) -> str | None:
    return str(value) if value else None


@router.get("/customers/{uuid}/transactions", response=list[TransactionOut])
@paginate
def list_transactions(request: HttpRequest, uuid: str) -> QuerySet[Transaction]:
    customer = access.get_customer_for_user(request.user, uuid)
    return queries.transactions_of(customer)


@router.get("/customers/{uuid}/contacts", response=list[ContactOut])
@paginate
def list_contacts(request: HttpRequest, uuid: str) -> QuerySet[Interaction]:
    customer = access.get_customer_for_user(request.user, uuid)
    access.require_contacts(request.user)
    return queries.contacts_of(customer)


@router.post("/customers/{uuid}/contacts", response={201: ContactOut})
def log_contact(request: HttpRequest, uuid: str, payload: ContactIn) -> Status:
    customer = access.get_customer_for_user(request.user, uuid)
    data = payload.model_dump()
    contact = actions.do_log_interaction(request.user, customer, **data)
    return Status(201, contact)


@router.post("/customers/{uuid}/unmask", response=UnmaskOut)
def unmask_customer(request: HttpRequest, uuid: str, payload: CustomerUnmaskIn) -> dict[str, str]:
    customer = access.get_customer_for_user(request.user, uuid)
    value = do_unmask(
        request.user,
        customer,
        payload.field,
        payload.reason,
        target_label=actions.customer_label(customer),
    )
    return {"field": payload.field, "value": value}
