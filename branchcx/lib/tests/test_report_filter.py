from __future__ import annotations

from datetime import date

import pytest
from django.utils import translation

from branchcx.lib.periods import MAX_DAYS, Period
from branchcx.lib.report_filter import ReportFilterForm
from branchcx.org.access import units_for_user
from branchcx.org.models import Branch

TODAY = date(2026, 12, 6)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _form(data, user, **kwargs):
    return ReportFilterForm(data, units=list(units_for_user(user)), today=TODAY, **kwargs)


def test_left_empty_it_is_the_default_period_and_the_whole_scope(org):
    form = _form({}, org.manager_a, extra={"every": [("quarter", "Q"), ("month", "M")]})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["period"] == Period(date(2026, 1, 1), TODAY)
    assert form.cleaned_data["unit"] is None
    assert form.cleaned_data["every"] == "quarter"  # an extra's first option


def test_a_page_may_ask_for_a_longer_default(org):
    form = _form({}, org.manager_a, months=24)
    assert form.is_valid()
    assert form.cleaned_data["start"] == date(2025, 1, 1)


def test_only_units_of_the_scope_can_be_chosen(org):
    assert _form({"unit": "SH0101"}, org.manager_a).is_valid()
    form = _form({"unit": "ZJ0101"}, org.manager_a)
    assert not form.is_valid()
    assert form.errors["unit"] == ["Choose one of the units listed."]


def test_bad_periods_are_refused_on_the_field_to_correct(org):
    form = _form({"start": "2026-02-30"}, org.head_office)
    assert form.errors["start"] == ["Enter a date as YYYY-MM-DD, for example 2026-01-31."]
    form = _form({"start": "2026-05-01", "end": "2026-04-30"}, org.head_office)
    assert form.errors["end"] == ["The period must end on or after the day it starts."]
    form = _form({"start": "2020-01-01", "end": "2026-01-01"}, org.head_office)
    assert f"at most {MAX_DAYS}" in form.errors["end"][0]


def test_units_for_user_narrows_by_level_and_status(org):
    outlets = units_for_user(org.manager_a, levels=[Branch.Level.OUTLET])
    assert [u.code for u in outlets] == ["SH0101"]
    Branch.objects.filter(code="SH0101").update(is_active=False)
    assert not units_for_user(org.manager_a, levels=[Branch.Level.OUTLET], open_only=True)
    assert [u.code for u in units_for_user(org.teller_b)] == ["ZJ0101"]
