from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from branchcx.audit.models import AuditEvent


class EventSearchForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", _("All actions")), *AuditEvent.Action.choices],
    )
    actor = forms.CharField(label=_("Username"), required=False, max_length=150)
    target_id = forms.CharField(label=_("Record id"), required=False, max_length=64)
    branch = forms.CharField(label=_("Unit code"), required=False, max_length=12)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data
