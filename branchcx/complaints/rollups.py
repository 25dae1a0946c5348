"""The complaint statistics as rollups: what each table holds, how a cell is computed from
the complaints, and which cells a change touches.

A cell is an outlet and a month of receipt (in the bank's time zone). Each table's rows are
the complaints of the cell grouped by the table's dimensions — computed by the same grouped
queries (``grouped``) whether they feed the rollup or a page that reads complaints directly
(the days of a period's partial first or last month), so both give the same figures.

Verdicts that depend on the time (a complaint not yet told becomes overdue when its due day
passes; a first response or resolution target is missed once its time passes) are computed
as of the update; the cells whose deadlines passed since the last update are among the
changed cells, so they are recomputed like a cell whose complaints changed.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from branchcx.complaints import stats
from branchcx.complaints.models import (
    FINAL_STATES,
    Complaint,
    ComplaintLevels,
    ComplaintRootCauses,
    ComplaintTally,
    ComplaintTimes,
    Decision,
    TimelineEntry,
)
from branchcx.rollups.engine import earliest, month_of, next_month
from branchcx.rollups.models import RollupRow
from branchcx.rollups.reading import Freshness, current, freshness, states
from branchcx.rollups.registry import Rollup

NAME = "complaints.statistics"


@dataclass(frozen=True)
class Table:
    """A rollup table: its dimensions (column → expression over the complaints) and its
    measures (column → aggregate over the complaints); over rollup rows a measure is the sum
    of its column."""

    model: type[RollupRow]
    dims: dict[str, Any]
    measures: dict[str, Any]
    annotate: Any = None  # (complaints, today, now) -> complaints with what dims refer to


def _tally_annotations(base: QuerySet[Complaint], today: date, now: datetime) -> QuerySet[Any]:
    return base.annotate(r_stretch=stats._regulatory_stretches(base, today))


def _times_annotations(base: QuerySet[Complaint], today: date, now: datetime) -> QuerySet[Any]:
    return base.annotate(r_days=stats._decision_days(base))


def _level_annotations(base: QuerySet[Complaint], today: date, now: datetime) -> QuerySet[Any]:
    return base.annotate(
        r_regulatory=stats._regulatory_verdict(base, today),
        r_first_response=stats._first_response_verdict(now),
        r_resolution=stats._resolution_verdict(base, now),
    )


def _causes_filter(base: QuerySet[Complaint], today: date, now: datetime) -> QuerySet[Any]:
    return base.filter(decisions__root_cause__isnull=False)


TALLY = Table(
    ComplaintTally,
    dims={
        "business_id": F("business_id"),
        "cause_id": F("cause_id"),
        "channel_id": F("channel_id"),
        "is_major": F("is_major"),
        "allowed_days": F("allowed_days"),
        "stretch": F("r_stretch"),
    },
    measures={"count": Count("pk")},
    annotate=_tally_annotations,
)
TIMES = Table(
    ComplaintTimes,
    dims={"days": F("r_days")},
    measures={"count": Count("pk")},
    annotate=_times_annotations,
)
LEVELS = Table(
    ComplaintLevels,
    dims={
        "regulatory": F("r_regulatory"),
        "first_response": F("r_first_response"),
        "resolution": F("r_resolution"),
    },
    measures={"count": Count("pk")},
    annotate=_level_annotations,
)
ROOT_CAUSES = Table(
    ComplaintRootCauses,
    dims={"root_cause_id": F("decisions__root_cause_id")},
    measures={
        "decisions": Count("decisions", distinct=True),
        "complaints": Count("pk", distinct=True),
        "finished": Count("pk", distinct=True, filter=Q(state__in=FINAL_STATES)),
    },
    annotate=_causes_filter,
)
TABLES = (TALLY, TIMES, LEVELS, ROOT_CAUSES)

# Names the grouped rows carry, whichever side they come from (a prefix: "business_id" is
# also a field of the complaint, which a values() alias may not shadow).
PREFIX = "r__"


def grouped(
    table: Table, complaints: QuerySet[Complaint], today: date, now: datetime
) -> QuerySet[Any]:
    """The complaints (counted ones only: merged are left out) grouped by outlet, month of
    receipt and the table's dimensions, with the table's measures."""
    base = stats._counted(complaints)
    annotated = table.annotate(base, today, now) if table.annotate else base
    return annotated.values(
        **{f"{PREFIX}unit": F("outlet_id"), f"{PREFIX}month": stats._local_month("received_at")},
        **{PREFIX + name: expression for name, expression in table.dims.items()},
    ).annotate(**{PREFIX + name: aggregate for name, aggregate in table.measures.items()})


def rolled(table: Table, rows: QuerySet[Any]) -> QuerySet[Any]:
    """Rollup rows (already narrowed to the current generation, scope and months) in the
    shape of :func:`grouped`."""
    return rows.values(
        **{f"{PREFIX}unit": F("unit_id"), f"{PREFIX}month": F("month")},
        **{PREFIX + name: F(name) for name in table.dims},
    ).annotate(**{PREFIX + name: Sum(name) for name in table.measures})


def plain(row: dict[str, Any]) -> dict[str, Any]:
    return {key.removeprefix(PREFIX): value for key, value in row.items()}


# --- the rollup ----------------------------------------------------------------------------


def _month_bounds(month: date) -> tuple[datetime, datetime]:
    zone = timezone.get_default_timezone()
    return (
        datetime.combine(month, time.min, tzinfo=zone),
        datetime.combine(next_month(month), time.min, tzinfo=zone),
    )


def compute(
    month: date, unit_ids: Collection[int] | None, now: datetime
) -> Iterator[tuple[type[RollupRow], dict[str, Any]]]:
    """The rows of every table for the cells of ``month`` (of ``unit_ids``, or all)."""
    start, end = _month_bounds(month)
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
        .annotate(r_month=stats._local_month("received_at"))
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
    found = earliest(Complaint.objects.all(), "received_at")
    return month_of(found) if found else None


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
    """The grouped rows of every table for a period and scope, and how fresh they are."""

    rows: dict[type[RollupRow], list[dict[str, Any]]]
    freshness: Freshness
    live_days: tuple[tuple[date, date], ...]  # parts of the period counted from complaints

    def of(self, table: Table) -> list[dict[str, Any]]:
        return self.rows[table.model]


def _month_end(month: date) -> date:
    return next_month(month) - timedelta(days=1)


def split(start: date, end: date, today: date) -> tuple[list[date], list[tuple[date, date]]]:
    """The whole months of the period (read from the rollup; the current month counts as
    whole up to today) and the days of partial months (counted from the complaints)."""
    whole: list[date] = []
    partial: list[tuple[date, date]] = []
    for month in stats.Period(start, end).months():
        first, last = max(start, month), min(end, _month_end(month))
        if first == month and (last == _month_end(month) or last >= today):
            whole.append(month)
        else:
            partial.append((first, last))
    return whole, partial


def read(
    complaints: QuerySet[Complaint],
    rollup_rows: Any,
    start: date,
    end: date,
    *,
    today: date | None = None,
    now: datetime | None = None,
) -> Reading:
    """The rows for complaints received from ``start`` to ``end``: whole months from the
    rollup (``rollup_rows(model)`` narrows a table's current rows to the same scope and
    outlet as ``complaints``), partial months from ``complaints`` themselves."""
    now = now or timezone.now()
    today = today or timezone.localtime(now).date()
    state = states([NAME]).get(NAME)
    whole, partial = split(start, end, today)
    rows: dict[type[RollupRow], list[dict[str, Any]]] = {}
    for table in TABLES:
        found = [
            plain(r)
            for r in rolled(table, rollup_rows(current(table.model, state)).filter(month__in=whole))
        ]
        for first, last in partial:
            live = stats.in_period(complaints, first, last)
            found.extend(plain(r) for r in grouped(table, live, today, now))
        rows[table.model] = found
    return Reading(rows, freshness([state]), tuple(partial))
