from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from branchcx.rollups import engine
from branchcx.rollups.registry import rollups


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"Not a date (YYYY-MM-DD): {text}") from None


class Command(BaseCommand):
    help = (
        "Materialised statistics: 'rebuild' writes every rollup afresh (from --since's month "
        "on, earlier months kept) while users go on working; 'update' applies the changes "
        "since the last update, as the worker does every two minutes; 'status' lists them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        rebuild = sub.add_parser("rebuild", help="Rebuild the rollups from the source rows.")
        rebuild.add_argument("--since", type=_day, help="Only months from this day's month on.")
        rebuild.add_argument("--name", action="append", help="Only this rollup (repeatable).")
        update = sub.add_parser("update", help="Apply the changes since the last update.")
        update.add_argument("--name", action="append", help="Only this rollup (repeatable).")
        sub.add_parser("status", help="When each rollup was built and updated.")

    def handle(self, *args: Any, **opts: Any) -> None:
        chosen = rollups.registered()
        names = opts.get("name")
        if names:
            unknown = set(names) - {r.name for r in chosen}
            if unknown:
                raise CommandError(f"Unknown rollup: {', '.join(sorted(unknown))}")
            chosen = [r for r in chosen if r.name in names]
        if opts["action"] == "status":
            for rollup in chosen:
                state = engine.state_of(rollup.name)
                self.stdout.write(
                    f"{rollup.name}: generation {state.generation}, built {state.built_at}, "
                    f"updated {state.updated_at}"
                    + (f", FAILING since {state.failing_since}: {state.last_error}"
                       if state.failing_since else "")
                )  # fmt: skip
            return
        for rollup in chosen:
            try:
                if opts["action"] == "rebuild":
                    outcome = engine.rebuild(rollup, since=opts.get("since"))
                else:
                    outcome = engine.update(rollup)
            except engine.Busy:
                raise CommandError(
                    f"{rollup.name}: another worker is updating it; try again in a minute."
                ) from None
            self.stdout.write(
                f"{outcome.name}: generation {outcome.generation}, {outcome.rows} rows written"
            )
