"""Django admin: read-only views for superusers. Every change goes through BranchCX's own
pages, API or commands, which check scope, lock, version and audit; the admin does none of it."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.http import HttpRequest

from branchcx.org.models import ApiToken, Branch, StaffProfile


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Branch)
class BranchAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "level", "city", "is_active")
    list_filter = ("level", "is_active")
    search_fields = ("code", "name")


@admin.register(StaffProfile)
class StaffProfileAdmin(ReadOnlyAdmin):
    list_display = ("employee_no", "full_name", "role", "branch", "is_active")
    list_filter = ("role", "is_active")
    search_fields = ("employee_no", "full_name")
    exclude = ("mobile", "id_number", "mobile_index", "id_number_index")


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ("prefix", "name", "user", "created_at", "expires_at", "revoked_at")
    exclude = ("digest",)


# Accounts and roles change only through BranchCX (staff pages, API, `branchcx createuser`),
# which keep the staff profile, role group, tokens and audit trail in step.
admin.site.unregister(get_user_model())
admin.site.unregister(Group)


@admin.register(get_user_model())
class ReadOnlyUserAdmin(ReadOnlyAdmin, UserAdmin):
    pass


@admin.register(Group)
class ReadOnlyGroupAdmin(ReadOnlyAdmin, GroupAdmin):
    pass
