"""What an import reports: rows read and written, errors by row and column."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

CHUNK = 2000
ERROR_LIMIT = 500  # errors kept for the report; all are counted

Progress = Callable[[int, int], None]


class RowErrors(Exception):
    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors


class Rollback(Exception):
    """Raised inside the transaction to undo a dry run or a file with errors."""


@dataclass
class ImportReport:
    kind: str
    dry_run: bool
    skip_invalid: bool = False
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    error_count: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)
    file_error: str = ""
    encoding: str = ""
    error_rows: set[int] = field(default_factory=set)

    @property
    def skipped(self) -> int:
        """Rows with at least one error (left out when ``skip_invalid``)."""
        return len(self.error_rows)

    @property
    def writes_blocked(self) -> bool:
        """An error ends the writing unless the user chose to skip the rows with errors."""
        return bool(self.error_count) and not self.skip_invalid

    @property
    def loaded(self) -> int:
        """Rows now in the database as the file says (new, changed or already so)."""
        return self.created + self.updated + self.unchanged

    @property
    def skipped_ranges(self) -> str:
        """Every skipped row number, compactly: "3-5, 9" (the error list stops at 500)."""
        return row_ranges(self.error_rows)

    @property
    def committed(self) -> bool:
        return not self.dry_run and not self.writes_blocked and not self.file_error

    def add_error(self, row: int, column: str, reason: str) -> None:
        self.error_count += 1
        self.error_rows.add(row)
        if len(self.errors) < ERROR_LIMIT:
            self.errors.append((row, column, reason))


def row_ranges(rows: set[int]) -> str:
    ranges: list[str] = []
    ordered = sorted(rows)
    start = previous = ordered[0] if ordered else 0
    for row in [*ordered[1:], None]:
        if row is not None and row == previous + 1:
            previous = row
            continue
        ranges.append(str(start) if start == previous else f"{start}-{previous}")
        if row is not None:
            start = previous = row
    return ", ".join(ranges) if ordered else ""
