"""Complaint statistics for the dashboard, the regulator's workbook and the statistics API.

Three layers: ``expressions`` (which complaints count, days and verdicts computed in the
database), ``tables`` (the complaints grouped by outlet, month and a table's dimensions — the
same rows the rollup stores) and ``figures`` (the report's figures shaped from such rows).
Pages read whole months from the rollup (``complaints.rollups.read``); the functions below
compute the same figures straight from a queryset of complaints already scoped to the reader
(and filtered by the page), with one or two grouped queries each, never by walking
complaints in Python.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.db import connection
from django.db.models import Count, QuerySet
from django.utils import timezone

from branchcx.complaints.models import Complaint
from branchcx.complaints.stats import figures
from branchcx.complaints.stats.expressions import (
    LATE,
    MET,
    OVERDUE,
    REGULATOR_DAYS,
    counted,
    in_period,
)
from branchcx.complaints.stats.figures import (
    PER_CUSTOMERS,
    TOP,
    Code,
    Compliance,
    DecisionTimes,
    Heatmap,
    MonthCount,
    Rate,
    Rates,
    RegulatorCounts,
    RepeatComplainant,
    Repeats,
    RootCauseCount,
    ServiceLevels,
    Tally,
)
from branchcx.complaints.stats.tables import (
    COUNTS,
    LEVELS,
    ROOT_CAUSES,
    TALLY,
    TIMES,
    Table,
    View,
    rows,
)
from branchcx.lib.masking import mask_name
from branchcx.lib.periods import Period, default_period, make_period, parse_period

__all__ = [
    "LATE", "MET", "OVERDUE", "PER_CUSTOMERS", "REGULATOR_DAYS", "TOP", "Code", "Compliance",
    "DecisionTimes", "Heatmap", "MonthCount", "Period", "Rate", "Rates", "RegulatorCounts",
    "RepeatComplainant", "Repeats", "RootCauseCount", "ServiceLevels", "Tally", "by_key",
    "counts_by", "customers_per_outlet", "default_period", "heatmap", "in_period", "make_period",
    "parse_period", "rates_per_10k", "regulator_counts", "repeat_complainants",
    "sla_compliance", "time_to_decision", "top_root_causes", "volume_by_month",
]  # fmt: skip


def _rows(
    table: Table | View,
    complaints: QuerySet[Complaint],
    today: date | None = None,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    now = now or timezone.now()
    return rows(table, complaints, today or timezone.localtime(now).date(), now)


def volume_by_month(complaints: QuerySet[Complaint], start: date, end: date) -> list[MonthCount]:
    """Complaints received per calendar month of the period (months without any included)."""
    return figures.volume(_rows(COUNTS.by("month"), in_period(complaints, start, end)), start, end)


def heatmap(complaints: QuerySet[Complaint]) -> Heatmap:
    """Complaints by business category and cause."""
    return figures.heatmap(_rows(COUNTS.by("business_id", "cause_id"), complaints))


def time_to_decision(complaints: QuerySet[Complaint]) -> list[DecisionTimes]:
    """Per month of receipt, then one line for all (``month`` None, last): the number of
    complaints per month and number of days, from which mean and median follow."""
    return figures.time_to_decision(_rows(TIMES, complaints))


def sla_compliance(
    complaints: QuerySet[Complaint], today: date, now: datetime | None = None
) -> ServiceLevels:
    """How many complaints met the regulatory deadline and the bank's own targets. A
    complaint counts once the customer is told the decision (or it is resolved, or
    responded to) or once the deadline has passed without it; those not yet due are left
    out of the shares."""
    return figures.service_levels(_rows(LEVELS, complaints, today, now))


def top_root_causes(complaints: QuerySet[Complaint], limit: int = TOP) -> list[RootCauseCount]:
    """The root causes named most often in decisions (first and review), with how many of
    the complaints concerned are finished and how many are still open."""
    return figures.root_causes(_rows(ROOT_CAUSES, complaints), limit)


def regulator_counts(
    complaints: QuerySet[Complaint], start: date, end: date, today: date | None = None
) -> RegulatorCounts:
    """The counts the regulator asks for, by code: the customer told the final decision
    within 15/30/60 days of the clock's (re)start, paused days not counted (cumulative: told
    in 10 days counts in all three), and within the days allowed."""
    return figures.regulator_counts(
        _rows(TALLY, in_period(complaints, start, end), today), start, end
    )


def counts_by(
    complaints: QuerySet[Complaint], start: date, end: date, group_by: str
) -> list[tuple[Code, int]]:
    """Complaints of the period per code of one axis, or per outlet."""
    narrowed = in_period(complaints, start, end)
    outlets = None
    if group_by == "outlet":
        outlets = {
            row["outlet_id"]: Code(row["outlet__code"], row["outlet__name"])
            for row in narrowed.values("outlet_id", "outlet__code", "outlet__name").distinct()
        }
    return figures.counts_by(_rows(TALLY.by(by_key(group_by)), narrowed), group_by, outlets)


def by_key(group_by: str) -> str:
    """The key of the grouped rows that ``counts_by`` groups by."""
    return "unit" if group_by == "outlet" else f"{group_by}_id"


def customers_per_outlet(
    customers: QuerySet[Any], end: date
) -> tuple[dict[int, int], dict[int, Code]]:
    """Customers per home outlet who were customers by ``end``, with the outlets' codes."""
    found = (
        customers.order_by()
        .filter(became_customer_on__lte=end)
        .values("home_outlet_id", "home_outlet__code", "home_outlet__name")
        .annotate(count=Count("pk"))
    )
    counts: dict[int, int] = {}
    names: dict[int, Code] = {}
    for row in found:
        counts[row["home_outlet_id"]] = row["count"]
        names[row["home_outlet_id"]] = Code(row["home_outlet__code"], row["home_outlet__name"])
    return counts, names


