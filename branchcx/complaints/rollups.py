"""The complaint statistics as rollups: which cells a change touches, how a cell is computed
from the complaints, and how a page reads a period.

A cell is an outlet and a month of receipt (in the bank's time zone). Each table's rows are
the complaints of the cell grouped by the table's dimensions — computed by the same grouped
queries (``stats.tables.grouped``) whether they feed the rollup or a page that reads
complaints directly (the days of a period's partial first or last month), so both give the
same figures.

Verdicts that depend on the time (a complaint not yet told becomes overdue when its due day
passes; a first response or resolution target is missed once its time passes) are computed
as of the update; the cells whose deadlines passed since the last update are among the
changed cells, so they are recomputed like a cell whose complaints changed.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from branchcx.complaints.models import Complaint, Decision, TimelineEntry
from branchcx.complaints.stats.expressions import in_period
from branchcx.complaints.stats.tables import (
    COUNTS,
    LEVELS,
    ROOT_CAUSES,
    TABLES,
    TALLY,
    TIMES,
    Table,
    View,
    grouped,
    plain,
    rolled,
)
from branchcx.lib.periods import Period, local_month, month_end
from branchcx.rollups.engine import earliest
from branchcx.rollups.models import RollupRow
from branchcx.rollups.reading import Freshness, current, freshness, split, states
from branchcx.rollups.registry import Rollup

NAME = "complaints.statistics"
__all__ = [
    "COUNTS", "LEVELS", "NAME", "ROLLUP", "ROOT_CAUSES", "TALLY", "TIMES", "Reading", "View",
    "read",
]  # fmt: skip


# --- the rollup ----------------------------------------------------------------------------


def compute(
    month: date, unit_ids: Collection[int] | None, now: datetime
) -> Iterator[tuple[type[RollupRow], dict[str, Any]]]:
    """The rows of every table for the cells of ``month`` (of ``unit_ids``, or all)."""
    start, end = Period(month, month_end(month)).bounds()
    complaints = Complaint.objects.filter(received_at__gte=start, received_at__lt=end)
    if unit_ids is not None:
        complaints = complaints.filter(outlet_id__in=list(unit_ids))
    today = timezone.localtime(now).date()
    for table in TABLES:
        for row in grouped(table, complaints, today, now):
            values = plain(row)
            values["unit_id"] = values.pop("unit")
            values.pop("month")  # the engine sets the cell's month
            yield table.model, values


def _cells_of(complaints: QuerySet[Complaint]) -> Iterable[tuple[int, date]]:
    return (
        complaints.order_by()
        .annotate(r_month=local_month("received_at"))
        .values_list("outlet_id", "r_month")
        .distinct()
    )


def changed(since: datetime, now: datetime) -> Iterator[tuple[int, date]]:
    """Cells whose complaints changed since ``since``, or whose deadlines passed."""
    complaints = Complaint.objects.all()
    yield from _cells_of(complaints.filter(updated_at__gte=since))
    touched = TimelineEntry.objects.filter(at__gte=since).values("complaint_id")
    yield from _cells_of(complaints.filter(pk__in=touched))
    decided = Decision.objects.filter(Q(decided_at__gte=since) | Q(approved_at__gte=since)).values(
        "complaint_id"
    )
    yield from _cells_of(complaints.filter(pk__in=decided))
    since_day = timezone.localtime(since).date() - timedelta(days=1)
    today = timezone.localtime(now).date()
    passed = (
        Q(due_on__gte=since_day, due_on__lte=today)
        | Q(respond_by__gte=since, respond_by__lte=now)
        | Q(resolve_by__gte=since, resolve_by__lte=now)
    )
    yield from _cells_of(complaints.filter(passed))


def first_month() -> date | None:
    return earliest(Complaint.objects.all(), "received_at")


ROLLUP = Rollup(
    name=NAME,
    tables=tuple(t.model for t in TABLES),
    compute=compute,
    changed=changed,
    first_month=first_month,
)


# --- reading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """The grouped rows of every table (or view) for a period and scope, and how fresh they
    are."""

    rows: dict[tuple[type[RollupRow], tuple[str, ...]], list[dict[str, Any]]]
    freshness: Freshness
    live_days: tuple[tuple[date, date], ...]  # parts of the period counted from complaints

    def of(self, table: Table | View) -> list[dict[str, Any]]:
        view = table if isinstance(table, View) else table.whole
        return self.rows[view.ident]


def read(
    complaints: QuerySet[Complaint],
    rollup_rows: Any,
    start: date,
    end: date,
    *,
    tables: Iterable[Table | View] = TABLES,
    today: date | None = None,
    now: datetime | None = None,
) -> Reading:
    """The rows of ``tables`` (or views of them: only the keys a figure needs, added up by
    the database) for complaints received from ``start`` to ``end``: whole months
    from the rollup (``rollup_rows(queryset)`` narrows a table's current rows to the same
    scope and outlet as ``complaints``), the days of partial months from ``complaints``
    themselves. Before the rollup's first build every figure is counted from the complaints
    (and the freshness says so)."""
    now = now or timezone.now()
    today = today or timezone.localtime(now).date()
    state = states([NAME]).get(NAME)
    fresh = freshness([state])
    whole: list[date]
    if fresh.missing:
        whole, partial = [], [(start, end)]
    else:
        whole, partial = split(start, end, today)
    rows: dict[tuple[type[RollupRow], tuple[str, ...]], list[dict[str, Any]]] = {}
    for table in tables:
        view = table if isinstance(table, View) else table.whole
        found: list[dict[str, Any]] = []
        if whole:
            stored = rollup_rows(current(view.table.model, state)).filter(month__in=whole)
            found.extend(plain(r) for r in rolled(view, stored))
        for first, last in partial:
            live = in_period(complaints, first, last)
            found.extend(plain(r) for r in grouped(view, live, today, now))
        rows[view.ident] = found
    return Reading(rows, fresh.counted_now(bool(partial), entirely=not whole), tuple(partial))
