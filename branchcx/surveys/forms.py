"""Forms of the survey pages staff use."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

CONTACT_CHOICES = [
    ("", "---------"),
    ("phone", _("Phone call")),
    ("visit", _("Visit or at the counter")),
    ("sms", _("SMS")),
    ("wechat", _("WeChat")),
    ("letter", _("Letter")),
]


class FollowUpForm(forms.Form):
    method = forms.ChoiceField(label=_("How the customer was contacted"), choices=CONTACT_CHOICES)
    outcome = forms.CharField(
        label=_("What the customer said and what was agreed"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )
    close = forms.BooleanField(
        label=_("Close the follow-up: nothing more is to be done"), required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
