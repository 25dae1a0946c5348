"""The satisfaction figures as rollups: what each table holds, how a cell is computed from
the answers, and which cells new answers touch.

A cell is an outlet and a month of answering. Everything stored is a count, a sum or a sum of
products, so the figures of any set of cells — a period, a unit, a survey, a tier — are
exactly those of the answers they cover: the scores add up ``ResponseTally`` and
``DimensionTally``; Cronbach's alpha reads ``ScaleMoments`` (per item, and the respondents'
totals, by how many items of the scale they answered, so that "answered every item" is
decided when the cells are read, over the selection's items); the driver weights read the
cross-products in ``DriverMoments``.

Answers are submitted once and never change; an anonymous answer keeps only its day, so the
cells of the answers of the last two days are recomputed at every update. Deleting answers
(retention) marks their cells.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Case, Count, F, Max, Q, Sum, Value, When
from django.utils import timezone

from branchcx.rollups.engine import earliest
from branchcx.rollups.models import RollupRow
from branchcx.rollups.registry import Rollup
from branchcx.surveys.models import (
    Answer,
    Dimension,
    DimensionScore,
    DimensionTally,
    DriverMoments,
    Response,
    ResponseTally,
    ScaleMoments,
)

NAME = "surveys.satisfaction"
MEASURES = ("expectation", "perception", "gap", "adequate", "desired", "importance")
SCALE_ROLES = ("perception", "expectation")
DRIVER_OUTCOMES = ("overall", "csat", "nps")
# (i, j) with i <= j over the five perceptions and the outcome (index 5)
PAIRS = [(i, j) for i in range(len(Dimension.values) + 1) for j in range(i, 6)]


def headline_aggregates() -> dict[str, Any]:
    """The headline figures of a group of responses, as sums that add up across groups."""
    return {
        "n": Count("pk"),
        "promoters": Count("pk", filter=Q(nps__gte=9)),
        "passives": Count("pk", filter=Q(nps__gte=7, nps__lte=8)),
        "detractors": Count("pk", filter=Q(nps__lte=6)),
        "csat_n": Count("csat"),
        "satisfied": Count("pk", filter=Q(csat__gte=4)),
        "ces_n": Count("ces"),
        "ces_sum": Sum("ces"),
        "ces_squares": Sum(F("ces") * F("ces")),
    }


def dimension_aggregates() -> dict[str, Any]:
    aggregates: dict[str, Any] = {"n": Count("pk")}
    for measure in MEASURES:
        aggregates[f"{measure}_n"] = Count(measure)
        aggregates[f"{measure}_sum"] = Sum(measure)
    return aggregates


def _rows(sql: str, params: Any) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def scale_moments(responses: Any) -> list[tuple[Any, ...]]:
    """(outlet, month, survey, role, dimension, answered, item or None, n, sum, squares) of
    the item answers of ``responses``: per item, by how many of its scale's items each
    respondent answered, and (item None) the respondents' totals over the scale."""
    answers = (
        Answer.objects.filter(
            response__in=responses.values("pk"),
            role__in=SCALE_ROLES,
            item__isnull=False,
            number__isnull=False,
            dimension__in=Dimension.values,
        )
        .order_by()
        .values_list(
            "response_id", "response__outlet_id", "response__month", "response__survey_id",
            "role", "dimension", "item", "number",
        )
    )  # fmt: skip
    inner, params = answers.query.sql_with_params()
    sql = f"""
        WITH a (response_id, outlet, month, survey, role, dimension, item, number) AS ({inner}),
        r AS (
            SELECT response_id, role, dimension, COUNT(*) AS k, SUM(number) AS t
            FROM a GROUP BY response_id, role, dimension
        )
        SELECT a.outlet, a.month, a.survey, a.role, a.dimension, r.k, a.item,
            COUNT(*), SUM(a.number), SUM(a.number * a.number)
        FROM a JOIN r ON r.response_id = a.response_id AND r.role = a.role
            AND r.dimension = a.dimension
        GROUP BY a.outlet, a.month, a.survey, a.role, a.dimension, r.k, a.item
        UNION ALL
        SELECT a.outlet, a.month, a.survey, a.role, a.dimension, r.k, NULL,
            COUNT(*), SUM(r.t), SUM(r.t * r.t)
        FROM r JOIN (
            SELECT DISTINCT response_id, outlet, month, survey, role, dimension FROM a
        ) a ON a.response_id = r.response_id AND a.role = r.role AND a.dimension = r.dimension
        GROUP BY a.outlet, a.month, a.survey, a.role, a.dimension, r.k
    """  # noqa: S608 (the inner query is Django's, with its parameters kept apart)
    return _rows(sql, params)


