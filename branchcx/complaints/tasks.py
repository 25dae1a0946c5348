"""Periodic complaint work, run by ``branchcx worker``."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from branchcx.complaints.actions import sweep_escalations


@db_periodic_task(crontab(minute="*/15"))
def escalate_overdue_complaints() -> dict[str, int]:
    """Every quarter of an hour: escalate complaints that missed a target."""
    return sweep_escalations()
