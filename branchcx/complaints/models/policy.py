"""The bank's complaint policy kept by head office: assignment rules, the root-cause tree and
handling guidance.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from branchcx.complaints.models.complaint import Classification, coded
from branchcx.org.scoping import ScopedManager


class AssignmentRule(models.Model):
    """Who handles the complaints of a unit (an outlet, or a branch and its outlets),
    optionally of one business category. The most specific matching rule wins — an outlet's
    over its branch's, a category's over "any" — and among its officers the one with the
    fewest open complaints."""

    unit = models.ForeignKey(
        "org.Branch", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+"
    )
    business = coded(Classification.Axis.BUSINESS, _("business category"))
    officers = models.ManyToManyField(
        "org.StaffProfile", verbose_name=_("complaint officers"), related_name="+"
    )
    is_active = models.BooleanField(_("in use"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    scope_field = "unit"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("assignment rule")
        verbose_name_plural = _("assignment rules")

    def __str__(self) -> str:
        return f"{self.unit} {self.business or '*'}"


class RootCause(models.Model):
    """The bank's own tree of root causes (deeper than JR/T 0169's cause axis): what in
    the bank made the complaint happen, for remediation. Kept by head office."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=80)
    parent = models.ForeignKey(
        "self", verbose_name=_("part of"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="children",
    )  # fmt: skip
    is_active = models.BooleanField(_("in use"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    scope_exempt = "Reference data shared by the whole network."

    class Meta:
        ordering = ["code"]
        verbose_name = _("root cause")
        verbose_name_plural = _("root causes")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class HandlingGuidance(models.Model):
    """How to hold the conversation with a complaining customer (DOMAIN.md §1, §4): for every
    complaint, for the customer's temperament, for how they present, and for the business
    category. Head office edits the wording; the complaint page shows what applies."""

    class Topic(models.TextChoices):
        GENERAL = "general", _("Every complaint")
        TEMPERAMENT = "temperament", _("Customer's temperament")
        PRESENTATION = "presentation", _("How the customer presents")
        CATEGORY = "category", _("Business category")

    topic = models.CharField(_("topic"), max_length=12, choices=Topic.choices)
    # the temperament or presentation value, or the business category's code; "" for general
    key = models.CharField(_("applies to"), max_length=16, blank=True)
    text = models.TextField(_("guidance (Chinese)"))
    text_en = models.TextField(_("guidance (English)"), blank=True)
    is_active = models.BooleanField(_("in use"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    updated_by = models.ForeignKey(
        "org.StaffProfile", verbose_name=_("updated by"), on_delete=models.PROTECT,
        related_name="+", null=True, blank=True,
    )  # fmt: skip
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    scope_exempt = "Guidance of the whole bank, kept by head office."

    class Meta:
        ordering = ["topic", "key"]
        constraints = [
            models.UniqueConstraint(fields=["topic", "key"], name="guidance_topic_key_unique")
        ]
        verbose_name = _("handling guidance")
        verbose_name_plural = _("handling guidance")

    def __str__(self) -> str:
        return f"{self.topic}:{self.key}"

    def in_language(self, language: str) -> str:
        """The wording for the reader's language (English falls back to Chinese)."""
        return self.text_en if language.startswith("en") and self.text_en else self.text
