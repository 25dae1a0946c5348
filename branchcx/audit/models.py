"""Audit events: who did what to which personal record, when and from where.

Events are append-only. The model refuses updates and deletes, and the database refuses
them too (a trigger installed by migration ``0002``), so neither the UI, the API nor a stray
script can rewrite history. Change history of records themselves is kept separately by
django-simple-history (``history`` on each personal-data model).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from branchcx.lib.appendonly import AppendOnlyError, AppendOnlyQuerySet, AppendOnlyRecord
from branchcx.org.scoping import ScopedManager, ScopedQuerySet

__all__ = ["AppendOnlyError", "AuditEvent"]


class AuditEventQuerySet(AppendOnlyQuerySet, ScopedQuerySet):
    refusal = "Audit events"


class AuditEventManager(ScopedManager.from_queryset(AuditEventQuerySet)):  # type: ignore[misc]
    pass


class AuditEvent(AppendOnlyRecord):
    class Action(models.TextChoices):
        LOGIN = "login", _("Signed in")
        LOGIN_FAILED = "login_failed", _("Sign-in failed")
        LOCKED_OUT = "locked_out", _("Locked out")
        LOGOUT = "logout", _("Signed out")
        VIEW_PERSONAL = "view_personal", _("Viewed a personal record")
        UNMASK = "unmask", _("Unmasked personal data")
        EXPORT = "export", _("Exported data")
        IMPORT = "import", _("Imported data")
        CREATE = "create", _("Created a record")
        CHANGE = "change", _("Changed a record")
        PERMISSION_CHANGE = "permission_change", _("Changed permissions")
        TOKEN_CREATED = "token_created", _("Created an API token")
        TOKEN_REVOKED = "token_revoked", _("Revoked an API token")
        KEY_ROTATION = "key_rotation", _("Rotated encryption keys")
        PASSWORD_CHANGE = "password_change", _("Changed own password")
        PASSWORD_RESET = "password_reset", _("Reset a password")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The username as it was, kept even if the account is later renamed or removed.
    actor_name = models.CharField(_("username"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=24, choices=Action.choices, db_index=True)
    # The unit the event concerns, for scoping: a branch auditor sees their subtree's events.
    branch = models.ForeignKey(
        "org.Branch",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    target_type = models.CharField(_("record type"), max_length=100, blank=True)
    target_id = models.CharField(_("record id"), max_length=64, blank=True, db_index=True)
    # A masked, human-readable label of the record; never plaintext personal data.
    target_label = models.CharField(_("record"), max_length=200, blank=True)
    field = models.CharField(_("field"), max_length=64, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(max_length=255, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    scope_field = "branch"
    refusal = "Audit events"
    objects = AuditEventManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        permissions = [
            # Plain strings: permission names are stored in the database once, untranslated.
            ("unmask_personal_data", "Can unmask personal data (audited)"),
            ("export_personal_data", "Can export personal data unmasked (audited)"),
        ]
        indexes = [models.Index(fields=["actor", "-created_at"], name="audit_actor_time")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action}"


class EncryptionKeyCheck(models.Model):
    """A known value sealed with each key of the ring, so a wrong key is caught at start-up.

    A key is *retired* once ``rotate-keys`` has moved every value off it; until then it must
    stay in the ring. The row ``#blind-index`` holds a known HMAC under the blind-index key.
    """

    key_id = models.CharField(max_length=16, unique=True)
    sealed = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    scope_exempt = "Operational key checks, read only by start-up checks and rotate-keys."

    class Meta:
        ordering = ["key_id"]

    def __str__(self) -> str:
        return self.key_id
