"""Survey scores for the pages: the headline answers (NPS, CSAT, CES) and the five SERVQUAL
dimensions as counts and sums per group, added up here; the statistics (intervals, gaps) are
then the plain functions of :mod:`branchcx.surveys.scoring` applied to the grouped counts.

Whole months of a period are read from the satisfaction rollup (``surveys.rollups``: the same
counts and sums per outlet, month, survey, tier and segment); the days of a month the period
only partly covers, and everything before the rollup's first build, are counted from the
answers by the same grouped queries (:func:`read` says which, and how fresh the figures are).

A dimension's gap for a group is the mean over its responses of each response's gap (the mean
of its item gaps P - E). With every item answered this is exactly SERVQUAL's "average of the
item averages"; when some items are skipped it weighs respondents equally instead of items.
The unweighted SERVQUAL score is the mean of the five dimension gaps, the weighted one weighs
them by the mean importance points respondents gave, and SERVPERF is the mean perception.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from django.db import connection
from django.db.models import QuerySet, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from branchcx.customers.models import TierLevel
from branchcx.lib.statistics.samples import small_sample
from branchcx.org.models import Branch
from branchcx.rollups.models import RollupState
from branchcx.rollups.reading import Freshness, current, freshness, split, states
from branchcx.surveys import rollups
from branchcx.surveys.models import (
    Dimension,
    DimensionScore,
    DimensionTally,
    Response,
    ResponseTally,
)
from branchcx.surveys.scoring import (
    CesResult,
    CsatResult,
    NpsResult,
    adequacy,
    below_adequate,
    ces_from_moments,
    csat_from_counts,
    nps_from_counts,
    superiority,
)

GROUPINGS = ("network", "branch", "outlet", "month", "quarter", "tier", "segment")


@dataclass(frozen=True)
class DimensionSummary:
    dimension: str
    n: int
    expectation: float | None
    perception: float | None
    gap: float | None
    adequate: float | None
    desired: float | None
    importance: float | None

    @property
    def adequacy(self) -> float | None:
        """Measure of service adequacy: perception minus the adequate level (below 0: the
        service falls short of what customers accept)."""
        return adequacy(self.perception, self.adequate)

    @property
    def superiority(self) -> float | None:
        """Measure of service superiority: perception minus the desired level."""
        return superiority(self.perception, self.desired)


@dataclass(frozen=True)
class GroupScores:
    key: Any
    label: str
    n: int
    nps: NpsResult
    csat: CsatResult
    ces: CesResult
    dimensions: dict[str, DimensionSummary] = field(default_factory=dict)

    @property
    def is_small_sample(self) -> bool:
        return small_sample(self.n)

    @property
    def servqual(self) -> float | None:
        """Unweighted SERVQUAL: the mean of the dimension gaps (all five needed)."""
        gaps = [d.gap for d in self.dimensions.values() if d.gap is not None]
        return sum(gaps) / len(gaps) if len(gaps) == len(Dimension.values) else None

    @property
    def servqual_weighted(self) -> float | None:
        """The dimension gaps weighted by the mean importance points."""
        pairs = [
            (d.gap, d.importance)
            for d in self.dimensions.values()
            if d.gap is not None and d.importance is not None
        ]
        total = sum(w for _g, w in pairs)
        if len(pairs) != len(Dimension.values) or total <= 0:
            return None
        return sum(g * w for g, w in pairs) / total

    @property
    def servperf(self) -> float | None:
        """SERVPERF: the mean perception over the dimensions (perception only)."""
        values = [d.perception for d in self.dimensions.values() if d.perception is not None]
        return sum(values) / len(values) if values else None


MEASURES = ("expectation", "perception", "gap", "adequate", "desired", "importance")

# Each grouping as (the database column(s) it groups by, how a row's key is read).
COLUMNS = {
    "network": ["everything"],  # a constant: one group
    "branch": ["outlet__parent_id"],
    "outlet": ["outlet_id"],
    "month": ["month"],
    "quarter": ["month"],
    "tier": ["tier_id"],
    "segment": ["segment"],
}


def _group_key(by: str, row: dict[str, Any]) -> Any:
    if by == "network":
        return "all"
    value = _key(row[COLUMNS[by][0]])
    if by == "quarter" and value is not None:
        return value.replace(month=(value.month - 1) // 3 * 3 + 1)
    return value


@dataclass(frozen=True)
class Selection:
    """Which submitted answers to score: those the user may see, in a period (inclusive
    days), of one survey and within one unit if given."""

    user: Any
    start: date | None = None
    end: date | None = None
    survey: Any = None
    unit: Any = None  # a branch or outlet to narrow to

    def _narrow(self, rows: QuerySet[Any]) -> QuerySet[Any]:
        # Whole months are narrowed by the month column, which the covering indexes hold
        # (the same rows as by the day, which they do not).
        if self.start is not None:
            if self.start.day == 1:
                rows = rows.filter(month__gte=self.start)
            else:
                rows = rows.filter(submitted_on__gte=self.start)
        if self.end is not None:
            if (self.end + timedelta(days=1)).day == 1:
                rows = rows.filter(month__lte=self.end.replace(day=1))
            else:
                rows = rows.filter(submitted_on__lte=self.end)
        if self.survey is not None:
            rows = rows.filter(survey=self.survey)
        if self.unit is not None:
            rows = rows.filter(outlet__path__startswith=self.unit.path)
        return rows

    def responses(self) -> QuerySet[Response]:
        return self._narrow(
            Response.objects.visible_to(self.user).filter(status=Response.Status.SUBMITTED)
        )

    def dimension_rows(self) -> QuerySet[DimensionScore]:
        return self._narrow(DimensionScore.objects.visible_to(self.user))

    def cells(self, rows: QuerySet[Any], months: list[date]) -> QuerySet[Any]:
        """The rollup ``rows`` of ``months`` for the same answers: in the user's scope, of
        the survey and within the unit."""
        rows = rows.visible_to(self.user).filter(month__in=months)  # type: ignore[attr-defined]
        if self.survey is not None:
            rows = rows.filter(survey=self.survey)
        if self.unit is not None:
            rows = rows.filter(unit__path__startswith=self.unit.path)
        return rows


@dataclass(frozen=True)
class Reading:
    """How a selection is read: its whole months from the rollup's current rows, the rest
    (``live``: selections of a few days each) counted from the answers, and how fresh the
    figures are."""

    selection: Selection
    state: RollupState | None
    months: list[date]
    live: list[Selection]
    freshness: Freshness

    def stored(self, table: Any) -> QuerySet[Any]:
        """The rows of a rollup table for the whole months (none without any)."""
        if not self.months:
            return table.objects.none()
        return self.selection.cells(current(table, self.state), self.months)


def read(selection: Selection) -> Reading:
    """Which figures of ``selection`` come from the rollup and which are counted now: the
    whole months from the rollup, the days of partial months (and everything, before the
    rollup's first build) from the answers."""
    state = states([rollups.NAME]).get(rollups.NAME)
    fresh = freshness([state])
    if fresh.missing:
        return Reading(selection, state, [], [selection], fresh.counted_now(True, entirely=True))
    today = timezone.localdate()
    start = selection.start or rollups.first_month() or today.replace(day=1)
    end = selection.end or today
    if start > end:
        return Reading(selection, state, [], [], fresh)
    months, partial = split(start, end, today)
    live = [replace(selection, start=first, end=last) for first, last in partial]
    fresh = fresh.counted_now(bool(live), entirely=not months)
    return Reading(selection, state, months, live, fresh)


Totals = dict[Any, dict[str, float]]
DimensionTotals = dict[Any, dict[str, dict[str, float]]]


def _add(into: dict[str, float], row: dict[str, Any]) -> None:
    for name, value in row.items():
        into[name] = into.get(name, 0) + (value or 0)


def _counted(selection: Selection, columns: list[str]) -> tuple[list[Any], list[Any]]:
    """The headline and dimension figures of the answers themselves grouped by ``columns``:
    the same counts and sums the rollup stores."""
    headline = (
        selection.responses()
        .order_by()
        .annotate(everything=Value(1))
        .values(*columns)
        .annotate(**rollups.headline_aggregates())
    )
    dimensions = (
        selection.dimension_rows()
        .order_by()
        .annotate(everything=Value(1))
        .values(*columns, "dimension")
        .annotate(**rollups.dimension_aggregates())
    )
    return list(headline), list(dimensions)


def _fetch(reading: Reading, columns: list[str]) -> tuple[list[Any], list[Any]]:
    """The headline and dimension figures grouped by ``columns``: counts and sums only, so
    that finer groups (and the rollup's rows with the answers of partial months) add up
    exactly into coarser ones."""
    headline: list[Any] = []
    dimensions: list[Any] = []
    if reading.months:
        headline += rollups.headline_rows(reading.stored(ResponseTally), columns)
        dimensions += rollups.dimension_rows(reading.stored(DimensionTally), columns)
    for part in reading.live:
        counted = _counted(part, columns)
        headline += counted[0]
        dimensions += counted[1]
    return headline, dimensions


GROUP_COLUMNS = {column for columns in COLUMNS.values() for column in columns}
# How the answers are grouped when counted, by database. SQLite groups only in index order
# or after a sort: it reads the covering indexes (``response_scores``, ``dimension_scores``:
# outlet, month, tier, segment first) once in their order at that grain, and every view is
# added up from it (the embedded database serves a few outlets, so the grain holds few
# groups). PostgreSQL hashes any grouping: it fetches by outlet and month and by tier and
# segment, each a few groups whatever the size of the network. The rollup is read the same
# way, so that its rows and the counted ones have the same columns.
GRAIN = ["outlet_id", "month", "tier_id", "segment"]
PLACE_AND_TIME = ["outlet_id", "month"]
PROFILE = ["tier_id", "segment"]


def _grouping_for(by: str) -> list[str]:
    if connection.vendor == "sqlite":
        return GRAIN
    return PROFILE if by in ("tier", "segment") else PLACE_AND_TIME


def _roll_up(by: str, headline: list[Any], dimensions: list[Any]) -> list[GroupScores]:
    columns = GROUP_COLUMNS
    totals: Totals = {}
    for row in headline:
        key = _group_key(by, row)
        _add(totals.setdefault(key, {}), {k: v for k, v in row.items() if k not in columns})
    dimension_totals: DimensionTotals = {}
    for row in dimensions:
        key = _group_key(by, row)
        figures = {k: v for k, v in row.items() if k not in columns and k != "dimension"}
        _add(dimension_totals.setdefault(key, {}).setdefault(row["dimension"], {}), figures)
    labels = _labels(by, list(totals))
    result = [
        GroupScores(
            key=key,
            label=labels.get(key, str(key or "")),
            n=int(t["n"]),
            nps=nps_from_counts(int(t["promoters"]), int(t["passives"]), int(t["detractors"])),
            csat=csat_from_counts(int(t["satisfied"]), int(t["csat_n"])),
            ces=ces_from_moments(int(t["ces_n"]), t["ces_sum"], t["ces_squares"]),
            dimensions={
                dimension: DimensionSummary(
                    dimension,
                    int(d["n"]),
                    *(d[f"{m}_sum"] / d[f"{m}_n"] if d[f"{m}_n"] else None for m in MEASURES),
                )
                for dimension, d in dimension_totals.get(key, {}).items()
            },
        )
        for key, t in totals.items()
    ]
    periods = by in ("month", "quarter")
    return sorted(result, key=lambda g: g.key if periods else (g.label, str(g.key)))


def scores(
    selection: Selection, by: str = "network", reading: Reading | None = None
) -> list[GroupScores]:
    """Scores per group: one grouped query over the rollup's rows and one over the days
    counted now, for the responses and for the dimension rows, plus one for the groups'
    names, whatever the number of answers."""
    if by not in COLUMNS:
        raise ValueError(f"unknown grouping {by}")
    reading = reading or read(selection)
    if by == "branch":
        return _roll_up(by, *_fetch(reading, COLUMNS[by][:1]))
    return _roll_up(by, *_fetch(reading, _grouping_for(by)))


def _key(value: Any) -> Any:
    """Periods come back as dates (or datetimes on some backends): one type for both."""
    if hasattr(value, "date") and callable(value.date):
        return value.date()
    return value


def _labels(by: str, keys: list[Any]) -> dict[Any, str]:
    named = [k for k in keys if k]
    if by in ("branch", "outlet"):
        return dict(Branch.objects.filter(pk__in=named).values_list("pk", "name"))
    if by == "tier":
        return dict(TierLevel.objects.filter(pk__in=named).values_list("pk", "name"))
    if by == "month":
        return {k: f"{k:%Y-%m}" for k in keys if k}
    if by == "quarter":
        return {k: f"{k.year}Q{(k.month - 1) // 3 + 1}" for k in keys if k}
    if by == "network":
        return {"all": ""}
    return {}


@dataclass(frozen=True)
class Dashboard:
    network: GroupScores | None
    outlets: list[GroupScores]
    months: list[GroupScores]
    tiers: list[GroupScores] = field(default_factory=list)
    segments: list[GroupScores] = field(default_factory=list)
    freshness: Freshness = field(default_factory=lambda: Freshness(None))


def dashboard(selection: Selection, reading: Reading | None = None) -> Dashboard:
    """What the satisfaction dashboard shows: the whole selection, each outlet, month, tier
    and segment: a few grouped queries (see ``GRAIN``), then added up five ways."""
    reading = reading or read(selection)
    headline, dimensions = _fetch(reading, _grouping_for("outlet"))
    by_profile = (
        (headline, dimensions)
        if connection.vendor == "sqlite"
        else _fetch(reading, _grouping_for("tier"))
    )
    network = _roll_up("network", headline, dimensions)
    return Dashboard(
        network=network[0] if network else None,
        outlets=_roll_up("outlet", headline, dimensions),
        months=_roll_up("month", headline, dimensions),
        tiers=_roll_up("tier", *by_profile),
        segments=_roll_up("segment", *by_profile),
        freshness=reading.freshness,
    )


def group_codes(by: str, keys: list[Any]) -> dict[Any, str]:
    """The public code of each group a score is grouped by: a unit's or tier's code (never
    a database id), a period's first day, the segment itself."""
    named = [k for k in keys if k is not None]
    if by in ("branch", "outlet"):
        return dict(Branch.objects.filter(pk__in=named).values_list("pk", "code"))
    if by == "tier":
        return dict(TierLevel.objects.filter(pk__in=named).values_list("pk", "code"))
    if by in ("month", "quarter"):
        return {k: k.isoformat() for k in named}
    return {k: str(k) for k in named}


def segment_labels() -> dict[Any, str]:
    from branchcx.customers.models import ValueOrientation

    return {"": _("No segment (anonymous or not recorded)"), None: _("No segment")} | {
        value: str(label) for value, label in ValueOrientation.choices
    }


@dataclass(frozen=True)
class ToleranceRow:
    outlet: GroupScores
    dimension: DimensionSummary


@dataclass(frozen=True)
class KnowledgeGap:
    """What a unit's managers believed customers expect on a dimension in a quarter, against
    what the customers of that unit said in that quarter (within the selected period)."""

    belief: Any  # ExpectationBelief
    customers: float | None  # mean expectation
    n: int

    @property
    def difference(self) -> float | None:
        return None if self.customers is None else self.belief.expectation - self.customers

    @property
    def is_small_sample(self) -> bool:
        return small_sample(self.n)


@dataclass(frozen=True)
class ExpectationReport:
    outlets: list[GroupScores]
    periods: list[GroupScores]
    below_adequate: list[ToleranceRow]
    knowledge: list[KnowledgeGap]
    freshness: Freshness = field(default_factory=lambda: Freshness(None))


def _quarter_of(day: date) -> date:
    return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)


