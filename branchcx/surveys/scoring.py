"""Survey scores as plain functions: NPS, CSAT, CES, Cronbach's alpha, SERVQUAL, the zone of
tolerance and driver analysis.

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
- Results based on fewer than :data:`SMALL_SAMPLE` responses are still returned; the pages mark
  them (see :func:`small_sample`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from numbers import Integral, Real
from statistics import NormalDist
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import special

FloatArray = npt.NDArray[np.float64]
# Rows are respondents, columns are items; None (or NaN) is an unanswered item.
Matrix = Sequence[Sequence[float | None]] | npt.NDArray[Any]
Vector = Sequence[float | None] | npt.NDArray[Any]

SMALL_SAMPLE = 30
"""Fewer responses than this and a score is shown but marked as a small sample.

A rule of thumb, not a theorem: n >= 30 is the usual point from which the normal
approximations behind the intervals are trusted. Even at 30 answers a 95% interval is wide
(about +/- 18 points for a CSAT near 50%, +/- 28 points for an NPS of 30 with 20% detractors),
so the intervals each score returns are the precise statement."""

RELIABILITY_THRESHOLD = 0.7
"""Cronbach's alpha below this marks a multi-item scale as unreliable (Nunnally 1978,
Psychometric Theory, 2nd ed., the customary 0.70 for applied measurement)."""

MAX_DRIVERS = 10
"""Driver analysis fits 2**p regressions; beyond 10 drivers (1,024 fits) it is refused."""

SERVQUAL_SCALE = (1.0, 7.0)
"""SERVQUAL answers are on a 7-point scale (Parasuraman, Zeithaml & Berry 1988)."""

TOLERANCE_SCALE = (1.0, 9.0)
"""The three-column zone-of-tolerance format uses 9-point scales (Parasuraman, Zeithaml &
Berry 1994)."""


# --- Small samples --------------------------------------------------------------------------


def small_sample(n: int, minimum: int = SMALL_SAMPLE) -> bool:
    """Whether ``n`` responses are too few to report a score without a warning.

    Definition: ``n < minimum``. The threshold is the common n >= 30 rule of thumb for the
    normal approximation of a mean or a proportion (see :data:`SMALL_SAMPLE`); results below it
    are still computed and shown, marked "small sample".
    """
    if n < 0:
        raise ValueError(f"a number of responses cannot be negative, got {n}")
    return n < minimum


def _check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be strictly between 0 and 1, got {confidence!r}")


def _two_sided_quantile(confidence: float) -> float:
    """The upper quantile level of a two-sided interval, e.g. 0.975 for 95%."""
    _check_confidence(confidence)
    return 1 - (1 - confidence) / 2


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


def _matrix(rows: Matrix, what: str) -> FloatArray:
    """A respondents x items float array with NaN for unanswered items.

    Rejects ragged rows, text, booleans and infinities with a message naming ``what``."""
    if isinstance(rows, np.ndarray) and rows.dtype.kind in "iuf":
        array = rows.astype(np.float64)
    else:
        # lists, and object arrays holding None, are checked cell by cell
        source = rows.tolist() if isinstance(rows, np.ndarray) else rows
        try:
            table = [list(row) for row in source]
        except TypeError:
            raise ValueError(f"{what} must be a table (respondents x items)") from None
        widths = {len(row) for row in table}
        if len(widths) > 1:
            raise ValueError(f"{what}: every respondent needs the same number of items")
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                if value is not None and (isinstance(value, bool) or not isinstance(value, Real)):
                    raise ValueError(f"{what}: row {r}, item {c} is {value!r}, not a number")
        width = widths.pop() if widths else 0
        array = np.array(
            [[np.nan if v is None else float(v) for v in row] for row in table],
            dtype=np.float64,
        ).reshape(len(table), width)
    if array.ndim != 2:
        raise ValueError(f"{what} must be a table (respondents x items), got {array.ndim} axes")
    if np.isinf(array).any():
        raise ValueError(f"{what} contain an infinite value")
    return array


def _vector(values: Vector, what: str) -> FloatArray:
    column = _matrix([[v] for v in values], what)
    return column[:, 0]


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
    z = NormalDist().inv_cdf(_two_sided_quantile(confidence))
    n = promoters + passives + detractors
    if n == 0:
        return NpsResult(None, None, None, None, 0, 0, 0, 0, confidence)
    p, d = promoters / n, detractors / n
    score = 100 * (p - d)
    # p + d >= |p - d| >= (p - d)**2, so the variance is never negative; max() absorbs rounding
    se = 100 * math.sqrt(max(p + d - (p - d) ** 2, 0.0) / n)
    low = max(score - z * se, -100.0)
    high = min(score + z * se, 100.0)
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
    _check_confidence(confidence)
    if not 0 <= satisfied <= n:
        raise ValueError("CSAT counts: 0 <= satisfied <= n")
    if n == 0:
        return CsatResult(None, None, None, 0, 0, confidence)
    # the closed form (scipy's binomtest would also compute a p-value nobody reads)
    z = NormalDist().inv_cdf(_two_sided_quantile(confidence))
    share = satisfied / n
    centre = share + z * z / (2 * n)
    spread = z * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n))
    scale = 1 + z * z / n
    return CsatResult(
        100 * share,
        100 * max((centre - spread) / scale, 0.0),
        100 * min((centre + spread) / scale, 1.0),
        n,
        satisfied,
        confidence,
    )


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
    t_level = _two_sided_quantile(confidence)
    if n == 0:
        return CesResult(None, None, None, None, 0, confidence)
    mean = total / n
    if n == 1:
        return CesResult(mean, None, None, None, 1, confidence)
    variance = max((total_of_squares - total * total / n) / (n - 1), 0.0)
    se = math.sqrt(variance) / math.sqrt(n)
    half = float(special.stdtrit(n - 1, t_level)) * se
    return CesResult(mean, se, max(mean - half, 1.0), min(mean + half, 7.0), n, confidence)


# --- Cronbach's alpha -----------------------------------------------------------------------


@dataclass(frozen=True)
class AlphaResult:
    """Raw Cronbach's alpha of a multi-item scale with its Feldt interval."""

    alpha: float
    low: float
    high: float
    n: int  # respondents used (complete rows)
    k: int  # items
    dropped: int = 0  # respondents left out for a missing item
    confidence: float = 0.95

    @property
    def reliable(self) -> bool:
        """At least :data:`RELIABILITY_THRESHOLD` (see :func:`flag_unreliable`)."""
        return not flag_unreliable(self.alpha)


