from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "branchcx.complaints"
    label = "complaints"
    verbose_name = _("Complaints")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from branchcx.complaints.panels import register_panels
        from branchcx.web.navigation import NavItem, navigation

        register_panels()
        from branchcx.complaints.reference import guidance_texts
        from branchcx.customers import guidance

        guidance.register_source(guidance_texts)  # one wording, edited by head office
        from branchcx.complaints.rollups import ROLLUP
        from branchcx.rollups.registry import rollups

        rollups.register(ROLLUP)
        for item in (
            NavItem(
                "complaints",
                _("Complaints"),
                "complaints:list",
                "complaints.view_complaint",
                "/complaints/",
                order=30,
            ),
            NavItem(
                "complaints-reports",
                _("Complaint reports"),
                "complaints:dashboard",
                "complaints.view_complaint",
                "/complaints/reports/",
                order=31,
            ),
            NavItem(
                "complaints-settings",
                _("Complaint settings"),
                "complaints:ref_index",
                "complaints.view_assignmentrule",
                "/complaints/settings/",
                order=32,
            ),
        ):
            navigation.register(item)
