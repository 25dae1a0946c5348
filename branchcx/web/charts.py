"""What a page's charts draw, built the one way ``web/static/web/charts.js`` reads it.

The convention: a view builds a plain dict — ``{"labels": {...}, "<chart>": {...}}`` — and the
template writes it as a JSON data island (``{{ chart|json_script:"<page>-report-data" }}``);
the page's script hands it to ``BranchCX.charts.ready``. Numbers are rounded here, not in the
browser; a period without data is ``None`` (drawn as a gap, never joined over); an interval
is a :func:`band`; labels are translated strings (``str`` of the lazy text, so the JSON
encoder gets plain text). The tables beside each chart show the same figures.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import Any, Protocol, TypeVar

from branchcx.lib import periods

T = TypeVar("T")


class Estimate(Protocol):
    """A figure with its interval and whether it rests on too few answers."""

    @property
    def score(self) -> float | None: ...

    @property
    def low(self) -> float | None: ...

    @property
    def high(self) -> float | None: ...

    @property
    def is_small_sample(self) -> bool: ...


def number(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def labels(**texts: Any) -> dict[str, str]:
    return {key: str(text) for key, text in texts.items()}


def every_month(
    found: Mapping[date, T], first: date | None = None, last: date | None = None
) -> list[tuple[str, T | None]]:
    """("YYYY-MM", value or None) for each month from ``first`` to ``last`` (by default the
    first and last month in ``found``): a month without data is there, as None, so the chart
    shows a gap instead of joining the months around it."""
    return [(f"{month:%Y-%m}", value) for month, value in periods.every_month(found, first, last)]


def every_quarter(
    found: Mapping[date, T], first: date | None = None, last: date | None = None
) -> list[tuple[str, T | None]]:
    """("YYYYQn", value or None) for each quarter, like :func:`every_month`."""
    return [
        (periods.quarter_label(quarter), value)
        for quarter, value in periods.every_quarter(found, first, last)
    ]


def band(
    estimates: Iterable[Estimate | None], digits: int = 1
) -> dict[str, list[float | None] | list[bool]]:
    """A line with its interval band: values, lower and upper bounds, small-sample marks;
    a missing estimate (an empty period) is a gap in all four."""
    rows = list(estimates)
    return {
        "values": [number(e.score, digits) if e else None for e in rows],
        "low": [number(e.low, digits) if e else None for e in rows],
        "high": [number(e.high, digits) if e else None for e in rows],
        "small": [e.is_small_sample if e else False for e in rows],
    }


def column(rows: Sequence[T], value: Callable[[T], float | None], digits: int = 1) -> list[Any]:
    """One rounded figure per row (None stays None)."""
    return [number(value(r), digits) for r in rows]
