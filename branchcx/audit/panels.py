"""What the audit app adds to the home page: the last events and the day's failed sign-ins
and unmaskings, for whoever may read the audit log. Registered in ``apps.py``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from branchcx.audit import access
from branchcx.audit.models import AuditEvent
from branchcx.web.panels import HomePanel, home_panels

RECENT_ROWS = 10


def audit_panel(user: Any) -> dict[str, Any] | None:
    if not user.has_perm("audit.view_auditevent"):
        return None
    events = access.events_for_user(user)
    since = timezone.now() - timedelta(hours=24)
    return {
        "template": "audit/panels/audit.html",
        "recent": list(events.select_related("branch")[:RECENT_ROWS]),
        "failed_24h": events.filter(
            action__in=[AuditEvent.Action.LOGIN_FAILED, AuditEvent.Action.LOCKED_OUT],
            created_at__gte=since,
        ).count(),
        "unmask_24h": events.filter(action=AuditEvent.Action.UNMASK, created_at__gte=since).count(),
    }


def register_panels() -> None:
    home_panels.register(HomePanel("audit-recent", audit_panel, order=90))
