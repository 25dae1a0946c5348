"""Survey scores for the pages, computed in the database: one grouped query for the headline
answers (NPS, CSAT, CES) and one for the five SERVQUAL dimensions, whatever the number of
responses; the statistics (intervals, gaps) are then the plain functions of
:mod:`branchcx.surveys.scoring` applied to the grouped counts.

A dimension's gap for a group is the mean over its responses of each response's gap (the mean
of its item gaps P - E). With every item answered this is exactly SERVQUAL's "average of the
item averages"; when some items are skipped it weighs respondents equally instead of items.
The unweighted SERVQUAL score is the mean of the five dimension gaps, the weighted one weighs
them by the mean importance points respondents gave, and SERVPERF is the mean perception.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Avg, Count, F, Q, QuerySet, Sum, Value
from django.db.models.functions import TruncMonth, TruncQuarter

from branchcx.customers.models import TierLevel
from branchcx.org.models import Branch
from branchcx.surveys.models import Dimension, DimensionScore, Response
from branchcx.surveys.scoring import (
    CesResult,
    CsatResult,
    NpsResult,
    ces_from_moments,
    csat_from_counts,
    nps_from_counts,
    small_sample,
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
        if self.perception is None or self.adequate is None:
            return None
        return self.perception - self.adequate

    @property
    def superiority(self) -> float | None:
        """Measure of service superiority: perception minus the desired level."""
        if self.perception is None or self.desired is None:
            return None
        return self.perception - self.desired


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


def _group(by: str, prefix: str = "") -> Any:
    if by == "network":
        return Value("all")
    if by == "branch":
        return F(f"{prefix}outlet__parent_id")
    if by == "outlet":
        return F(f"{prefix}outlet_id")
    if by == "month":
        return TruncMonth(f"{prefix}submitted_on")
    if by == "quarter":
        return TruncQuarter(f"{prefix}submitted_on")
    if by == "tier":
        return F(f"{prefix}tier_id")
    if by == "segment":
        return F(f"{prefix}segment")
    raise ValueError(f"unknown grouping {by}")


def submitted(
    responses: QuerySet[Response],
    *,
    start: date | None = None,
    end: date | None = None,
    survey: Any = None,
) -> QuerySet[Response]:
    """Submitted responses in a period (inclusive days), of one survey if given."""
    chosen = responses.filter(status=Response.Status.SUBMITTED)
    if start is not None:
        chosen = chosen.filter(submitted_on__gte=start)
    if end is not None:
        chosen = chosen.filter(submitted_on__lte=end)
    if survey is not None:
        chosen = chosen.filter(survey=survey)
    return chosen


def scores(responses: QuerySet[Response], by: str = "network") -> list[GroupScores]:
    """Scores of ``responses`` (already scoped and filtered) per group, in two queries plus
    one for the groups' names."""
    headline = (
        responses.order_by()
        .annotate(group=_group(by))
        .values("group")
        .annotate(
            n=Count("pk"),
            promoters=Count("pk", filter=Q(nps__gte=9)),
            passives=Count("pk", filter=Q(nps__gte=7, nps__lte=8)),
            detractors=Count("pk", filter=Q(nps__lte=6)),
            csat_n=Count("csat"),
            satisfied=Count("pk", filter=Q(csat__gte=4)),
            ces_n=Count("ces"),
            ces_sum=Sum("ces"),
            ces_squares=Sum(F("ces") * F("ces")),
        )
    )
    dimensions = (
        DimensionScore.objects.filter(response__in=responses.order_by().values("pk"))
        .annotate(group=_group(by, "response__"))
        .values("group", "dimension")
        .annotate(
            n=Count("pk"),
            expectation=Avg("expectation"),
            perception=Avg("perception"),
            gap=Avg("gap"),
            adequate=Avg("adequate"),
            desired=Avg("desired"),
            importance=Avg("importance"),
        )
    )
    per_group: dict[Any, dict[str, DimensionSummary]] = {}
    for row in dimensions:
        per_group.setdefault(_key(row["group"]), {})[row["dimension"]] = DimensionSummary(
            row["dimension"], row["n"], row["expectation"], row["perception"], row["gap"],
            row["adequate"], row["desired"], row["importance"],
        )  # fmt: skip
    rows = list(headline)
    labels = _labels(by, [_key(r["group"]) for r in rows])
    result = [
        GroupScores(
            key=_key(r["group"]),
            label=labels.get(_key(r["group"]), str(_key(r["group"]) or "")),
            n=r["n"],
            nps=nps_from_counts(r["promoters"], r["passives"], r["detractors"]),
            csat=csat_from_counts(r["satisfied"], r["csat_n"]),
            ces=ces_from_moments(r["ces_n"], r["ces_sum"] or 0, r["ces_squares"] or 0),
            dimensions=per_group.get(_key(r["group"]), {}),
        )
        for r in rows
    ]
    return sorted(result, key=lambda g: g.label if by not in ("month", "quarter") else g.key)


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
