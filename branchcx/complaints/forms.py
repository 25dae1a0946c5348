"""Forms for complaint intake and the voice of the customer (抱怨)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branchcx.complaints.models import (
    Classification,
    Grievance,
    IntakeChannel,
    MajorReason,
    Priority,
)
from branchcx.complaints.templatetags.complaint_tags import code_name

NARRATIVE_MAX = 5000


def _codes(axis: str) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        Classification.objects.filter(axis=axis, is_active=True),
        required=False,
        to_field_name="code",
        empty_label="—",
    )


class ComplaintIntakeForm(forms.Form):
    outlet = forms.ChoiceField(label=_("Outlet"))
    intake_channel = forms.ChoiceField(label=_("Received through"), choices=IntakeChannel.choices)
    regulator_reference = forms.CharField(
        label=_("Regulator's reference"),
        max_length=60,
        required=False,
        help_text=_("Required for a complaint transferred by the regulator."),
    )
    received_at = forms.DateTimeField(
        label=_("Received"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Leave empty for now. The 15-day clock counts from the day after."),
    )
    complainant_name = forms.CharField(
        label=_("Complainant"),
        max_length=50,
        required=False,
        help_text=_("For a complainant who is not (yet) a customer."),
    )
    complainant_phone = forms.CharField(
        label=_("Complainant's phone"), max_length=20, required=False
    )
    narrative = forms.CharField(
        label=_("What the customer said"),
        max_length=NARRATIVE_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("In the customer's own words. It cannot be changed once saved."),
    )
    channel = _codes(Classification.Axis.CHANNEL)
    business = _codes(Classification.Axis.BUSINESS)
    cause = _codes(Classification.Axis.CAUSE)
    card_reason = _codes(Classification.Axis.CARD_REASON)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    co_complainants = forms.IntegerField(
        label=_("Co-complainants"),
        min_value=0,
        initial=0,
        help_text=_("For a group complaint; 20 or more makes it a major complaint."),
    )
    representatives = forms.IntegerField(
        label=_("Representatives"), min_value=0, max_value=5, initial=0
    )
    major_reason = forms.ChoiceField(
        label=_("Major complaint because"),
        choices=[("", _("Not a major complaint")), *MajorReason.choices],
        required=False,
    )
    staff_involved = forms.MultipleChoiceField(
        label=_("Staff the complaint is about"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("They will take no part in handling it."),
    )
    file_anyway = forms.BooleanField(
        label=_("This is a different matter: file it as a new complaint"), required=False
    )

    def __init__(self, *args: Any, outlets: Any, colleagues: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["outlet"].choices = [  # type: ignore[attr-defined]
            (o.code, f"{o.code} {o.name}") for o in outlets
        ]
        self.fields["staff_involved"].choices = [  # type: ignore[attr-defined]
            (str(s.uuid), f"{s.full_name} ({s.get_role_display()})") for s in colleagues
        ]
        labels = {
            "channel": _("Channel (JR/T 0169)"),
            "business": _("Business category"),
            "cause": _("Cause"),
            "card_reason": _("Credit-card sub-reason"),
        }
        for name, label in labels.items():
            self.fields[name].label = label
            self.fields[name].label_from_instance = lambda c: f"{c.code} {code_name(c)}"  # type: ignore[attr-defined]

    def clean_received_at(self) -> Any:
        value = self.cleaned_data.get("received_at")
        return value or timezone.now()


class GrievanceForm(forms.Form):
    outlet = forms.ChoiceField(label=_("Outlet"))
    source = forms.ChoiceField(label=_("Where it came from"), choices=Grievance.Source.choices)
    text = forms.CharField(
        label=_("What the customer said"),
        max_length=NARRATIVE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, outlets: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["outlet"].choices = [  # type: ignore[attr-defined]
            (o.code, f"{o.code} {o.name}") for o in outlets
        ]


class PromoteForm(forms.Form):
    intake_channel = forms.ChoiceField(label=_("Received through"), choices=IntakeChannel.choices)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    complainant_name = forms.CharField(
        label=_("Complainant"),
        max_length=50,
        required=False,
        help_text=_("Needed when the item names no customer."),
    )
