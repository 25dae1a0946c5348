"""The main navigation. Each app adds its entries here, with the permission that shows them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    permission: str | None
    # URL prefix that marks the item active, e.g. "/org/staff/".
    section: str


NAV: list[NavItem] = [
    NavItem(_("Home"), "home", None, "/home/"),
    NavItem(_("Customers"), "customers:list", "customers.view_customer", "/customers/"),
    NavItem(_("Complaints"), "complaints:list", "complaints.view_complaint", "/complaints/"),
    NavItem(_("Organisation"), "org:branch_list", "org.view_branch", "/org/units/"),
    NavItem(_("Staff"), "org:staff_list", "org.view_staffprofile", "/org/staff/"),
    NavItem(_("Audit log"), "audit:event_list", "audit.view_auditevent", "/audit/"),
]


def nav_for(user: Any, current_path: str) -> list[dict[str, Any]]:
    return [
        {
            "label": item.label,
            "url": reverse(item.url_name),
            "active": current_path.startswith(item.section),
        }
        for item in NAV
        if item.permission is None or user.has_perm(item.permission)
    ]
