"""The complaint statistics from grouped rows: the same figures whether the rows come from
the rollup tables (whole months) or straight from the complaints (a partial month).

Each function here takes the plain rows of one table of :mod:`branchcx.complaints.rollups`
(``unit``, ``month``, the table's dimensions and measures) and shapes the dataclasses of
:mod:`branchcx.complaints.stats` that pages, the workbook and the API show. Codes and names
are fetched once per call for the ids present (a few dozen at most).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db.models import QuerySet

from branchcx.complaints import stats
from branchcx.complaints.models import Classification, RootCause
from branchcx.org.models import Branch

Row = dict[str, Any]


def _codes(ids: Iterable[int | None]) -> dict[int | None, stats.Code]:
    wanted = {i for i in ids if i is not None}
    found: dict[int | None, stats.Code] = {None: stats.Code("", "", "")}
    for pk, code, name, name_en in Classification.objects.filter(pk__in=wanted).values_list(
        "pk", "code", "name", "name_en"
    ):
        found[pk] = stats.Code(code, name, name_en)
    return found


def volume(rows: Iterable[Row], start: date, end: date) -> list[stats.MonthCount]:
    counts: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        counts[row["month"]][0] += row["count"]
        counts[row["month"]][1] += row["count"] if row["is_major"] else 0
    return [
        stats.MonthCount(month, *counts.get(month, [0, 0]))
        for month in stats.Period(start, end).months()
    ]


def heatmap(rows: Iterable[Row]) -> stats.Heatmap:
    rows = list(rows)
    codes = _codes([r["business_id"] for r in rows] + [r["cause_id"] for r in rows])
    counts: dict[tuple[str, str], int] = defaultdict(int)
    businesses: dict[str, stats.Code] = {}
    causes: dict[str, stats.Code] = {}
    for row in rows:
        business, cause = codes[row["business_id"]], codes[row["cause_id"]]
        businesses[business.code], causes[cause.code] = business, cause
        counts[(business.code, cause.code)] += row["count"]
    return stats.Heatmap(
        sorted(businesses.values(), key=lambda c: c.sort_key),
        sorted(causes.values(), key=lambda c: c.sort_key),
        dict(counts),
    )


def time_to_decision(rows: Iterable[Row]) -> list[stats.DecisionTimes]:
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
        stats.DecisionTimes(
            month,
            sum(histograms[month].values()),
            undecided[month],
            stats._mean(histograms[month]),
            stats._median(histograms[month]),
        )
        for month in [*months, None]
    ]


def service_levels(rows: Iterable[Row]) -> stats.ServiceLevels:
    tally: dict[str, dict[str | None, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        for measure in ("regulatory", "first_response", "resolution"):
            tally[measure][row[measure]] += row["count"]

    def compliance(measure: str) -> stats.Compliance:
        got = tally[measure]
        return stats.Compliance(got[stats.MET], got[stats.LATE], got[stats.OVERDUE])

    return stats.ServiceLevels(
        compliance("regulatory"), compliance("first_response"), compliance("resolution")
    )


def root_causes(rows: Iterable[Row], limit: int = stats.TOP) -> list[stats.RootCauseCount]:
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
        stats.RootCauseCount(*names[pk], sums[pk][0], sums[pk][1], sums[pk][2],
                             sums[pk][1] - sums[pk][2])
        for pk in ranked
    ]  # fmt: skip


def regulator_counts(rows: Iterable[Row], start: date, end: date) -> stats.RegulatorCounts:
    rows = list(rows)
    codes = _codes(
        [r["business_id"] for r in rows]
        + [r["cause_id"] for r in rows]
        + [r["channel_id"] for r in rows]
    )
    counts = stats.RegulatorCounts(stats.Period(start, end))
    for row in rows:
        key = (codes[row["business_id"]], codes[row["cause_id"]], codes[row["channel_id"]])
        counts.cells.setdefault(key, stats.Tally()).add(
            row["count"],
            major=row["is_major"],
            band=stats._band(row["stretch"]),
            on_time=stats._on_time(row["stretch"], row["allowed_days"]),
        )
    return counts


def counts_by(
    rows: Iterable[Row], group_by: str, outlets: QuerySet[Branch] | None = None
) -> list[tuple[stats.Code, int]]:
    """Complaints per code of one axis ("business", "cause", "channel"), or per outlet
    (named from ``outlets``, the units the reader may see)."""
    rows = list(rows)
    counts: dict[Any, int] = defaultdict(int)
    if group_by == "outlet":
        if outlets is None:
            raise ValueError("counts per outlet need the outlets to name them")
        for row in rows:
            counts[row["unit"]] += row["count"]
        named = {
            pk: stats.Code(code, name)
            for pk, code, name in outlets.filter(pk__in=list(counts)).values_list(
                "pk", "code", "name"
            )
        }
        coded = {named[pk]: n for pk, n in counts.items()}
    else:
        for row in rows:
            counts[row[f"{group_by}_id"]] += row["count"]
        codes = _codes(counts)
        coded = {codes[pk]: n for pk, n in counts.items()}
    return sorted(coded.items(), key=lambda item: item[0].sort_key)


def complaints_per_outlet(rows: Iterable[Row]) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    for row in rows:
        counts[row["unit"]] += row["count"]
    return dict(counts)