def driver_moments(dimension_rows: Any, outcome: str) -> list[tuple[Any, ...]]:
    """(outlet, month, survey, segment, seen, complete, sums…, cross-products…) of the
    responses behind ``dimension_rows``: each response's five perceptions side by side and
    ``outcome`` (a column of the response), summed per cell and segment."""
    if outcome not in DRIVER_OUTCOMES:
        raise ValueError(f"unknown outcome {outcome}")
    names = list(Dimension.values)
    pivot = (
        dimension_rows.order_by()
        .values("response_id")
        .annotate(
            **{
                f"x{i}": Max(Case(When(dimension=name, then=F("perception"))))
                for i, name in enumerate(names)
            },
            o=Max("outlet_id"),
            m=Max("month"),
            s=Max("survey_id"),
            g=Max("segment"),
        )
        .values_list("response_id", *[f"x{i}" for i in range(len(names))], "o", "m", "s", "g")
    )
    inner, params = pivot.query.sql_with_params()
    drivers = [f"x{i}" for i in range(len(names))]
    variables = [*drivers, "y"]
    complete = " AND ".join(f"{v} IS NOT NULL" for v in variables)
    kept = ", ".join(f"CASE WHEN {complete} THEN {v} END AS {v}" for v in variables)
    sums = ", ".join(f"SUM({v})" for v in variables)
    products = ", ".join(f"SUM({variables[i]} * {variables[j]})" for i, j in PAIRS)
    sql = f"""
        WITH p (response_id, {", ".join(drivers)}, o, m, s, g) AS ({inner}),
        q AS (
            SELECT p.o AS o, p.m AS m, p.s AS s, p.g AS g,
                {", ".join(f"p.{x} AS {x}" for x in drivers)}, r.{outcome} AS y
            FROM p JOIN {Response._meta.db_table} r ON r.id = p.response_id
        )
        SELECT o, m, s, g, COUNT(*), COUNT(y), {sums}, {products}
        FROM (SELECT o, m, s, g, {kept} FROM q) k
        GROUP BY o, m, s, g
    """  # noqa: S608 (fixed column names; the inner query is Django's, parameters apart)
    return _rows(sql, params)


# --- the rollup ----------------------------------------------------------------------------


def compute(
    month: date, unit_ids: Collection[int] | None, now: datetime
) -> Iterator[tuple[type[RollupRow], dict[str, Any]]]:
    responses = Response.objects.filter(status=Response.Status.SUBMITTED, month=month)
    dimension_rows = DimensionScore.objects.filter(
        month=month, response__status=Response.Status.SUBMITTED
    )
    if unit_ids is not None:
        responses = responses.filter(outlet_id__in=list(unit_ids))
        dimension_rows = dimension_rows.filter(outlet_id__in=list(unit_ids))
    for row in (
        responses.order_by()
        .values("outlet_id", "survey_id", "tier_id", "segment")
        .annotate(**headline_aggregates())
    ):
        row["unit_id"] = row.pop("outlet_id")
        yield ResponseTally, {k: (0 if v is None else v) if k.startswith("ces_") else v
                              for k, v in row.items()}  # fmt: skip
    for row in (
        dimension_rows.order_by()
        .values("outlet_id", "survey_id", "tier_id", "segment", "dimension")
        .annotate(**dimension_aggregates())
    ):
        row["unit_id"] = row.pop("outlet_id")
        yield DimensionTally, {k: 0 if v is None and k.endswith("_sum") else v
                               for k, v in row.items()}  # fmt: skip
    for unit, _m, survey, role, dimension, k, item, n, total, squares in scale_moments(responses):
        yield ScaleMoments, {
            "unit_id": unit, "survey_id": survey, "role": role, "dimension": dimension,
            "answered": k, "item": item, "n": n, "total": float(total),
            "squares": float(squares),
        }  # fmt: skip
    for outcome in DRIVER_OUTCOMES:
        for unit, _m, survey, segment, *moments in driver_moments(dimension_rows, outcome):
            yield DriverMoments, {
                "unit_id": unit, "survey_id": survey, "segment": segment or "",
                "outcome": outcome, "moments": [float(v or 0) for v in moments],
            }  # fmt: skip


