"""Complaint analysis at scale: the dashboard's statistics and the regulator's workbook.

Builds a fresh SQLite database (the embedded default) with the demo organisation, 100,000
customers and 200,000 complaints spread over the last twelve months, with decisions, every
transition on the timeline (the customer told a day after the decision) and some clock
pauses, then measures:

- the dashboard's statistics (``stats`` functions as the page calls them), p50/p95, for head
  office (the whole network) and for one branch manager;
- the whole dashboard page (server time through Django's test client) and its query count;
- the regulator's workbook (``/complaints/reports/regulator.xlsx``), p50/p95;
- the statistics API's grouped count.

Customers are bulk-created through the ORM (names encrypted, blind indexes filled);
complaints, decisions, timeline entries and pauses are generated in SQL: the benchmark
measures reading, not the intake path. Results go to
``benchmarks/results/complaints-dashboard-<date>.md`` with the machine described.

    python benchmarks/complaints_dashboard.py                 # 200,000 complaints
    python benchmarks/complaints_dashboard.py --complaints 5000 --samples 3   # smoke
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness import configure, log, machine, percentile  # noqa: E402

BENCH_DIR = ROOT / "benchmarks"
WORK = BENCH_DIR / "var" / "complaints-dashboard"
TODAY = time.strftime("%Y-%m-%d")


# --- data ----------------------------------------------------------------------------------


def make_customers(count: int, seed: int) -> None:
    from branchcx.customers.demo import GIVEN, SURNAMES
    from branchcx.customers.models import Customer
    from branchcx.org.models import Branch

    rng = random.Random(seed)
    outlets = list(Branch.objects.filter(level=Branch.Level.OUTLET))
    batch: list[Customer] = []
    for i in range(count):
        batch.append(
            Customer(
                customer_no=f"B{i:09d}",
                name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                id_type="passport",
                home_outlet=rng.choice(outlets),
                became_customer_on=date(2010, 1, 1),
            )
        )
        if len(batch) == 10_000:
            Customer.objects.bulk_create(batch, batch_size=2000)
            batch = []
    Customer.objects.bulk_create(batch, batch_size=2000)


def make_complaints(count: int) -> None:
    """Complaints received over the last 365 days, in every state, most classified on all
    three axes; decisions 0 to 44 days after receipt; the customer told a day later."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executescript(
            """
            CREATE TEMP TABLE bench_pick (axis TEXT, k INTEGER, id INTEGER);
            INSERT INTO bench_pick
                SELECT 'outlet', ROW_NUMBER() OVER (ORDER BY id) - 1, id FROM org_branch
                WHERE level = 'outlet';
            INSERT INTO bench_pick
                SELECT 'staff', ROW_NUMBER() OVER (ORDER BY id) - 1, id FROM org_staffprofile;
            INSERT INTO bench_pick
                SELECT axis, ROW_NUMBER() OVER (PARTITION BY axis ORDER BY code) - 1, id
                FROM complaints_classification WHERE axis IN ('business', 'cause', 'channel');
            INSERT INTO bench_pick
                SELECT 'root', ROW_NUMBER() OVER (ORDER BY code) - 1, id
                FROM complaints_rootcause WHERE parent_id IS NOT NULL;
            INSERT INTO bench_pick
                SELECT 'customer', ROW_NUMBER() OVER (ORDER BY id) - 1, id
                FROM customers_customer;
            CREATE INDEX bench_pick_k ON bench_pick (axis, k);
            CREATE TEMP TABLE bench_n AS SELECT axis, count(*) AS n FROM bench_pick
                GROUP BY axis;
            """
        )
        cursor.execute(
            """
            WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < %s),
            r AS MATERIALIZED (  -- else each use of a column draws its random() again
                SELECT i, abs(random()) AS r1, abs(random()) AS r2, abs(random()) AS r3,
                       abs(random()) AS r4, abs(random()) AS r5, abs(random()) AS r6,
                       datetime('now', '-' || (abs(random()) %% 31536000) || ' seconds')
                           AS received
                FROM seq
            ),
            s AS (
                SELECT r.*, CASE
                    WHEN r2 %% 100 < 8 THEN 'registered'
                    WHEN r2 %% 100 < 12 THEN 'accepted'
                    WHEN r2 %% 100 < 20 THEN 'investigating'
                    WHEN r2 %% 100 < 26 THEN 'decided'
                    WHEN r2 %% 100 < 40 THEN 'notified'
                    WHEN r2 %% 100 < 86 THEN 'closed'
                    WHEN r2 %% 100 < 89 THEN 'review_requested'
                    WHEN r2 %% 100 < 92 THEN 'review_decided'
                    WHEN r2 %% 100 < 97 THEN 'withdrawn'
                    ELSE 'merged' END AS state,
                    CASE WHEN r3 %% 10 = 0 THEN 30 ELSE 15 END AS allowed
                FROM r
            )
            INSERT INTO complaints_complaint (
                uuid, number, customer_id, complainant_name, complainant_phone, outlet_id,
                intake_channel, regulator_reference, received_at, narrative, channel_id,
                business_id, cause_id, card_reason_id, priority, state, received_by_id,
                owner_id, handler_id, pending_owner_id, clock_started_on, allowed_days,
                due_on, respond_by, resolve_by, responded_at, escalation, escalated_at,
                is_group, co_complainants, representatives, is_major, major_reason,
                merged_into_id, version, created_at, updated_at
            )
            SELECT
                lower(hex(randomblob(16))), 'BN' || printf('%%010d', i),
                CASE WHEN r6 %% 5 = 0 THEN NULL ELSE (
                    SELECT id FROM bench_pick WHERE axis = 'customer' AND k = r6 %% (
                        SELECT n FROM bench_n WHERE axis = 'customer')) END,
                '', '',
                (SELECT id FROM bench_pick WHERE axis = 'outlet'
                    AND k = r1 %% (SELECT n FROM bench_n WHERE axis = 'outlet')),
                'counter', '', received, '',
                CASE WHEN r4 %% 20 = 0 THEN NULL ELSE (SELECT id FROM bench_pick
                    WHERE axis = 'channel'
                    AND k = r4 %% (SELECT n FROM bench_n WHERE axis = 'channel')) END,
                CASE WHEN r5 %% 25 = 0 THEN NULL ELSE (SELECT id FROM bench_pick
                    WHERE axis = 'business'
                    AND k = r5 %% (SELECT n FROM bench_n WHERE axis = 'business')) END,
                CASE WHEN r3 %% 25 = 0 THEN NULL ELSE (SELECT id FROM bench_pick
                    WHERE axis = 'cause'
                    AND k = (r3 / 7) %% (SELECT n FROM bench_n WHERE axis = 'cause')) END,
                NULL, 'normal', state,
                (SELECT id FROM bench_pick WHERE axis = 'staff' AND k = 0),
                (SELECT id FROM bench_pick WHERE axis = 'staff' AND k = 0),
                NULL, NULL,
                date(received, '+8 hours'), allowed,
                CASE WHEN state IN ('registered', 'accepted', 'investigating', 'decided')
                    THEN date(received, '+8 hours', '+' || allowed || ' days') END,
                datetime(received, '+1 day'), datetime(received, '+7 days'),
                CASE WHEN state = 'registered' THEN NULL
                    ELSE min(datetime(received, '+' || (r4 %% 40) || ' hours'),
                             datetime('now')) END,
                0, NULL, 0, 0, 0, r5 %% 400 = 0, CASE WHEN r5 %% 400 = 0 THEN 'disaster'
                    ELSE '' END,
                NULL, 1, received, received
            FROM s
            """,
            [count],
        )
        decided = "('decided', 'notified', 'closed', 'review_requested', 'review_decided')"
        cursor.execute(
            f"""
            INSERT INTO complaints_decision (
                complaint_id, kind, outcome, findings, basis, root_cause_id, root_cause_note,
                remedy, compensation, recovery_actions, decided_by_id, decided_at,
                needs_approval, approved_by_id, approved_at
            )
            SELECT c.id, 'decision', 'upheld', '', '',
                (SELECT id FROM bench_pick WHERE axis = 'root'
                    AND k = c.id %% (SELECT n FROM bench_n WHERE axis = 'root')),
                '', '', 0, '', c.received_by_id,
                min(datetime(c.received_at, '+' || (c.id * 7 %% 45) || ' days'),
                    datetime('now')),
                0, NULL, NULL
            FROM complaints_complaint c WHERE c.state IN {decided}
            """,  # noqa: S608 (constants only)
            [],  # (with parameters, "%%" reads as "%")
        )
        cursor.execute(
            """
            INSERT INTO complaints_timelineentry
                (complaint_id, at, actor_id, kind, from_state, to_state, text, detail)
            SELECT d.complaint_id, min(datetime(d.decided_at, '+1 day'), datetime('now')),
                NULL, 'transition', 'decided', 'notified', '', '{}'
            FROM complaints_decision d JOIN complaints_complaint c ON c.id = d.complaint_id
            WHERE c.state IN ('notified', 'closed', 'review_requested', 'review_decided')
            """
        )
        # The other transitions on the way to each complaint's state: the statistics read
        # the timeline (when the customer was told, restarts), so it has its real size.
        cursor.execute(
            """
            WITH path(step, to_state) AS (VALUES
                (0, 'registered'), (1, 'accepted'), (2, 'investigating'), (3, 'decided'),
                (5, 'closed'), (6, 'review_requested'), (7, 'review_decided'),
                (8, 'withdrawn'), (9, 'merged')
            ),
            reached(state, step) AS (VALUES
                ('registered', 0), ('accepted', 1), ('investigating', 2), ('decided', 3),
                ('notified', 4), ('closed', 5), ('review_requested', 6),
                ('review_decided', 7)
            )
            INSERT INTO complaints_timelineentry
                (complaint_id, at, actor_id, kind, from_state, to_state, text, detail)
            SELECT c.id, min(datetime(c.received_at, '+' || p.step || ' hours'),
                             datetime('now')),
                NULL, CASE WHEN p.to_state = 'merged' THEN 'merge' ELSE 'transition' END,
                '', p.to_state, '', '{}'
            FROM complaints_complaint c JOIN path p ON (
                p.step <= 1 AND c.state IN ('withdrawn', 'merged')
                OR p.to_state = c.state AND c.state IN ('withdrawn', 'merged')
                OR p.step <= (SELECT r.step FROM reached r WHERE r.state = c.state)
                    AND p.step <> 4
            )
            """
        )
        cursor.execute(
            """
            INSERT INTO complaints_clockpause (complaint_id, reason, started_on, ended_on)
            SELECT id, 'appraisal', date(clock_started_on, '+2 days'),
                   date(clock_started_on, '+9 days')
            FROM complaints_complaint WHERE id %% 50 = 0
            """,
            [],
        )
        cursor.execute("DROP TABLE bench_pick")
        cursor.execute("DROP TABLE bench_n")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# --- measurements --------------------------------------------------------------------------


