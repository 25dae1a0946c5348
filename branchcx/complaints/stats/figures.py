"""The complaint figures: what each report shows, and how it is shaped from grouped rows.

The rows are the complaints grouped by outlet, month of receipt and a table's dimensions
(``tables.grouped``), or the same rows summed from the rollup (``tables.rolled``): the
shapers below neither know nor care which. Python only shapes these small results (empty
months filled in, a median from a histogram of days, the regulator's cube rolled up by axis).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from branchcx.complaints.models import Classification, RootCause
from branchcx.complaints.stats.expressions import LATE, MET, OVERDUE, band, on_time
from branchcx.lib.periods import Period
from branchcx.lib.statistics.histograms import mean, median

PER_CUSTOMERS = 10_000
TOP = 10

Row = dict[str, Any]


@dataclass(frozen=True)
class Code:
    """One code of a classification axis (or an outlet), as a row label."""

    code: str
    name: str
    name_en: str = ""

    @property
    def label(self) -> str:
        if not self.code:
            return _("Unclassified")
        english = (get_language() or "").startswith("en")
        return self.name_en if english and self.name_en else self.name

    @property
    def sort_key(self) -> tuple[bool, str]:
        return (not self.code, self.code)  # the unclassified row last


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class MonthCount:
    month: date
    count: int
    major: int


@dataclass
class Heatmap:
    """Complaints by business category (rows) and cause (columns)."""

    businesses: list[Code]
    causes: list[Code]
    counts: dict[tuple[str, str], int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def peak(self) -> int:
        return max(self.counts.values(), default=0)

    def count(self, business: str, cause: str) -> int:
        return self.counts.get((business, cause), 0)

    def table(self) -> list[tuple[Code, list[int], int]]:
        """Rows for a table: the business code, its count per cause, and its total."""
        rows = []
        for business in self.businesses:
            cells = [self.count(business.code, cause.code) for cause in self.causes]
            rows.append((business, cells, sum(cells)))
        return rows


@dataclass(frozen=True)
class DecisionTimes:
    """Natural days from receipt to telling the customer the final decision, for the
    complaints of one month of receipt (``month``) or of the whole period (``month`` None).
    ``decided`` counts the complaints whose customer was told, ``undecided`` the others."""

    month: date | None
    decided: int
    undecided: int
    mean_days: float | None
    median_days: float | None


@dataclass(frozen=True)
class Compliance:
    met: int
    late: int
    overdue: int = 0  # still undecided past the deadline (regulatory measure only)

    @property
    def measured(self) -> int:
        return self.met + self.late + self.overdue

    @property
    def share(self) -> float | None:
        """Share of the measured complaints that met the target (None when none is)."""
        return share(self.met, self.measured)


@dataclass(frozen=True)
class ServiceLevels:
    regulatory: Compliance  # decided and told within the allowed days (plus pauses)
    first_response: Compliance  # responded_at <= respond_by
    resolution: Compliance  # told the decision (or withdrawn) by resolve_by


@dataclass(frozen=True)
class RepeatComplainant:
    customer_uuid: Any
    customer_no: str
    masked_name: str
    complaints: int


@dataclass(frozen=True)
class Repeats:
    customers: int  # customers with two or more complaints
    complaints: int  # the complaints they filed
    top: list[RepeatComplainant]


@dataclass(frozen=True)
class RootCauseCount:
    code: str
    name: str
    parent: str  # the branch of the tree ("人员与服务"), "" for a top-level cause
    decisions: int
    complaints: int
    finished: int  # complaints closed (or withdrawn after the decision)
    open: int  # complaints still being handled: the remedy is not yet complete

    @property
    def finishedshare(self) -> float | None:
        return share(self.finished, self.complaints)


@dataclass(frozen=True)
class Rate:
    outlet: Code | None  # None for the whole scope
    complaints: int
    customers: int

    @property
    def per_10k(self) -> float | None:
        if not self.customers:
            return None
        return round(self.complaints * PER_CUSTOMERS / self.customers, 1)


@dataclass(frozen=True)
class Rates:
    overall: Rate
    outlets: list[Rate]


@dataclass
class Tally:
    """Complaints counted, with the major ones and how soon the customer was told the final
    decision: within 15, 30 or 60 days (cumulative), and within the days allowed (15, or 30
    or 60 once extended). ``decided`` counts the complaints whose customer was told."""

    total: int = 0
    major: int = 0
    within_15: int = 0
    within_30: int = 0
    within_60: int = 0
    on_time: int = 0
    decided: int = 0

    @property
    def undecided(self) -> int:
        return self.total - self.decided

    def add(self, count: int, *, major: bool, band: int | None, on_time: bool = False) -> None:
        self.total += count
        self.major += count if major else 0
        if band is not None:
            self.decided += count
            self.within_15 += count if band <= 15 else 0
            self.within_30 += count if band <= 30 else 0
            self.within_60 += count if band <= 60 else 0
            self.on_time += count if on_time else 0

    def merge(self, other: Tally) -> None:
        names = ("total", "major", "within_15", "within_30", "within_60", "on_time", "decided")
        for name in names:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class RegulatorCounts:
    """Complaints of a period by JR/T 0169 business category, cause and channel."""

    period: Period
    cells: dict[tuple[Code, Code, Code], Tally] = field(default_factory=dict)

    @property
    def totals(self) -> Tally:
        total = Tally()
        for tally in self.cells.values():
            total.merge(tally)
        return total

    def by(self, axis: str) -> list[tuple[Code, Tally]]:
        """Rolled up by one axis: "business", "cause" or "channel"."""
        index = ("business", "cause", "channel").index(axis)
        return self._rollup(lambda key: (key[index],))

    def business_by_cause(self) -> list[tuple[Code, Code, Tally]]:
        return self._rollup(lambda key: (key[0], key[1]))

    def cube(self) -> list[tuple[Code, Code, Code, Tally]]:
        return self._rollup(lambda key: key)

    def _rollup(self, pick: Any) -> list[tuple[Any, ...]]:
        rolled: dict[tuple[Code, ...], Tally] = defaultdict(Tally)
        for key, tally in self.cells.items():
            rolled[pick(key)].merge(tally)
        return [
            (*key, rolled[key]) for key in sorted(rolled, key=lambda k: [c.sort_key for c in k])
        ]


# --- shaping the grouped rows -------------------------------------------------------------


def _codes(ids: Iterable[int | None]) -> dict[int | None, Code]:
    wanted = {i for i in ids if i is not None}
    found: dict[int | None, Code] = {None: Code("", "", "")}
    for pk, code, name, name_en in Classification.objects.filter(pk__in=wanted).values_list(
        "pk", "code", "name", "name_en"
    ):
        found[pk] = Code(code, name, name_en)
    return found


def volume(rows: Iterable[Row], start: date, end: date) -> list[MonthCount]:
    """From rows with a month, a count and how many of them are major (``COUNTS``)."""
    counts: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        counts[row["month"]][0] += row["count"]
        counts[row["month"]][1] += row["major"]
    return [MonthCount(month, *counts.get(month, [0, 0])) for month in Period(start, end).months()]


def heatmap(rows: Iterable[Row]) -> Heatmap:
    rows = list(rows)
    codes = _codes([r["business_id"] for r in rows] + [r["cause_id"] for r in rows])
    counts: dict[tuple[str, str], int] = defaultdict(int)
    businesses: dict[str, Code] = {}
    causes: dict[str, Code] = {}
    for row in rows:
        business, cause = codes[row["business_id"]], codes[row["cause_id"]]
        businesses[business.code], causes[cause.code] = business, cause
        counts[(business.code, cause.code)] += row["count"]
    return Heatmap(
        sorted(businesses.values(), key=lambda c: c.sort_key),
        sorted(causes.values(), key=lambda c: c.sort_key),
        dict(counts),
    )


def time_to_decision(rows: Iterable[Row]) -> list[DecisionTimes]:
    histograms: dict[date | None, dict[int, int]] = defaultdict(dict)
    undecided: dict[date | None, int] = defaultdict(int)
    for row in rows:
        for key in (row["month"], None):
            if row["days"] is None:
                undecided[key] += row["count"]
            else:
                hist = histograms[key]
                hist[row["days"]] = hist.get(row["days"], 0) + row["count"]
    months = sorted(m for m in {*histograms, *undecided} if m is not None)
    return [
        DecisionTimes(
            month,
            sum(histograms[month].values()),
            undecided[month],
            mean(histograms[month]),
            median(histograms[month]),
        )
        for month in [*months, None]
    ]


def service_levels(rows: Iterable[Row]) -> ServiceLevels:
    tally: dict[str, dict[str | None, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        for measure in ("regulatory", "first_response", "resolution"):
            tally[measure][row[measure]] += row["count"]

    def compliance(measure: str) -> Compliance:
        got = tally[measure]
        return Compliance(got[MET], got[LATE], got[OVERDUE])

    return ServiceLevels(
        compliance("regulatory"), compliance("first_response"), compliance("resolution")
    )


def root_causes(rows: Iterable[Row], limit: int = TOP) -> list[RootCauseCount]:
    sums: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in rows:
        got = sums[row["root_cause_id"]]
        got[0] += row["decisions"]
        got[1] += row["complaints"]
        got[2] += row["finished"]
    names = {
        pk: (code, name, parent or "")
        for pk, code, name, parent in RootCause.objects.filter(pk__in=list(sums)).values_list(
            "pk", "code", "name", "parent__name"
        )
    }
    ranked = sorted(sums, key=lambda pk: (-sums[pk][0], names[pk][0]))[:limit]
    return [
        RootCauseCount(*names[pk], sums[pk][0], sums[pk][1], sums[pk][2],
                             sums[pk][1] - sums[pk][2])
        for pk in ranked
    ]  # fmt: skip


def regulator_counts(rows: Iterable[Row], start: date, end: date) -> RegulatorCounts:
    rows = list(rows)
    codes = _codes(
        [r["business_id"] for r in rows]
        + [r["cause_id"] for r in rows]
        + [r["channel_id"] for r in rows]
    )
    counts = RegulatorCounts(Period(start, end))
    for row in rows:
        key = (codes[row["business_id"]], codes[row["cause_id"]], codes[row["channel_id"]])
        counts.cells.setdefault(key, Tally()).add(
            row["count"],
            major=row["is_major"],
            band=band(row["stretch"]),
            on_time=on_time(row["stretch"], row["allowed_days"]),
        )
    return counts


def outlet_codes(outlets: Iterable[Any]) -> dict[int, Code]:
    """Outlets (``Branch`` rows the reader may see) as row labels, by id."""
    return {o.pk: Code(o.code, o.name) for o in outlets}


def counts_by(
    rows: Iterable[Row], group_by: str, outlets: Mapping[int, Code] | None = None
) -> list[tuple[Code, int]]:
    """Complaints per code of one axis ("business", "cause", "channel"), or per outlet
    (named from ``outlets``: see :func:`outlet_codes`)."""
    key = "unit" if group_by == "outlet" else f"{group_by}_id"  # as ``stats.by_key``
    counts: dict[Any, int] = defaultdict(int)
    for row in rows:
        counts[row[key]] += row["count"]
    if group_by == "outlet":
        if outlets is None:
            raise ValueError("counts per outlet need the outlets to name them")
        codes: Mapping[Any, Code] = outlets
    else:
        codes = _codes(counts)
    return sorted(((codes[pk], n) for pk, n in counts.items()), key=lambda item: item[0].sort_key)


def complaints_per_outlet(rows: Iterable[Row]) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    for row in rows:
        counts[row["unit"]] += row["count"]
    return dict(counts)


def rates(
    complaints: Mapping[int, int], customers: Mapping[int, int], names: Mapping[int, Code]
) -> Rates:
    """Complaints per 10,000 customers for each outlet with either (``complaints`` and
    ``customers`` by outlet id; ``names`` the outlets' codes), and for them all."""
    per_outlet = sorted(
        (
            Rate(names[pk], complaints.get(pk, 0), customers.get(pk, 0))
            for pk in {*complaints, *customers}
        ),
        key=lambda r: r.outlet.code if r.outlet else "",
    )
    return Rates(
        Rate(None, sum(r.complaints for r in per_outlet), sum(r.customers for r in per_outlet)),
        per_outlet,
    )
