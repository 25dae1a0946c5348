"""Searching the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from branchcx.audit.models import AuditEvent


@dataclass
class EventFilter:
    action: str | None = None
    actor: str | None = None
    target_id: str | None = None
    branch: str | None = None
    date_from: date | None = None
    date_to: date | None = None


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def search_events(events: QuerySet[AuditEvent], f: EventFilter) -> QuerySet[AuditEvent]:
    """Narrow an already-scoped queryset. Dates are local (Asia/Shanghai) calendar days."""
    if f.action:
        events = events.filter(action=f.action)
    if f.actor:
        events = events.filter(actor_name__iexact=f.actor.strip())
    if f.target_id:
        events = events.filter(target_id=f.target_id.strip())
    if f.branch:
        events = events.filter(branch__code=f.branch.strip())
    if f.date_from:
        events = events.filter(created_at__gte=_start_of(f.date_from))
    if f.date_to:
        events = events.filter(created_at__lt=_start_of(f.date_to + timedelta(days=1)))
    return events