def dashboard_statistics(user: object) -> None:
    """What the dashboard view computes, for the default period and all the user's outlets:
    whole months from the rollup, the rest live (``report_views.build_report``)."""
    from django.utils import timezone

    from branchcx.complaints import access, stats
    from branchcx.complaints.report_views import _outlets, build_report

    period = stats.default_period(timezone.localdate())
    build_report(user, access.complaints_for_user(user), _outlets(user), period, None)


def timed(samples: int, work: object) -> list[float]:
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        work()  # type: ignore[operator]
        times.append((time.perf_counter() - started) * 1000)
    return times


def measure(samples: int) -> dict[str, object]:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from branchcx.complaints import access, stats

    users = get_user_model().objects
    head, manager = users.get(username="admin"), users.get(username="sh01.manager")
    results: dict[str, object] = {}
    for label, user in (("head", head), ("branch", manager)):
        dashboard_statistics(user)  # warm up the page cache
        times = timed(samples, lambda user=user: dashboard_statistics(user))
        results[f"stats_{label}"] = times
        log(f"dashboard statistics ({label}): p50 {statistics.median(times):.0f} ms")

    client = Client()
    client.force_login(head)
    client.get("/complaints/reports/")
    pages, queries = [], []
    for _ in range(samples):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get("/complaints/reports/")
            pages.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
        queries.append(len(ctx.captured_queries))
    results["page"], results["page_queries"] = pages, (min(queries), max(queries))

    exports = []
    for _ in range(samples):
        started = time.perf_counter()
        response = client.get("/complaints/reports/regulator.xlsx")
        exports.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    results["export"], results["export_bytes"] = exports, len(response.content)

    today = timezone.localdate()
    period = stats.default_period(today)
    in_scope = access.complaints_for_user(head)
    results["total"] = stats.in_period(in_scope, period.start, period.end).count()
    api = Client()
    api.force_login(head)
    results["api"] = timed(
        samples, lambda: api.get("/api/v1/complaints/statistics", {"group_by": "business"})
    )
    shown = client.get("/complaints/reports/").content.decode()
    results["freshness_shown"] = 'id="rollup-freshness" data-as-of=' in shown
    return results


