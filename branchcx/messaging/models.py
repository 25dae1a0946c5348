"""The outbox: every SMS and email BranchCX sends to a customer, one row each.

A message is written in the same transaction as the decision to send it (an invitation, a
decision letter), so a change that rolls back sends nothing, and it is delivered afterwards by
the worker (:func:`branchcx.messaging.actions.deliver_pending`). The row stays as the record of
what was sent, when, and why.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from branchcx.lib.crypto import EncryptedTextField
from branchcx.org.scoping import ScopedManager

SUBJECT_LENGTH = 200
PURPOSE_LENGTH = 40
ERROR_LENGTH = 200


class OutboxMessage(models.Model):
    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("Email")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    recipient = EncryptedTextField(_("recipient"), purpose="outbox.recipient")
    # Stored in clear (an email's subject line): personal data belongs in the body.
    subject = models.CharField(_("subject"), max_length=SUBJECT_LENGTH, blank=True)
    body = EncryptedTextField(_("text"), purpose="outbox.body")
    # Why it was sent, for counting and tracing ("survey_invitation", "decision_letter").
    purpose = models.CharField(_("purpose"), max_length=PURPOSE_LENGTH)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    # Delivery attempts so far, the successful one included.
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # What went wrong last, in words that never contain the recipient or the text.
    last_error = models.CharField(_("last error"), max_length=ERROR_LENGTH, blank=True)
    created_at = models.DateTimeField(_("queued"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # The outlet on whose behalf it was sent; none for head office's own messages, which only
    # head office sees.
    outlet = models.ForeignKey(
        "org.Branch",
        verbose_name=_("outlet"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    scope_field = "outlet"
    objects = ScopedManager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["status", "created_at"], name="outbox_status_created")]
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")

    def __str__(self) -> str:
        return f"{self.channel} {self.uuid}"
