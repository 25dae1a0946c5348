"""Reading rollups: the current generation's rows, and how fresh they are.

Every page that reads a rollup shows :class:`Freshness` (``rollups/_freshness.html``): the
time of the last successful update, and — when updating fails or a rebuild has not yet run —
that newer changes are not in the figures. Figures computed live on the same page (open
complaints as of now, say) are labelled as such by the page.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet

from branchcx.lib.periods import Period, month_end
from branchcx.rollups.models import RollupRow, RollupState


@dataclass(frozen=True)
class Freshness:
    """As of when the stored figures were last updated (None: never built), since when
    updating fails, and which figures the page counted now instead: some days of the period
    (the partial months at its ends) or all of them (before the first build)."""

    as_of: datetime | None
    failing_since: datetime | None = None
    partly_live: bool = False
    live: bool = False

    def counted_now(self, some: bool, *, entirely: bool = False) -> Freshness:
        """The same, saying that some (or all) of the page's figures were counted now."""
        return replace(self, partly_live=some and not entirely, live=some and entirely)

    @property
    def missing(self) -> bool:
        """Never built: the figures are empty, not zero."""
        return self.as_of is None

    @property
    def stale(self) -> bool:
        return self.failing_since is not None


def states(names: Iterable[str]) -> dict[str, RollupState]:
    return {s.name: s for s in RollupState.objects.filter(name__in=list(names))}


def current(table: type[RollupRow], state: RollupState | None) -> QuerySet[Any]:
    """The rows of the current generation (none before the first build)."""
    if state is None or state.updated_at is None:
        return table.objects.none()
    return table.objects.filter(generation=state.generation)


def freshness(found: Iterable[RollupState | None]) -> Freshness:
    """One statement for the rollups a page reads: as of the oldest last update among them,
    failing if any fails."""
    found = list(found)
    if not found or any(s is None or s.updated_at is None for s in found):
        return Freshness(None)
    as_of = min(s.updated_at for s in found if s and s.updated_at)
    failing = [s.failing_since for s in found if s and s.failing_since]
    return Freshness(as_of, min(failing) if failing else None)


def split(start: date, end: date, today: date) -> tuple[list[date], list[tuple[date, date]]]:
    """The whole months of the period (read from the rollup; the current month counts as
    whole up to today) and the days of partial months (counted from the source rows)."""
    whole: list[date] = []
    partial: list[tuple[date, date]] = []
    for month in Period(start, end).months():
        first, last = max(start, month), min(end, month_end(month))
        if first == month and (last == month_end(month) or last >= today):
            whole.append(month)
        else:
            partial.append((first, last))
    return whole, partial
