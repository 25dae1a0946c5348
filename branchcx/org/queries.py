"""Read-side questions about the organisation (set-based, one query each)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from branchcx.org.models import Branch, StaffProfile


def unit_counts(branches: QuerySet[Branch]) -> dict[str, int]:
    rows = branches.filter(is_active=True).values("level").annotate(n=Count("id"))
    return {row["level"]: row["n"] for row in rows}


def staff_by_role(staff: QuerySet[StaffProfile]) -> list[dict[str, Any]]:
    return list(
        staff.filter(is_active=True).values("role").annotate(n=Count("id")).order_by("role")
    )


def units_with_staff_counts(branches: QuerySet[Branch]) -> QuerySet[Branch]:
    # An aggregate drops Meta.ordering, so order explicitly (tree order for the lists).
    return (
        branches.annotate(active_staff=Count("staff", filter=Q(staff__is_active=True)))
        .select_related("parent")
        .order_by("path")
    )
