"""What each role sees first after signing in.

The page is a list of panels; each panel is a template plus its context, chosen by role and
permission. Later apps add panels here (queue today, complaints at risk, …).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from branchcx.audit import access as audit_access
from branchcx.audit.models import AuditEvent
from branchcx.org import access as org_access
from branchcx.org.models import WEEKDAYS, Branch, Role, StaffProfile
from branchcx.org.queries import staff_by_role, unit_counts, units_with_staff_counts


def _unit_panel(staff: StaffProfile) -> dict[str, Any]:
    today = timezone.localdate()
    branch = staff.branch
    return {
        "template": "web/panels/unit.html",
        "unit": branch,
        "hours_today": (branch.opening_hours or {}).get(WEEKDAYS[today.weekday()], ""),
    }


def _network_panel(user: Any) -> dict[str, Any]:
    branches = Branch.objects.visible_to(user)
    staff = StaffProfile.objects.visible_to(user)
    roles = dict(Role.choices)
    return {
        "template": "web/panels/network.html",
        "units": unit_counts(branches),
        "staff_roles": [
            {"label": roles.get(row["role"], row["role"]), "n": row["n"]}
            for row in staff_by_role(staff)
        ],
    }


def _team_panel(user: Any) -> dict[str, Any]:
    units = units_with_staff_counts(Branch.objects.visible_to(user).filter(is_active=True))
    return {"template": "web/panels/team.html", "units": list(units[:50])}


def _audit_panel(user: Any) -> dict[str, Any]:
    events = audit_access.events_for_user(user)
    since = timezone.now() - timedelta(hours=24)
    return {
        "template": "web/panels/audit.html",
        "recent": list(events.select_related("branch")[:10]),
        "failed_24h": events.filter(
            action__in=[AuditEvent.Action.LOGIN_FAILED, AuditEvent.Action.LOCKED_OUT],
            created_at__gte=since,
        ).count(),
        "unmask_24h": events.filter(action=AuditEvent.Action.UNMASK, created_at__gte=since).count(),
    }


def context_for(user: Any) -> dict[str, Any]:
    staff = org_access.own_staff_profile(user)
    role = staff.role if staff else (Role.HEAD_OFFICE_ADMIN if user.is_superuser else None)
    panels: list[dict[str, Any]] = []
    if staff is not None:
        panels.append(_unit_panel(staff))
    if role in {Role.HEAD_OFFICE_ADMIN, Role.AUDITOR} or user.is_superuser:
        panels.append(_network_panel(user))
    if role in {Role.HEAD_OFFICE_ADMIN, Role.BRANCH_MANAGER, Role.LOBBY_MANAGER}:
        panels.append(_team_panel(user))
    from branchcx.complaints.panels import home_panel

    if complaints := home_panel(user):
        panels.append(complaints)
    if user.has_perm("audit.view_auditevent"):
        panels.append(_audit_panel(user))
    return {
        "staff": staff,
        "role": role,
        "role_label": Role(role).label if role else "",
        "panels": panels,
    }
