"""Reliability of a multi-item scale: Cronbach's alpha with its Feldt interval, from the
answers or from their moments, and the customary threshold below which a scale is unreliable.

References: Cronbach 1951 ("Coefficient alpha and the internal structure of tests",
Psychometrika 16(3)) for alpha; Feldt 1965 (Psychometrika 30(3)) for its interval; Nunnally
1978 (Psychometric Theory, 2nd ed.) for the 0.70 threshold. The figures equal
``pingouin.cronbach_alpha``'s.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import special

from branchcx.lib.statistics.arrays import Matrix, as_matrix
from branchcx.lib.statistics.intervals import two_sided_quantile
from branchcx.lib.statistics.moments import sample_variance_from_moments

RELIABILITY_THRESHOLD = 0.7
"""Cronbach's alpha below this marks a multi-item scale as unreliable (Nunnally 1978,
Psychometric Theory, 2nd ed., the customary 0.70 for applied measurement)."""


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


def _check_size(n: int, k: int) -> None:
    if k < 2:
        raise ValueError(f"Cronbach's alpha needs at least 2 items, got {k}")
    if n < 2:
        raise ValueError(
            f"Cronbach's alpha needs at least 2 respondents who answered every item, got {n}"
        )


def _with_feldt_interval(
    alpha: float, n: int, k: int, dropped: int, confidence: float, upper_level: float
) -> AlphaResult:
    """``alpha`` with Feldt's interval: F quantiles with n - 1 and (n - 1)(k - 1) df."""
    df1, df2 = n - 1, (n - 1) * (k - 1)
    low = 1 - (1 - alpha) * float(special.fdtri(df1, df2, upper_level))
    high = 1 - (1 - alpha) * float(special.fdtri(df1, df2, 1 - upper_level))
    return AlphaResult(alpha, low, high, n, k, dropped, confidence)


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
    upper_level = two_sided_quantile(confidence)
    data = as_matrix(rows, "items")
    complete = data[~np.isnan(data).any(axis=1)]
    n, k = complete.shape
    dropped = data.shape[0] - n
    _check_size(n, k)
    total_variance = float(complete.sum(axis=1).var(ddof=1))
    if total_variance == 0:
        raise ValueError("Cronbach's alpha is undefined: every respondent has the same total")
    item_variances = float(complete.var(axis=0, ddof=1).sum())
    alpha = k / (k - 1) * (1 - item_variances / total_variance)
    return _with_feldt_interval(alpha, n, k, dropped, confidence, upper_level)


def flag_unreliable(alpha: float, threshold: float = RELIABILITY_THRESHOLD) -> bool:
    """Whether a scale's alpha is below the reliability threshold.

    Definition: ``alpha < threshold``, with 0.70 by default (Nunnally 1978, Psychometric
    Theory, 2nd ed.). A flagged scale's dimension scores should not be compared across branches
    until its items are reviewed.
    """
    if math.isnan(alpha):
        raise ValueError("alpha is NaN")
    return alpha < threshold


# --- From moments (what a database aggregates) ---------------------------------------------


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
    upper_level = two_sided_quantile(confidence)
    k = len(item_sums)
    if len(item_squares) != k:
        raise ValueError(f"{k} item sums but {len(item_squares)} sums of squares")
    _check_size(n, k)

    total_variance = sample_variance_from_moments(n, total_sum, total_squares)
    # integer answers make the moments exact; a spread below rounding level is no spread
    if total_variance <= 1e-12 * max(1.0, abs(float(total_squares)) / n):
        raise ValueError("Cronbach's alpha is undefined: every respondent has the same total")
    item_variances = math.fsum(
        sample_variance_from_moments(n, s, q) for s, q in zip(item_sums, item_squares, strict=True)
    )
    alpha = k / (k - 1) * (1 - item_variances / total_variance)
    return _with_feldt_interval(alpha, n, k, dropped, confidence, upper_level)
