from __future__ import annotations

from django.contrib import admin

from branchcx.audit.models import AuditEvent
from branchcx.org.admin import ReadOnlyAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "actor_name", "action", "branch", "target_label")
    list_filter = ("action",)
    search_fields = ("actor_name", "target_id")
