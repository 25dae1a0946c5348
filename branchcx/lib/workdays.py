"""Working days in mainland China: weekends, public holidays and make-up working days (调休).

The State Council publishes each year's holidays and the weekend days worked in exchange;
``chinese-calendar`` carries them. A bank may correct or extend them (for a year the library
does not know yet, or a local arrangement) with ``overrides``: date → working or not. For a
year the library does not cover and no override mentions, Monday to Friday are working days
and the answer is marked provisional by :func:`is_known`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta

import chinese_calendar

Overrides = Mapping[date, bool]


def is_known(day: date, overrides: Overrides | None = None) -> bool:
    """Whether the published schedule (or the bank's override) says what ``day`` is."""
    if overrides and day in overrides:
        return True
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def is_working_day(day: date, overrides: Overrides | None = None) -> bool:
    if overrides and day in overrides:
        return overrides[day]
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # a year not yet published: weekdays work
        return day.weekday() < 5


def add_working_days(start: date, days: int, overrides: Overrides | None = None) -> date:
    """The ``days``-th working day after ``start`` (``start`` itself does not count, as in
    the Civil Code's rule that a period begins the next day). ``days`` must be positive."""
    if days < 1:
        raise ValueError("count at least one working day")
    day, counted = start, 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day, overrides):
            counted += 1
    return day


def working_days_between(start: date, end: date, overrides: Overrides | None = None) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when ``end <= start``)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day, overrides):
            count += 1
    return count


WORKDAY_START = time(9, 0)
WORKDAY_END = time(17, 0)


def add_working_hours(
    start: datetime,
    hours: float,
    overrides: Overrides | None = None,
    *,
    opens: time = WORKDAY_START,
    closes: time = WORKDAY_END,
) -> datetime:
    """The moment ``hours`` working hours after ``start`` (aware, local time): only the
    hours between ``opens`` and ``closes`` on working days count. A start outside them
    counts from the next opening."""
    if hours < 0:
        raise ValueError("hours must not be negative")
    zone = start.tzinfo
    left = timedelta(hours=hours)
    current = start
    while True:
        day = current.date()
        opening = datetime.combine(day, opens, zone)
        closing = datetime.combine(day, closes, zone)
        if not is_working_day(day, overrides) or current >= closing:
            current = datetime.combine(day + timedelta(days=1), opens, zone)
            continue
        current = max(current, opening)
        if current + left <= closing:
            return current + left
        left -= closing - current
        current = datetime.combine(day + timedelta(days=1), opens, zone)
