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
    NavItem(
        _("Complaint reports"),
        "complaints:dashboard",
        "complaints.view_complaint",
        "/complaints/reports/",
    ),
    NavItem(
        _("Complaint settings"),
        "complaints:ref_index",
        "complaints.view_assignmentrule",
        "/complaints/settings/",
    ),
    NavItem(_("Satisfaction"), "surveys:dashboard", "surveys.view_scores", "/surveys/reports/"),
    NavItem(
        _("Survey answers"),
        "surveys:responses",
        "surveys.view_response",
        "/surveys/responses/",
    ),
    NavItem(
        _("Survey follow-ups"),
        "surveys:follow_ups",
        "surveys.view_followup",
        "/surveys/follow-ups/",
    ),
    NavItem(
        _("Survey settings"),
        "surveys:manage",
        "surveys.view_lobbycode",
        "/surveys/manage/",
    ),
    NavItem(_("Organisation"), "org:branch_list", "org.view_branch", "/org/units/"),
    NavItem(_("Staff"), "org:staff_list", "org.view_staffprofile", "/org/staff/"),
    NavItem(_("Audit log"), "audit:event_list", "audit.view_auditevent", "/audit/"),
]


def nav_for(user: Any, current_path: str) -> list[dict[str, Any]]:
    visible = [i for i in NAV if i.permission is None or user.has_perm(i.permission)]
    # the most specific section wins: /complaints/settings/ is not also "Complaints"
    matching = [i for i in visible if current_path.startswith(i.section)]
    active = max(matching, key=lambda i: len(i.section)) if matching else None
    return [
        {"label": item.label, "url": reverse(item.url_name), "active": item is active}
        for item in visible
    ]
