"""Forms of the satisfaction reports: the filters (period, unit, survey) and the entry of what
managers believe customers expect."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from branchcx.lib import report_filter
from branchcx.lib.periods import quarter_label, recent_quarters
from branchcx.surveys.models import Dimension

__all__ = ["BeliefForm", "ReportFilterForm", "quarter_label"]


class ReportFilterForm(report_filter.ReportFilterForm):
    """The report filter (see :mod:`branchcx.lib.report_filter`) with the survey to count:
    left empty, every survey counts."""

    survey = forms.ChoiceField(
        label=_("Survey"),
        required=False,
        error_messages={"invalid_choice": _("Choose one of the surveys listed.")},
    )

    def __init__(self, data: Any, *, surveys: list[Any], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        survey_field: Any = self.fields["survey"]
        survey_field.choices = [("", _("All surveys"))] + [(s.code, str(s)) for s in surveys]
        self.surveys = {s.code: s for s in surveys}
        self.order_fields(["start", "end", self.unit_field, "survey", *self.extras])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["survey"] = self.surveys.get(data.get("survey") or "")
        return data


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
