"""Transactions import against PostgreSQL COPY of the same file, measured in the same run.

Issue 12 item 7 sets the target: the import of a transactions file loads at least 25% of the
rows per second that plain ``COPY`` loads the same CSV into an unindexed table. This script
measures both on one fresh database, one after the other, and prints both and the ratio:

    python benchmarks/import_transactions.py --rows 1000000

The database (``branchcx_bench_txn`` by default, ``--database`` to change it) is dropped and
created again; the customers the file refers to are loaded first through the customers import
(not timed). The transactions table starts empty, so the figure is the import's own cost, not
that of a table of twenty million rows (``benchmarks/run.py --preset pg`` measures that).
Results: ``benchmarks/results/import-transactions-<date>.md`` (``--no-write`` to skip).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.run import (  # noqa: E402 (after the path is set)
    PG_URL,
    TODAY,
    WORK,
    copy_rate,
    log,
    machine,
    timed_import,
    write_customer_file,
    write_transaction_file,
)

TARGET = 0.25
COLUMNS = ["reference", "customer_no", "amount", "direction", "kind", "channel", "occurred_at"]


def configure(database: str) -> None:
    import psycopg

    admin = psycopg.connect(f"{PG_URL}/postgres", autocommit=True)
    admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{database}"')
    admin.close()
    os.environ["BRANCHCX_DATABASE_URL"] = f"{PG_URL}/{database}"
    data_dir = WORK / database
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ["BRANCHCX_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("BRANCHCX_DEBUG", "1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "branchcx.settings"
    import django

    django.setup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--database", default="branchcx_bench_txn")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    configure(args.database)

    from django.core.management import call_command

    from branchcx.org.demo import build_organisation
    from branchcx.org.models import Branch

    call_command("migrate", verbosity=0)
    build_organisation(branches=3, seed=args.seed)
    outlets = list(Branch.objects.filter(level=Branch.Level.OUTLET).values_list("code", flat=True))
    WORK.mkdir(exist_ok=True)
    customers = WORK / f"{args.database}-customers.csv"
    write_customer_file(customers, args.customers, 0, outlets, args.seed)
    timed_import("customers", customers)
    customers.unlink()
    log(f"{args.customers:,} customers loaded")

    path = WORK / f"{args.database}-transactions.csv"
    write_transaction_file(path, args.rows, args.customers, args.seed)
    copy = copy_rate(path, COLUMNS)
    assert copy is not None  # PostgreSQL only
    log(f"COPY into an unindexed table: {copy:,.0f} rows/s")
    rows, seconds = timed_import("transactions", path)
    ours = rows / seconds
    path.unlink()
    share = ours / copy
    verdict = "met" if share >= TARGET else "**missed**"
    log(f"import: {rows:,} rows in {seconds:.1f} s = {ours:,.0f} rows/s")
    log(f"ratio: {share:.2%} of COPY (target ≥ {TARGET:.0%}: {verdict})")
    if args.no_write:
        return
    lines = [
        f"# Benchmark: transactions import against COPY ({TODAY})",
        "",
        f"`python benchmarks/import_transactions.py --rows {args.rows}`: a file of "
        f"{args.rows:,} transactions for {args.customers:,} customers, on PostgreSQL, into an "
        "empty transactions table; COPY loads the same CSV into an unlogged, unindexed table "
        "of text columns, in the same run.",
        "",
        "| measure | rows/s |",
        "|---|---:|",
        f"| COPY of the file | {copy:,.0f} |",
        f"| `branchcx import transactions` | {ours:,.0f} |",
        f"| ratio | {share:.2%} (target ≥ {TARGET:.0%}: {verdict}) |",
        "",
        f"The import took {seconds:.1f} s for {rows:,} rows.",
        "",
        "## Machine",
        "",
        *machine(),
        "",
    ]
    out = ROOT / "benchmarks" / "results" / f"import-transactions-{TODAY}.md"
    out.write_text("\n".join(lines), encoding="utf-8")
    log(f"written {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
