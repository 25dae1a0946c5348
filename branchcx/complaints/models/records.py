"""What is done for a complaint, kept as done: the timeline and the append-only records
(grievances, recusals, notifications, decisions, revisits, attachments).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branchcx.complaints.models.complaint import Complaint, State
from branchcx.complaints.models.policy import RootCause
from branchcx.lib import appendonly as lib_appendonly
from branchcx.lib.crypto import EncryptedTextField
from branchcx.org.scoping import ScopedManager, ScopedQuerySet


class TimelineQuerySet(lib_appendonly.AppendOnlyQuerySet, ScopedQuerySet):
    refusal = "Complaint timeline entries"


class TimelineManager(ScopedManager.from_queryset(TimelineQuerySet)):  # type: ignore[misc]
    pass


class TimelineEntry(lib_appendonly.AppendOnlyRecord):
    """Who did what to a complaint, when and why: append-only (a database trigger refuses
    updates), so nothing said or decided is ever lost."""

    class Kind(models.TextChoices):
        TRANSITION = "transition", _("State changed")
        NOTE = "note", _("Note")
        NEW_FACTS = "new_facts", _("New facts from the customer")
        EXTENSION = "extension", _("Deadline extended")
        PAUSE = "pause", _("Clock paused")
        RESUME = "resume", _("Clock resumed")
        MERGE = "merge", _("Merged")
        HANDOVER_OFFERED = "handover", _("Hand-over offered")
        HANDOVER_ACCEPTED = "accepted", _("Hand-over accepted")
        HANDOVER_DECLINED = "declined", _("Hand-over declined")
        ASSIGNED = "assigned", _("Handler assigned")
        ESCALATED = "escalated", _("Escalated")
        RECUSAL = "recusal", _("Recusal")
        REVISIT = "revisit", _("Revisit")
        REOPENED = "reopened", _("Reopened")

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.PROTECT, related_name="timeline"
    )
    at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    from_state = models.CharField(_("from"), max_length=16, choices=State.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=16, choices=State.choices, blank=True)
    text = EncryptedTextField(_("note"), purpose="complaint.timeline")
    detail = models.JSONField(_("details"), default=dict, blank=True)

    scope_field = "complaint__outlet"
    refusal = "Complaint timeline entries"
    objects = TimelineManager()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class AppendOnlyQuerySet(lib_appendonly.AppendOnlyQuerySet, ScopedQuerySet):
    """Scoped, and bulk writes refused."""


class AppendOnlyManager(ScopedManager.from_queryset(AppendOnlyQuerySet)):  # type: ignore[misc]
    pass


class AppendOnlyRecord(lib_appendonly.AppendOnlyRecord):
    """A record of what was done for a complaint (see :mod:`branchcx.lib.appendonly`);
    migrations 0008 and 0011 make the database refuse the same."""

    class Meta:
        abstract = True


class Grievance(AppendOnlyRecord):
    """A voice-of-customer item (抱怨): a remark at the counter, a low survey score, a
    negative contact note. Lighter than a complaint — no regulatory clock — but kept as said
    (never changed nor deleted; migration 0011 makes the database refuse it too), and
    promoted to a complaint, once, when the customer wants a decision or it turns out to be
    one."""

    later_fields = ("promoted_to",)

    class Source(models.TextChoices):
        REMARK = "remark", _("Remark to staff")
        SURVEY = "survey", _("Low survey score")
        CONTACT = "contact", _("Contact note")
        OTHER = "other", _("Other")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="grievances",
        null=True,
        blank=True,
    )
    outlet = models.ForeignKey(
        "org.Branch", verbose_name=_("outlet"), on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    text = EncryptedTextField(_("what the customer said"), purpose="grievance.text")
    recorded_by = models.ForeignKey(
        "org.StaffProfile",
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)
    promoted_to = models.OneToOneField(
        Complaint,
        verbose_name=_("promoted to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="grievance",
    )

    scope_field = "outlet"
    objects = AppendOnlyManager()

    class Meta:
        ordering = ["-recorded_at"]
        verbose_name = _("voice of the customer")
        verbose_name_plural = _("voice of the customer")

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.recorded_at:%Y-%m-%d}"

    @classmethod
    def open_for_later(cls, stored: dict[str, Any]) -> bool:
        return stored["promoted_to_id"] is None


class Recusal(AppendOnlyRecord):
    """A member of staff's declared direct interest in a complaint: from then on they can
    neither handle nor own it (the regulation forbids interested handlers)."""

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.PROTECT, related_name="recusals"
    )
    staff = models.ForeignKey(
        "org.StaffProfile", verbose_name=_("staff member"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    reason = EncryptedTextField(_("interest declared"), purpose="complaint.recusal")
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    scope_field = "complaint__outlet"
    objects = AppendOnlyManager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["complaint", "staff"], name="recusal_once")]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.staff_id}"


class Notification(AppendOnlyRecord):
    """Proof that the customer was told: what, when and how (the regulation asks banks to
    keep it for decisions, extensions and review decisions)."""

    class Kind(models.TextChoices):
        DECISION = "decision", _("Decision")
        EXTENSION = "extension", _("Extension of the deadline")
        REVIEW = "review", _("Review decision")

    class Method(models.TextChoices):
        LETTER = "letter", _("Letter")
        SMS = "sms", _("SMS")
        EMAIL = "email", _("Email")
        PHONE = "phone", _("Phone call")

    complaint = models.ForeignKey(
        Complaint,
        verbose_name=_("complaint"),
        on_delete=models.PROTECT,
        related_name="notifications",
    )
    kind = models.CharField(_("about"), max_length=10, choices=Kind.choices)
    method = models.CharField(_("how"), max_length=8, choices=Method.choices)
    sent_at = models.DateTimeField(_("when"))
    content = EncryptedTextField(_("what the customer was told"), purpose="complaint.notice")
    # Registered-letter number, SMS gateway id, email message id, call recording id.
    proof = models.CharField(_("proof reference"), max_length=120)
    recorded_by = models.ForeignKey(
        "org.StaffProfile", verbose_name=_("recorded by"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    scope_field = "complaint__outlet"
    objects = AppendOnlyManager()

    class Meta:
        ordering = ["sent_at", "pk"]
        verbose_name = _("notification of the customer")
        verbose_name_plural = _("notifications of the customer")

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.kind} {self.method} {self.sent_at:%Y-%m-%d}"


class Decision(AppendOnlyRecord):
    """The bank's decision on a complaint (or on its review): findings, basis, outcome,
    remedy, and the approval the policy asks for large compensation."""

    class Kind(models.TextChoices):
        DECISION = "decision", _("Decision")
        REVIEW = "review", _("Review decision")

    class Outcome(models.TextChoices):
        UPHELD = "upheld", _("Upheld")
        PARTLY = "partly", _("Partly upheld")
        REJECTED = "rejected", _("Not upheld")

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.PROTECT, related_name="decisions"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    findings = EncryptedTextField(_("findings"), purpose="decision.findings")
    basis = EncryptedTextField(_("basis (rules, contract, law)"), purpose="decision.basis")
    root_cause = models.ForeignKey(
        RootCause, verbose_name=_("root cause"), on_delete=models.PROTECT, related_name="+"
    )
    root_cause_note = EncryptedTextField(_("root cause, in words"), purpose="decision.cause_note")
    remedy = EncryptedTextField(_("remedy"), purpose="decision.remedy")
    compensation = models.DecimalField(
        _("compensation (CNY)"), max_digits=12, decimal_places=2, default=0
    )
    recovery_actions = EncryptedTextField(
        _("service-recovery actions"), purpose="decision.recovery"
    )
    decided_by = models.ForeignKey(
        "org.StaffProfile", verbose_name=_("decided by"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField(_("decided"), default=timezone.now)
    needs_approval = models.BooleanField(_("needs approval"), default=False)
    approved_by = models.ForeignKey(
        "org.StaffProfile", verbose_name=_("approved by"), on_delete=models.PROTECT,
        related_name="+", null=True, blank=True,
    )  # fmt: skip
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)

    # a large compensation's approval, given once
    later_fields = ("approved_by", "approved_at")
    scope_field = "complaint__outlet"
    objects = AppendOnlyManager()

    class Meta:
        ordering = ["decided_at", "pk"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.kind} {self.outcome}"

    @property
    def is_final(self) -> bool:
        return not self.needs_approval or self.approved_at is not None

    @classmethod
    def open_for_later(cls, stored: dict[str, Any]) -> bool:
        return bool(
            stored["needs_approval"]
            and stored["approved_at"] is None
            and stored["approved_by_id"] is None
        )


class Revisit(AppendOnlyRecord):
    """The call-back after closing (回访): was the customer satisfied with the handling? An
    unsatisfied customer reopens the complaint."""

    class Method(models.TextChoices):
        PHONE = "phone", _("Phone call")
        VISIT = "visit", _("Visit")
        SMS = "sms", _("SMS")
        WECHAT = "wechat", _("WeChat")

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.PROTECT, related_name="revisits"
    )
    due_on = models.DateField(_("due"))
    assigned_to = models.ForeignKey(
        "org.StaffProfile", verbose_name=_("assigned to"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    method = models.CharField(_("how"), max_length=8, choices=Method.choices, blank=True)
    # 1 (very dissatisfied) to 5 (very satisfied), the customer's own words in the note
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction (1-5)"), null=True, blank=True)
    note = EncryptedTextField(_("what the customer said"), purpose="complaint.revisit")

    # the call-back, recorded once
    later_fields = ("done_at", "method", "satisfaction", "note")
    scope_field = "complaint__outlet"
    objects = AppendOnlyManager()

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("revisit")
        verbose_name_plural = _("revisits")

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.due_on}"

    @classmethod
    def open_for_later(cls, stored: dict[str, Any]) -> bool:
        return stored["done_at"] is None


class Attachment(AppendOnlyRecord):
    """Evidence filed with a complaint (a letter, a receipt, a screenshot, a call recording).
    The content is sealed like any personal data; attachments are never changed or removed,
    only added."""

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.PROTECT,
        related_name="attachments",
    )  # fmt: skip
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    filename = EncryptedTextField(_("file name"), purpose="attachment.filename")
    content_type = models.CharField(_("type"), max_length=60)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    # base64 of the file's bytes, sealed (AES-GCM) like every personal field
    content = EncryptedTextField(_("content"), purpose="attachment.content")
    # what the document shows (often a name, an account or an amount): sealed too
    description = EncryptedTextField(_("description"), purpose="attachment.description")
    uploaded_by = models.ForeignKey(
        "org.StaffProfile", verbose_name=_("uploaded by"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    scope_field = "complaint__outlet"
    objects = AppendOnlyManager()

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.uuid}"