def write_report(counts: dict[str, int], build_s: float, r: dict[str, object]) -> None:
    def cell(key: str) -> str:
        values: list[float] = r[key]  # type: ignore[assignment]
        return f"{statistics.median(values):,.0f} / {percentile(values, 0.95):,.0f}"

    samples = len(r["page"])  # type: ignore[arg-type]
    low, high = r["page_queries"]  # type: ignore[misc]
    lines = [
        f"# Benchmark: complaints dashboard ({TODAY})",
        "",
        f"Data set: {counts['complaints']:,} complaints over the last 365 days "
        f"({counts['decisions']:,} decisions, {counts['timeline']:,} timeline entries, "
        f"{counts['pauses']:,} clock pauses), {counts['customers']:,} customers, "
        f"{counts['outlets']} outlets. Built in {build_s / 60:.1f} min.",
        f"Command: `python benchmarks/complaints_dashboard.py` (via `make bench`); "
        f"{samples} samples per measure after one warm-up.",
        "",
        "## Machine",
        *machine(),
        "",
        "## Results (ms, p50 / p95)",
        "",
        "| measure | value |",
        "| --- | --- |",
        f"| dashboard statistics, head office ({r['total']:,} complaints in the default "
        f"period) | {cell('stats_head')} |",
        f"| dashboard statistics, one branch manager (上海分行) | {cell('stats_branch')} |",
        f"| dashboard page, head office (server time) | {cell('page')} |",
        f"| dashboard page queries (min to max) | {low} to {high} |",
        f"| regulator workbook, head office ({r['export_bytes']:,} bytes) | {cell('export')} |",
        f"| statistics API count by business category (whole request) | {cell('api')} |",
        f"| rollup rebuild, all months (once) | {counts['rebuild_ms']:,} |",
        f"| rollup update right after (once) | {counts['update_ms']:,} |",
        "",
        f"Targets: head-office statistics p95 ≤ 300 ms, whole page p95 ≤ 500 ms. Freshness "
        f"line on the page: {'shown' if r['freshness_shown'] else 'MISSING'}.",
        "",
        "Whole months are read from the statistics rollup (`complaints.rollups.read`); the",
        "days of a partly covered month (the default period starts on the first of a month",
        "and ends today, so none here) would be counted from the complaints. Repeat",
        "complainants and customers per outlet are counted live. Page times are measured",
        "in-process with Django's test client (no network, no browser).",
        "",
    ]
    out = BENCH_DIR / "results" / f"complaints-dashboard-{TODAY}.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(lines), encoding="utf-8")
    log(f"results written to {out.relative_to(ROOT)}")
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, default=200_000)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    configure(WORK)

    from django.core.management import call_command

    from branchcx.complaints.models import ClockPause, Complaint, Decision, TimelineEntry
    from branchcx.customers.models import Customer
    from branchcx.org.demo import build_organisation
    from branchcx.org.models import Branch

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    build_organisation(branches=3, seed=args.seed)
    make_customers(args.customers, args.seed)
    log(f"customers: {Customer.objects.count():,}")
    make_complaints(args.complaints)
    build_s = time.perf_counter() - started
    counts = {
        "complaints": Complaint.objects.count(),
        "decisions": Decision.objects.count(),
        "timeline": TimelineEntry.objects.count(),
        "pauses": ClockPause.objects.count(),
        "customers": Customer.objects.count(),
        "outlets": Branch.objects.filter(level=Branch.Level.OUTLET).count(),
    }
    log(f"data set built in {build_s:.0f} s: {counts}")
    from branchcx.complaints.rollups import ROLLUP
    from branchcx.rollups import engine

    started = time.perf_counter()
    engine.rebuild(ROLLUP)
    counts["rebuild_ms"] = round((time.perf_counter() - started) * 1000)
    started = time.perf_counter()
    engine.update(ROLLUP)
    counts["update_ms"] = round((time.perf_counter() - started) * 1000)
    log(f"rollup rebuilt in {counts['rebuild_ms']} ms, updated in {counts['update_ms']} ms")
    write_report(counts, build_s, measure(args.samples))


if __name__ == "__main__":
    main()
