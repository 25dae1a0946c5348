from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from branchcx.org.roles import sync_roles


class Command(BaseCommand):
    help = "Make the role groups' permissions match branchcx/org/roles.py (migrate does this too)."

    def handle(self, *args: Any, **opts: Any) -> None:
        sync_roles()
        self.stdout.write("Role groups synchronised.")
