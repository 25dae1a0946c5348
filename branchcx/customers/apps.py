from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "branchcx.customers"
    label = "customers"
    verbose_name = _("Customers")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from branchcx.customers.customer_panels import register_builtin
        from branchcx.web.navigation import NavItem, navigation

        register_builtin()
        navigation.register(
            NavItem(
                "customers",
                _("Customers"),
                "customers:list",
                "customers.view_customer",
                "/customers/",
                order=20,
            )
        )
