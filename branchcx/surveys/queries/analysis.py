"""Reliability and driver analysis of the satisfaction dashboard.

Both need more than per-group sums of one column: Cronbach's alpha needs each respondent's
total over a scale's items, the drivers each respondent's five dimension scores side by side.
The rollup stores those as moments per cell (``surveys.rollups``: ``ScaleMoments``,
``DriverMoments``); the days a period only partly covers are computed from the answers by the
same queries (``rollups.scale_moments``, ``rollups.driver_moments``), so Python receives a few
rows of moments whatever the number of answers, and both sources add up exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.utils.translation import gettext as _

from branchcx.lib.statistics.importance import (
    MIN_DRIVER_ANSWERS_PER_DRIVER,
    DriverResult,
    relative_importance_from_covariance,
)
from branchcx.lib.statistics.moments import covariance_from_moments
from branchcx.lib.statistics.reliability import AlphaResult, cronbach_alpha_from_moments
from branchcx.lib.statistics.samples import small_sample
from branchcx.surveys import rollups
from branchcx.surveys.models import Dimension, DriverMoments, ScaleMoments
from branchcx.surveys.queries.scores import Reading, Selection, _labels, read, segment_labels

DRIVER_OUTCOMES = rollups.DRIVER_OUTCOMES
DRIVER_GROUPINGS = ("segment", "outlet")
SCALE_ROLES = rollups.SCALE_ROLES


@dataclass(frozen=True)
class ScaleReliability:
    """Cronbach's alpha of one dimension's items on one side (perception or expectation)."""

    role: str
    dimension: str
    items: int
    n: int  # respondents who answered every item
    dropped: int  # respondents who skipped one
    result: AlphaResult | None
    problem: str = ""  # why there is no result

    @property
    def flagged(self) -> bool:
        return self.result is not None and not self.result.reliable


def reliability(selection: Selection, reading: Reading | None = None) -> list[ScaleReliability]:
    """Raw Cronbach's alpha per dimension and side over the respondents who answered every
    item of it (a scale's items: those answered by anyone in the selection), from the item
    moments by the number of items each respondent answered."""
    reading = reading or read(selection)
    found = rollups.scale_rows(reading.stored(ScaleMoments)) if reading.months else []
    for part in reading.live:
        found += [row[3:] for row in rollups.scale_moments(part.responses())]
    items, totals = rollups.alpha_moments(found)
    result = []
    for role in SCALE_ROLES:
        for dimension in Dimension.values:
            per_item = items.get((role, dimension))
            if not per_item:
                continue
            k = len(per_item)
            by_k = totals.get((role, dimension), {})
            seen = sum(int(m[0]) for m in by_k.values())
            n, total, squares = by_k.get(k, [0, 0.0, 0.0])
            n = int(n)
            try:
                alpha: AlphaResult | None = cronbach_alpha_from_moments(
                    n,
                    [per_item[i][1] for i in sorted(per_item)],
                    [per_item[i][2] for i in sorted(per_item)],
                    total,
                    squares,
                    dropped=seen - n,
                )
                problem = ""
            except ValueError:
                alpha = None
                if k < 2:
                    problem = _("A single question: alpha needs two or more.")
                elif n < 2:
                    problem = _("Fewer than 2 customers answered every question.")
                else:
                    problem = _("Every customer gave the same total: alpha is undefined.")
            result.append(ScaleReliability(role, dimension, k, n, seen - n, alpha, problem))
    return result


@dataclass(frozen=True)
class DriverGroup:
    """Driver weights of one group, or why they are not shown."""

    key: Any
    label: str
    n: int  # responses with every dimension and the outcome answered
    seen: int  # responses with any dimension row
    result: DriverResult | None
    problem: str = ""

    @property
    def is_small_sample(self) -> bool:
        return small_sample(self.n)


@dataclass(frozen=True)
class DriverAnalysis:
    outcome: str
    by: str
    minimum: int
    network: DriverGroup
    groups: list[DriverGroup]


_PAIRS = rollups.PAIRS
MOMENTS = 3 + len(Dimension.values) + len(_PAIRS)  # seen, complete, sums, cross-products


def _driver_group(key: Any, label: str, moments: list[float], minimum: int) -> DriverGroup:
    p = len(Dimension.values)
    seen, n = int(moments[0]), int(moments[1])
    sums = moments[2 : 3 + p]
    products = np.zeros((p + 1, p + 1))
    for position, (i, j) in enumerate(_PAIRS):
        products[i, j] = products[j, i] = moments[3 + p + position]
    if n < minimum:
        problem = _(
            "Not shown: %(n)s complete answers, at least %(minimum)s are needed (ten per "
            "dimension) before the weights of related dimensions stop swinging."
        ) % {"n": n, "minimum": minimum}
        return DriverGroup(key, label, n, seen, None, problem)
    covariance = covariance_from_moments(n, sums, products)
    if covariance[p, p] <= 1e-9:
        problem = _("Not shown: every answer gave the same rating, so there is nothing to explain.")
        return DriverGroup(key, label, n, seen, None, problem)
    result = relative_importance_from_covariance(
        covariance, n, list(Dimension.values), dropped=seen - n
    )
    return DriverGroup(key, label, n, seen, result)


def driver_analysis(
    selection: Selection,
    *,
    by: str = "segment",
    outcome: str = "overall",
    reading: Reading | None = None,
) -> DriverAnalysis:
    """Which dimensions explain the outcome (the overall rating by default), per group and
    for the whole selection: the LMG shares of R-squared from the covariance matrix of the
    five dimension perceptions and the outcome.

    The moments are the sums and cross-products over the responses with all five dimensions
    and the outcome answered, per cell and segment (each response's dimension rows pivoted
    into one row by the database); groups add up into the whole selection exactly."""
    if by not in DRIVER_GROUPINGS:
        raise ValueError(f"unknown grouping {by}")
    if outcome not in DRIVER_OUTCOMES:
        raise ValueError(f"unknown outcome {outcome}")
    reading = reading or read(selection)
    found = rollups.driver_rows(reading.stored(DriverMoments), outcome) if reading.months else []
    for part in reading.live:
        found += [
            (outlet, segment or "", moments)
            for outlet, _m, _s, segment, *moments in rollups.driver_moments(
                part.dimension_rows(), outcome
            )
        ]
    grouped: dict[Any, list[float]] = {}
    for outlet, segment, moments in found:
        into = grouped.setdefault(outlet if by == "outlet" else segment, [0.0] * MOMENTS)
        for i, value in enumerate(moments):
            into[i] += float(value or 0)
    minimum = MIN_DRIVER_ANSWERS_PER_DRIVER * len(Dimension.values)
    labels = _labels("outlet", list(grouped)) if by == "outlet" else segment_labels()
    groups = sorted(
        (
            _driver_group(key, labels.get(key, str(key or "")), moments, minimum)
            for key, moments in grouped.items()
        ),
        key=lambda g: (-g.n, g.label),
    )
    network_moments = [math.fsum(values) for values in zip(*grouped.values(), strict=True)]
    network = _driver_group("all", "", network_moments or [0.0] * MOMENTS, minimum)
    return DriverAnalysis(outcome, by, minimum, network, groups)