def cronbach_alpha(rows: Matrix, confidence: float = 0.95) -> AlphaResult:
    """Cronbach's alpha of a multi-item scale; ``rows`` are respondents, columns are items.

    Definition (Cronbach 1951, "Coefficient alpha and the internal structure of tests",
    Psychometrika 16(3)): alpha = k/(k-1) * (1 - sum of item variances / variance of the total
    score), with sample variances (ddof=1). This is the raw, covariance-based alpha, not the
    standardized alpha computed from the average inter-item correlation; the two differ when
    items have different variances. Alpha can be negative when items disagree with each other.

    Interval (Feldt 1965, "The approximate sampling distribution of Kuder-Richardson
    reliability coefficient twenty", Psychometrika 30(3)): with df1 = n - 1 and
    df2 = (n - 1)(k - 1), low = 1 - (1 - alpha) * F.ppf(1 - (1 - c)/2, df1, df2) and
    high = 1 - (1 - alpha) * F.ppf((1 - c)/2, df1, df2). These are the values
    ``pingouin.cronbach_alpha`` returns.

    Missing answers: a respondent with any unanswered item (None or NaN) is dropped listwise
    (the count is in ``dropped``), as ``psych::alpha(use="complete.obs")`` does; pairwise
    covariances would mix different respondents in one coefficient.

    Raises ``ValueError`` with fewer than 2 items, fewer than 2 complete respondents, or a total
    score that does not vary (alpha is undefined).
    """
    upper_level = _two_sided_quantile(confidence)
    data = _matrix(rows, "items")
    complete = data[~np.isnan(data).any(axis=1)]
    n, k = complete.shape
    dropped = data.shape[0] - n
    if k < 2:
        raise ValueError(f"Cronbach's alpha needs at least 2 items, got {k}")
    if n < 2:
        raise ValueError(
            f"Cronbach's alpha needs at least 2 respondents who answered every item, got {n}"
        )
    total_variance = float(complete.sum(axis=1).var(ddof=1))
    if total_variance == 0:
        raise ValueError("Cronbach's alpha is undefined: every respondent has the same total")
    item_variances = float(complete.var(axis=0, ddof=1).sum())
    alpha = k / (k - 1) * (1 - item_variances / total_variance)
    df1, df2 = n - 1, (n - 1) * (k - 1)
    low = 1 - (1 - alpha) * float(special.fdtri(df1, df2, upper_level))
    high = 1 - (1 - alpha) * float(special.fdtri(df1, df2, 1 - upper_level))
    return AlphaResult(alpha, low, high, n, k, dropped, confidence)


