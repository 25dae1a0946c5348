from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RollupsConfig(AppConfig):
    name = "branchcx.rollups"
    label = "rollups"
    verbose_name = _("Rollups")
    default_auto_field = "django.db.models.BigAutoField"
