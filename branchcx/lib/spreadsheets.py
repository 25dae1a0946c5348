"""Reading import files (CSV in UTF-8 or GBK, Excel .xlsx), and the cell rule of safe exports.

Spreadsheet formula injection: a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return can run as a formula when a colleague opens the file. Imports refuse such
text (the row is reported); exports write every text cell as a string *and* prefix those
characters with an apostrophe, so the value shows as typed and never evaluates, even after
the sheet is re-saved as CSV.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_MAGIC = b"PK\x03\x04"


class FileFormatError(ValueError):
    """The file cannot be read as a table at all (wrong type, broken encoding, no header)."""


@dataclass
class Table:
    headers: list[str]
    # (line number as the user sees it in the file, {header: cell text})
    rows: Iterator[tuple[int, dict[str, str]]]
    encoding: str


def looks_like_formula(text: str) -> bool:
    """True for text that a spreadsheet would evaluate; plain negative numbers are allowed."""
    if not text or not text.startswith(FORMULA_PREFIXES):
        return False
    if text[0] in "+-":
        try:
            Decimal(text)
            return False
        except ArithmeticError:
            return True
    return True


def safe_cell(value: Any) -> Any:
    """What an export writes: numbers and dates as they are, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, (int, float, Decimal, date, datetime)):
        return value
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def decode(data: bytes) -> tuple[str, str]:
    """Text of a CSV file from a Chinese bank: UTF-8 (with or without BOM) or GBK/GB18030."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise FileFormatError(_("The file is neither UTF-8 nor GBK text. Save it as CSV or .xlsx."))


def _normalise_header(text: Any) -> str:
    return str(text or "").strip().lower().replace(" ", "_")


def read_table(path: Path | str, name: str = "") -> Table:
    """Open an import file, whatever its name says, by looking at its content."""
    path = Path(path)
    with path.open("rb") as handle:
        head = handle.read(4)
    if head == XLSX_MAGIC:
        return _read_xlsx(path)
    if (name or path.name).lower().endswith((".xls", ".xlsx")) and head[:2] == b"\xd0\xcf":
        raise FileFormatError(_("Old .xls files are not supported: save the sheet as .xlsx."))
    text, encoding = decode(path.read_bytes())
    return _read_csv(text, encoding)


def _read_csv(text: str, encoding: str) -> Table:
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        headers = [_normalise_header(h) for h in next(reader)]
    except StopIteration:
        raise FileFormatError(_("The file is empty.")) from None
    if not any(headers):
        raise FileFormatError(_("The first line must name the columns."))

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            yield reader.line_num, _row(headers, values)

    return Table(headers, rows(), encoding)


def _read_xlsx(path: Path) -> Table:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged archive
        raise FileFormatError(_("The Excel file cannot be opened: %s") % exc) from None
    sheet = book.worksheets[0]
    rows_iter = sheet.iter_rows(values_only=True)
    try:
        headers = [_normalise_header(h) for h in next(rows_iter)]
    except StopIteration:
        book.close()
        raise FileFormatError(_("The file is empty.")) from None

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        try:
            for number, values in enumerate(rows_iter, start=2):
                cells = [_cell_text(v) for v in values]
                if not any(c.strip() for c in cells):
                    continue
                yield number, _row(headers, cells)
        finally:
            book.close()

    return Table(headers, rows(), "xlsx")


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S") if value.time() else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _row(headers: Sequence[str], values: Sequence[str]) -> dict[str, str]:
    row = {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(headers) if h}
    if len(values) > len(headers) and any(v.strip() for v in values[len(headers) :]):
        row["__extra__"] = "1"
    return row