def expectation_report(selection: Selection, every: str = "quarter") -> ExpectationReport:
    """The expectation views from one fetch by outlet and month (see ``GRAIN``): gaps per
    outlet, expectation and perception per period (drift), the outlet dimensions below the
    adequate level (worst first), and the managers' beliefs against what customers said (the
    knowledge gap)."""
    if every not in ("month", "quarter"):
        raise ValueError(f"unknown period {every}")
    reading = read(selection)
    headline, dimensions = _fetch(reading, _grouping_for("outlet"))
    outlets = _roll_up("outlet", headline, dimensions)
    below = sorted(
        (
            ToleranceRow(outlet, summary)
            for outlet in outlets
            for summary in outlet.dimensions.values()
            if below_adequate(summary.perception, summary.adequate)
        ),
        key=lambda row: (row.dimension.adequacy, row.outlet.label),
    )
    return ExpectationReport(
        outlets=outlets,
        periods=_roll_up(every, headline, dimensions),
        below_adequate=below,
        knowledge=_knowledge_gaps(selection, dimensions),
        freshness=reading.freshness,
    )


def _knowledge_gaps(selection: Selection, dimensions: list[Any]) -> list[KnowledgeGap]:
    from branchcx.surveys.models import ExpectationBelief

    beliefs = ExpectationBelief.objects.visible_to(selection.user).select_related("unit")
    if selection.unit is not None:
        beliefs = beliefs.filter(unit__path__startswith=selection.unit.path)
    if selection.start is not None:
        beliefs = beliefs.filter(quarter__gte=_quarter_of(selection.start))
    if selection.end is not None:
        beliefs = beliefs.filter(quarter__lte=selection.end)
    order = {name: position for position, name in enumerate(Dimension.values)}
    found = sorted(
        beliefs.order_by(),
        key=lambda b: (-b.quarter.toordinal(), b.unit.path, order.get(b.dimension, 9)),
    )
    if not found:
        return []
    # customers' expectation sums per (outlet, quarter, dimension), then per belief's unit
    sums: dict[tuple[Any, date, str], list[float]] = {}
    for row in dimensions:
        key = (row["outlet_id"], _quarter_of(_key(row["month"])), row["dimension"])
        into = sums.setdefault(key, [0.0, 0.0])
        into[0] += row["expectation_sum"] or 0
        into[1] += row["expectation_n"] or 0
    paths = dict(Branch.objects.filter(pk__in={k[0] for k in sums}).values_list("pk", "path"))
    # indexed by quarter and dimension: each belief then reads only its quarter's outlets
    by_period: dict[tuple[date, str], list[tuple[str, float, float]]] = {}
    for (outlet, quarter, dimension), (total, count) in sums.items():
        by_period.setdefault((quarter, dimension), []).append((paths.get(outlet, ""), total, count))
    gaps = []
    for belief in found:
        total = count = 0.0
        for path, s, n in by_period.get((belief.quarter, belief.dimension), []):
            if path.startswith(belief.unit.path):
                total, count = total + s, count + n
        gaps.append(KnowledgeGap(belief, total / count if count else None, int(count)))
    return gaps
