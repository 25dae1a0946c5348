from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from branchcx.audit.models import AuditEvent
from branchcx.org.scoping import require_perm


def events_for_user(user: Any) -> QuerySet[AuditEvent]:
    require_perm(user, "audit.view_auditevent")
    return AuditEvent.objects.visible_to(user).select_related("branch")
