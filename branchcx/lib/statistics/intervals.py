"""Two-sided confidence intervals: the quantile level of a confidence, the normal and Student t
critical values, the normal (Wald) and t intervals around an estimate, and the Wilson score
interval of a proportion.

References: Wilson 1927 ("Probable inference, the law of succession, and statistical
inference", JASA 22(158)) for the score interval, recommended over the Wald interval for
proportions by Brown, Cai & DasGupta 2001 (Statistical Science 16(2)); Student 1908
(Biometrika 6(1)) for the t interval of a mean. A ``confidence`` is strictly between 0 and 1
(0.95 for 95%); anything else raises ``ValueError``.
"""

from __future__ import annotations

import math
from statistics import NormalDist

from scipy import special


def check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be strictly between 0 and 1, got {confidence!r}")


def two_sided_quantile(confidence: float) -> float:
    """The upper quantile level of a two-sided interval, e.g. 0.975 for 95%."""
    check_confidence(confidence)
    return 1 - (1 - confidence) / 2


def normal_quantile(confidence: float) -> float:
    """z of a two-sided interval: the standard normal quantile at 1 - (1 - confidence)/2
    (1.96 for 95%)."""
    return NormalDist().inv_cdf(two_sided_quantile(confidence))


def t_quantile(confidence: float, df: int) -> float:
    """Student's t quantile at 1 - (1 - confidence)/2 with ``df`` degrees of freedom."""
    return float(special.stdtrit(df, two_sided_quantile(confidence)))


def normal_interval(estimate: float, se: float, confidence: float) -> tuple[float, float]:
    """The normal (Wald) interval estimate +/- z * se, unclipped: the caller clips it to its
    scale."""
    z = normal_quantile(confidence)
    return estimate - z * se, estimate + z * se


def t_interval(mean: float, se: float, df: int, confidence: float) -> tuple[float, float]:
    """The t interval of a mean, mean +/- t(1 - (1 - confidence)/2, df) * se, unclipped."""
    half = t_quantile(confidence, df) * se
    return mean - half, mean + half


def wilson_interval(successes: int, n: int, confidence: float) -> tuple[float, float]:
    """Wilson's score interval of the proportion ``successes / n``, as shares from 0 to 1.

    With phat = successes / n and z the two-sided normal quantile, the interval is
    (phat + z**2/(2n) +/- z * sqrt(phat(1 - phat)/n + z**2/(4n**2))) / (1 + z**2/n)
    (Wilson 1927); the same numbers as ``scipy.stats.binomtest(...).proportion_ci(method=
    "wilson")``, in closed form (binomtest would also compute a p-value nobody reads). Unlike
    the Wald interval it stays inside 0-1 and keeps a sensible width when every trial succeeds.
    """
    check_confidence(confidence)
    if not 0 <= successes <= n or n == 0:
        raise ValueError(f"a Wilson interval needs 0 <= successes <= n, n > 0; got {successes}/{n}")
    z = normal_quantile(confidence)
    share = successes / n
    centre = share + z * z / (2 * n)
    spread = z * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n))
    scale = 1 + z * z / n
    return max((centre - spread) / scale, 0.0), min((centre + spread) / scale, 1.0)
