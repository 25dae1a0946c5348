"""Scoped getters for customers: the only way views and endpoints fetch customer data."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import QuerySet

from branchcx.customers.models import Customer, ImportJob
from branchcx.org.scoping import get_in_scope, require_perm


def customers_for_user(user: Any) -> QuerySet[Customer]:
    require_perm(user, "customers.view_customer")
    return Customer.objects.visible_to(user).select_related("home_outlet", "tier")


def get_customer_for_user(user: Any, customer_uuid: UUID | str) -> Customer:
    """One customer of the user's scope; 404 for any other (even if it exists elsewhere)."""
    customer: Customer = get_in_scope(
        Customer.objects.select_related("home_outlet", "tier", "relationship_manager"),
        user,
        uuid=customer_uuid,
    )
    require_perm(user, "customers.view_customer")
    return customer


def require_contacts(user: Any) -> None:
    require_perm(user, "customers.view_interaction")


def imports_for_user(user: Any) -> QuerySet[ImportJob]:
    require_perm(user, "customers.import_customers")
    return ImportJob.objects.visible_to(user).select_related("created_by")


def get_import_for_user(user: Any, job_uuid: UUID | str) -> ImportJob:
    job: ImportJob = get_in_scope(
        ImportJob.objects.select_related("created_by"), user, uuid=job_uuid
    )
    require_perm(user, "customers.import_customers")
    return job