def flag_unreliable(alpha: float, threshold: float = RELIABILITY_THRESHOLD) -> bool:
    """Whether a scale's alpha is below the reliability threshold.

    Definition: ``alpha < threshold``, with 0.70 by default (Nunnally 1978, Psychometric
    Theory, 2nd ed.). A flagged scale's dimension scores should not be compared across branches
    until its items are reviewed.
    """
    if math.isnan(alpha):
        raise ValueError("alpha is NaN")
    return alpha < threshold


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
    expected = _matrix(expectations, "expectations")
    perceived = _matrix(perceptions, "perceptions")
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
    perceived = _matrix(perceptions, "perceptions")
    minimum = _matrix(adequate, "adequate levels")
    wished = _matrix(desired, "desired levels")
    if not perceived.shape == minimum.shape == wished.shape:
        raise ValueError(
            f"perceptions {perceived.shape}, adequate {minimum.shape} and desired "
            f"{wished.shape} differ in shape"
        )
    _check_scale(perceived, scale, "perceptions")
    _check_scale(minimum, scale, "adequate levels")
    _check_scale(wished, scale, "desired levels")

    item_msa, n_adequate = _column_means(perceived - minimum)
    item_mss, n_desired = _column_means(perceived - wished)
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


# --- Driver analysis ------------------------------------------------------------------------


@dataclass(frozen=True)
class DriverWeight:
    name: str
    weight: float  # this driver's share of R-squared
    percent: float | None  # weight as a percentage of R-squared; None when R-squared is 0


@dataclass(frozen=True)
class DriverResult:
    """Each driver's share of the R-squared of the regression of the outcome on all drivers.

    ``drivers`` keeps the input order; the weights add up to ``r_squared``.
    """

    drivers: tuple[DriverWeight, ...]
    r_squared: float
    n: int  # respondents used (complete rows)
    dropped: int  # respondents left out for a missing value
    method: str  # "lmg" or "relative_weights"

    def ranked(self) -> tuple[DriverWeight, ...]:
        """Drivers from the most to the least important."""
        return tuple(sorted(self.drivers, key=lambda d: d.weight, reverse=True))

    def weight(self, name: str) -> float:
        for driver in self.drivers:
            if driver.name == name:
                return driver.weight
        raise KeyError(name)


def _regression_data(
    drivers: Matrix, outcome: Vector, names: Sequence[str]
) -> tuple[FloatArray, FloatArray, tuple[str, ...], int]:
    """Complete rows of drivers and outcome, validated for a driver analysis."""
    x = _matrix(drivers, "drivers")
    y = _vector(outcome, "outcome")
    labels = tuple(names)
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"{x.shape[0]} rows of drivers but {y.shape[0]} outcomes")
    p = x.shape[1]
    if p == 0:
        raise ValueError("at least one driver is needed")
    if p > MAX_DRIVERS:
        raise ValueError(f"{p} drivers: the exact decomposition is limited to {MAX_DRIVERS}")
    if len(labels) != p:
        raise ValueError(f"{len(labels)} names for {p} drivers")
    if len(set(labels)) != p:
        raise ValueError("driver names must be unique")
    complete = ~(np.isnan(x).any(axis=1) | np.isnan(y))
    x, y = x[complete], y[complete]
    n = x.shape[0]
    # n >= p + 2 leaves a residual degree of freedom after the intercept; with n = p + 1 the
    # full model fits perfectly (R-squared 1) whatever the answers are
    if n < p + 2:
        raise ValueError(f"{p} drivers need at least {p + 2} complete respondents, got {n}")
    if float(np.ptp(y)) == 0:
        raise ValueError("the outcome does not vary, so there is nothing to explain")
    return x, y, labels, int((~complete).sum())


