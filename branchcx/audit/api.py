"""Read-only API over the audit trail. There is no endpoint that changes an event."""

# No `from __future__ import annotations` here: django-ninja builds its query and pagination
# models from the live annotations, and string annotations break them.

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router
from ninja.pagination import paginate

from branchcx.audit import access
from branchcx.audit.models import AuditEvent
from branchcx.audit.queries import EventFilter, search_events
from branchcx.audit.schemas import AuditEventFilter, AuditEventOut

router = Router(tags=["audit"])


@router.get("/events", response=list[AuditEventOut])
@paginate
def list_events(request: HttpRequest, filters: Query[AuditEventFilter]) -> QuerySet[AuditEvent]:
    return search_events(access.events_for_user(request.user), EventFilter(**filters.dict()))