def rates_per_10k(
    complaints: QuerySet[Complaint], customers: QuerySet[Any], start: date, end: date
) -> Rates:
    """Complaints received at each outlet per 10,000 customers whose home outlet it is.
    Customers count when they were customers by the end of the period."""
    received = (
        in_period(complaints, start, end)
        .values("outlet_id", "outlet__code", "outlet__name")
        .annotate(count=Count("pk"))
    )
    served, names = customers_per_outlet(customers, end)
    counts: dict[int, int] = {}
    for row in received:
        counts[row["outlet_id"]] = row["count"]
        names[row["outlet_id"]] = Code(row["outlet__code"], row["outlet__name"])
    return figures.rates(counts, served, names)


def repeat_complainants(complaints: QuerySet[Complaint], since: date, limit: int = TOP) -> Repeats:
    """Customers with two or more complaints received since ``since`` (names masked).

    One pass over the complaints (grouped by customer from the index on customer and time
    of receipt): how many such customers and complaints, and those ranked within the first
    ``limit`` by complaints filed (ties included); only these few are then named."""
    start = datetime.combine(since, time.min, tzinfo=timezone.get_default_timezone())
    scoped = counted(complaints).filter(received_at__gte=start, customer__isnull=False)
    grouped = scoped.values("customer_id").annotate(filed=Count("pk")).filter(filed__gte=2)
    inner, params = grouped.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT customer_id, filed, customers, complaints FROM (
                    SELECT g.customer_id, g.filed, COUNT(*) OVER () AS customers,
                        SUM(g.filed) OVER () AS complaints,
                        RANK() OVER (ORDER BY g.filed DESC) AS place
                    FROM ({inner}) g
                ) ranked WHERE place <= %s""",  # noqa: S608 (Django's query, parameters apart)
            [*params, limit],
        )
        found = cursor.fetchall()
    if not found:
        return Repeats(0, 0, [])
    filed = {customer: n for customer, n, _customers, _complaints in found}
    named = (
        scoped.filter(customer_id__in=list(filed))
        .values_list("customer_id", "customer__uuid", "customer__customer_no", "customer__name")
        .distinct()
    )
    top = sorted(named, key=lambda row: (-filed[row[0]], row[2]))[:limit]
    return Repeats(
        int(found[0][2]),
        int(found[0][3]),
        [
            RepeatComplainant(uuid, number, mask_name(name or ""), filed[pk])
            for pk, uuid, number, name in top
        ],
    )
