from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from branchcx.audit.models import AuditEvent
from branchcx.org.scoping import require_perm, scope_path


def events_for_user(user: Any) -> QuerySet[AuditEvent]:
    """Events in the user's scope. Below head office, only those done by people inside that
    scope (or by the system): a branch must not watch the auditors and head-office staff who
    review it, nor read their reasons."""
    require_perm(user, "audit.view_auditevent")
    events = AuditEvent.objects.visible_to(user).select_related("branch")
    path = scope_path(user)
    if path:
        events = events.filter(
            Q(actor__isnull=True) | Q(actor__staff__branch__path__startswith=path)
        )
    return events
