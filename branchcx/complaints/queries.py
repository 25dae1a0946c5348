"""Read-side questions about complaints: set-based, on the stored due day."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import QuerySet

from branchcx.complaints.clock import AT_RISK_DAYS
from branchcx.complaints.models import Complaint


def due_soon(complaints: QuerySet[Complaint], today: date, days: int = AT_RISK_DAYS) -> QuerySet:
    """Answers due today or within ``days`` days: what a branch manager must see today."""
    return complaints.filter(due_on__gte=today, due_on__lte=today + timedelta(days=days))


def overdue(complaints: QuerySet[Complaint], today: date) -> QuerySet[Complaint]:
    return complaints.filter(due_on__lt=today)


def training_examples(target: str = "business") -> tuple[list[str], list[str]]:
    """Narratives of finished complaints with their label (business category code, cause
    code or priority), for training a classifier (the command runs as the system, over the
    whole bank)."""
    from branchcx.complaints.models import FINAL_STATES

    label = {"business": "business__code", "cause": "cause__code", "priority": "priority"}[target]
    rows = (
        Complaint.objects.filter(state__in=FINAL_STATES, **{f"{label}__isnull": False})
        .exclude(state="merged")
        .values_list("narrative", label)
    )
    texts, labels = [], []
    for text, code in rows.iterator(chunk_size=2000):
        texts.append(text)
        labels.append(code)
    return texts, labels
