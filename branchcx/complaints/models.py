"""Complaints (投诉) and their classification.

Classification follows JR/T 0169-2018's three axes (channel, business category, cause), plus
the credit-card sub-reasons of the bank's own practice. The codes and names ship as
reference data reconstructed from public summaries of the standard: head office corrects
them against its copy of the standard, retires codes instead of deleting them (complaints
keep pointing at them), and adds its own.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Classification(models.Model):
    """One code on one axis of the complaint classification."""

    class Axis(models.TextChoices):
        CHANNEL = "channel", _("Channel")
        BUSINESS = "business", _("Business category")
        CAUSE = "cause", _("Cause")
        CARD_REASON = "card_reason", _("Credit-card sub-reason")

    axis = models.CharField(_("axis"), max_length=12, choices=Axis.choices)
    code = models.CharField(_("code"), max_length=16)
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    # Retired codes stay for the complaints filed under them; new complaints cannot use them.
    is_active = models.BooleanField(_("in use"), default=True)

    scope_exempt = "Reference data shared by the whole network."

    class Meta:
        ordering = ["axis", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["axis", "code"], name="classification_axis_code")
        ]
        verbose_name = _("complaint classification")
        verbose_name_plural = _("complaint classifications")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
