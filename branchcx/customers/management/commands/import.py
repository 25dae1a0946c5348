from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from branchcx.customers.imports import IMPORTERS, run_import
from branchcx.org.actions import SystemActor


class Progress:
    """A one-line progress bar on standard error (only when it is a terminal or forced)."""

    def __init__(self, stream: Any, enabled: bool) -> None:
        self.stream = stream
        self.enabled = enabled
        self.started = time.monotonic()
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if not self.enabled or (now - self.last < 0.2 and done < total):
            return
        self.last = now
        share = done / total if total else 1.0
        bar = "#" * int(share * 30)
        rate = done / max(now - self.started, 1e-6)
        self.stream.write(f"\r[{bar:<30}] {done:>10,}/{total:,} rows  {rate:,.0f} rows/s")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")


class Command(BaseCommand):
    help = (
        "Load customers, holdings or transactions from a CSV (UTF-8 or GBK) or .xlsx file: "
        "all rows or none; re-importing the same file changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(IMPORTERS))
        parser.add_argument("file", type=Path)
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--dry-run", action="store_true", help="Check every row; load nothing.")
        mode.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Load the valid rows and skip the rows with errors (listed on standard error). "
            "Without it a file with any error loads nothing.",
        )
        parser.add_argument(
            "--progress",
            action="store_true",
            help="Show the progress bar even when standard error is not a terminal.",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        path: Path = opts["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        progress = Progress(sys.stderr, opts["progress"] or sys.stderr.isatty())
        started = time.monotonic()
        report = run_import(
            SystemActor(),
            opts["kind"],
            path,
            dry_run=opts["dry_run"],
            skip_invalid=opts["skip_invalid"],
            progress=progress,
        )
        progress.close()
        seconds = time.monotonic() - started
        if report.file_error:
            raise CommandError(report.file_error)
        for row, column, reason in report.errors:
            self.stderr.write(f"row {row}, column {column or '-'}: {reason}")
        if report.error_count > len(report.errors):
            self.stderr.write(f"… {report.error_count - len(report.errors)} more errors")
        if report.writes_blocked:
            raise CommandError(
                f"{report.error_count} errors in {report.total} rows; nothing was loaded."
            )
        if report.skipped:
            self.stderr.write(f"Skipped rows: {report.skipped_ranges}")
            if not report.loaded:
                raise CommandError(f"None of the {report.total} rows is valid; nothing was loaded.")
        rate = f"in {seconds:.1f} s ({report.total / max(seconds, 1e-6):,.0f} rows/s)"
        counts = f"{report.created} new, {report.updated} changed, {report.unchanged} unchanged" + (
            f", {report.skipped} rows with errors skipped." if report.skipped else "."
        )
        if report.dry_run:
            summary = f"{report.total} rows checked (dry run, nothing loaded) {rate}: {counts}"
        else:
            summary = f"{report.loaded} of {report.total} rows loaded {rate}: {counts}"
        self.stdout.write(self.style.SUCCESS(summary))
