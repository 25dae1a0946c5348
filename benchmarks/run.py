"""Scale benchmarks for the customer 360 (``make bench``).

Builds a fresh database of the chosen size, then measures:

- import rate of a customers file and a transactions file through ``branchcx import``'s code
  path (validation, encryption, blind indexes, history, all-or-nothing), side by side with
  PostgreSQL ``COPY`` of the same file into a plain table;
- lookup by mobile (blind index) p50/p95;
- the 360 page p50/p95 (server time through Django's test client, and query count);
- the customer list with filters p95.

The bulk of the data set (holdings, transactions) is generated set-based, not through the
importer, so that 20 million rows build in minutes. Results go to
``benchmarks/results/<preset>-<date>.md`` with the machine described.

    python benchmarks/run.py --preset pg       # 1,000,000 customers, 20,000,000 transactions
    python benchmarks/run.py --preset sqlite   # 100,000 customers, 1,000,000 transactions
    python benchmarks/run.py --preset smoke    # a minute, to check the harness itself
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


@dataclass(frozen=True)
class Preset:
    name: str
    engine: str  # "postgresql" or "sqlite"
    customers: int
    transactions: int
    import_customers: int  # rows in the timed customers file
    import_transactions: int  # rows in the timed transactions file
    samples: int


PRESETS = {
    "pg": Preset("pg", "postgresql", 1_000_000, 20_000_000, 100_000, 200_000, 300),
    "sqlite": Preset("sqlite", "sqlite", 100_000, 1_000_000, 20_000, 50_000, 200),
    "smoke": Preset("smoke", "sqlite", 3_000, 30_000, 1_000, 2_000, 30),
    "pg-smoke": Preset("pg-smoke", "postgresql", 3_000, 30_000, 1_000, 2_000, 30),
}
PG_URL = os.environ.get("BRANCHCX_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432")
BENCH_DIR = ROOT / "benchmarks"
TODAY = time.strftime("%Y-%m-%d")
WORK = BENCH_DIR / "var"


def configure(preset: Preset) -> None:
    WORK.mkdir(exist_ok=True)
    data_dir = WORK / preset.name
    if preset.engine == "postgresql":
        import psycopg

        admin = psycopg.connect(f"{PG_URL}/postgres", autocommit=True)
        admin.execute("DROP DATABASE IF EXISTS branchcx_bench WITH (FORCE)")
        admin.execute("CREATE DATABASE branchcx_bench")
        admin.close()
        os.environ["BRANCHCX_DATABASE_URL"] = f"{PG_URL}/branchcx_bench"
        shutil.rmtree(data_dir, ignore_errors=True)
    else:
        shutil.rmtree(data_dir, ignore_errors=True)
        os.environ.pop("BRANCHCX_DATABASE_URL", None)
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ["BRANCHCX_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("BRANCHCX_DEBUG", "1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "branchcx.settings"
    import django

    django.setup()


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


# --- data ----------------------------------------------------------------------------------


def write_customer_file(path: Path, rows: int, start: int, outlets: list[str], seed: int) -> None:
    """A core-system style customer file with valid resident IDs and mobiles."""
    from stdnum.cn import ric

    from branchcx.customers.demo import GIVEN, SURNAMES

    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("customer_no,name,id_number,gender,mobile,home_outlet,became_customer_on\n")
        for i in range(start, start + rows):
            # unique IDs: the row number picks the birth date and the sequence number
            born = date(1950, 1, 1) + timedelta(days=(i // 500) % 20_000)
            sequence = (i % 500) * 2 + rng.randrange(2)  # odd = male
            male = sequence % 2 == 1
            body = f"310104{born:%Y%m%d}{sequence:03d}"
            number = body + ric.calc_check_digit(body + "0")  # expects a digit in place
            # unique, valid mobiles: 139 + 8 digits from the row number
            mobile = f"139{i:08d}"
            name = rng.choice(SURNAMES) + rng.choice(GIVEN)
            since = date(2005, 1, 1) + timedelta(days=rng.randrange(0, 7000))
            out.write(
                f"B{i:09d},{name},{number},{'male' if male else 'female'},{mobile},"
                f"{rng.choice(outlets)},{since.isoformat()}\n"
            )


def write_transaction_file(path: Path, rows: int, customers: int, seed: int) -> None:
    rng = random.Random(seed)
    now = datetime(2026, 10, 1, 9, 0)  # noqa: DTZ001 (local wall-clock time, as in the file)
    kinds = [("credit", "deposit"), ("debit", "withdrawal"), ("debit", "card_spend")]
    channels = ["counter", "atm", "mobile_banking", "pos"]
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("reference,customer_no,amount,direction,kind,channel,occurred_at\n")
        for i in range(rows):
            direction, kind = rng.choice(kinds)
            when = now - timedelta(minutes=rng.randrange(0, 60 * 24 * 360))
            amount = rng.randrange(100, 500000) / 100
            out.write(
                f"IMP{i:012d},B{rng.randrange(customers):09d},{amount:.2f},"
                f"{direction},{kind},{rng.choice(channels)},{when:%Y-%m-%d %H:%M:%S}\n"
            )


def copy_rate(path: Path, columns: list[str]) -> float | None:
    """Rows per second PostgreSQL COPY loads the same CSV into an unindexed text table."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_copy")
        cursor.execute(
            "CREATE UNLOGGED TABLE bench_copy (" + ", ".join(f"{c} text" for c in columns) + ")"
        )
        started = time.perf_counter()
        with (
            path.open("rb") as handle,
            cursor.cursor.copy("COPY bench_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
        ):
            while chunk := handle.read(1 << 20):
                copy.write(chunk)
        elapsed = time.perf_counter() - started
        cursor.execute("SELECT count(*) FROM bench_copy")
        rows = cursor.fetchone()[0]
        cursor.execute("DROP TABLE bench_copy")
    return rows / elapsed


def timed_import(kind: str, path: Path) -> tuple[int, float]:
    from branchcx.customers.imports import run_import
    from branchcx.org.actions import SystemActor

    started = time.perf_counter()
    report = run_import(SystemActor(), kind, path)
    elapsed = time.perf_counter() - started
    if not report.committed:
        raise SystemExit(f"benchmark import failed: {report.file_error or report.errors[:5]}")
    return report.total, elapsed


def fill_holdings_and_transactions(preset: Preset, seed: int) -> None:
    """Two holdings per customer (encrypted in Python, written in bulk) and the remaining
    transactions generated in the database."""
    from django.db import connection, transaction

    from branchcx.customers.models import Customer, Holding, Product
    from branchcx.customers.queries import refresh_aum

    rng = random.Random(seed)
    demand = Product.objects.get(code="demand-cny")
    others = list(Product.objects.filter(category__in=["time_deposit", "wealth", "fund"]))
    ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
    batch: list[Holding] = []
    account = 6_000_000_000_000
    for pk in ids:
        for product, balance in (
            (demand, rng.lognormvariate(9, 1.2)),
            (rng.choice(others), rng.lognormvariate(10.5, 1.5)),
        ):
            account += 1
            batch.append(
                Holding(
                    customer_id=pk,
                    product=product,
                    account_number=f"{account:020d}",
                    balance=round(balance, 2),
                    opened_on=date(2015, 1, 1),
                )
            )
        if len(batch) >= 20_000:
            Holding.objects.bulk_create(batch, batch_size=5000)
            batch = []
    Holding.objects.bulk_create(batch, batch_size=5000)
    log(f"holdings: {Holding.objects.count():,}")
    started = time.perf_counter()
    refresh_aum(Customer.objects.all())  # one statement for the whole book
    log(f"AUM and tiers refreshed in {time.perf_counter() - started:.1f} s")

    remaining = preset.transactions - preset.import_transactions
    first, last = ids[0], ids[-1]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                """
                INSERT INTO customers_transaction
                    (customer_id, amount, direction, kind, channel, occurred_at)
                SELECT %s + floor(random() * %s)::bigint,
                       round((random() * 5000 + 1)::numeric, 2),
                       CASE WHEN random() < 0.5 THEN 'credit' ELSE 'debit' END,
                       'deposit', 'mobile_banking',
                       now() - random() * interval '365 days'
                FROM generate_series(1, %s)
                """,
                [first, last - first + 1, remaining],
            )
        else:
            cursor.execute(
                """
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %s)
                INSERT INTO customers_transaction
                    (customer_id, amount, direction, kind, channel, occurred_at)
                SELECT %s + abs(random()) %% %s,
                       round(abs(random()) %% 500000 / 100.0 + 1, 2),
                       CASE WHEN random() < 0 THEN 'credit' ELSE 'debit' END,
                       'deposit', 'mobile_banking',
                       datetime('now', '-' || (abs(random()) %% 31536000) || ' seconds')
                FROM n
                """,
                [remaining, first, last - first + 1],
            )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
            # Write out the generated data now: a timed import must not pay for flushing
            # twenty million generated rows (measured: 2,156 rows/s then, 10,412 after).
            cursor.execute("CHECKPOINT")


