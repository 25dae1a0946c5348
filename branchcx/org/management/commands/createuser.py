from __future__ import annotations

import getpass
import os
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from branchcx.org.actions import SystemActor, do_create_staff
from branchcx.org.models import Branch, Role


class Command(BaseCommand):
    help = (
        "Create a staff member who can sign in "
        "(password from $BRANCHCX_PASSWORD, --password or a prompt)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--unit", required=True, help="Unit code, e.g. HO or SH0101")
        parser.add_argument("--full-name", required=True)
        parser.add_argument("--employee-no", required=True)
        parser.add_argument("--mobile", default="")
        parser.add_argument("--password", help="Prefer $BRANCHCX_PASSWORD: arguments show in ps.")

    def handle(self, *args: Any, **opts: Any) -> None:
        branch = Branch.objects.filter(code=opts["unit"]).first()
        if branch is None:
            raise CommandError(f"No unit with code {opts['unit']!r}.")
        password = opts["password"] or os.environ.get("BRANCHCX_PASSWORD")
        if not password:
            if not self.stdin_is_tty():
                raise CommandError("Give the password in $BRANCHCX_PASSWORD or --password.")
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords differ.")
        try:
            staff, _ = do_create_staff(
                SystemActor(),
                branch=branch,
                username=opts["username"],
                full_name=opts["full_name"],
                employee_no=opts["employee_no"],
                role=opts["role"],
                mobile=opts["mobile"],
                password=password,
            )
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            ) from None
        self.stdout.write(
            f"Created {staff.user.get_username()} ({staff.get_role_display()}, {branch.name})."
        )

    @staticmethod
    def stdin_is_tty() -> bool:
        import sys

        return sys.stdin.isatty()
