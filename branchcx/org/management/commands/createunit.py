from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from branchcx.org.actions import SystemActor, do_create_branch
from branchcx.org.models import Branch


class Command(BaseCommand):
    help = "Create an organisation unit (head office first, then branches, then outlets)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="2 to 12 capital letters or digits, e.g. HO, SH01")
        parser.add_argument("--name", required=True)
        parser.add_argument("--level", required=True, choices=Branch.Level.values)
        parser.add_argument("--parent", help="The parent unit's code (not for head office)")
        parser.add_argument("--city", default="")
        parser.add_argument("--address", default="")

    def handle(self, *args: Any, **opts: Any) -> None:
        parent = None
        if opts["parent"]:
            parent = Branch.objects.filter(code=opts["parent"]).first()
            if parent is None:
                raise CommandError(f"No unit with code {opts['parent']!r}.")
        try:
            unit = do_create_branch(
                SystemActor(),
                code=opts["code"],
                name=opts["name"],
                level=opts["level"],
                parent=parent,
                city=opts["city"],
                address=opts["address"],
            )
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            ) from None
        self.stdout.write(f"Created {unit.code} {unit.name} ({unit.get_level_display()}).")
