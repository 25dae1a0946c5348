from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from branchcx.org.roles import permission_matrix_markdown


class Command(BaseCommand):
    help = "Print the permission matrix (docs/permissions.md), or --check that file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", metavar="FILE", help="Fail if FILE differs from the code.")

    def handle(self, *args: Any, **opts: Any) -> None:
        text = permission_matrix_markdown()
        if opts["check"]:
            if Path(opts["check"]).read_text(encoding="utf-8") != text:
                raise CommandError(
                    f"{opts['check']} is out of date: run "
                    f"`branchcx permissions-matrix > {opts['check']}`."
                )
            return
        self.stdout.write(text, ending="")
