from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "branchcx.surveys"
    label = "surveys"
    verbose_name = _("Surveys")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from branchcx.surveys.panels import register_panels
        from branchcx.web.navigation import NavItem, navigation

        register_panels()
        from branchcx.rollups.registry import rollups
        from branchcx.surveys.rollups import ROLLUP

        rollups.register(ROLLUP)
        for item in (
            NavItem(
                "surveys-dashboard",
                _("Satisfaction"),
                "surveys:dashboard",
                "surveys.view_scores",
                "/surveys/reports/",
                order=40,
            ),
            NavItem(
                "surveys-responses",
                _("Survey answers"),
                "surveys:responses",
                "surveys.view_response",
                "/surveys/responses/",
                order=41,
            ),
            NavItem(
                "surveys-follow-ups",
                _("Survey follow-ups"),
                "surveys:follow_ups",
                "surveys.view_followup",
                "/surveys/follow-ups/",
                order=42,
            ),
            NavItem(
                "surveys-settings",
                _("Survey settings"),
                "surveys:manage",
                "surveys.view_survey",
                "/surveys/manage/",
                order=43,
            ),
        ):
            navigation.register(item)
