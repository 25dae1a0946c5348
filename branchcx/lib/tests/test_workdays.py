"""Working days follow the published holidays and make-up working days (调休)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from branchcx.lib.workdays import (
    add_working_days,
    add_working_hours,
    is_known,
    is_working_day,
    working_days_between,
)


def test_spring_festival_2026_stops_working_days_and_its_saturdays_count():
    # 15-23 Feb 2026 off; Saturday 14 and Saturday 28 Feb are worked in exchange
    assert is_working_day(date(2026, 2, 14))  # a Saturday
    assert not is_working_day(date(2026, 2, 16))  # a Monday in the holiday
    # 7 working days after Thursday 12 Feb: 13, 14 (Sat), 24, 25, 26, 27, 28 (Sat)
    assert add_working_days(date(2026, 2, 12), 7) == date(2026, 2, 28)


def test_national_day_2026_with_its_make_up_saturday():
    # 1-7 Oct off; Saturday 10 Oct worked
    assert add_working_days(date(2026, 9, 30), 7) == date(2026, 10, 15)
    assert working_days_between(date(2026, 9, 30), date(2026, 10, 10)) == 3  # 8, 9, 10


def test_a_year_not_yet_published_falls_back_to_weekdays_and_says_so():
    assert not is_known(date(2031, 3, 3))
    assert is_working_day(date(2031, 3, 3))  # a Monday
    assert not is_working_day(date(2031, 3, 1))  # a Saturday


def test_the_banks_overrides_win():
    holiday = {date(2031, 3, 3): False}
    assert is_known(date(2031, 3, 3), holiday)
    assert add_working_days(date(2031, 2, 28), 1, holiday) == date(2031, 3, 4)


def test_counting_needs_at_least_one_day():
    with pytest.raises(ValueError):
        add_working_days(date(2026, 1, 5), 0)


SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI)


def test_working_hours_skip_nights_weekends_and_holidays():
    # Friday 16:00 + 2 working hours: 1 h on Friday, 1 h on Monday morning
    assert add_working_hours(at(2026, 3, 6, 16), 2) == at(2026, 3, 9, 10)
    # Thursday 12 Feb 2026 15:00 + 8 h: 2 h Thursday, 6 h Friday 13 Feb
    assert add_working_hours(at(2026, 2, 12, 15), 8) == at(2026, 2, 13, 15)
    # Friday 13 Feb 16:00 + 4 h: 1 h Friday, 3 h on the make-up Saturday 14 Feb
    assert add_working_hours(at(2026, 2, 13, 16), 4) == at(2026, 2, 14, 12)
    # Saturday 14 Feb 16:00 + 2 h: the festival (15-23 Feb) is skipped
    assert add_working_hours(at(2026, 2, 14, 16), 2) == at(2026, 2, 24, 10)


def test_a_start_outside_office_hours_counts_from_the_next_opening():
    assert add_working_hours(at(2026, 3, 9, 20, 30), 1) == at(2026, 3, 10, 10)
    assert add_working_hours(at(2026, 3, 9, 7, 0), 0.5) == at(2026, 3, 9, 9, 30)
