from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from branchcx.audit.checks import seal_missing_key_checks


class Command(BaseCommand):
    help = "Run background tasks and the periodic schedule (huey consumer)."
    requires_system_checks = ["__all__"]

    def handle(self, *args: Any, **opts: Any) -> None:
        self.check(databases=["default"])  # includes the encryption-key check
        seal_missing_key_checks()
        call_command("run_huey")
