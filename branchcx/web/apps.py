from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "branchcx.web"
    label = "web"
    verbose_name = _("Web interface")

    def ready(self) -> None:
        from branchcx.web.navigation import NavItem, navigation

        navigation.register(NavItem("home", _("Home"), "home", None, "/home/", order=10))
