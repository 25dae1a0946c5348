from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from branchcx.messaging.actions import deliver_pending


class Command(BaseCommand):
    help = (
        "Outgoing customer messages: deliver sends what is queued now, as the worker does "
        "every minute, and ends with 'sent=… retrying=… failed=…'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        deliver = sub.add_parser("deliver", help="Send up to --limit queued messages.")
        deliver.add_argument("--limit", type=int, default=100, help="At most this many.")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["limit"] < 1:
            raise CommandError("--limit must be at least 1.")
        counts = deliver_pending(limit=opts["limit"])
        self.stdout.write(" ".join(f"{name}={count}" for name, count in counts.items()))
