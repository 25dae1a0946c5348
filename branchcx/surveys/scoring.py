"""Survey scores as plain functions: NPS, CSAT, CES, SERVQUAL and the zone of tolerance.

The general statistics they rest on (intervals, the small-sample mark, Cronbach's alpha, driver
weights, moments) are in :mod:`branchcx.lib.statistics`.

Nothing here reads the database or Django settings: the read side fetches the answers and
passes plain sequences (or numpy arrays) in, and every function returns a number or a frozen
dataclass. Each docstring states the definition computed and the reference it follows;
``docs/scores.md`` explains the scores to branch managers and analysts.

Conventions shared by all functions:

- Single-question scores (NPS, CSAT, CES) take whole numbers on their scale. ``None``, floats,
  booleans and out-of-range values raise ``ValueError``: an unanswered question is left out by
  the caller, never guessed here.
- With no answers at all, the single-question scores return ``n=0`` and ``None`` for every
  statistic, so a dashboard can show "no answers yet" instead of catching an exception.
- Multi-item inputs (rows = respondents, columns = items) accept ``None`` or NaN for an
  unanswered item; each function says how it treats them.
- Confidence intervals are two-sided at ``confidence`` (default 0.95).
- Results based on fewer than ``SMALL_SAMPLE`` responses are still returned; the pages mark
  them (see :func:`branchcx.lib.statistics.samples.small_sample`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from numbers import Integral, Real
from types import MappingProxyType

import numpy as np

from branchcx.lib.statistics.arrays import FloatArray, Matrix, as_matrix
from branchcx.lib.statistics.intervals import (
    check_confidence,
    normal_interval,
    t_interval,
    wilson_interval,
)
from branchcx.lib.statistics.samples import small_sample

SERVQUAL_SCALE = (1.0, 7.0)
"""SERVQUAL answers are on a 7-point scale (Parasuraman, Zeithaml & Berry 1988)."""

TOLERANCE_SCALE = (1.0, 9.0)
"""The three-column zone-of-tolerance format uses 9-point scales (Parasuraman, Zeithaml &
Berry 1994)."""


def _whole_scores(scores: Iterable[int], low: int, high: int, score_name: str) -> list[int]:
    values: list[int] = []
    for position, score in enumerate(scores):
        # bool is an Integral in Python but a True answer is not a rating
        if isinstance(score, bool) or not isinstance(score, Integral):
            raise ValueError(
                f"{score_name} answer #{position} is {score!r}: answers must be whole numbers "
                f"from {low} to {high} (leave unanswered questions out)"
            )
        if not low <= score <= high:
            raise ValueError(
                f"{score_name} answer #{position} is {score}: outside the {low}-{high} scale"
            )
        values.append(int(score))
    return values


def _check_scale(array: FloatArray, scale: tuple[float, float] | None, what: str) -> None:
    if scale is None:
        return
    low, high = scale
    answered = array[~np.isnan(array)]
    outside = answered[(answered < low) | (answered > high)]
    if outside.size:
        raise ValueError(f"{what}: {outside[0]:g} is outside the {low:g}-{high:g} scale")


# --- Net Promoter Score ---------------------------------------------------------------------


@dataclass(frozen=True)
class NpsResult:
    """NPS on -100..100 with its standard error and interval, all ``None`` when ``n == 0``."""

    score: float | None
    se: float | None
    low: float | None
    high: float | None
    n: int
    promoters: int
    passives: int
    detractors: int
    confidence: float = 0.95

    @property
    def is_small_sample(self) -> bool:
        return small_sample(self.n)


def nps(scores: Iterable[int], confidence: float = 0.95) -> NpsResult:
    """Net Promoter Score of 0-10 "how likely are you to recommend us" answers.

    Definition (Reichheld 2003, "The One Number You Need to Grow", Harvard Business Review
    81(12)): promoters answer 9-10, passives 7-8, detractors 0-6;
    NPS = 100 * (p - d) with p, d the shares of promoters and detractors.

    Scoring each answer +1 (promoter), 0 or -1 (detractor) makes NPS 100 times their mean; that
    variable's variance is p + d - (p - d)**2, so SE = 100 * sqrt((p + d - (p - d)**2) / n).
    The interval is the Wald interval NPS +/- z * SE with z = norm.ppf(1 - (1 - confidence)/2),
    clipped to [-100, 100] (Rocks 2016, "Interval Estimation for the Net Promoter Score", The
    American Statistician 70(4)). It is too narrow when nearly everyone is in one group and has
    zero width when everyone is, so read it together with :func:`small_sample`.

    Example: 50 promoters, 30 passives and 20 detractors give NPS 30, SE 7.81 and a 95%
    interval of about [14.69, 45.31].

    No answers: ``n == 0`` and every statistic ``None``.
    """
    values = _whole_scores(scores, 0, 10, "NPS")
    promoters = sum(1 for v in values if v >= 9)
    detractors = sum(1 for v in values if v <= 6)
    return nps_from_counts(promoters, len(values) - promoters - detractors, detractors, confidence)


def nps_from_counts(
    promoters: int, passives: int, detractors: int, confidence: float = 0.95
) -> NpsResult:
    """:func:`nps` from the three counts (what a database ``GROUP BY`` returns)."""
    if min(promoters, passives, detractors) < 0:
        raise ValueError("NPS counts cannot be negative")
    check_confidence(confidence)
    n = promoters + passives + detractors
    if n == 0:
        return NpsResult(None, None, None, None, 0, 0, 0, 0, confidence)
    p, d = promoters / n, detractors / n
    score = 100 * (p - d)
    # p + d >= |p - d| >= (p - d)**2, so the variance is never negative; max() absorbs rounding
    se = 100 * math.sqrt(max(p + d - (p - d) ** 2, 0.0) / n)
    low, high = normal_interval(score, se, confidence)
    low, high = max(low, -100.0), min(high, 100.0)
    return NpsResult(score, se, low, high, n, promoters, passives, detractors, confidence)


# --- Customer satisfaction ------------------------------------------------------------------


@dataclass(frozen=True)
class CsatResult:
    """Top-2-box CSAT in percent with its Wilson interval, ``None`` when ``n == 0``."""

    score: float | None
    low: float | None
    high: float | None
    n: int
    satisfied: int
    confidence: float = 0.95

    @property
    def is_small_sample(self) -> bool:
        return small_sample(self.n)


def csat(scores: Iterable[int]) -> float | None:
    """CSAT: the percentage of 1-5 satisfaction answers that are 4 or 5 (top-2-box).

    Definition: 100 * (number of 4s and 5s) / n. Top-2-box is the industry convention for
    reporting a 5-point satisfaction question as one number (it is not the ACSI index, which
    is a weighted 0-100 model score). ``None`` when there are no answers. See
    :func:`csat_interval` for the uncertainty.
    """
    values = _whole_scores(scores, 1, 5, "CSAT")
    if not values:
        return None
    return 100 * sum(1 for v in values if v >= 4) / len(values)


def csat_interval(scores: Iterable[int], confidence: float = 0.95) -> CsatResult:
    """CSAT (top-2-box, see :func:`csat`) with the Wilson score interval, in percent.

    Definition: with k satisfied answers out of n, phat = k / n and z the two-sided normal
    quantile, the interval is
    (phat + z**2/(2n) +/- z * sqrt(phat(1 - phat)/n + z**2/(4n**2))) / (1 + z**2/n)
    (Wilson 1927, "Probable inference, the law of succession, and statistical inference",
    JASA 22(158)); the same numbers as ``scipy.stats.binomtest(...).proportion_ci(method=
    "wilson")``.
    Unlike the Wald interval it stays inside 0-100 and keeps a sensible width when every
    answer is satisfied (Brown, Cai & DasGupta 2001, Statistical Science 16(2)).

    No answers: ``n == 0`` and every statistic ``None``.
    """
    values = _whole_scores(scores, 1, 5, "CSAT")
    return csat_from_counts(sum(1 for v in values if v >= 4), len(values), confidence)


def csat_from_counts(satisfied: int, n: int, confidence: float = 0.95) -> CsatResult:
    """:func:`csat_interval` from the number of 4-5 answers and of all answers."""
    check_confidence(confidence)
    if not 0 <= satisfied <= n:
        raise ValueError("CSAT counts: 0 <= satisfied <= n")
    if n == 0:
        return CsatResult(None, None, None, 0, 0, confidence)
    low, high = wilson_interval(satisfied, n, confidence)
    return CsatResult(100 * (satisfied / n), 100 * low, 100 * high, n, satisfied, confidence)


# --- Customer Effort Score ------------------------------------------------------------------


@dataclass(frozen=True)
class CesResult:
    """Mean CES on 1-7 with its standard error and t-interval.

    ``n == 0``: every statistic ``None``; ``n == 1``: only the mean (one answer has no spread).
    """

    mean: float | None
    se: float | None
    low: float | None
    high: float | None
    n: int
    confidence: float = 0.95

    @property
    def is_small_sample(self) -> bool:
        return small_sample(self.n)


def ces(scores: Iterable[int], confidence: float = 0.95) -> CesResult:
    """Customer Effort Score: the mean of 1-7 answers to "the bank made it easy for me to
    handle my issue" (1 strongly disagree, 7 strongly agree, so higher means less effort).

    Definition: CES 2.0 of Dixon, Toman & DeLisi (2013, The Effortless Experience), the 7-point
    agreement version of the effort question of Dixon, Freeman & Toman (2010, "Stop Trying to
    Delight Your Customers", Harvard Business Review 88(7/8)). Mean = sum / n;
    SE = s / sqrt(n) with s the sample standard deviation (ddof=1); interval
    mean +/- t(1 - (1 - confidence)/2, n - 1) * SE (Student's t), clipped to the 1-7 scale.
    """
    values = _whole_scores(scores, 1, 7, "CES")
    return ces_from_moments(len(values), sum(values), sum(v * v for v in values), confidence)


def ces_from_moments(
    n: int, total: float, total_of_squares: float, confidence: float = 0.95
) -> CesResult:
    """:func:`ces` from the count, sum and sum of squares of the answers (what a database
    aggregates); the sample variance is (sum of squares - sum**2 / n) / (n - 1)."""
    check_confidence(confidence)
    if n == 0:
        return CesResult(None, None, None, None, 0, confidence)
    mean = total / n
    if n == 1:
        return CesResult(mean, None, None, None, 1, confidence)
    variance = max((total_of_squares - total * total / n) / (n - 1), 0.0)
    se = math.sqrt(variance) / math.sqrt(n)
    low, high = t_interval(mean, se, n - 1, confidence)
    return CesResult(mean, se, max(low, 1.0), min(high, 7.0), n, confidence)


# --- SERVQUAL -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServqualResult:
    """Gap scores (perception minus expectation) per item, per dimension and overall.

    A negative gap means the service falls short of what customers expect. ``None`` marks a
    score that cannot be computed because an item had no respondent answering both columns.
    """

    item_gaps: tuple[float | None, ...]
    item_n: tuple[int, ...]  # respondents who answered both E and P
    dimension_gaps: Mapping[str, float | None]
    overall: float | None  # unweighted: mean of the dimension gaps
    weighted_overall: float | None  # None unless weights were given
    item_perceptions: tuple[float | None, ...]
    item_perception_n: tuple[int, ...]
    servperf_dimensions: Mapping[str, float | None]
    servperf_overall: float | None


def _mean_or_none(values: Sequence[float | None]) -> float | None:
    if not values or any(v is None for v in values):
        return None
    return math.fsum(v for v in values if v is not None) / len(values)


def _column_means(array: FloatArray) -> tuple[tuple[float | None, ...], tuple[int, ...]]:
    """Mean and count of the answered cells of each column (``None`` for an empty column)."""
    answered = ~np.isnan(array)
    counts = answered.sum(axis=0)
    sums = np.where(answered, array, 0.0).sum(axis=0)
    means = tuple(float(s / c) if c else None for s, c in zip(sums, counts, strict=True))
    return means, tuple(int(c) for c in counts)


def _check_dimensions(
    dimensions: Mapping[str, Sequence[int]], items: int
) -> dict[str, tuple[int, ...]]:
    if not dimensions:
        raise ValueError("at least one dimension is needed")
    checked: dict[str, tuple[int, ...]] = {}
    owner: dict[int, str] = {}
    for name, indices in dimensions.items():
        members = tuple(indices)
        if not members:
            raise ValueError(f"dimension {name!r} has no items")
        for index in members:
            if isinstance(index, bool) or not isinstance(index, Integral):
                raise ValueError(f"dimension {name!r}: item index {index!r} is not an integer")
            if not 0 <= index < items:
                raise ValueError(
                    f"dimension {name!r}: item {index} does not exist (items are 0-{items - 1})"
                )
            if index in owner:
                raise ValueError(
                    f"item {index} is listed in both {owner[index]!r} and {name!r}"
                    if owner[index] != name
                    else f"dimension {name!r} lists item {index} twice"
                )
            owner[index] = name
        checked[name] = tuple(int(i) for i in members)
    return checked


def _check_weights(weights: Mapping[str, float], dimensions: Iterable[str]) -> dict[str, float]:
    expected = set(dimensions)
    if set(weights) != expected:
        raise ValueError(
            f"weights must name exactly the dimensions {sorted(expected)}, got {sorted(weights)}"
        )
    for name, weight in weights.items():
        if isinstance(weight, bool) or not isinstance(weight, Real) or not math.isfinite(weight):
            raise ValueError(f"weight of {name!r} is {weight!r}, not a finite number")
        if weight < 0:
            raise ValueError(f"weight of {name!r} is negative ({weight})")
    if math.fsum(weights.values()) <= 0:
        raise ValueError("the weights add up to zero")
    return {name: float(weight) for name, weight in weights.items()}


def servqual(
    expectations: Matrix,
    perceptions: Matrix,
    dimensions: Mapping[str, Sequence[int]],
    weights: Mapping[str, float] | None = None,
    scale: tuple[float, float] | None = SERVQUAL_SCALE,
) -> ServqualResult:
    """SERVQUAL gap scores, the importance-weighted score and SERVPERF.

    ``expectations`` and ``perceptions`` are respondents x items tables of the same shape
    (None or NaN for an unanswered cell); ``dimensions`` maps each dimension (tangibles,
    reliability, responsiveness, assurance, empathy in the original) to its 0-based item
    indices. Answers must lie on ``scale`` (1-7 by default; ``None`` skips the check).

    Definitions (Parasuraman, Zeithaml & Berry 1988, "SERVQUAL: A multiple-item scale for
    measuring consumer perceptions of service quality", Journal of Retailing 64(1)):

    - item gap = mean of (P - E) over the respondents who answered both for that item;
    - dimension gap = mean of its item gaps (an average of averages, as the authors compute);
    - overall = mean of the dimension gaps (the unweighted SERVQUAL score).

    Weighted score (Zeithaml, Parasuraman & Berry 1990, Delivering Quality Service, with the
    100-point importance allocation of Parasuraman, Berry & Zeithaml 1991, "Refinement and
    reassessment of the SERVQUAL scale", Journal of Retailing 67(4)):
    weighted_overall = sum(w_d * gap_d) / sum(w_d), for example with the mean allocations from
    :func:`importance_weights`; ``None`` without weights.

    SERVPERF (Cronin & Taylor 1992, "Measuring service quality: a reexamination and
    extension", Journal of Marketing 56(3)): the same averaging applied to perceptions alone,
    each item's mean over everyone who answered its perception question.

    A score built from an item no respondent answered is ``None`` rather than an average of the
    remaining items, which would be a different measure.
    """
    expected = as_matrix(expectations, "expectations")
    perceived = as_matrix(perceptions, "perceptions")
    if expected.shape != perceived.shape:
        raise ValueError(
            f"expectations {expected.shape} and perceptions {perceived.shape} differ in shape"
        )
    _check_scale(expected, scale, "expectations")
    _check_scale(perceived, scale, "perceptions")
    groups = _check_dimensions(dimensions, expected.shape[1])
    checked_weights = None if weights is None else _check_weights(weights, groups)

    # NaN in either column makes the difference NaN, so each item keeps its complete pairs
    item_gaps, item_n = _column_means(perceived - expected)
    item_perceptions, item_perception_n = _column_means(perceived)
    dimension_gaps = {
        name: _mean_or_none([item_gaps[i] for i in members]) for name, members in groups.items()
    }
    servperf_dimensions = {
        name: _mean_or_none([item_perceptions[i] for i in members])
        for name, members in groups.items()
    }
    overall = _mean_or_none(list(dimension_gaps.values()))

    weighted_overall = None
    if checked_weights is not None and overall is not None:
        weighted_overall = math.fsum(
            checked_weights[name] * gap for name, gap in dimension_gaps.items() if gap is not None
        ) / math.fsum(checked_weights.values())

    return ServqualResult(
        item_gaps=item_gaps,
        item_n=item_n,
        dimension_gaps=MappingProxyType(dimension_gaps),
        overall=overall,
        weighted_overall=weighted_overall,
        item_perceptions=item_perceptions,
        item_perception_n=item_perception_n,
        servperf_dimensions=MappingProxyType(servperf_dimensions),
        servperf_overall=_mean_or_none(list(servperf_dimensions.values())),
    )


def importance_weights(
    allocations: Iterable[Mapping[str, float]], total: float = 100.0
) -> dict[str, float]:
    """Mean importance points per dimension from a constant-sum question.

    Each respondent shares ``total`` points (100) among the dimensions according to their
    importance (Parasuraman, Berry & Zeithaml 1991, Journal of Retailing 67(4)); the weight of a
    dimension is the mean of its points across respondents, ready to pass to
    :func:`servqual`. Every respondent must name the same dimensions with non-negative points
    adding up to ``total`` (to 1e-9), otherwise ``ValueError``: a row that does not add up was
    misread and must not be rescaled silently.
    """
    sums: dict[str, float] = {}
    count = 0
    for position, row in enumerate(allocations):
        if count == 0:
            sums = dict.fromkeys(row, 0.0)
            if not sums:
                raise ValueError("respondent #0 allocates points to no dimension")
        elif set(row) != set(sums):
            raise ValueError(f"respondent #{position} names {sorted(row)}, expected {sorted(sums)}")
        for name, points in row.items():
            if isinstance(points, bool) or not isinstance(points, Real):
                raise ValueError(f"respondent #{position}: {name!r} has {points!r} points")
            if not math.isfinite(points) or points < 0:
                raise ValueError(f"respondent #{position}: {name!r} has {points} points")
        allocated = math.fsum(row.values())
        if not math.isclose(allocated, total, rel_tol=0, abs_tol=1e-9 * max(abs(total), 1)):
            raise ValueError(
                f"respondent #{position} allocates {allocated:g} points, not {total:g}"
            )
        for name, points in row.items():
            sums[name] += float(points)
        count += 1
    if count == 0:
        raise ValueError("no importance allocations")
    return {name: value / count for name, value in sums.items()}


# --- Zone of tolerance ----------------------------------------------------------------------


def adequacy(perception: float | None, adequate: float | None) -> float | None:
    """Measure of service adequacy (MSA): perception minus the adequate (lowest acceptable)
    level; below 0 the service falls short of what the customer accepts. None when either
    is missing. The one definition: a response's follow-up, the dashboards' summaries and
    :func:`tolerance_zone` all use it."""
    if perception is None or adequate is None:
        return None
    return perception - adequate


def superiority(perception: float | None, desired: float | None) -> float | None:
    """Measure of service superiority (MSS): perception minus the desired level; above 0
    the service exceeds what the customer wishes for. None when either is missing."""
    if perception is None or desired is None:
        return None
    return perception - desired


def below_adequate(perception: float | None, adequate: float | None) -> bool:
    """Whether the service fell below the adequate level (MSA < 0)."""
    msa = adequacy(perception, adequate)
    return msa is not None and msa < 0


@dataclass(frozen=True)
class ToleranceResult:
    """Measures of service adequacy (MSA) and superiority (MSS), per item and overall.

    MSA < 0: service below the adequate level; MSS > 0: service above the desired level; in
    between, the service is inside the customers' zone of tolerance.
    """

    item_msa: tuple[float | None, ...]
    item_mss: tuple[float | None, ...]
    item_n_adequate: tuple[int, ...]  # respondents who answered P and the adequate level
    item_n_desired: tuple[int, ...]  # respondents who answered P and the desired level
    msa: float | None
    mss: float | None
    below_adequate: bool | None  # msa < 0; None when msa cannot be computed
    items_below_adequate: tuple[int, ...]
    items_above_desired: tuple[int, ...]


def tolerance_zone(
    perceptions: Matrix,
    adequate: Matrix,
    desired: Matrix,
    scale: tuple[float, float] | None = TOLERANCE_SCALE,
) -> ToleranceResult:
    """Zone-of-tolerance scores from the three-column format (perceived, minimum adequate and
    desired service level, each respondents x items, same shape, None or NaN if unanswered).

    Definitions (Parasuraman, Zeithaml & Berry 1994, "Alternative scales for measuring service
    quality: a comparative assessment based on psychometric and diagnostic criteria", Journal
    of Retailing 70(3); the zone itself from Zeithaml, Berry & Parasuraman 1993, Journal of the
    Academy of Marketing Science 21(1)):

    - MSA (measure of service adequacy) = P - adequate, MSS (measure of service superiority)
      = P - desired, each item averaged over the respondents who answered both columns;
    - overall MSA and MSS = the mean of the item means (with complete answers, simply the mean
      over all cells);
    - ``below_adequate`` = overall MSA < 0; ``items_below_adequate`` lists items with MSA < 0
      and ``items_above_desired`` items with MSS > 0.

    Answers must lie on ``scale`` (1-9 as in the 1994 study; ``None`` skips the check).
    Respondents whose adequate level exceeds their desired level are kept, as in the study.
    """
    perceived = as_matrix(perceptions, "perceptions")
    minimum = as_matrix(adequate, "adequate levels")
    wished = as_matrix(desired, "desired levels")
    if not perceived.shape == minimum.shape == wished.shape:
        raise ValueError(
            f"perceptions {perceived.shape}, adequate {minimum.shape} and desired "
            f"{wished.shape} differ in shape"
        )
    _check_scale(perceived, scale, "perceptions")
    _check_scale(minimum, scale, "adequate levels")
    _check_scale(wished, scale, "desired levels")

    item_msa, n_adequate = _column_means(adequacy(perceived, minimum))  # type: ignore[arg-type]
    item_mss, n_desired = _column_means(superiority(perceived, wished))  # type: ignore[arg-type]
    msa = _mean_or_none(item_msa)
    return ToleranceResult(
        item_msa=item_msa,
        item_mss=item_mss,
        item_n_adequate=n_adequate,
        item_n_desired=n_desired,
        msa=msa,
        mss=_mean_or_none(item_mss),
        below_adequate=None if msa is None else msa < 0,
        items_below_adequate=tuple(i for i, v in enumerate(item_msa) if v is not None and v < 0),
        items_above_desired=tuple(i for i, v in enumerate(item_mss) if v is not None and v > 0),
    )
