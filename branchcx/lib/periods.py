"""Report periods and the bank's local time in the database.

A period is days ``start`` to ``end``, both included, in the bank's time zone. Every report of
the product takes one the same way (:func:`parse_period`): left empty, it is the current month
and the eleven before it (:data:`DEFAULT_MONTHS`); it may cover at most :data:`MAX_DAYS`
(three years: two years of trend beside the same months a year earlier). A page whose figure
needs a longer default (the expectation drift) asks for it by ``months``; none may exceed the
maximum. docs/decisions.md ("Report periods") says why.

The database functions turn a stored time into the bank's local day or month, and count the
days between two dates, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import DateField, Func, IntegerField
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

T = TypeVar("T")

DEFAULT_MONTHS = 12  # the current month and the eleven before it
MAX_DAYS = 1096  # three years


# --- months and quarters -------------------------------------------------------------------


def month_start(day: date | datetime) -> date:
    """The first day of the month of ``day`` (a time counts in the bank's time zone)."""
    if isinstance(day, datetime):
        day = timezone.localtime(day).date() if timezone.is_aware(day) else day.date()
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def month_end(day: date) -> date:
    return next_month(day) - timedelta(days=1)


def months_back(day: date, months: int) -> date:
    """The first day of the month ``months`` before ``day``'s month."""
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def quarter_start(day: date) -> date:
    return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)


def quarter_label(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def recent_quarters(today: date, count: int = 8) -> list[date]:
    """The current quarter and the ``count`` before it, newest first."""
    first = quarter_start(today)
    return [months_back(first, 3 * back) for back in range(count + 1)]


def every_month(
    found: Mapping[date, T], first: date | None = None, last: date | None = None
) -> list[tuple[date, T | None]]:
    """(month, value or None) for each month from ``first`` to ``last`` (by default the first
    and last month in ``found``): a month without data is there, as None, so a chart shows a
    gap and a table an empty row instead of skipping it."""
    return _every(found, first, last, month_start, 1)


def every_quarter(
    found: Mapping[date, T], first: date | None = None, last: date | None = None
) -> list[tuple[date, T | None]]:
    """(quarter's first day, value or None) for each quarter from ``first`` to ``last``,
    like :func:`every_month`."""
    return _every(found, first, last, quarter_start, 3)


def _every(
    found: Mapping[date, T],
    first: date | None,
    last: date | None,
    start_of: Callable[[date], date],
    months: int,
) -> list[tuple[date, T | None]]:
    if not found and (first is None or last is None):
        return []
    period = start_of(first or min(found))
    end = start_of(last or max(found))
    every: list[tuple[date, T | None]] = []
    while period <= end:
        every.append((period, found.get(period)))
        period = months_back(period, -months)
    return every


# --- the period ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Days ``start`` to ``end``, both included, in the bank's time zone."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds(self) -> tuple[datetime, datetime]:
        """From local midnight of the first day to local midnight after the last."""
        zone = timezone.get_default_timezone()
        return (
            datetime.combine(self.start, time.min, tzinfo=zone),
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=zone),
        )

    def months(self) -> list[date]:
        """The first day of every calendar month the period touches."""
        month, months = self.start.replace(day=1), []
        while month <= self.end:
            months.append(month)
            month = next_month(month)
        return months

    def quarters(self) -> list[date]:
        """The first day of every calendar quarter the period touches."""
        return sorted({quarter_start(month) for month in self.months()})

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end


def default_period(today: date, months: int = DEFAULT_MONTHS) -> Period:
    """The current month and the ``months - 1`` before it, up to today."""
    return Period(months_back(today, months - 1), today)


def make_period(
    start: date | None, end: date | None, today: date, months: int = DEFAULT_MONTHS
) -> Period:
    """The period asked for (a missing end as in :func:`default_period`), at most
    :data:`MAX_DAYS` long. Errors are keyed by the field to correct."""
    period = Period(start or default_period(today, months).start, end or today)
    if period.start > period.end:
        raise ValidationError({"end": _("The period must end on or after the day it starts.")})
    if period.days > MAX_DAYS:
        raise ValidationError(
            {
                "end": _("The period covers %(days)s days; choose at most %(max)s (three years).")
                % {"days": period.days, "max": MAX_DAYS}
            }
        )
    return period


def parse_period(
    start: str | None, end: str | None, today: date, months: int = DEFAULT_MONTHS
) -> Period:
    """The period from two ``YYYY-MM-DD`` texts (a page's GET parameters)."""
    errors: dict[str, str] = {}
    days: dict[str, date | None] = {}
    for name, text in (("start", start), ("end", end)):
        text = (text or "").strip()
        try:
            days[name] = date.fromisoformat(text) if text else None
        except ValueError:
            errors[name] = _("Enter a date as YYYY-MM-DD, for example 2026-01-31.")
    if errors:
        raise ValidationError(errors)
    return make_period(days["start"], days["end"], today, months)


# --- local time in the database ------------------------------------------------------------


class DaysBetween(Func):
    """Whole days from the second date to the first, computed by the database."""

    arity = 2
    output_field = IntegerField()
    template = "((%(expressions)s)::date)"  # PostgreSQL: (a)::date - (b)::date
    arg_joiner = ")::date - ("

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


def _fixed_offset() -> int | None:
    """Minutes east of UTC of the bank's time zone, when it has kept one offset all of this
    year and last (Asia/Shanghai has had no daylight saving since 1991); else None."""
    zone = timezone.get_default_timezone()
    year = timezone.now().year
    offsets = {
        datetime(y, m, 1, tzinfo=zone).utcoffset() for y in (year - 1, year) for m in (1, 4, 7, 10)
    }
    if len(offsets) != 1 or None in offsets:
        return None
    (offset,) = offsets
    return int(offset.total_seconds()) // 60  # type: ignore[union-attr]


class LocalDate(TruncDate):
    """The day in the bank's time zone of a stored time. SQLite would convert every value
    in Python (a user-defined function); with a fixed offset, its own date() does it."""

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        minutes = _fixed_offset()
        if minutes is None:
            return self.as_sql(compiler, connection)
        sql, params = compiler.compile(self.lhs)
        return f"date({sql}, %s)", (*params, f"{minutes:+d} minutes")


class LocalMonth(TruncMonth):
    """The first day of the month in the bank's time zone of a stored time, as a date."""

    output_field = DateField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        minutes = _fixed_offset()
        if minutes is None:
            return self.as_sql(compiler, connection)
        sql, params = compiler.compile(self.lhs)
        return f"strftime(%s, {sql}, %s)", ("%Y-%m-01", *params, f"{minutes:+d} minutes")


def local_date(expression: Any) -> TruncDate:
    """The bank's local day of a stored time, for ``annotate``/``values``."""
    return LocalDate(expression, tzinfo=timezone.get_default_timezone())


def local_month(expression: Any) -> TruncMonth:
    """The first day of the bank's local month of a stored time, as a date."""
    return LocalMonth(expression, tzinfo=timezone.get_default_timezone(), output_field=DateField())
