"""Median and mean of values given as a histogram ({value: how many times}): what a grouped
query (``values(...).annotate(Count(...))``) or a rollup returns, without expanding it.

The median is the middle value, or the mean of the two middle values for an even count (the
textbook definition, as ``statistics.median`` computes it on the expanded values)."""

from __future__ import annotations

from collections.abc import Mapping


def median(histogram: Mapping[int, int] | Mapping[float, int]) -> float | None:
    """The median (the mean of the two middle values for an even count); None when empty."""
    total = sum(histogram.values())
    if not total:
        return None
    ordered = sorted(histogram.items())

    def nth(n: int) -> float:  # the n-th smallest value, from 0
        seen = 0
        for value, times in ordered:
            seen += times
            if n < seen:
                return value
        raise IndexError(n)

    return (nth((total - 1) // 2) + nth(total // 2)) / 2


def mean(histogram: Mapping[int, int] | Mapping[float, int]) -> float | None:
    total = sum(histogram.values())
    return sum(v * n for v, n in histogram.items()) / total if total else None
