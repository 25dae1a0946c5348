"""The one filter of every report page: a period, a unit of the user's scope, and extras.

Built from the page's GET parameters. Every field may be left empty: the period is then the
report's default (:func:`branchcx.lib.periods.make_period`: this month and the months before
it), the unit is the user's whole scope, and each extra choice takes its first option. The
units offered come from ``org.access.units_for_user``, so a unit outside the user's scope
cannot even be named. An app adds its own picks by subclassing (surveys adds the survey).

``cleaned_data`` holds ``period`` (a :class:`~branchcx.lib.periods.Period`), ``start`` and
``end`` (its days), the unit under the unit field's name (a unit or None) and every extra.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from branchcx.lib.periods import DEFAULT_MONTHS, Period, make_period

DATE_MESSAGES = {"invalid": _("Enter a date as YYYY-MM-DD, for example 2026-01-31.")}


class ReportFilterForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, error_messages=DATE_MESSAGES)
    end = forms.DateField(label=_("To"), required=False, error_messages=DATE_MESSAGES)

    def __init__(
        self,
        data: Any,
        *,
        units: Sequence[Any],
        today: Any,
        months: int = DEFAULT_MONTHS,
        unit_field: str = "unit",
        unit_label: Any = None,
        all_units: Any = None,
        unit_error: Any = None,
        extra: dict[str, list[tuple[str, Any]]] | None = None,
    ) -> None:
        super().__init__(data)
        self.today, self.months, self.unit_field = today, months, unit_field
        self.units = {u.code: u for u in units}
        self.fields[unit_field] = forms.ChoiceField(
            label=unit_label or _("Unit"),
            required=False,
            choices=[("", all_units or _("All my units"))] + [(u.code, u.name) for u in units],
            error_messages={"invalid_choice": unit_error or _("Choose one of the units listed.")},
        )
        # page-specific choices (grouping, outcome, period length) with their first as default
        self.extras = list(extra or {})
        for name, choices in (extra or {}).items():
            self.fields[name] = forms.ChoiceField(
                choices=choices,
                required=False,
                error_messages={"invalid_choice": _("Choose one of the options listed.")},
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "start" in data and "end" in data:  # both typed well (or left empty)
            try:
                period = make_period(data["start"], data["end"], self.today, self.months)
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    for message in messages:
                        self.add_error(name, message)
            else:
                data["period"], data["start"], data["end"] = period, period.start, period.end
        data[self.unit_field] = self.units.get(data.get(self.unit_field) or "")
        for name in self.extras:
            field: Any = self.fields[name]
            data[name] = data.get(name) or field.choices[0][0]
        return data

    @property
    def period(self) -> Period | None:
        """The period understood, once the form is valid."""
        return self.cleaned_data.get("period") if self.is_valid() else None

    def period_days(self) -> int:
        period: Period = self.cleaned_data["period"]
        return period.days
