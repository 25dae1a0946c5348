from __future__ import annotations

from typing import Any

from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    # post_migrate fires once per app; the groups need every app's permissions, which exist
    # only once the last app's signal has run, so act on that one alone (apps without
    # models get no signal).
    with_models = [c for c in apps.get_app_configs() if c.models_module is not None]
    if sender is not with_models[-1]:
        return
    from django.contrib.auth.management import create_permissions

    from branchcx.org.roles import sync_roles

    for config in apps.get_app_configs():
        create_permissions(config, verbosity=0, using=using)
    sync_roles()


class OrgConfig(AppConfig):
    name = "branchcx.org"
    label = "org"
    verbose_name = _("Organisation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from branchcx.org import checks  # noqa: F401  (registers the scoping check)

        post_migrate.connect(_sync_roles, dispatch_uid="branchcx.org.sync_roles")

        from branchcx.org.panels import register_panels
        from branchcx.web.navigation import NavItem, navigation

        register_panels()
        navigation.register(
            NavItem(
                "org-units",
                _("Organisation"),
                "org:branch_list",
                "org.view_branch",
                "/org/units/",
                order=80,
            )
        )
        navigation.register(
            NavItem(
                "org-staff",
                _("Staff"),
                "org:staff_list",
                "org.view_staffprofile",
                "/org/staff/",
                order=81,
            )
        )
