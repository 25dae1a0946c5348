from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branchcx.customers.models import (
    ContactChannel,
    Customer,
    ImportJob,
    Interaction,
    KycRisk,
    Tag,
    Temperament,
    ValueOrientation,
)
from branchcx.org.models import StaffProfile

PERSONAL_FIELD_CHOICES = [
    ("name", "name"),
    ("id_number", "id_number"),
    ("mobile", "mobile"),
    ("email", "email"),
    ("address", "address"),
]
BLANK: list[tuple[str, Any]] = [("", "—")]


class UnmaskForm(forms.Form):
    field = forms.ChoiceField(choices=PERSONAL_FIELD_CHOICES)
    reason = forms.CharField(label=_("Reason"), min_length=4, max_length=500)


class ContactForm(forms.Form):
    """The quick "log a contact" form; what the customer said is kept as written."""

    channel = forms.ChoiceField(label=_("Channel"), choices=ContactChannel.choices)
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Interaction.Purpose.choices)
    presentation = forms.ChoiceField(
        label=_("Customer presented as"),
        choices=Interaction.Presentation.choices,
        initial=Interaction.Presentation.CALM,
        required=False,
    )
    notes = forms.CharField(
        label=_("What the customer said or asked"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=4000,
    )
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Interaction.Outcome.choices)
    follow_up_on = forms.DateField(
        label=_("Follow up on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Required when the outcome is a follow-up."),
    )
    occurred_at = forms.DateTimeField(
        label=_("Time of the contact"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=_("Leave empty for now."),
    )

    def action_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["occurred_at"] = data.get("occurred_at") or timezone.now()
        data["presentation"] = data.get("presentation") or Interaction.Presentation.CALM
        return data


class CustomerEditForm(forms.Form):
    """What branch staff maintain on a customer. Personal fields are never pre-filled (that
    would reveal them without an audited unmask): a new value replaces, empty keeps."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    mobile = forms.CharField(
        label=_("New mobile"), required=False, max_length=20, help_text=_("Empty keeps it.")
    )
    email = forms.CharField(
        label=_("New email"), required=False, max_length=254, help_text=_("Empty keeps it.")
    )
    address = forms.CharField(
        label=_("New address"), required=False, max_length=255, help_text=_("Empty keeps it.")
    )
    occupation = forms.CharField(label=_("Occupation"), required=False, max_length=60)
    relationship_manager = forms.ChoiceField(label=_("Relationship manager"), required=False)
    kyc_risk = forms.ChoiceField(label=_("KYC risk level"), choices=KycRisk.choices)
    temperament = forms.ChoiceField(
        label=_("Temperament"), choices=BLANK + Temperament.choices, required=False
    )
    value_orientation = forms.ChoiceField(
        label=_("Value orientation"), choices=BLANK + ValueOrientation.choices, required=False
    )
    preferred_channel = forms.ChoiceField(
        label=_("Preferred channel"), choices=BLANK + ContactChannel.choices, required=False
    )
    contact_times = forms.CharField(
        label=_("Preferred contact times"), required=False, max_length=100
    )
    marketing_consent = forms.BooleanField(
        label=_("Agrees to marketing contact (PIPL consent)"), required=False
    )
    tags = forms.ModelMultipleChoiceField(
        label=_("Needs and preferences"),
        queryset=Tag.objects.filter(is_active=True),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, managers: list[StaffProfile], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.managers = {str(m.uuid): m for m in managers}
        field: Any = self.fields["relationship_manager"]
        field.choices = BLANK + [(key, m.full_name) for key, m in self.managers.items()]

    @classmethod
    def initial_for(cls, customer: Customer) -> dict[str, Any]:
        rm = customer.relationship_manager
        return {
            "version": customer.version,
            "occupation": customer.occupation,
            "relationship_manager": str(rm.uuid) if rm else "",
            "kyc_risk": customer.kyc_risk,
            "temperament": customer.temperament,
            "value_orientation": customer.value_orientation,
            "preferred_channel": customer.preferred_channel,
            "contact_times": customer.contact_times,
            "marketing_consent": customer.marketing_consent,
            "tags": [t.code for t in customer.tags.all()],
        }

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        changes: dict[str, Any] = {
            name: data[name]
            for name in (
                "occupation",
                "kyc_risk",
                "temperament",
                "value_orientation",
                "preferred_channel",
                "contact_times",
                "marketing_consent",
            )
        }
        changes["relationship_manager"] = self.managers.get(data["relationship_manager"] or "")
        for name in ("mobile", "email", "address"):
            if data[name].strip():
                changes[name] = data[name]
        return changes


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=ImportJob.Kind.choices)
    file = forms.FileField(
        label=_("File (CSV in UTF-8 or GBK, or Excel .xlsx)"),
        help_text=_("The first line names the columns; see the user guide for the columns."),
    )
    CHECK, ALL, VALID = "check", "all", "valid"
    mode = forms.ChoiceField(
        label=_("What to do"),
        choices=[
            (CHECK, _("Check only: report errors, load nothing")),
            (ALL, _("Load the file if every row is correct (all or nothing)")),
            (VALID, _("Load the valid rows and skip the rows with errors")),
        ],
        initial=CHECK,
        help_text=_("Skipped rows are listed with their errors; fix them and import them again."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = settings.BRANCHCX_MAX_IMPORT_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB; split it or use the command line.")
                % {"mb": limit // (1024 * 1024)}
            )
        if not upload.name.lower().endswith((".csv", ".txt", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        return upload
