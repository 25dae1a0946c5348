"""Survey scores at scale: what the satisfaction dashboard computes, over 100,000 responses.

Builds a fresh SQLite database (the embedded default) with the demo organisation and the
shipped questionnaires, then 100,000 submitted responses spread over 24 months and all
outlets, each with NPS, CSAT and CES answers and its five SERVQUAL dimension scores
(expectation, perception, gap, adequate and desired level, importance): the worst case, as if
every respondent had answered the long survey. Responses are generated in SQL: the benchmark
measures reading, not answering.

A share of the responses (15% by default, the demo's share of the long SERVQUAL
questionnaire; ``--answered-share``) also gets its 44 item answers (22 statements, expectation
and perception, items of a dimension sharing a respondent-level level) for Cronbach's alpha.

Measured (p50/p95 over the samples, after one warm-up): the figures counted from the answers
(as before the rollup's first build); the satisfaction rollup's rebuild and update; then, read
from the rollup, the dashboard's scoring (:func:`branchcx.surveys.queries.dashboard`: the
network, every outlet, month, tier and segment) for head office and for one branch manager,
each grouping on its own, the reliability of the ten dimension scales, the driver weights by
segment and by outlet, the expectation views, and the whole dashboard and expectations pages
as a request. Target: the whole dashboard page within 300 ms at 100,000 responses, with the
rollup's freshness on it. Results go to ``benchmarks/results/surveys-scoring-<date>.md``.

    python benchmarks/surveys_scoring.py                       # 100,000 responses
    python benchmarks/surveys_scoring.py --responses 5000 --samples 3   # smoke
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness import configure, log, machine, percentile, timed  # noqa: E402

BENCH_DIR = ROOT / "benchmarks"
WORK = BENCH_DIR / "var" / "surveys-scoring"
TODAY = time.strftime("%Y-%m-%d")
TARGET_MS = 300  # the whole dashboard page, head office, p95


def make_responses(count: int) -> None:
    """``count`` submitted responses over the last 730 days, five dimension rows each.
    Perception runs about one point under expectation, responsiveness worst."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executescript(
            """
            CREATE TEMP TABLE bench_outlet AS
                SELECT ROW_NUMBER() OVER (ORDER BY id) - 1 AS k, id FROM org_branch
                WHERE level = 'outlet';
            CREATE TEMP TABLE bench_dim (k INTEGER, name TEXT, shortfall REAL);
            INSERT INTO bench_dim VALUES (0, 'tangibles', 0.5), (1, 'reliability', 0.9),
                (2, 'responsiveness', 1.6), (3, 'assurance', 0.7), (4, 'empathy', 1.0);
            """
        )
        cursor.execute(
            """
            INSERT INTO surveys_response (uuid, survey_id, survey_version_id, source,
                outlet_id, is_anonymous, status, resume_hash, sections_done, submitted_on,
                month, segment, contact_name, contact_mobile, nps, csat, ces, overall)
            WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < %s),
            picks AS MATERIALIZED (
                SELECT i, abs(random()) %% (SELECT count(*) FROM bench_outlet) AS outlet_k,
                    date('now', '-' || (abs(random()) %% 730) || ' days') AS day
                FROM seq
            )
            SELECT lower(hex(randomblob(16))), s.id, v.id, 'lobby_qr', o.id, 1, 'submitted',
                '', '[]', day, date(day, 'start of month'), '', '', '',
                abs(random()) %% 11, 1 + abs(random()) %% 5, 1 + abs(random()) %% 7,
                1 + abs(random()) %% 7
            FROM picks JOIN bench_outlet o ON o.k = picks.outlet_k,
                surveys_survey s JOIN surveys_surveyversion v ON v.survey_id = s.id
            WHERE s.code = 'servqual'
            """,
            [count],
        )
        cursor.execute(
            """
            INSERT INTO surveys_dimensionscore (response_id, survey_id, outlet_id,
                submitted_on, month, segment, dimension, expectation, perception, gap,
                adequate, desired, importance)
            WITH x AS MATERIALIZED (
                SELECT r.id AS id, r.survey_id AS survey_id, r.outlet_id AS outlet_id,
                    r.submitted_on AS day, r.month AS month, d.name AS name,
                    5.5 + (abs(random()) %% 15) / 10.0 AS e,
                    5.5 + (abs(random()) %% 15) / 10.0 - d.shortfall AS p
                FROM surveys_response r, bench_dim d
            )
            SELECT id, survey_id, outlet_id, day, month, '', name, e, p, p - e, e - 1.5, e, 20.0
            FROM x
            """,
            [],  # with parameters, so %% is read as %
        )


