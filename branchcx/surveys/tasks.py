"""Periodic survey work, run by ``branchcx worker``."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from branchcx.surveys.actions import run_distribution


@db_periodic_task(crontab(minute="5"))
def invite_customers() -> dict[str, int]:
    """Every hour: invite the customers the distribution rules select (their messages go
    to the outbox, which delivers them)."""
    return run_distribution()
