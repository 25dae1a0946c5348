"""Working days follow the published holidays and make-up working days (调休)."""

from __future__ import annotations

from datetime import date

import pytest

from branchcx.lib.workdays import (
    add_working_days,
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