def _driver_result(
    labels: tuple[str, ...],
    weights: FloatArray,
    r_squared: float,
    n: int,
    dropped: int,
    method: str,
) -> DriverResult:
    # an R-squared at rounding level explains nothing, so percentages of it would be noise
    explained = r_squared > 1e-12
    shares = tuple(
        DriverWeight(name, float(w), float(100 * w / r_squared) if explained else None)
        for name, w in zip(labels, weights, strict=True)
    )
    return DriverResult(shares, r_squared, n, dropped, method)


def relative_importance(drivers: Matrix, outcome: Vector, names: Sequence[str]) -> DriverResult:
    """Shapley (LMG) decomposition of R-squared among correlated drivers.

    ``drivers`` is respondents x drivers (e.g. satisfaction with speed, staff, waiting area),
    ``outcome`` the overall score (e.g. NPS answer), ``names`` one label per driver.

    Definition (Lindeman, Merenda & Gold 1980, Introduction to Bivariate and Multivariate
    Analysis; as the Shapley value of Lipovetsky & Conklin 2001, Applied Stochastic Models in
    Business and Industry 17(4); computed as ``relaimpo``'s "lmg", Groemping 2006, Journal of
    Statistical Software 17(1)): with R2(S) the R-squared of the OLS regression (with
    intercept) of the outcome on the drivers in S,
    weight_j = sum over S not containing j of |S|! (p - |S| - 1)! / p! * (R2(S + j) - R2(S)),
    i.e. j's gain in R-squared averaged over every order of entering the drivers. The weights
    are non-negative, add up exactly to the full model's R-squared, and split credit fairly
    between correlated drivers (two identical drivers get equal shares), where standardized
    betas would not.

    Exact over all 2**p subsets, so at most :data:`MAX_DRIVERS` drivers. Respondents with a
    missing driver or outcome are dropped listwise; at least p + 2 must remain. Perfectly
    collinear drivers are fine (least squares with a rank-aware solver).
    """
    x, y, labels, dropped = _regression_data(drivers, outcome, names)
    n, p = x.shape
    xc = x - x.mean(axis=0)
    yc = y - y.mean()
    total = float(yc @ yc)

    r2 = np.zeros(1 << p)
    for mask in range(1, 1 << p):
        columns = [j for j in range(p) if mask >> j & 1]
        beta = np.linalg.lstsq(xc[:, columns], yc, rcond=None)[0]
        residual = yc - xc[:, columns] @ beta
        r2[mask] = 1 - float(residual @ residual) / total

    return _driver_result(labels, _shapley(r2, p), float(r2[-1]), n, dropped, "lmg")


def _shapley(r2: FloatArray, p: int) -> FloatArray:
    """Each driver's Shapley share of R-squared, from the R-squared of every subset of the
    ``p`` drivers (indexed by bit mask)."""
    # Shapley weight of a coalition of size s: s! (p - s - 1)! / p!
    share = [math.factorial(s) * math.factorial(p - s - 1) / math.factorial(p) for s in range(p)]
    weights = np.zeros(p)
    for j in range(p):
        bit = 1 << j
        for mask in range(1 << p):
            if not mask & bit:
                weights[j] += share[mask.bit_count()] * (r2[mask | bit] - r2[mask])
    return weights


def relative_weights(drivers: Matrix, outcome: Vector, names: Sequence[str]) -> DriverResult:
    """Johnson's relative weights: a fast approximation of the LMG decomposition.

    Definition (Johnson 2000, "A heuristic method for estimating the relative weight of
    predictor variables in multiple regression", Multivariate Behavioral Research 35(1)): with
    Rxx = Q diag(lambda) Q' the eigendecomposition of the drivers' correlation matrix and rxy
    their correlations with the outcome, Lambda = Q diag(sqrt(lambda)) Q' holds the
    correlations of the drivers with their closest orthogonal counterparts Z,
    beta = Lambda^-1 rxy the regression of the outcome on Z, and
    weight_j = sum_k Lambda_jk**2 * beta_k**2. The weights add up to the R-squared of the full
    regression.

    Inputs, listwise deletion and limits as :func:`relative_importance`. Eigenvalues below
    1e-10 of the largest are treated as zero (perfectly collinear drivers), which keeps the
    weights finite and splits identical drivers equally. A driver that does not vary raises
    ``ValueError`` (its correlations are undefined).
    """
    x, y, labels, dropped = _regression_data(drivers, outcome, names)
    n, p = x.shape
    constant = [labels[j] for j in range(p) if float(np.ptp(x[:, j])) == 0]
    if constant:
        raise ValueError(f"drivers that do not vary: {', '.join(constant)}")
    correlations = np.asarray(np.corrcoef(np.column_stack([x, y]), rowvar=False))
    weights = _johnson(correlations[:p, :p], correlations[:p, p])
    return _driver_result(labels, weights, float(weights.sum()), n, dropped, "relative_weights")


