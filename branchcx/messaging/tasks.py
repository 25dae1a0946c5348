"""Periodic delivery of the outbox, run by ``branchcx worker``."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from branchcx.messaging.actions import deliver_pending


@db_periodic_task(crontab(minute="*"))
def deliver_outbox() -> dict[str, int]:
    """Every minute: send what has been queued (at least once; see actions.deliver_pending)."""
    return deliver_pending()
