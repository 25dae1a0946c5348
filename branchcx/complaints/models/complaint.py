"""The complaint itself: its classification codes, states, service targets and clock pauses.

Classification follows JR/T 0169-2018's three axes (channel, business category, cause), plus
the credit-card sub-reasons of the bank's own practice (see the package's docstring).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from branchcx.audit.models import AppendOnlyError
from branchcx.complaints.clock import Pause, PauseReason, RegulatoryClock
from branchcx.lib.crypto import BlindIndexField, EncryptedTextField
from branchcx.lib.identifiers import normalise_contact_phone
from branchcx.org.scoping import ScopedManager, ScopedQuerySet

PAUSE_REASONS = [
    (PauseReason.APPRAISAL.value, _("External appraisal or testing")),
    (PauseReason.MEDIATION.value, _("Mediation")),
]


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
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

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


def coded(axis: str, label: Any) -> models.ForeignKey[Any, Any]:
    """An optional code of one classification axis (retired codes stay valid for old rows)."""
    return models.ForeignKey(
        Classification,
        verbose_name=label,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        limit_choices_to={"axis": axis},
    )


class IntakeChannel(models.TextChoices):
    """How the complaint reached the bank."""

    COUNTER = "counter", _("At the counter")
    HOTLINE = "hotline", _("Phone hotline")
    EMAIL = "email", _("Email")
    ONLINE = "online", _("Online or mobile banking")
    LETTER = "letter", _("Letter")
    SOCIAL = "social", _("Social media")
    REGULATOR = "regulator", _("Transferred by the regulator")


class State(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    ACCEPTED = "accepted", _("Accepted")
    INVESTIGATING = "investigating", _("Investigating")
    DECIDED = "decided", _("Decided")
    NOTIFIED = "notified", _("Customer notified")
    CLOSED = "closed", _("Closed")
    REVIEW_REQUESTED = "review_requested", _("Review requested")
    REVIEW_DECIDED = "review_decided", _("Review decided")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    MERGED = "merged", _("Merged into another complaint")


# States in which the regulatory clock runs: the bank owes the customer a decision.
OPEN_STATES = (State.REGISTERED, State.ACCEPTED, State.INVESTIGATING, State.DECIDED)
FINAL_STATES = (State.CLOSED, State.REVIEW_DECIDED, State.WITHDRAWN, State.MERGED)


class Priority(models.TextChoices):
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class MajorReason(models.TextChoices):
    """What makes a complaint "major" (重大投诉): flagged, urgent, and escalated to head office
    the moment it is registered."""

    GROUP = "group", _("20 or more co-complainants")
    DISASTER = "disaster", _("Related to a natural disaster")
    PUBLIC_HEALTH = "public_health", _("Related to a public-health emergency")
    REGULATOR = "regulator", _("Designated by the regulator")


class Escalation(models.IntegerChoices):
    NONE = 0, _("Not escalated")
    BRANCH = 1, _("Branch manager")  # an internal service target missed
    HEAD_OFFICE = 2, _("Head office")  # the regulatory deadline missed


class ServiceTarget(models.Model):
    """The bank's internal targets by priority, in working hours: stricter than the
    regulation, so that the regulatory deadline is never the first alarm."""

    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices, unique=True)
    first_response_hours = models.PositiveSmallIntegerField(_("first response (working hours)"))
    resolution_hours = models.PositiveSmallIntegerField(_("resolution (working hours)"))
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    scope_exempt = "Policy of the whole bank, kept by head office."

    class Meta:
        verbose_name = _("service target")
        verbose_name_plural = _("service targets")

    def __str__(self) -> str:
        return f"{self.priority}: {self.first_response_hours} h / {self.resolution_hours} h"


# What the customer said, in their words: kept as recorded at registration. The model, its
# queryset and a database trigger (migration 0008) each refuse to change it.
SAID_FIELDS = ("narrative",)


class ComplaintQuerySet(ScopedQuerySet):
    def update(self, **kwargs: Any) -> int:
        if said := sorted(set(SAID_FIELDS) & kwargs.keys()):
            raise AppendOnlyError(f"What the customer said cannot be changed ({', '.join(said)}).")
        return super().update(**kwargs)


class ComplaintManager(ScopedManager.from_queryset(ComplaintQuerySet)):  # type: ignore[misc]
    pass


class Complaint(models.Model):
    """One complaint, from receipt to closing. What the customer said (``narrative``) is
    never changed after registration; everything later is a timeline event."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.CharField(_("complaint number"), max_length=20, unique=True)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="complaints",
        null=True,
        blank=True,  # a walk-in who is not (yet) a customer
    )
    complainant_name = EncryptedTextField(_("complainant"), purpose="complaint.complainant_name")
    complainant_phone = EncryptedTextField(
        _("complainant's phone"), purpose="complaint.complainant_phone"
    )
    # finds a walk-in complainant's other complaints by the number they give
    complainant_phone_index = BlindIndexField(
        source="complainant_phone", purpose="complaint.complainant_phone",
        normaliser=normalise_contact_phone,
    )  # fmt: skip
    outlet = models.ForeignKey(
        "org.Branch", verbose_name=_("outlet"), on_delete=models.PROTECT, related_name="+"
    )
    intake_channel = models.CharField(
        _("received through"), max_length=12, choices=IntakeChannel.choices
    )
    regulator_reference = models.CharField(_("regulator's reference"), max_length=60, blank=True)
    received_at = models.DateTimeField(_("received"))
    narrative = EncryptedTextField(_("what the customer said"), purpose="complaint.narrative")
    channel = coded(Classification.Axis.CHANNEL, _("channel"))
    business = coded(Classification.Axis.BUSINESS, _("business category"))
    cause = coded(Classification.Axis.CAUSE, _("cause"))
    card_reason = coded(Classification.Axis.CARD_REASON, _("credit-card sub-reason"))
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.REGISTERED
    )
    received_by = models.ForeignKey(
        "org.StaffProfile",
        verbose_name=_("received by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # First-contact ownership (首问负责制): the receiver owns it until a hand-over is accepted.
    owner = models.ForeignKey(
        "org.StaffProfile", verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    # The complaint officer handling it, chosen by an assignment rule or by a manager.
    handler = models.ForeignKey(
        "org.StaffProfile",
        verbose_name=_("handler"),
        on_delete=models.PROTECT,
        related_name="handled_complaints",
        null=True,
        blank=True,
    )
    # Staff the complaint is about: they may neither handle nor own it.
    staff_involved = models.ManyToManyField(
        "org.StaffProfile", verbose_name=_("staff involved"), blank=True, related_name="+"
    )
    # A hand-over offered and not yet accepted: the owner stays responsible until then.
    pending_owner = models.ForeignKey(
        "org.StaffProfile",
        verbose_name=_("offered to"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    # The regulatory clock (see clock.py): restarted by new facts, extended 15 → 30 → 60.
    clock_started_on = models.DateField(_("clock started"))
    allowed_days = models.PositiveSmallIntegerField(_("days allowed"), default=15)
    # The day the bank's answer is due, kept by every action so that lists of what is at
    # risk or overdue are one indexed query: the decision's deadline while the clock runs,
    # the review's once one is requested; empty while paused or once nothing is owed.
    due_on = models.DateField(_("due"), null=True, blank=True)
    # The bank's own service targets, in working hours by priority (ServiceTarget).
    respond_by = models.DateTimeField(_("first response due"), null=True, blank=True)
    resolve_by = models.DateTimeField(_("resolution due"), null=True, blank=True)
    responded_at = models.DateTimeField(_("first response"), null=True, blank=True)
    escalation = models.PositiveSmallIntegerField(
        _("escalated to"), choices=Escalation.choices, default=Escalation.NONE
    )
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    is_group = models.BooleanField(_("group complaint"), default=False)
    co_complainants = models.PositiveIntegerField(_("co-complainants"), default=0)
    representatives = models.PositiveSmallIntegerField(_("representatives"), default=0)
    is_major = models.BooleanField(_("major complaint"), default=False)
    major_reason = models.CharField(
        _("why major"), max_length=16, choices=MajorReason.choices, blank=True
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged",
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    scope_field = "outlet"
    objects = ComplaintManager()

    class Meta:
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["outlet", "state"], name="complaint_outlet_state"),
            models.Index(fields=["due_on", "outlet"], name="complaint_due_outlet"),
            # also covers the dashboard's repeat complainants (grouped by customer, no sort)
            models.Index(
                fields=["customer", "state", "received_at", "outlet"],
                name="complaint_customer_received",
            ),
        ]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        permissions = [
            ("export_statistics", _("Can export complaint statistics for the regulator")),
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args: Any, **kwargs: Any) -> None:
        """What the customer said is kept as said: it cannot be changed once recorded.

        An update never writes it: sealing the same words again would store a new ciphertext
        (a fresh nonce), which the database trigger cannot tell from a rewrite."""
        if not self._state.adding:
            self._check_said_unchanged()
            fields = kwargs.get("update_fields")
            if fields is None:  # every loaded field, as Django would write them
                fields = [
                    f.name
                    for f in self._meta.concrete_fields
                    if not f.primary_key and f.attname in self.__dict__
                ]
            kwargs["update_fields"] = [f for f in fields if f not in SAID_FIELDS]
        super().save(*args, **kwargs)

    def _check_said_unchanged(self) -> None:
        """Compare what is about to be saved with what the customer said, read afresh from
        the database when this instance did not load it (a deferred field set later)."""
        assigned = [name for name in SAID_FIELDS if name in self.__dict__]
        if not assigned:
            return
        said: dict[str, Any] = getattr(self, "_said", {})
        unknown = [name for name in assigned if name not in said]
        if unknown:
            stored = (
                type(self)
                ._base_manager.using(self._state.db)
                .filter(pk=self.pk)
                .values(*unknown)
                .first()
            )
            said = {**said, **(stored or {})}
        if any(name in said and self.__dict__[name] != said[name] for name in assigned):
            raise AppendOnlyError("What the customer said cannot be changed.")

    @property
    def clock(self) -> RegulatoryClock:
        """The regulatory clock with its pauses (query the pauses once; prefetch in lists)."""
        start = self.clock_started_on
        pauses = tuple(
            # only the part of a pause after the clock (re)started counts
            Pause(PauseReason(p.reason), max(p.started_on, start), p.ended_on)
            for p in self.pauses.all()
            if p.ended_on is None or p.ended_on > start
        )
        return RegulatoryClock(start, self.allowed_days, pauses)

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any) -> Complaint:
        instance = super().from_db(db, field_names, values)
        # what the customer said as loaded (deferred fields are read when they are saved)
        instance._said = {  # type: ignore[attr-defined]
            name: instance.__dict__[name] for name in SAID_FIELDS if name in instance.__dict__
        }
        return instance


class ClockPause(models.Model):
    """Time in external appraisal/testing or mediation, which the deadline does not count."""

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.PROTECT, related_name="pauses"
    )
    reason = models.CharField(_("reason"), max_length=12, choices=PAUSE_REASONS)
    started_on = models.DateField(_("paused on"))
    ended_on = models.DateField(_("resumed on"), null=True, blank=True)

    scope_field = "complaint__outlet"
    objects = ScopedManager()

    class Meta:
        ordering = ["started_on", "pk"]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.reason} {self.started_on}–{self.ended_on or ''}"
