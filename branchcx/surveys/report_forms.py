"""Forms of the satisfaction reports: the filters (period, unit, survey) and the entry of what
managers believe customers expect."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from branchcx.lib.periods import months_back, quarter_label, recent_quarters
from branchcx.surveys.models import Dimension

__all__ = ["BeliefForm", "ReportFilterForm", "quarter_label"]

# Enough for two years of drift plus the same months a year earlier.
MAX_PERIOD_DAYS = 1096


class ReportFilterForm(forms.Form):
    """GET parameters of the report pages. Every field may be left empty: the period then
    covers the last ``months`` whole months and this one, the unit is the user's whole scope
    and every survey counts."""

    start = forms.DateField(label=_("From"), required=False)
    end = forms.DateField(label=_("To"), required=False)
    unit = forms.ChoiceField(
        label=_("Unit"),
        required=False,
        error_messages={"invalid_choice": _("Choose one of the units listed.")},
    )
    survey = forms.ChoiceField(
        label=_("Survey"),
        required=False,
        error_messages={"invalid_choice": _("Choose one of the surveys listed.")},
    )

    def __init__(
        self,
        data: Any,
        *,
        units: list[Any],
        surveys: list[Any],
        today: date,
        months: int,
        extra: dict[str, list[tuple[str, Any]]] | None = None,
    ) -> None:
        super().__init__(data)
        self.today, self.months = today, months
        unit_field: Any = self.fields["unit"]
        unit_field.choices = [("", _("All my units"))] + [(u.code, u.name) for u in units]
        survey_field: Any = self.fields["survey"]
        survey_field.choices = [("", _("All surveys"))] + [(s.code, str(s)) for s in surveys]
        self.units = {u.code: u for u in units}
        self.surveys = {s.code: s for s in surveys}
        # page-specific choices (grouping, outcome, period length) with their first as default
        for name, choices in (extra or {}).items():
            self.fields[name] = forms.ChoiceField(
                choices=choices,
                required=False,
                error_messages={"invalid_choice": _("Choose one of the options listed.")},
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start = data.get("start") or months_back(self.today, self.months)
        end = data.get("end") or self.today
        if "start" in data and "end" in data:
            if start > end:
                self.add_error("end", _("The period must end on or after the day it starts."))
            elif (end - start).days + 1 > MAX_PERIOD_DAYS:
                self.add_error(
                    "end",
                    _("The period covers %(days)s days; choose at most %(max)s (three years).")
                    % {"days": (end - start).days + 1, "max": MAX_PERIOD_DAYS},
                )
        data["start"], data["end"] = start, end
        data["unit"] = self.units.get(data.get("unit") or "")
        data["survey"] = self.surveys.get(data.get("survey") or "")
        for name, field in self.fields.items():
            if isinstance(field, forms.ChoiceField) and name not in ("unit", "survey"):
                data[name] = data.get(name) or field.choices[0][0]  # type: ignore[index]
        return data

    def period_days(self) -> int:
        data = self.cleaned_data
        return int((data["end"] - data["start"] + timedelta(days=1)).days)


LEVEL_MESSAGES = {
    "required": _("Enter a level from 1 to 7."),
    "invalid": _("Enter a level from 1 to 7."),
    "min_value": _("Enter a level from 1 to 7."),
    "max_value": _("Enter a level from 1 to 7."),
}


class BeliefForm(forms.Form):
    """What a unit's managers believe customers expect on each dimension in a quarter."""

    unit = forms.ChoiceField(
        label=_("Unit"), error_messages={"invalid_choice": _("Choose one of the units listed.")}
    )
    quarter = forms.ChoiceField(
        label=_("Quarter"),
        error_messages={"invalid_choice": _("Choose one of the quarters listed.")},
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
    seen = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, data: Any = None, *, units: list[Any], today: date, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.units = {u.code: u for u in units}
        self.quarters = {f"{q}": q for q in recent_quarters(today)}
        unit_field: Any = self.fields["unit"]
        unit_field.choices = [(u.code, f"{u.name} ({u.code})") for u in units]
        quarter_field: Any = self.fields["quarter"]
        quarter_field.choices = [(key, quarter_label(q)) for key, q in self.quarters.items()]
        for dimension, label in Dimension.choices:
            self.fields[dimension] = forms.FloatField(
                label=label,
                min_value=1,
                max_value=7,
                error_messages=LEVEL_MESSAGES,
                widget=forms.NumberInput(attrs={"step": "0.1", "min": "1", "max": "7"}),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("unit"):
            data["unit"] = self.units[data["unit"]]
        if data.get("quarter"):
            data["quarter"] = self.quarters[data["quarter"]]
        return data

    def dimension_fields(self) -> list[Any]:
        return [self[d] for d in Dimension.values]

    def expectations(self) -> dict[str, float]:
        return {d: self.cleaned_data[d] for d in Dimension.values}
