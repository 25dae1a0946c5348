"""The grouped rows every complaint figure is shaped from, and the rollup tables that keep
them by outlet and month.

A table is a set of dimensions (column → expression over the complaints) and measures
(column → aggregate). :func:`grouped` groups complaints by outlet, month of receipt and the
dimensions; :func:`rolled` sums stored rollup rows into the very same shape. The figures
(``figures``) are shaped from either, so numbers from the rollup equal numbers computed from
the complaints.

A page rarely needs every dimension: a :class:`View` names the keys it wants (``TALLY.by(
"month")``) and the database adds the rest up, so a page reads a few dozen rows, not one per
cell and combination.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum

from branchcx.complaints.models import (
    FINAL_STATES,
    Complaint,
    ComplaintLevels,
    ComplaintRootCauses,
    ComplaintTally,
    ComplaintTimes,
)
from branchcx.complaints.rollup_models import ComplaintCounts
from branchcx.complaints.stats.expressions import (
    counted,
    decision_days,
    first_response_verdict,
    regulatory_stretches,
    regulatory_verdict,
    resolution_verdict,
)
from branchcx.lib.periods import local_month
from branchcx.rollups.models import RollupRow


@dataclass(frozen=True)
class Table:
    """A rollup table: its dimensions (column → expression over the complaints) and its
    measures (column → aggregate over the complaints); over rollup rows a measure is the sum
    of its column."""

    model: type[RollupRow]
    dims: dict[str, Any]
    measures: dict[str, Any]
    annotate: Any = None  # (complaints, today, now) -> complaints with what dims refer to

    @property
    def keys(self) -> tuple[str, ...]:
        return ("unit", "month", *self.dims)

    def by(self, *keys: str) -> View:
        """The table's rows added up over every key but ``keys``."""
        unknown = set(keys) - set(self.keys)
        if unknown:
            raise ValueError(f"{self.model.__name__} has no key {', '.join(sorted(unknown))}")
        return View(self, tuple(keys))

    @property
    def whole(self) -> View:
        return View(self, self.keys)


@dataclass(frozen=True, eq=False)
class View:
    """Some of a table's keys: its rows (or complaints) grouped by these only."""

    table: Table
    keys: tuple[str, ...]

    @property
    def ident(self) -> tuple[type[RollupRow], tuple[str, ...]]:
        return (self.table.model, self.keys)


def _view(table: Table | View) -> View:
    return table if isinstance(table, View) else table.whole


def _tally_annotations(base: QuerySet[Complaint], today: date, now: datetime) -> QuerySet[Any]:
    return base.annotate(r_stretch=regulatory_stretches(base, today))


def _times_annotations(base: QuerySet[Complaint], today: date, now: datetime) -> QuerySet[Any]:
    return base.annotate(r_days=decision_days(base))


def _level_annotations(base: QuerySet[Complaint], today: date, now: datetime) -> QuerySet[Any]:
    return base.annotate(
        r_regulatory=regulatory_verdict(base, today),
        r_first_response=first_response_verdict(now),
        r_resolution=resolution_verdict(base, now),
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
COUNTS = Table(
    ComplaintCounts,
    dims={"business_id": F("business_id"), "cause_id": F("cause_id")},
    measures={"count": Count("pk"), "major": Count("pk", filter=Q(is_major=True))},
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
TABLES = (TALLY, COUNTS, TIMES, LEVELS, ROOT_CAUSES)

# Names the grouped rows carry, whichever side they come from (a prefix: "business_id" is
# also a field of the complaint, which a values() alias may not shadow).
PREFIX = "r__"


def grouped(
    table: Table | View, complaints: QuerySet[Complaint], today: date, now: datetime
) -> QuerySet[Any]:
    """The complaints (counted ones only: merged are left out) grouped by outlet, month of
    receipt and the table's dimensions (or a view's keys), with the table's measures."""
    view = _view(table)
    table = view.table
    base = counted(complaints)
    annotated = table.annotate(base, today, now) if table.annotate else base
    keys = {"unit": F("outlet_id"), "month": local_month("received_at"), **table.dims}
    return annotated.values(**{PREFIX + key: keys[key] for key in view.keys}).annotate(
        **{PREFIX + name: aggregate for name, aggregate in table.measures.items()}
    )


def rolled(table: Table | View, rows: QuerySet[Any]) -> QuerySet[Any]:
    """Rollup rows (already narrowed to the current generation, scope and months) in the
    shape of :func:`grouped`."""
    view = _view(table)
    keys = {"unit": F("unit_id"), "month": F("month")}
    return rows.values(**{PREFIX + key: keys.get(key, F(key)) for key in view.keys}).annotate(
        **{PREFIX + name: Sum(name) for name in view.table.measures}
    )


def plain(row: dict[str, Any]) -> dict[str, Any]:
    return {key.removeprefix(PREFIX): value for key, value in row.items()}


def rows(
    table: Table | View, complaints: QuerySet[Complaint], today: date, now: datetime
) -> list[dict[str, Any]]:
    """:func:`grouped`, as plain rows for the figures."""
    return [plain(row) for row in grouped(table, complaints, today, now)]