# --- measurements --------------------------------------------------------------------------


def measure(preset: Preset, seed: int) -> dict[str, object]:
    from django.contrib.auth import get_user_model
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from branchcx.customers.models import Customer
    from branchcx.customers.queries import filter_customers, search

    rng = random.Random(seed)
    manager = get_user_model().objects.get(username="sh01.manager")
    head = get_user_model().objects.get(username="admin")
    client = Client()
    client.force_login(head)
    total = Customer.objects.count()
    numbers = [f"139{rng.randrange(total):08d}" for _ in range(preset.samples)]

    lookups = []
    for mobile in numbers:
        started = time.perf_counter()
        list(search(Customer.objects.visible_to(head), mobile)[:10])
        lookups.append((time.perf_counter() - started) * 1000)

    pks = Customer.objects.order_by("pk").values_list("pk", flat=True)
    first, last = pks.first(), pks.last()
    uuids = []
    while len(uuids) < preset.samples:
        found = Customer.objects.filter(pk=rng.randint(first, last)).values_list("uuid", flat=True)
        uuids.extend(found)
    client.get(f"/customers/{uuids[0]}/")  # warm up templates and translations
    pages, queries = [], []
    for value in uuids:
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get(f"/customers/{value}/")
            pages.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
        queries.append(len(ctx.captured_queries))
    reset_queries()

    client_m = Client()
    client_m.force_login(manager)
    lists = []
    filters = ["?tier=gold", "?tier=platinum&outlet=SH0101", "?tag=", "?outlet=SH0102&page=5"]
    for i in range(preset.samples // 3):
        started = time.perf_counter()
        response = client_m.get("/customers/" + filters[i % len(filters)])
        lists.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    # the query behind the list, without rendering, for reference
    qs = filter_customers(Customer.objects.visible_to(manager), tier="gold")
    started = time.perf_counter()
    list(qs[:50])
    list_query_ms = (time.perf_counter() - started) * 1000

    return {
        "lookup_p50": statistics.median(lookups),
        "lookup_p95": percentile(lookups, 0.95),
        "page_p50": statistics.median(pages),
        "page_p95": percentile(pages, 0.95),
        "page_queries": (min(queries), max(queries)),
        "list_p95": percentile(lists, 0.95),
        "list_p50": statistics.median(lists),
        "list_query_ms": list_query_ms,
    }


def machine() -> list[str]:
    from django.db import connection

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem = int(Path("/proc/meminfo").read_text().split()[1]) // 1024 // 1024
    except (OSError, ValueError, IndexError):
        mem = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            db = "PostgreSQL " + cursor.fetchone()[0]
        else:
            cursor.execute("SELECT sqlite_version()")
            db = "SQLite " + cursor.fetchone()[0]
    return [
        f"- CPU: {cpu}, {os.cpu_count()} cores; memory {mem} GiB",
        f"- {platform.system()} {platform.release()}, Python {platform.python_version()}",
        f"- Database: {db} (same machine, default configuration)",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", choices=sorted(PRESETS), default="smoke")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    preset = PRESETS[args.preset]
    configure(preset)

    from django.core.management import call_command
    from django.db import connection

    from branchcx.customers.models import Customer, Transaction
    from branchcx.org.demo import build_organisation
    from branchcx.org.models import Branch

    started_all = time.perf_counter()
    call_command("migrate", verbosity=0)
    build_organisation(branches=3, seed=args.seed)
    outlets = list(Branch.objects.filter(level=Branch.Level.OUTLET).values_list("code", flat=True))
    log(f"{preset.name}: {connection.vendor}, organisation with {len(outlets)} outlets")

    # 1. the timed import of a customers file, and COPY of the same file
    sample = WORK / f"{preset.name}-customers.csv"
    write_customer_file(sample, preset.import_customers, 0, outlets, args.seed)
    copy_customers = copy_rate(sample, [
        "customer_no", "name", "id_number", "gender", "mobile", "home_outlet", "became_customer_on"
    ])  # fmt: skip
    rows, seconds = timed_import("customers", sample)
    import_customers = rows / seconds
    log(f"imported {rows:,} customers in {seconds:.1f} s ({import_customers:,.0f} rows/s)")

    # 2. the rest of the customers, through the same importer in files of 100,000
    done = preset.import_customers
    while done < preset.customers:
        size = min(100_000, preset.customers - done)
        part = WORK / f"{preset.name}-customers-{done}.csv"
        write_customer_file(part, size, done, outlets, args.seed + done)
        timed_import("customers", part)
        part.unlink()
        done += size
        log(f"customers: {done:,}")

    # 3. holdings and the bulk of the transactions, generated
    fill_holdings_and_transactions(preset, args.seed)
    log(f"transactions generated: {Transaction.objects.count():,}")

    # 4. the timed import of a transactions file, and COPY of the same file
    txn_file = WORK / f"{preset.name}-transactions.csv"
    write_transaction_file(txn_file, preset.import_transactions, preset.customers, args.seed)
    copy_txns = copy_rate(txn_file, [
        "reference", "customer_no", "amount", "direction", "kind", "channel", "occurred_at"
    ])  # fmt: skip
    rows, seconds = timed_import("transactions", txn_file)
    import_txns = rows / seconds
    log(f"imported {rows:,} transactions in {seconds:.1f} s ({import_txns:,.0f} rows/s)")
    sample.unlink()
    txn_file.unlink()

    counts = (Customer.objects.count(), Transaction.objects.count())
    log(f"data set: {counts[0]:,} customers, {counts[1]:,} transactions; measuring")
    results = measure(preset, args.seed)
    write_report(preset, counts, import_customers, copy_customers, import_txns, copy_txns,
                 results, time.perf_counter() - started_all)  # fmt: skip


def _verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def write_report(
    preset: Preset,
    counts: tuple[int, int],
    import_customers: float,
    copy_customers: float | None,
    import_txns: float,
    copy_txns: float | None,
    r: dict[str, object],
    seconds: float,
) -> None:
    def ratio(ours: float, copy: float | None) -> str:
        if copy is None:
            return "n/a (COPY is PostgreSQL only)"
        share = ours / copy
        return f"{share:.1%} of COPY — target ≥ 25%: {_verdict(share >= 0.25)}"

    def cell(copy: float | None) -> str:
        return f"{copy:,.0f}" if copy else "—"

    lookup_p95 = float(r["lookup_p95"])  # type: ignore[arg-type]
    page_p95 = float(r["page_p95"])  # type: ignore[arg-type]
    at_scale = counts[0] >= 1_000_000 and counts[1] >= 20_000_000
    lines = [
        f"# Benchmark: {preset.name} ({TODAY})",
        "",
        f"Data set: {counts[0]:,} customers, {counts[1]:,} transactions"
        + ("" if at_scale else " (below the 1M/20M target scale: targets are indicative)"),
        f"Total run time: {seconds / 60:.1f} min. Command: "
        f"`python benchmarks/run.py --preset {preset.name}` (via `make bench`).",
        "",
        "## Machine",
        *machine(),
        "",
        "## Results",
        "",
        "| measure | value | target | verdict |",
        "| --- | --- | --- | --- |",
        f"| import customers (rows/s) | {import_customers:,.0f} | ≥ 25% of COPY "
        f"({cell(copy_customers)}) | {ratio(import_customers, copy_customers)} |",
        f"| import transactions (rows/s) | {import_txns:,.0f} | ≥ 25% of COPY "
        f"({cell(copy_txns)}) | {ratio(import_txns, copy_txns)} |",
        f"| lookup by mobile p50 / p95 (ms) | {r['lookup_p50']:.2f} / {lookup_p95:.2f} "
        f"| p95 < 20 | {_verdict(lookup_p95 < 20)} |",
        f"| 360 page p50 / p95 (ms, server) | {r['page_p50']:.1f} / {page_p95:.1f} "
        f"| p95 < 150 | {_verdict(page_p95 < 150)} |",
        f"| 360 page queries (min–max) | {r['page_queries'][0]}–{r['page_queries'][1]} "  # type: ignore[index]
        "| constant | — |",
        f"| customer list with filters p50 / p95 (ms) | {r['list_p50']:.1f} / "
        f"{r['list_p95']:.1f} | — | — |",
        "",
        "Import rates are for the whole `branchcx import` path: parsing, validation (ID check",
        "digits, mobiles, outlets, duplicates), AES-GCM encryption of five personal fields, four",
        "HMAC blind indexes, change history rows and the all-or-nothing transaction. COPY loads",
        "the same file as plain text into an unindexed unlogged table: the ceiling, not a peer.",
        "Page times are measured in-process with Django's test client (no network, no browser).",
        "",
    ]
    out = BENCH_DIR / "results" / f"{preset.name}-{TODAY}.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(lines), encoding="utf-8")
    log(f"results written to {out.relative_to(ROOT)}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
