from __future__ import annotations

from django.contrib import admin

from branchcx.messaging.models import OutboxMessage
from branchcx.org.admin import ReadOnlyAdmin


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    # What was sent when and why, never to whom or what it said.
    list_display = (
        "created_at",
        "channel",
        "purpose",
        "status",
        "attempts",
        "last_error",
        "outlet",
        "sent_at",
    )
    list_filter = ("status", "channel", "purpose")
    list_select_related = ("outlet",)
    exclude = ("recipient", "body")