def _johnson(rxx: FloatArray, rxy: FloatArray) -> FloatArray:
    """Johnson's relative weights from the drivers' correlations ``rxx`` and their
    correlations with the outcome ``rxy``: regress the outcome on the orthogonal counterparts
    Z = X (X'X)^-1/2 and carry their squared weights back through Lambda = (X'X)^1/2."""
    eigenvalues, vectors = np.linalg.eigh(rxx)
    keep = eigenvalues > 1e-10 * eigenvalues.max()
    roots = np.sqrt(np.where(keep, eigenvalues, 0.0))
    inverse_roots = np.where(keep, 1 / np.where(keep, roots, 1.0), 0.0)
    lam = vectors @ np.diag(roots) @ vectors.T
    beta = vectors @ np.diag(inverse_roots) @ vectors.T @ rxy
    weights: FloatArray = (lam**2) @ (beta**2)
    return weights


# --- From database moments (satisfaction dashboard) -----------------------------------------
# The dashboard cannot fetch every answer: the database returns counts, sums, sums of squares
# and sums of cross-products per group, and these functions compute the same statistics from
# them. Each equals its raw-matrix counterpart on the same complete rows (the tests check it
# to 1e-9).

MIN_DRIVER_ANSWERS_PER_DRIVER = 10
"""Driver weights are shown only with at least this many complete answers per driver (50 for
the five SERVQUAL dimensions): the usual rule of thumb of ten observations per predictor
(Harrell 2015, Regression Modeling Strategies, 2nd ed., section 4.4). Below it the weights of
correlated drivers swing from one month to the next and would be read as findings."""


def cronbach_alpha_from_moments(
    n: int,
    item_sums: Sequence[float],
    item_squares: Sequence[float],
    total_sum: float,
    total_squares: float,
    confidence: float = 0.95,
    dropped: int = 0,
) -> AlphaResult:
    """:func:`cronbach_alpha` from the moments of ``n`` complete respondents: per item the sum
    and the sum of squares of its answers, and the sum and sum of squares of the respondents'
    totals (each respondent's sum over the items).

    A sample variance is (sum of squares - sum**2 / n) / (n - 1), so alpha
    = k/(k-1) * (1 - sum of item variances / variance of the totals) needs nothing else. It is
    the raw (covariance-based) alpha, as :func:`cronbach_alpha`; the interval is Feldt's.
    ``dropped`` is carried into the result (respondents the caller left out as incomplete).
    """
    upper_level = _two_sided_quantile(confidence)
    k = len(item_sums)
    if len(item_squares) != k:
        raise ValueError(f"{k} item sums but {len(item_squares)} sums of squares")
    if k < 2:
        raise ValueError(f"Cronbach's alpha needs at least 2 items, got {k}")
    if n < 2:
        raise ValueError(
            f"Cronbach's alpha needs at least 2 respondents who answered every item, got {n}"
        )

    def variance(total: float, squares: float) -> float:
        return (float(squares) - float(total) ** 2 / n) / (n - 1)

    total_variance = variance(total_sum, total_squares)
    # integer answers make the moments exact; a spread below rounding level is no spread
    if total_variance <= 1e-12 * max(1.0, abs(float(total_squares)) / n):
        raise ValueError("Cronbach's alpha is undefined: every respondent has the same total")
    item_variances = math.fsum(variance(s, q) for s, q in zip(item_sums, item_squares, strict=True))
    alpha = k / (k - 1) * (1 - item_variances / total_variance)
    df1, df2 = n - 1, (n - 1) * (k - 1)
    low = 1 - (1 - alpha) * float(special.fdtri(df1, df2, upper_level))
    high = 1 - (1 - alpha) * float(special.fdtri(df1, df2, 1 - upper_level))
    return AlphaResult(alpha, low, high, n, k, dropped, confidence)


