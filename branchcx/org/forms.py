from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from branchcx.lib.forms import DateInput
from branchcx.org.models import WEEKDAY_LABELS, WEEKDAYS, Branch, Role

HOURS_HELP = _("HH:MM-HH:MM, empty when closed")


class BranchForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(label=_("Name"), max_length=100)
    city = forms.CharField(label=_("City"), max_length=50, required=False)
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)

    def __init__(self, *args: Any, can_close: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for day in WEEKDAYS:
            self.fields[f"hours_{day}"] = forms.CharField(
                label=WEEKDAY_LABELS[day], required=False, max_length=11, help_text=HOURS_HELP
            )
        if can_close:
            self.fields["is_active"] = forms.BooleanField(label=_("Open (active)"), required=False)

    @classmethod
    def initial_for(cls, branch: Branch) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "version": branch.version,
            "name": branch.name,
            "city": branch.city,
            "address": branch.address,
            "phone": branch.phone,
            "is_active": branch.is_active,
        }
        for day in WEEKDAYS:
            initial[f"hours_{day}"] = (branch.opening_hours or {}).get(day, "")
        return initial

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        changes = {f: data[f] for f in ("name", "city", "address", "phone")}
        changes["opening_hours"] = {day: data[f"hours_{day}"] for day in WEEKDAYS}
        if "is_active" in self.fields:
            changes["is_active"] = data["is_active"]
        return changes


class BranchCreateForm(forms.Form):
    code = forms.RegexField(
        label=_("Code"),
        regex=r"^[A-Z0-9]{2,12}$",
        error_messages={"invalid": _("Use 2 to 12 capital letters or digits.")},
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    level = forms.ChoiceField(
        label=_("Level"),
        choices=[
            (Branch.Level.BRANCH, Branch.Level.BRANCH.label),
            (Branch.Level.OUTLET, Branch.Level.OUTLET.label),
        ],
    )
    parent = forms.ModelChoiceField(label=_("Parent unit"), queryset=Branch.objects.none())
    city = forms.CharField(label=_("City"), max_length=50, required=False)
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)

    def __init__(self, *args: Any, parents: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = parents  # type: ignore[attr-defined]
        self.fields["parent"].to_field_name = "code"  # type: ignore[attr-defined]


class StaffCreateForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    full_name = forms.CharField(label=_("Full name"), max_length=50)
    employee_no = forms.CharField(label=_("Employee number"), max_length=20)
    role = forms.ChoiceField(label=_("Role"), choices=[])
    branch = forms.ModelChoiceField(label=_("Unit"), queryset=Branch.objects.none())
    mobile = forms.CharField(label=_("Mobile"), max_length=20, required=False)
    id_number = forms.CharField(label=_("Resident ID number"), max_length=18, required=False)

    def __init__(self, *args: Any, units: Any, roles: set[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = units  # type: ignore[attr-defined]
        self.fields["branch"].to_field_name = "code"  # type: ignore[attr-defined]
        self.fields["role"].choices = [  # type: ignore[attr-defined]
            (value, label) for value, label in Role.choices if value in roles
        ]


class StaffEditForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    full_name = forms.CharField(label=_("Full name"), max_length=50)
    role = forms.ChoiceField(label=_("Role"), choices=[])
    branch = forms.ModelChoiceField(label=_("Unit"), queryset=Branch.objects.none())
    is_active = forms.BooleanField(label=_("Active"), required=False)
    mobile = forms.CharField(
        label=_("New mobile"),
        max_length=20,
        required=False,
        help_text=_("Leave empty to keep the current number."),
    )
    id_number = forms.CharField(
        label=_("New resident ID number"),
        max_length=18,
        required=False,
        help_text=_("Leave empty to keep the current number."),
    )

    def __init__(self, *args: Any, units: Any, roles: set[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = units  # type: ignore[attr-defined]
        self.fields["branch"].to_field_name = "code"  # type: ignore[attr-defined]
        self.fields["role"].choices = [  # type: ignore[attr-defined]
            (value, label) for value, label in Role.choices if value in roles
        ]

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        changes = {f: data[f] for f in ("full_name", "role", "branch", "is_active")}
        for personal in ("mobile", "id_number"):
            if data[personal]:
                changes[personal] = data[personal]
        return changes


class UnmaskForm(forms.Form):
    field = forms.ChoiceField(choices=[("mobile", "mobile"), ("id_number", "id_number")])
    reason = forms.CharField(label=_("Reason"), min_length=4, max_length=500)


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=366, initial=90)


class CalendarDayForm(forms.Form):
    day = forms.DateField(label=_("Day"), widget=DateInput, input_formats=["%Y-%m-%d"])
    is_working_day = forms.TypedChoiceField(
        label=_("The bank is"),
        choices=[("0", _("Closed (holiday)")), ("1", _("Open (make-up working day)"))],
        coerce=lambda value: value == "1",
    )
    note = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("For example 春节 or 国庆节调休."),
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["day"]
