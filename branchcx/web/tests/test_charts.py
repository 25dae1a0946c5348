from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from branchcx.web.charts import band, every_month, labels, number


def test_a_month_without_data_is_a_gap_not_joined_over():
    found = {date(2026, 1, 1): "jan", date(2026, 4, 1): "apr"}
    shown = every_month(found)
    assert [label for label, _m in shown] == ["2026-01", "2026-02", "2026-03", "2026-04"]
    assert [m is None for _l, m in shown] == [False, True, True, False]
    assert every_month({}) == []


def test_every_month_spans_a_given_period_across_the_year_end():
    shown = every_month({date(2026, 1, 1): 3}, first=date(2025, 11, 15), last=date(2026, 2, 3))
    assert shown == [("2025-11", None), ("2025-12", None), ("2026-01", 3), ("2026-02", None)]
    assert every_month({}, first=date(2026, 1, 1), last=date(2026, 1, 31)) == [("2026-01", None)]


def test_a_band_keeps_gaps_in_every_part_and_marks_small_samples():
    big = SimpleNamespace(score=41.26, low=30.04, high=52.55, is_small_sample=False)
    few = SimpleNamespace(score=-10.0, low=-60.0, high=40.0, is_small_sample=True)
    assert band([big, None, few]) == {
        "values": [41.3, None, -10.0],
        "low": [30.0, None, -60.0],
        "high": [52.5, None, 40.0],
        "small": [False, False, True],
    }


def test_numbers_are_rounded_and_labels_are_plain_text():
    from django.utils.translation import gettext_lazy

    assert number(None) is None and number(2.345, 2) == 2.35 and number(7.0) == 7.0
    assert labels(nps=gettext_lazy("NPS")) == {"nps": "NPS"}
