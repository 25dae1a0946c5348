"""Keeping rollups current, run by ``branchcx worker``."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from branchcx.rollups.engine import update_all


@db_periodic_task(crontab(minute="*/2"))
def update_rollups() -> dict[str, int]:
    """Every two minutes: recompute the cells whose source rows changed."""
    return {outcome.name: outcome.cells for outcome in update_all()}