def changed(since: datetime, now: datetime) -> Iterator[tuple[int, date]]:
    """The cells of answers submitted since ``since`` (by the day: anonymous answers keep
    no time)."""
    day = timezone.localtime(since).date() - timedelta(days=1)
    yield from (
        Response.objects.filter(status=Response.Status.SUBMITTED, submitted_on__gte=day)
        .order_by()
        .values_list("outlet_id", "month")
        .distinct()
    )


def first_month() -> date | None:
    return earliest(Response.objects.filter(status=Response.Status.SUBMITTED), "month")


ROLLUP = Rollup(
    name=NAME,
    tables=(ResponseTally, DimensionTally, ScaleMoments, DriverMoments),
    compute=compute,
    changed=changed,
    first_month=first_month,
)


# --- reading -------------------------------------------------------------------------------

ALIASES = {
    "outlet_id": F("unit_id"),
    "outlet__parent_id": F("unit__parent_id"),
    "everything": Value(1),
}


def _grouped(rows: Any, columns: list[str], measures: list[str]) -> list[dict[str, Any]]:
    aliased = {c: ALIASES[c] for c in columns if c in ALIASES}
    plain = [c for c in columns if c not in ALIASES]
    return list(rows.order_by().values(*plain, **aliased).annotate(**{m: Sum(m) for m in measures}))


def headline_rows(rows: Any, columns: list[str]) -> list[dict[str, Any]]:
    """Rollup rows added up by ``columns``, in the shape of ``queries._fetch``'s."""
    return _grouped(rows, columns, list(headline_aggregates()))


def dimension_rows(rows: Any, columns: list[str]) -> list[dict[str, Any]]:
    return _grouped(rows, [*columns, "dimension"], list(dimension_aggregates()))


Moments = dict[int, list[float]]


def scale_rows(rows: Any) -> list[tuple[Any, ...]]:
    """(role, dimension, answered, item or None, n, sum, squares) of ``ScaleMoments`` rows
    added up over their cells: the shape of :func:`scale_moments` without the cell."""
    return list(
        rows.order_by()
        .values_list("role", "dimension", "answered", "item")
        .annotate(n=Sum("n"), t=Sum("total"), s=Sum("squares"))
    )


def alpha_moments(
    found: Iterable[tuple[Any, ...]],
) -> tuple[dict[tuple[str, str], Moments], dict[tuple[str, str], Moments]]:
    """Per scale: the moments of each item over the respondents who answered every item of
    it (the items: those anyone answered), and the respondents' totals by how many items
    they answered, from rows shaped like :func:`scale_rows` (several rows of one key add
    up)."""
    by_item: dict[tuple[str, str], dict[int, dict[int, list[float]]]] = {}
    totals: dict[tuple[str, str], Moments] = {}
    for role, dimension, answered, item, n, total, squares in found:
        if item is None:
            into = totals.setdefault((role, dimension), {})
        else:
            into = by_item.setdefault((role, dimension), {}).setdefault(int(item), {})
        moments = into.setdefault(int(answered), [0, 0.0, 0.0])
        moments[0] += int(n)
        moments[1] += float(total)
        moments[2] += float(squares)
    items: dict[tuple[str, str], Moments] = {}
    for scale, per_item in by_item.items():
        k = len(per_item)
        items[scale] = {item: by_k.get(k, [0, 0.0, 0.0]) for item, by_k in per_item.items()}
    return items, totals


def driver_rows(rows: Any, outcome: str) -> list[tuple[Any, ...]]:
    """(outlet, segment, moments) of ``DriverMoments`` rows of ``outcome``."""
    return list(rows.filter(outcome=outcome).values_list("unit_id", "segment", "moments"))