def covariance_from_moments(n: int, sums: Vector, products: Matrix) -> FloatArray:
    """The sample covariance matrix (ddof=1) of variables from ``n`` complete rows, given the
    sum of each variable and the matrix of sums of cross-products (sum of x_i * x_j)."""
    s = _vector(sums, "sums")
    xx = _matrix(products, "cross-products")
    if np.isnan(s).any() or np.isnan(xx).any():
        raise ValueError("sums and cross-products must all be numbers")
    if xx.shape != (s.size, s.size):
        raise ValueError(f"{s.size} sums need a {s.size}x{s.size} matrix, got {xx.shape}")
    if n < 2:
        raise ValueError(f"a covariance needs at least 2 rows, got {n}")
    return (xx - np.outer(s, s) / n) / (n - 1)


def _covariance_data(
    covariance: Matrix, n: int, names: Sequence[str]
) -> tuple[FloatArray, tuple[str, ...]]:
    """A validated (drivers + outcome) covariance matrix, the outcome last."""
    c = _matrix(covariance, "covariance")
    labels = tuple(names)
    p = c.shape[0] - 1
    if c.shape != (p + 1, p + 1) or np.isnan(c).any():
        raise ValueError("the covariance must be a square matrix of numbers")
    if p <= 0:
        raise ValueError("at least one driver is needed")
    if p > MAX_DRIVERS:
        raise ValueError(f"{p} drivers: the exact decomposition is limited to {MAX_DRIVERS}")
    if len(labels) != p:
        raise ValueError(f"{len(labels)} names for {p} drivers")
    if len(set(labels)) != p:
        raise ValueError("driver names must be unique")
    if n < p + 2:
        raise ValueError(f"{p} drivers need at least {p + 2} complete respondents, got {n}")
    scale = max(float(np.abs(np.diag(c)).max()), 1e-300)
    if c[p, p] <= 1e-12 * scale:
        raise ValueError("the outcome does not vary, so there is nothing to explain")
    return (c + c.T) / 2, labels


def _r_squared(c: FloatArray, columns: list[int]) -> float:
    """R-squared of the regression of the outcome (last variable) on ``columns``, from the
    covariance matrix: c_yS' pinv(C_SS) c_Sy / c_yy (least squares, rank-aware)."""
    y = c.shape[0] - 1
    cxx = c[np.ix_(columns, columns)]
    cxy = c[columns, y]
    return float(cxy @ np.linalg.pinv(cxx, rcond=1e-12, hermitian=True) @ cxy / c[y, y])


def relative_importance_from_covariance(
    covariance: Matrix, n: int, names: Sequence[str], dropped: int = 0
) -> DriverResult:
    """:func:`relative_importance` (the LMG / Shapley decomposition of R-squared) from the
    covariance matrix of the drivers and the outcome (outcome last) of ``n`` complete rows.

    R-squared of every subset S of drivers is c_yS' C_SS^+ c_Sy / c_yy with C^+ the
    pseudo-inverse (the same fitted values as least squares, collinear drivers included), so
    the weights equal those computed from the raw answers. A correlation matrix gives the same
    weights (R-squared does not depend on the units).
    """
    c, labels = _covariance_data(covariance, n, names)
    p = len(labels)
    r2 = np.zeros(1 << p)
    for mask in range(1, 1 << p):
        r2[mask] = _r_squared(c, [j for j in range(p) if mask >> j & 1])
    return _driver_result(labels, _shapley(r2, p), float(r2[-1]), n, dropped, "lmg")


def relative_weights_from_covariance(
    covariance: Matrix, n: int, names: Sequence[str], dropped: int = 0
) -> DriverResult:
    """:func:`relative_weights` (Johnson 2000) from the covariance (or correlation) matrix of
    the drivers and the outcome, outcome last, of ``n`` complete rows."""
    c, labels = _covariance_data(covariance, n, names)
    p = len(labels)
    spread = np.sqrt(np.clip(np.diag(c), 0.0, None))
    constant = [labels[j] for j in range(p) if spread[j] <= 1e-12 * max(spread.max(), 1e-300)]
    if constant:
        raise ValueError(f"drivers that do not vary: {', '.join(constant)}")
    correlations = c / np.outer(spread, spread)
    weights = _johnson(correlations[:p, :p], correlations[:p, p])
    return _driver_result(labels, weights, float(weights.sum()), n, dropped, "relative_weights")
