"""Loading the core system's export files: customers, holdings and transactions.

One pass over the file inside one database transaction. Rows are parsed and checked in
chunks; each chunk is checked against the database (identity documents, accounts, customer
numbers) and written with bulk statements. Every problem is collected as (row, column,
reason); if there is any, or the run is a dry run, the transaction is rolled back, so a file
is loaded completely or not at all. A dry run therefore performs exactly the checks of a
real run, including those only the database can make. Only when the user asks for it
explicitly (``skip_invalid``) are the valid rows loaded and the rows with errors skipped,
each still listed in the report.

Re-importing a file is idempotent: customers are matched by customer number and updated only
where something changed; holdings by product and account number; transactions by the core
system's reference (流水号), which are skipped when already present.

Column headers may be the English names below or the Chinese headers core systems use
(客户号, 姓名, 证件号码, …); see ``docs/user-guide.md``.

The package: ``report`` (what a run reports), ``cells`` (cell parsers and codes), ``base``
(what every importer does), one module per file kind (``customer_rows``, ``holding_rows``,
``transaction_rows``) and ``run`` (the transaction around it all); import from here.
"""

from branchcx.customers.imports.base import Importer
from branchcx.customers.imports.cells import parse_bool, parse_date, parse_datetime, parse_money
from branchcx.customers.imports.customer_rows import CustomerImporter
from branchcx.customers.imports.holding_rows import HoldingImporter
from branchcx.customers.imports.report import (
    CHUNK,
    ERROR_LIMIT,
    ImportReport,
    Progress,
    RowErrors,
    row_ranges,
)
from branchcx.customers.imports.run import IMPORTERS, count_rows, run_import
from branchcx.customers.imports.transaction_rows import TRANSACTION_COLUMNS, TransactionImporter

__all__ = [
    "CHUNK",
    "ERROR_LIMIT",
    "IMPORTERS",
    "TRANSACTION_COLUMNS",
    "CustomerImporter",
    "HoldingImporter",
    "ImportReport",
    "Importer",
    "Progress",
    "RowErrors",
    "TransactionImporter",
    "count_rows",
    "parse_bool",
    "parse_date",
    "parse_datetime",
    "parse_money",
    "row_ranges",
    "run_import",
]
