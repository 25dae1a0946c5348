from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _seal_key_checks(sender: AppConfig, **kwargs: Any) -> None:
    from branchcx.audit.checks import seal_missing_key_checks

    seal_missing_key_checks()


class AuditConfig(AppConfig):
    name = "branchcx.audit"
    label = "audit"
    verbose_name = _("Audit")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from branchcx.audit import checks, signals  # noqa: F401  (registration)

        post_migrate.connect(_seal_key_checks, sender=self, dispatch_uid="audit.key_checks")

        from branchcx.audit.panels import register_panels
        from branchcx.web.navigation import NavItem, navigation

        register_panels()
        navigation.register(
            NavItem(
                "audit-log",
                _("Audit log"),
                "audit:event_list",
                "audit.view_auditevent",
                "/audit/",
                order=90,
            )
        )
