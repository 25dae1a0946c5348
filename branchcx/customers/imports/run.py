"""Running an import: the file read in chunks inside one transaction, rolled back on any
error or on a dry run, and audited."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from branchcx.audit.actions import Action, record
from branchcx.customers.imports.base import Importer
from branchcx.customers.imports.customer_rows import CustomerImporter
from branchcx.customers.imports.holding_rows import HoldingImporter
from branchcx.customers.imports.report import CHUNK, ImportReport, Progress, Rollback, RowErrors
from branchcx.customers.imports.transaction_rows import TransactionImporter
from branchcx.lib.spreadsheets import FileFormatError, read_table
from branchcx.org.scoping import require_perm

IMPORTERS: dict[str, type[Importer]] = {
    "customers": CustomerImporter,
    "holdings": HoldingImporter,
    "transactions": TransactionImporter,
}


def count_rows(path: Path) -> int:
    """Data rows in the file, for the progress bar (an estimate for CSV with quoted newlines)."""
    with path.open("rb") as handle:
        if handle.read(4) == b"PK\x03\x04":
            from openpyxl import load_workbook

            book = load_workbook(path, read_only=True)
            rows = max((book.worksheets[0].max_row or 1) - 1, 0)
            book.close()
            return rows
        handle.seek(0)
        return max(sum(1 for _line in handle) - 1, 0)


def run_import(
    actor: Any,
    kind: str,
    path: Path | str,
    *,
    file_name: str = "",
    dry_run: bool = False,
    skip_invalid: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Check and (unless ``dry_run``) load one file: all or nothing, or with
    ``skip_invalid`` the valid rows only. See the module docs."""
    require_perm(actor, "customers.import_customers")
    if kind not in IMPORTERS:
        raise ValidationError({"kind": _("Choose customers, holdings or transactions.")})
    path = Path(path)
    report = ImportReport(kind=kind, dry_run=dry_run, skip_invalid=skip_invalid)
    try:
        table = read_table(path, file_name or path.name)
        total = count_rows(path)
        importer = IMPORTERS[kind](actor, report)
        mapping = importer.header_map(table.headers)
    except FileFormatError as exc:
        report.file_error = str(exc)
        return report
    report.encoding = table.encoding
    try:
        with transaction.atomic():
            for chunk in _chunks(table.rows, mapping, importer, report):
                if chunk:
                    # checks against the database always run; writes stop at the first error
                    importer.write(chunk)
                if progress:
                    progress(report.total, max(total, report.total))
            if report.total == 0:
                report.file_error = _("The file has no data rows.")
            if report.writes_blocked or report.file_error:
                raise Rollback
            importer.finish()
            if dry_run:
                raise Rollback
            _audit(actor, report, file_name or path.name)  # with the data, in its transaction
    except Rollback:
        pass
    if dry_run and not report.writes_blocked and not report.file_error:
        # Checking a file reads personal data against the database: recorded too.
        _audit(actor, report, file_name or path.name)
    return report


def _chunks(
    rows: Iterator[tuple[int, dict[str, str]]],
    mapping: dict[str, str],
    importer: Importer,
    report: ImportReport,
) -> Iterator[list[tuple[int, dict[str, Any]]]]:
    chunk: list[tuple[int, dict[str, Any]]] = []
    for line, raw in rows:
        report.total += 1
        if "__extra__" in raw:
            report.add_error(line, "", _("The row has more cells than the header has columns."))
            continue
        row = {mapping[h]: v for h, v in raw.items() if h in mapping}
        try:
            chunk.append((line, importer.parse(row)))
        except RowErrors as exc:
            for column, reason in exc.errors:
                report.add_error(line, column, reason)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk or report.total:
        yield chunk


def _audit(actor: Any, report: ImportReport, file_name: str) -> None:
    detail: dict[str, Any] = {"rows": report.total}
    if report.dry_run:
        detail["dry_run"] = True
    else:
        detail.update(created=report.created, updated=report.updated, unchanged=report.unchanged)
    if report.skip_invalid:
        detail["skipped"] = report.skipped
    record(
        Action.IMPORT, actor=actor, target_label=file_name[:200], field=report.kind, detail=detail
    )
