"""The main navigation: entries that apps register from their ``AppConfig.ready``, each with
the permission that shows it::

    from branchcx.web.navigation import NavItem, navigation

    navigation.register(NavItem("complaints", _("Complaints"), "complaints:list",
                                "complaints.view_complaint", "/complaints/", order=30))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise

from branchcx.lib.registry import Registry


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str | Promise
    url_name: str
    permission: str | None
    # URL prefix that marks the item active, e.g. "/org/staff/".
    section: str
    order: int = 100


navigation: Registry[NavItem] = Registry()


def nav_for(user: Any, current_path: str) -> list[dict[str, Any]]:
    visible = [
        i for i in navigation.registered() if i.permission is None or user.has_perm(i.permission)
    ]
    # the most specific section wins: /complaints/settings/ is not also "Complaints"
    matching = [i for i in visible if current_path.startswith(i.section)]
    active = max(matching, key=lambda i: len(i.section)) if matching else None
    return [
        {"label": item.label, "url": reverse(item.url_name), "active": item is active}
        for item in visible
    ]
