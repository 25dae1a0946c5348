"""Periodic housekeeping, run by ``branchcx worker``."""

from __future__ import annotations

from typing import Any

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from branchcx.org.actions import do_prune_expired_credentials


@db_periodic_task(crontab(minute="7"))
def prune_expired_credentials() -> dict[str, Any]:
    """Hourly: drop expired sessions, long-dead API tokens and old failed sign-in counters."""
    return do_prune_expired_credentials()