def make_answers(share: float) -> None:
    """44 answers for ``share`` of the responses: for each of the 22 statements an
    expectation and a perception, 1-7, the items of one dimension around a level drawn per
    response and dimension (so that alpha is that of a plausible scale, about 0.8)."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executescript(
            """
            CREATE TEMP TABLE bench_item (item INTEGER, dim TEXT);
            WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < 22)
            INSERT INTO bench_item SELECT n, CASE WHEN n <= 4 THEN 'tangibles'
                WHEN n <= 9 THEN 'reliability' WHEN n <= 13 THEN 'responsiveness'
                WHEN n <= 17 THEN 'assurance' ELSE 'empathy' END FROM i;
            CREATE TEMP TABLE bench_side (role TEXT, prefix TEXT, base INTEGER);
            INSERT INTO bench_side VALUES ('expectation', 'e', 5), ('perception', 'p', 4);
            """
        )
        cursor.execute(
            """
            INSERT INTO surveys_answer (response_id, question_key, role, dimension, item,
                number, choices, text, themes)
            WITH lv AS MATERIALIZED (
                SELECT r.id AS rid, d.name AS dim, s.role AS role, s.prefix AS prefix,
                    s.base + abs(random()) %% 3 - 1 AS level
                FROM surveys_response r, bench_dim d, bench_side s
                WHERE r.id %% 1000 < %s
            )
            SELECT lv.rid, lv.prefix || substr('0' || i.item, -2), lv.role, lv.dim, i.item,
                min(7, max(1, lv.level + abs(random()) %% 3 - 1)), '[]', '', '[]'
            FROM lv JOIN bench_item i ON i.dim = lv.dim
            """,
            [round(share * 1000)],
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--answered-share", type=float, default=0.15)
    args = parser.parse_args()
    configure(WORK)

    from django.core.management import call_command
    from django.test import Client

    from branchcx.org.demo import build_organisation
    from branchcx.org.models import Branch, StaffProfile
    from branchcx.rollups import engine
    from branchcx.rollups.reading import Freshness
    from branchcx.surveys import queries
    from branchcx.surveys.models import Answer, DimensionScore, Response
    from branchcx.surveys.rollups import ROLLUP

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    build_organisation(branches=3, seed=args.seed)
    make_responses(args.responses)
    make_answers(args.answered_share)
    build_s = time.perf_counter() - started
    n = Response.objects.count()
    dims = DimensionScore.objects.count()
    answers = Answer.objects.count()
    log(f"{n:,} responses, {dims:,} dimension rows, {answers:,} answers in {build_s:.0f} s")

    head_office = StaffProfile.objects.filter(branch__parent__isnull=True).first()
    manager = (
        StaffProfile.objects.filter(role="branch_manager", branch__level=Branch.Level.BRANCH)
        .order_by("branch__code")
        .first()
    )
    assert head_office is not None and manager is not None  # the demo has both
    everything = queries.Selection(head_office.user)
    branch = queries.Selection(manager.user)
    answered = Answer.objects.values("response_id").distinct().count()
    results: dict[str, list[float]] = {}

    # Counted from the answers (what a page does before the rollup's first build, and for
    # the days of a partial month): the cost the rollup saves.
    counted = queries.Reading(everything, None, [], [everything], Freshness(None))
    results["counted from the answers: dashboard scoring, head office"] = timed(
        args.samples, lambda: queries.dashboard(everything, counted)
    )
    results["counted from the answers: reliability (alpha of 10 scales), head office"] = timed(
        max(2, args.samples // 3), lambda: queries.reliability(everything, counted)
    )
    results["counted from the answers: driver weights by segment, head office"] = timed(
        max(2, args.samples // 3), lambda: queries.driver_analysis(everything, reading=counted)
    )

    started = time.perf_counter()
    engine.rebuild(ROLLUP)
    rebuild_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    engine.update(ROLLUP)
    update_ms = (time.perf_counter() - started) * 1000
    stored_rows = sum(t.objects.count() for t in ROLLUP.tables)
    log(f"rollup rebuilt in {rebuild_ms:,.0f} ms ({stored_rows:,} rows), updated in "
        f"{update_ms:,.0f} ms")  # fmt: skip

    for label, user in (("head office", head_office.user), ("one branch", manager.user)):
        selection = queries.Selection(user)
        results[f"dashboard scoring, {label}"] = timed(
            args.samples, lambda selection=selection: queries.dashboard(selection)
        )
    for by in ("network", "outlet", "month", "tier", "segment"):
        results[f"scores by {by}, head office"] = timed(
            args.samples, lambda by=by: queries.scores(everything, by)
        )
    results["reliability (alpha of 10 scales), head office"] = timed(
        args.samples, lambda: queries.reliability(everything)
    )
    results["reliability (alpha of 10 scales), one branch"] = timed(
        args.samples, lambda: queries.reliability(branch)
    )
    for by in ("segment", "outlet"):
        results[f"driver weights by {by}, head office"] = timed(
            args.samples, lambda by=by: queries.driver_analysis(everything, by=by)
        )
    results["expectation views, head office"] = timed(
        args.samples, lambda: queries.expectation_report(everything)
    )
    client = Client()
    client.force_login(head_office.user)
    shown = client.get("/surveys/reports/")
    assert shown.status_code == 200, shown.status_code
    page_html = shown.content.decode()
    freshness_shown = 'id="rollup-freshness" data-as-of=' in page_html
    results["the whole dashboard page (request to response), head office"] = timed(
        args.samples, lambda: client.get("/surveys/reports/")
    )
    results["the expectations page (request to response), head office"] = timed(
        args.samples, lambda: client.get("/surveys/reports/expectations/")
    )
    alpha = {(s.role, s.dimension): s for s in queries.reliability(everything)}
    drivers = queries.driver_analysis(everything, by="segment")

    def cell(values: list[float]) -> str:
        return f"{statistics.median(values):,.0f} / {percentile(values, 0.95):,.0f}"

    page = results["the whole dashboard page (request to response), head office"]
    verdict = "met" if percentile(page, 0.95) <= TARGET_MS and freshness_shown else "missed"
    lines = [
        f"# Benchmark: survey scoring ({TODAY})",
        "",
        f"Data set: {n:,} submitted responses over 24 months in "
        f"{Branch.objects.filter(level=Branch.Level.OUTLET).count()} outlets, each with NPS, "
        f"CSAT and CES answers and five SERVQUAL dimension rows ({dims:,} rows); "
        f"{answered:,} of them ({args.answered_share:.0%}, the demo's share of the long "
        f"questionnaire) with their 44 item answers ({answers:,} rows). "
        f"Built in {build_s:.0f} s. SQLite.",
        f"Command: `python benchmarks/surveys_scoring.py` (via `make bench`); "
        f"{args.samples} samples per measure after one warm-up.",
        "",
        "## Machine",
        *machine(),
        "",
        "## Results (ms, p50 / p95)",
        "",
        "| measure | value |",
        "| --- | --- |",
        *[f"| {label} | {cell(values)} |" for label, values in results.items()],
        f"| satisfaction rollup rebuild, all months (once; {stored_rows:,} rows) "
        f"| {rebuild_ms:,.0f} |",
        f"| rollup update right after (once) | {update_ms:,.0f} |",
        "",
        f"Target: the whole satisfaction dashboard page at {n:,} responses within "
        f"{TARGET_MS:,} ms (head office, p95), with the rollup's freshness on the page "
        f"({'shown' if freshness_shown else 'MISSING'}): **{verdict}**.",
        "",
        "Whole months are read from the satisfaction rollup (`surveys.queries.read`): counts",
        "and sums per outlet, month, survey, tier and segment for the scores, the item and",
        "total moments per scale for Cronbach's alpha, the drivers' sums and cross-products",
        "per segment; the days of a month the period only partly covers are counted from the",
        "answers by the same queries (the page's default period, the last twelve months, is",
        "whole months). The rows 'counted from the answers' are the same figures read",
        "entirely from the answers, as before the rollup's first build: what the rollup",
        "saves. Alpha and its Feldt interval and the LMG decomposition of the 6x6 covariance",
        "matrix follow in Python "
        f"(e.g. perceived responsiveness: alpha "
        f"{alpha[('perception', 'responsiveness')].result.alpha:.3f} over "  # type: ignore[union-attr]
        f"{alpha[('perception', 'responsiveness')].n:,} respondents; drivers: "
        f"{drivers.network.n:,} complete answers, R² "
        f"{drivers.network.result.r_squared:.3f}, the benchmark's ratings being random).",  # type: ignore[union-attr]
        "",
    ]
    out = BENCH_DIR / "results" / f"surveys-scoring-{TODAY}.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(lines), encoding="utf-8")
    log(f"results written to {out.relative_to(ROOT)}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
