"""What every importer does: parse a chunk's fields, check it, write it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from branchcx.customers.imports.report import ImportReport, RowErrors
from branchcx.customers.models import (
    Customer,
)
from branchcx.lib.spreadsheets import FileFormatError, looks_like_formula
from branchcx.org.models import Branch

# --- the three file kinds ------------------------------------------------------------------


class Importer(ABC):
    kind = ""
    # canonical column → accepted header spellings (lower case)
    columns: dict[str, tuple[str, ...]] = {}
    required: tuple[str, ...] = ()

    def __init__(self, actor: Any, report: ImportReport) -> None:
        self.actor = actor
        self.report = report
        self.outlets = {
            b.code: b
            for b in Branch.objects.visible_to(actor).filter(
                level=Branch.Level.OUTLET, is_active=True
            )
        }

    def header_map(self, headers: list[str]) -> dict[str, str]:
        """file header → canonical column; unknown headers are an error (a typo would
        otherwise silently drop a column)."""
        spelling = {alias: name for name, aliases in self.columns.items() for alias in aliases}
        spelling.update({name: name for name in self.columns})
        mapping, unknown = {}, []
        for header in headers:
            if not header:
                continue
            if header in spelling:
                mapping[header] = spelling[header]
            else:
                unknown.append(header)
        missing = [c for c in self.required if c not in mapping.values()]
        problems = []
        if unknown:
            problems.append(_("Unknown columns: %s.") % ", ".join(unknown))
        if missing:
            problems.append(_("Missing required columns: %s.") % ", ".join(missing))
        if problems:
            raise FileFormatError(" ".join(problems))
        return mapping

    @abstractmethod
    def parse(self, row: dict[str, str]) -> dict[str, Any]:
        """One row's cells → checked values; raises RowErrors with every problem."""

    @abstractmethod
    def write(self, chunk: list[tuple[int, dict[str, Any]]]) -> None:
        """Check a chunk against the database and, while the file has no errors, write it."""

    @abstractmethod
    def finish(self) -> None:
        """Set-based work after the last chunk (AUM, last activity)."""

    # helpers
    def _customer_ids(self, numbers: set[str]) -> dict[str, int]:
        """customer number → primary key, for the customers of the importer's scope."""
        return dict(
            Customer.objects.visible_to(self.actor)
            .filter(customer_no__in=numbers)
            .values_list("customer_no", "pk")
        )


def parse_fields(
    row: dict[str, str], parsers: dict[str, Callable[[str], Any]], required: tuple[str, ...]
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    errors: list[tuple[str, str]] = []
    for name, text in row.items():
        if looks_like_formula(text):
            errors.append((name, _("Looks like a spreadsheet formula; remove the leading sign.")))
            continue
        if not text:
            if name in required:
                errors.append((name, _("Required.")))
            continue
        parser = parsers.get(name, str)
        try:
            values[name] = parser(text)
        except ValueError as exc:
            errors.append((name, str(exc)))
    for name in required:
        if name not in row:
            errors.append((name, _("Required.")))
    if errors:
        raise RowErrors(errors)
    return values


# free-text columns of limited length, checked per row (an over-long cell would fail COPY)
TEXT_LIMITS: dict[str, int] = {
    name: int(getattr(Customer._meta.get_field(name), "max_length", 0))
    for name in ("occupation", "contact_times")
}


def acting_user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None
