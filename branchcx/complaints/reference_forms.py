"""Forms for head office's complaint reference data (see ``reference.py`` for the rules)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from branchcx.complaints.models import Classification, RootCause
from branchcx.complaints.reference import MAX_HOURS
from branchcx.org.models import Branch, StaffProfile

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,15}$"
CODE_ERROR = _("Use 1 to 16 letters, digits, dots, dashes or underscores.")
CAUSE_CODE_PATTERN = r"^[A-Z0-9][A-Z0-9_-]{0,15}$"
CAUSE_CODE_ERROR = _("Use 1 to 16 capital letters, digits, dashes or underscores.")


class CodeForm(forms.Form):
    """Add a code (with its axis) or edit one (the axis stays)."""

    axis = forms.ChoiceField(label=_("Axis"), choices=Classification.Axis.choices)
    code = forms.RegexField(
        label=_("Code"),
        regex=CODE_PATTERN,
        max_length=16,
        error_messages={"invalid": CODE_ERROR},
        help_text=_("Unique on its axis. It cannot change once complaints use it."),
    )
    name = forms.CharField(label=_("Name (Chinese)"), max_length=60)
    name_en = forms.CharField(label=_("Name (English)"), max_length=100)
    sort_order = forms.IntegerField(
        label=_("Order in lists"), min_value=0, max_value=32767, initial=0
    )
    # the version the editor opened: a save over someone else's later change is refused
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["axis"]
        else:
            del self.fields["version"]

    @staticmethod
    def initial_for(code: Classification) -> dict[str, Any]:
        return {
            "version": code.version,
            "code": code.code,
            "name": code.name,
            "name_en": code.name_en,
            "sort_order": code.sort_order,
        }


class CauseForm(forms.Form):
    code = forms.RegexField(
        label=_("Code"),
        regex=CAUSE_CODE_PATTERN,
        max_length=16,
        error_messages={"invalid": CAUSE_CODE_ERROR},
        help_text=_("For example S04 under S. It cannot change later."),
    )
    name = forms.CharField(label=_("Name"), max_length=80)
    parent = forms.ModelChoiceField(
        label=_("Part of"),
        queryset=RootCause.objects.none(),
        required=False,
        empty_label=_("(top level)"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, parents: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["parent"]
        field.queryset = parents  # type: ignore[attr-defined]
        field.to_field_name = "code"  # type: ignore[attr-defined]
        if editing:
            del self.fields["code"]
        else:
            del self.fields["version"]


class TargetForm(forms.Form):
    first_response_hours = forms.IntegerField(
        label=_("First response (working hours)"), min_value=1, max_value=MAX_HOURS
    )
    resolution_hours = forms.IntegerField(
        label=_("Resolution (working hours)"),
        min_value=1,
        max_value=MAX_HOURS,
        help_text=_("At least the first-response time. Working hours are 9:00 to 17:00."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class GuidanceForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    text = forms.CharField(
        label=_("Guidance (Chinese)"), widget=forms.Textarea(attrs={"rows": 6}), max_length=4000
    )
    text_en = forms.CharField(
        label=_("Guidance (English)"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=4000,
        required=False,
        help_text=_("Shown to staff using English; without it they see the Chinese text."),
    )
    is_active = forms.BooleanField(label=_("Shown on complaints"), required=False)


class CategoryGuidanceForm(forms.Form):
    key = forms.ChoiceField(label=_("Business category"), choices=[])
    text = GuidanceForm.base_fields["text"]
    text_en = GuidanceForm.base_fields["text_en"]

    def __init__(self, *args: Any, categories: list[Classification], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["key"].choices = [  # type: ignore[attr-defined]
            ("", "---------"),
            *((c.code, f"{c.code} {c.name}") for c in categories),
        ]


class UnitChoiceForm(forms.Form):
    """The first step of a new rule: the unit decides who can be chosen as officer."""

    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Branch.objects.none())

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["unit"].to_field_name = "code"  # type: ignore[attr-defined]


class OfficerChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.full_name} ({obj.employee_no}, {obj.branch.name})"


class RuleForm(forms.Form):
    business = forms.ModelChoiceField(
        label=_("Business category"),
        queryset=Classification.objects.none(),
        required=False,
        empty_label=_("Any category"),
        help_text=_("A rule for one category wins over the unit's rule for any category."),
    )
    officers = OfficerChoice(
        label=_("Complaint officers"),
        queryset=StaffProfile.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Each new complaint goes to the one with the fewest open complaints."),
        error_messages={"required": _("Choose at least one complaint officer.")},
    )
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, categories: Any, officers: Any, editing: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["business"].queryset = categories  # type: ignore[attr-defined]
        self.fields["business"].to_field_name = "code"  # type: ignore[attr-defined]
        self.fields["officers"].queryset = officers  # type: ignore[attr-defined]
        self.fields["officers"].to_field_name = "uuid"  # type: ignore[attr-defined]
        if not editing:
            del self.fields["is_active"]
            del self.fields["version"]
