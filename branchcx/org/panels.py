"""What the organisation app adds to the home page: the user's own unit, the network's size
(head office and audit) and the teams under a manager. Registered in ``apps.py``."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from branchcx.org import access
from branchcx.org.models import WEEKDAYS, Branch, Role, StaffProfile
from branchcx.org.queries import staff_by_role, unit_counts, units_with_staff_counts
from branchcx.web.panels import HomePanel, home_panels

NETWORK_ROLES = {Role.HEAD_OFFICE_ADMIN, Role.AUDITOR}
TEAM_ROLES = {Role.HEAD_OFFICE_ADMIN, Role.BRANCH_MANAGER, Role.LOBBY_MANAGER}
TEAM_ROWS = 50


def unit_panel(user: Any) -> dict[str, Any] | None:
    staff: StaffProfile | None = access.own_staff_profile(user)
    if staff is None:
        return None
    today = timezone.localdate()
    branch = staff.branch
    return {
        "template": "org/panels/unit.html",
        "unit": branch,
        "hours_today": (branch.opening_hours or {}).get(WEEKDAYS[today.weekday()], ""),
    }


def network_panel(user: Any) -> dict[str, Any] | None:
    if access.role_of(user) not in NETWORK_ROLES and not user.is_superuser:
        return None
    branches = Branch.objects.visible_to(user)
    staff = StaffProfile.objects.visible_to(user)
    roles = dict(Role.choices)
    return {
        "template": "org/panels/network.html",
        "units": unit_counts(branches),
        "staff_roles": [
            {"label": roles.get(row["role"], row["role"]), "n": row["n"]}
            for row in staff_by_role(staff)
        ],
    }


def team_panel(user: Any) -> dict[str, Any] | None:
    if access.role_of(user) not in TEAM_ROLES:
        return None
    units = units_with_staff_counts(Branch.objects.visible_to(user).filter(is_active=True))
    return {"template": "org/panels/team.html", "units": list(units[:TEAM_ROWS])}


def register_panels() -> None:
    home_panels.register(HomePanel("org-unit", unit_panel, order=10))
    home_panels.register(HomePanel("org-network", network_panel, order=20))
    home_panels.register(HomePanel("org-team", team_panel, order=30))
