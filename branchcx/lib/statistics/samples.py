"""Small-sample marks: when a figure is shown with a warning because it rests on too few
observations.

The threshold is the common n >= 30 rule of thumb from which the normal approximations behind
a mean's or a proportion's interval (:mod:`branchcx.lib.statistics.intervals`) are trusted.
Figures below it are still computed and shown; the interval each one carries is the precise
statement.
"""

from __future__ import annotations

SMALL_SAMPLE = 30
"""Fewer responses than this and a score is shown but marked as a small sample.

A rule of thumb, not a theorem: n >= 30 is the usual point from which the normal
approximations behind the intervals are trusted. Even at 30 answers a 95% interval is wide
(about +/- 18 points for a CSAT near 50%, +/- 28 points for an NPS of 30 with 20% detractors),
so the intervals each score returns are the precise statement."""


def small_sample(n: int, minimum: int = SMALL_SAMPLE) -> bool:
    """Whether ``n`` responses are too few to report a score without a warning.

    Definition: ``n < minimum``. The threshold is the common n >= 30 rule of thumb for the
    normal approximation of a mean or a proportion (see :data:`SMALL_SAMPLE`); results below it
    are still computed and shown, marked "small sample".
    """
    if n < 0:
        raise ValueError(f"a number of responses cannot be negative, got {n}")
    return n < minimum
