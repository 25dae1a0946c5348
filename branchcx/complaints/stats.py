"""Complaint statistics for the dashboard, the regulator's workbook and the statistics API.

Every function takes a queryset of complaints already scoped to the reader (and filtered by
the page) and answers with one or two grouped queries: counts, day differences and
verdicts are computed in the database, never by walking complaints in Python. Python only
shapes the small grouped results (empty months filled in, a median from a histogram of
days, the regulator's cube rolled up by axis).

Decisions, clock pauses and timeline entries are reached through the complaints queryset
itself (correlated subqueries filtered by the outer complaint), so this module never names
another scoped model's manager and cannot widen the scope it was given.

The regulation asks for a decision *and* the customer told of it within the deadline, so
a complaint counts as decided once the customer was told of its final decision since the
clock last (re)started (see ``_told``): a decision awaiting approval, one replaced by a
later decision, or one from before a reopening does not count, however early it was
recorded.

Days are natural days in the bank's time zone, as the regulation counts them (see
``clock.py``). Merged complaints duplicate the complaint they were merged into and are left
out everywhere.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    DateTimeField,
    F,
    FilteredRelation,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, TruncDate, TruncMonth
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from branchcx.complaints.models import FINAL_STATES, OPEN_STATES, Complaint, State, TimelineEntry
from branchcx.lib.masking import mask_name

MAX_PERIOD_DAYS = 366
PER_CUSTOMERS = 10_000
REGULATOR_DAYS = (15, 30, 60)
OVER_60 = 61  # the band of decisions that took longer than the longest extension
TOP = 10
# Timeline entries that restart the regulatory clock (15 days again): a reopening after an
# unsatisfied revisit, new facts brought by a merged complaint.
RESTARTS = (TimelineEntry.Kind.REOPENED, TimelineEntry.Kind.NEW_FACTS)
# Transitions that end the handling from the service target's point of view: the customer
# has been told the decision, or withdrew.
RESOLVING_STATES = (State.NOTIFIED, State.WITHDRAWN)

MET, LATE, OVERDUE = "met", "late", "overdue"


# --- the period ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Days ``start`` to ``end``, both included, in the bank's time zone."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds(self) -> tuple[datetime, datetime]:
        """From local midnight of the first day to local midnight after the last."""
        zone = timezone.get_default_timezone()
        return (
            datetime.combine(self.start, time.min, tzinfo=zone),
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=zone),
        )

    def months(self) -> list[date]:
        """The first day of every calendar month the period touches."""
        month, months = self.start.replace(day=1), []
        while month <= self.end:
            months.append(month)
            month = (month + timedelta(days=32)).replace(day=1)
        return months


def default_period(today: date) -> Period:
    """The current month and the eleven before it."""
    year, month = today.year, today.month - 11
    if month < 1:
        year, month = year - 1, month + 12
    return Period(date(year, month, 1), today)


def make_period(start: date | None, end: date | None, today: date) -> Period:
    """The period asked for (missing ends as in ``default_period``); at most 366 days."""
    period = Period(start or default_period(today).start, end or today)
    if period.start > period.end:
        raise ValidationError({"end": _("The period must end on or after the day it starts.")})
    if period.days > MAX_PERIOD_DAYS:
        raise ValidationError(
            {
                "end": _("The period covers %(days)s days; choose at most %(max)s (one year).")
                % {"days": period.days, "max": MAX_PERIOD_DAYS}
            }
        )
    return period


def parse_period(start: str | None, end: str | None, today: date) -> Period:
    """The period from two ``YYYY-MM-DD`` texts (a page's GET parameters)."""
    errors: dict[str, str] = {}
    days: dict[str, date | None] = {}
    for name, text in (("start", start), ("end", end)):
        text = (text or "").strip()
        try:
            days[name] = date.fromisoformat(text) if text else None
        except ValueError:
            errors[name] = _("Enter a date as YYYY-MM-DD, for example 2026-01-31.")
    if errors:
        raise ValidationError(errors)
    return make_period(days["start"], days["end"], today)


def in_period(complaints: QuerySet[Complaint], start: date, end: date) -> QuerySet[Complaint]:
    """Complaints received from ``start`` to ``end`` (local days, both included)."""
    since, until = Period(start, end).bounds()
    return _counted(complaints).filter(received_at__gte=since, received_at__lt=until)


# --- building blocks -----------------------------------------------------------------------


class DaysBetween(Func):
    """Whole days from the second date to the first, computed by the database."""

    arity = 2
    output_field = IntegerField()
    template = "((%(expressions)s)::date)"  # PostgreSQL: (a)::date - (b)::date
    arg_joiner = ")::date - ("

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


def _fixed_offset() -> int | None:
    """Minutes east of UTC of the bank's time zone, when it has kept one offset all of this
    year and last (Asia/Shanghai has had no daylight saving since 1991); else None."""
    zone = timezone.get_default_timezone()
    year = timezone.now().year
    offsets = {
        datetime(y, m, 1, tzinfo=zone).utcoffset() for y in (year - 1, year) for m in (1, 4, 7, 10)
    }
    if len(offsets) != 1 or None in offsets:
        return None
    (offset,) = offsets
    return int(offset.total_seconds()) // 60  # type: ignore[union-attr]


class LocalDate(TruncDate):
    """The day in the bank's time zone of a stored time. SQLite would convert every value
    in Python (a user-defined function); with a fixed offset, its own date() does it."""

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        minutes = _fixed_offset()
        if minutes is None:
            return self.as_sql(compiler, connection)
        sql, params = compiler.compile(self.lhs)
        return f"date({sql}, %s)", (*params, f"{minutes:+d} minutes")


class LocalMonth(TruncMonth):
    """The first day of the month in the bank's time zone of a stored time, as a date."""

    output_field = DateField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        minutes = _fixed_offset()
        if minutes is None:
            return self.as_sql(compiler, connection)
        sql, params = compiler.compile(self.lhs)
        return f"strftime(%s, {sql}, %s)", ("%Y-%m-01", *params, f"{minutes:+d} minutes")


def _local_date(expression: Any) -> TruncDate:
    return LocalDate(expression, tzinfo=timezone.get_default_timezone())


def _local_month(expression: Any) -> TruncMonth:
    return LocalMonth(expression, tzinfo=timezone.get_default_timezone(), output_field=DateField())


def _counted(complaints: QuerySet[Complaint]) -> QuerySet[Complaint]:
    return complaints.exclude(state=State.MERGED).order_by()


def _each(complaints: QuerySet[Complaint], **aggregates: Any) -> QuerySet[Any, Any]:
    """The outer row's complaint, for a correlated subquery aggregating its related rows."""
    return complaints.filter(pk=OuterRef("pk")).order_by().values("pk").annotate(**aggregates)


def _told(complaints: QuerySet[Complaint], **aggregates: Any) -> QuerySet[Any, Any]:
    """Per outer complaint, ``told``: when the customer was told of the final decision since
    the clock last (re)started, else None (with ``aggregates`` over the same rows).

    The NOTIFIED transition is the workflow's record of both halves of what the regulation
    asks: a complaint becomes DECIDED only once its latest decision is final (approved where
    the policy asks for it) and NOTIFIED only with proof of telling the customer since. Only
    DECIDED leads to NOTIFIED and only a restart leads back to a decision, so each run of
    the clock has at most one NOTIFIED transition: the latest counts when no restart came
    after it. A transition recorded after the letter was sent counts when recorded: the
    figures never claim more than the record shows."""
    # Only the entries that matter are joined (the timeline holds every note and hand-over
    # too): fewer rows to aggregate, and an index on (complaint, kind, ...) can serve them.
    told = Q(timeline__kind=TimelineEntry.Kind.TRANSITION, timeline__to_state=State.NOTIFIED)
    clock = complaints.annotate(
        clock_entries=FilteredRelation("timeline", condition=told | Q(timeline__kind__in=RESTARTS))
    )
    notified = Max(  # the only transitions joined are to NOTIFIED
        "clock_entries__at", filter=Q(clock_entries__kind=TimelineEntry.Kind.TRANSITION)
    )
    restarted = Max("clock_entries__at", filter=Q(clock_entries__kind__in=RESTARTS))
    return _each(clock, notified=notified, restarted=restarted, **aggregates).annotate(
        told=Case(
            When(Q(restarted__isnull=True) | Q(notified__gt=F("restarted")), then=F("notified")),
            default=None,
            output_field=DateTimeField(),
        )
    )


def _decision_days(complaints: QuerySet[Complaint]) -> Subquery:
    """Natural days from receipt to telling the customer the final decision (the wait as
    the customer lived it, restarts included); None until then."""
    inner = _told(complaints).annotate(
        days=DaysBetween(_local_date("told"), _local_date("received_at"))
    )
    return Subquery(inner.values("days"), output_field=IntegerField())


def _paused_days(today: date) -> Any:
    """Days the clock stood still since it last (re)started, as an aggregate for ``_told``:
    the outer complaint's pauses are joined side by side with its clock entries, so each
    pause row repeats once per entry; the sum is divided by their number (at least the one
    empty row), which keeps every term an aggregate (nothing extra to group by)."""
    pause_days = DaysBetween(
        Coalesce("pauses__ended_on", Value(today, output_field=DateField())),
        "pauses__started_on",
    )
    return Coalesce(
        Sum(pause_days, filter=Q(pauses__started_on__gte=F("clock_started_on"))), Value(0)
    ) / Greatest(Count("clock_entries", distinct=True), Value(1))


def _regulatory_stretches(complaints: QuerySet[Complaint], today: date) -> Subquery:
    """Which 15-day stretch of the clock the customer was told the final decision in (0 or 1:
    within 15 days, 2: within 30, 3 or 4: within 60, more: later), None until told. Days
    are counted as the regulation counts them: from the day the clock (re)started, less the
    days it was paused. A single arithmetic expression, so the day count is computed once
    per complaint (SQLite converts time zones in Python, once per call) and the grouped
    result stays small."""
    inner = _told(complaints, paused=_paused_days(today)).annotate(
        stretch=(DaysBetween(_local_date("told"), "clock_started_on") - F("paused") + Value(14))
        / Value(15)
    )
    return Subquery(inner.values("stretch"), output_field=IntegerField())


def _band(stretch: int | None) -> int | None:
    """The smallest regulatory limit (15, 30, 60 days) a 15-day stretch lies within."""
    if stretch is None:
        return None
    return next((limit for limit in REGULATOR_DAYS if stretch * 15 <= limit), OVER_60)


def _on_time(stretch: int | None, allowed_days: int) -> bool:
    """Told within the days allowed. These are 15, 30 or 60 (``clock.py``), whole stretches,
    so the stretch answers exactly: ceil(days / 15) * 15 <= allowed iff days <= allowed."""
    return stretch is not None and stretch * 15 <= allowed_days


def _regulatory_verdict(complaints: QuerySet[Complaint], today: date) -> Subquery:
    """Whether the customer was told the final decision within the days allowed (15, 30 or
    60) plus the days the clock was paused, both counted from the clock's latest (re)start:
    ``met`` or ``late``; ``overdue`` for a complaint not yet told whose clock ran past its
    due day (decided but not told included); None otherwise (not yet due, paused,
    withdrawn)."""
    inner = (
        _told(complaints, paused=_paused_days(today))
        .annotate(elapsed=DaysBetween(_local_date("told"), "clock_started_on"))
        .annotate(
            verdict=Case(
                When(told__isnull=True, state__in=OPEN_STATES, due_on__lt=today,
                     then=Value(OVERDUE)),
                When(told__isnull=True, then=None),
                When(elapsed__lte=F("allowed_days") + F("paused"), then=Value(MET)),
                default=Value(LATE),
                output_field=CharField(),
            ),
        )
    )  # fmt: skip
    return Subquery(inner.values("verdict"), output_field=CharField())


def _resolution_verdict(complaints: QuerySet[Complaint], now: datetime) -> Subquery:
    """The internal resolution target: ``met`` when the customer was told (or withdrew) by
    ``resolve_by``, ``late`` after it or when still open past it; None when not yet due.
    ``resolve_by`` starts over when a complaint is reopened, so the latest resolution
    counts."""
    resolved = Max(
        "timeline__at",
        filter=Q(timeline__kind="transition", timeline__to_state__in=RESOLVING_STATES),
    )
    inner = _each(complaints, resolved=resolved).annotate(
        verdict=Case(
            When(resolve_by__isnull=True, then=None),
            When(state__in=OPEN_STATES, resolve_by__lt=now, then=Value(LATE)),
            When(Q(state__in=OPEN_STATES) | Q(resolved__isnull=True), then=None),
            When(resolved__lte=F("resolve_by"), then=Value(MET)),
            default=Value(LATE),
            output_field=CharField(),
        )
    )
    return Subquery(inner.values("verdict"), output_field=CharField())


def _first_response_verdict(now: datetime) -> Case:
    return Case(
        When(respond_by__isnull=True, then=None),
        When(responded_at__isnull=False, responded_at__lte=F("respond_by"), then=Value(MET)),
        When(responded_at__isnull=False, then=Value(LATE)),
        When(respond_by__lt=now, then=Value(LATE)),
        default=None,
        output_field=CharField(),
    )


@dataclass(frozen=True)
class Code:
    """One code of a classification axis (or an outlet), as a row label."""

    code: str
    name: str
    name_en: str = ""

    @property
    def label(self) -> str:
        if not self.code:
            return _("Unclassified")
        english = (get_language() or "").startswith("en")
        return self.name_en if english and self.name_en else self.name

    @property
    def sort_key(self) -> tuple[bool, str]:
        return (not self.code, self.code)  # the unclassified row last


def _code(row: dict[str, Any], prefix: str) -> Code:
    return Code(
        row.get(f"{prefix}__code") or "",
        row.get(f"{prefix}__name") or "",
        row.get(f"{prefix}__name_en") or "",
    )


def _names(prefix: str) -> list[str]:
    return [f"{prefix}__code", f"{prefix}__name", f"{prefix}__name_en"]


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# --- volume --------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthCount:
    month: date
    count: int
    major: int


def volume_by_month(complaints: QuerySet[Complaint], start: date, end: date) -> list[MonthCount]:
    """Complaints received per calendar month of the period (months without any included)."""
    rows = (
        in_period(complaints, start, end)
        .annotate(month=_local_month("received_at"))
        .values("month")
        .annotate(count=Count("pk"), major=Count("pk", filter=Q(is_major=True)))
    )
    found = {row["month"]: row for row in rows}
    return [
        MonthCount(
            month, found.get(month, {}).get("count", 0), found.get(month, {}).get("major", 0)
        )
        for month in Period(start, end).months()
    ]


# --- heat map ------------------------------------------------------------------------------


@dataclass
class Heatmap:
    """Complaints by business category (rows) and cause (columns)."""

    businesses: list[Code]
    causes: list[Code]
    counts: dict[tuple[str, str], int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def peak(self) -> int:
        return max(self.counts.values(), default=0)

    def count(self, business: str, cause: str) -> int:
        return self.counts.get((business, cause), 0)

    def table(self) -> list[tuple[Code, list[int], int]]:
        """Rows for a table: the business code, its count per cause, and its total."""
        rows = []
        for business in self.businesses:
            cells = [self.count(business.code, cause.code) for cause in self.causes]
            rows.append((business, cells, sum(cells)))
        return rows


def heatmap(complaints: QuerySet[Complaint]) -> Heatmap:
    rows = (
        _counted(complaints)
        .values(*_names("business"), *_names("cause"))
        .annotate(count=Count("pk"))
    )
    businesses: dict[str, Code] = {}
    causes: dict[str, Code] = {}
    counts: dict[tuple[str, str], int] = {}
    for row in rows:
        business, cause = _code(row, "business"), _code(row, "cause")
        businesses[business.code], causes[cause.code] = business, cause
        counts[(business.code, cause.code)] = row["count"]
    return Heatmap(
        sorted(businesses.values(), key=lambda c: c.sort_key),
        sorted(causes.values(), key=lambda c: c.sort_key),
        counts,
    )


# --- time to decision ----------------------------------------------------------------------


def _median(histogram: dict[int, int]) -> float | None:
    """The median of values given as {value: how many times}."""
    total = sum(histogram.values())
    if not total:
        return None
    ordered = sorted(histogram.items())

    def nth(n: int) -> int:  # the n-th smallest value, from 0
        seen = 0
        for value, times in ordered:
            seen += times
            if n < seen:
                return value
        raise IndexError(n)

    return (nth((total - 1) // 2) + nth(total // 2)) / 2


def _mean(histogram: dict[int, int]) -> float | None:
    total = sum(histogram.values())
    return sum(v * n for v, n in histogram.items()) / total if total else None


@dataclass(frozen=True)
class DecisionTimes:
    """Natural days from receipt to telling the customer the final decision, for the
    complaints of one month of receipt (``month``) or of the whole period (``month`` None).
    ``decided`` counts the complaints whose customer was told, ``undecided`` the others."""

    month: date | None
    decided: int
    undecided: int
    mean_days: float | None
    median_days: float | None


def time_to_decision(complaints: QuerySet[Complaint]) -> list[DecisionTimes]:
    """Per month of receipt, then one line for all (``month`` None, last). One query: the
    number of complaints per month and number of days, from which mean and median follow."""
    base = _counted(complaints)
    rows = (
        base.annotate(
            month=_local_month("received_at"),
            days=_decision_days(base),
        )
        .values("month", "days")
        .annotate(count=Count("pk"))
    )
    histograms: dict[date | None, dict[int, int]] = defaultdict(dict)
    undecided: dict[date | None, int] = defaultdict(int)
    for row in rows:
        for key in (row["month"], None):
            if row["days"] is None:
                undecided[key] += row["count"]
            else:
                hist = histograms[key]
                hist[row["days"]] = hist.get(row["days"], 0) + row["count"]
    months = sorted(m for m in {*histograms, *undecided} if m is not None)
    return [
        DecisionTimes(
            month,
            sum(histograms[month].values()),
            undecided[month],
            _mean(histograms[month]),
            _median(histograms[month]),
        )
        for month in [*months, None]
    ]


# --- service levels ------------------------------------------------------------------------


@dataclass(frozen=True)
class Compliance:
    met: int
    late: int
    overdue: int = 0  # still undecided past the deadline (regulatory measure only)

    @property
    def measured(self) -> int:
        return self.met + self.late + self.overdue

    @property
    def share(self) -> float | None:
        """Share of the measured complaints that met the target (None when none is)."""
        return _share(self.met, self.measured)


@dataclass(frozen=True)
class ServiceLevels:
    regulatory: Compliance  # decided and told within the allowed days (plus pauses)
    first_response: Compliance  # responded_at <= respond_by
    resolution: Compliance  # told the decision (or withdrawn) by resolve_by


def sla_compliance(
    complaints: QuerySet[Complaint], today: date, now: datetime | None = None
) -> ServiceLevels:
    """How many complaints met the regulatory deadline and the bank's own targets. A
    complaint counts once the customer is told the decision (or it is resolved, or
    responded to) or once the deadline has passed without it; those not yet due are left
    out of the shares."""
    now = now or timezone.now()
    base = _counted(complaints)
    rows = (
        base.annotate(
            regulatory=_regulatory_verdict(base, today),
            first_response=_first_response_verdict(now),
            resolution=_resolution_verdict(base, now),
        )
        .values("regulatory", "first_response", "resolution")
        .annotate(count=Count("pk"))
    )
    tally: dict[str, dict[str | None, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        for measure in ("regulatory", "first_response", "resolution"):
            tally[measure][row[measure]] += row["count"]

    def compliance(measure: str) -> Compliance:
        got = tally[measure]
        return Compliance(got[MET], got[LATE], got[OVERDUE])

    return ServiceLevels(
        compliance("regulatory"), compliance("first_response"), compliance("resolution")
    )


# --- repeat complainants -------------------------------------------------------------------


@dataclass(frozen=True)
class RepeatComplainant:
    customer_uuid: Any
    customer_no: str
    masked_name: str
    complaints: int


@dataclass(frozen=True)
class Repeats:
    customers: int  # customers with two or more complaints
    complaints: int  # the complaints they filed
    top: list[RepeatComplainant]


def repeat_complainants(complaints: QuerySet[Complaint], since: date, limit: int = TOP) -> Repeats:
    """Customers with two or more complaints received since ``since`` (names masked)."""
    start = datetime.combine(since, time.min, tzinfo=timezone.get_default_timezone())
    grouped = (
        _counted(complaints)
        .filter(received_at__gte=start, customer__isnull=False)
        .values("customer")
        .annotate(filed=Count("pk"))
        .filter(filed__gte=2)
    )
    summary = grouped.aggregate(customers=Count("customer"), complaints=Sum("filed"))
    top = grouped.values(
        "customer__uuid", "customer__customer_no", "customer__name", "filed"
    ).order_by("-filed", "customer__customer_no")[:limit]
    return Repeats(
        summary["customers"] or 0,
        summary["complaints"] or 0,
        [
            RepeatComplainant(
                row["customer__uuid"],
                row["customer__customer_no"],
                mask_name(row["customer__name"] or ""),
                row["filed"],
            )
            for row in top
        ],
    )


# --- root causes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RootCauseCount:
    code: str
    name: str
    parent: str  # the branch of the tree ("人员与服务"), "" for a top-level cause
    decisions: int
    complaints: int
    finished: int  # complaints closed (or withdrawn after the decision)
    open: int  # complaints still being handled: the remedy is not yet complete

    @property
    def finished_share(self) -> float | None:
        return _share(self.finished, self.complaints)


def top_root_causes(complaints: QuerySet[Complaint], limit: int = TOP) -> list[RootCauseCount]:
    """The root causes named most often in decisions (first and review), with how many of
    the complaints concerned are finished and how many are still open."""
    rows = (
        _counted(complaints)
        .filter(decisions__root_cause__isnull=False)
        .values(
            "decisions__root_cause__code",
            "decisions__root_cause__name",
            "decisions__root_cause__parent__name",
        )
        .annotate(
            decision_count=Count("decisions", distinct=True),
            complaints=Count("pk", distinct=True),
            finished=Count("pk", distinct=True, filter=Q(state__in=FINAL_STATES)),
        )
        .order_by("-decision_count", "decisions__root_cause__code")[:limit]
    )
    return [
        RootCauseCount(
            row["decisions__root_cause__code"],
            row["decisions__root_cause__name"],
            row["decisions__root_cause__parent__name"] or "",
            row["decision_count"],
            row["complaints"],
            row["finished"],
            row["complaints"] - row["finished"],
        )
        for row in rows
    ]


# --- rates per 10,000 customers ------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    outlet: Code | None  # None for the whole scope
    complaints: int
    customers: int

    @property
    def per_10k(self) -> float | None:
        if not self.customers:
            return None
        return round(self.complaints * PER_CUSTOMERS / self.customers, 1)


@dataclass(frozen=True)
class Rates:
    overall: Rate
    outlets: list[Rate]


def rates_per_10k(
    complaints: QuerySet[Complaint], customers: QuerySet[Any], start: date, end: date
) -> Rates:
    """Complaints received at each outlet per 10,000 customers whose home outlet it is.
    Customers count when they were customers by the end of the period."""
    received = (
        in_period(complaints, start, end)
        .values("outlet__code", "outlet__name")
        .annotate(count=Count("pk"))
    )
    served = (
        customers.order_by()
        .filter(became_customer_on__lte=end)
        .values("home_outlet__code", "home_outlet__name")
        .annotate(count=Count("pk"))
    )
    outlets: dict[str, Code] = {}
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for rows, prefix, index in ((received, "outlet", 0), (served, "home_outlet", 1)):
        for row in rows:
            outlet = Code(row[f"{prefix}__code"], row[f"{prefix}__name"])
            outlets[outlet.code] = outlet
            counts[outlet.code][index] = row["count"]
    per_outlet = [Rate(outlets[code], *counts[code]) for code in sorted(outlets)]
    return Rates(
        Rate(None, sum(r.complaints for r in per_outlet), sum(r.customers for r in per_outlet)),
        per_outlet,
    )


# --- the regulator's counts ----------------------------------------------------------------


@dataclass
class Tally:
    """Complaints counted, with the major ones and how soon the customer was told the final
    decision: within 15, 30 or 60 days (cumulative), and within the days allowed (15, or 30
    or 60 once extended). ``decided`` counts the complaints whose customer was told."""

    total: int = 0
    major: int = 0
    within_15: int = 0
    within_30: int = 0
    within_60: int = 0
    on_time: int = 0
    decided: int = 0

    @property
    def undecided(self) -> int:
        return self.total - self.decided

    def add(self, count: int, *, major: bool, band: int | None, on_time: bool = False) -> None:
        self.total += count
        self.major += count if major else 0
        if band is not None:
            self.decided += count
            self.within_15 += count if band <= 15 else 0
            self.within_30 += count if band <= 30 else 0
            self.within_60 += count if band <= 60 else 0
            self.on_time += count if on_time else 0

    def merge(self, other: Tally) -> None:
        names = ("total", "major", "within_15", "within_30", "within_60", "on_time", "decided")
        for name in names:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class RegulatorCounts:
    """Complaints of a period by JR/T 0169 business category, cause and channel."""

    period: Period
    cells: dict[tuple[Code, Code, Code], Tally] = field(default_factory=dict)

    @property
    def totals(self) -> Tally:
        total = Tally()
        for tally in self.cells.values():
            total.merge(tally)
        return total

    def by(self, axis: str) -> list[tuple[Code, Tally]]:
        """Rolled up by one axis: "business", "cause" or "channel"."""
        index = ("business", "cause", "channel").index(axis)
        return self._rollup(lambda key: (key[index],))

    def business_by_cause(self) -> list[tuple[Code, Code, Tally]]:
        return self._rollup(lambda key: (key[0], key[1]))

    def cube(self) -> list[tuple[Code, Code, Code, Tally]]:
        return self._rollup(lambda key: key)

    def _rollup(self, pick: Any) -> list[tuple[Any, ...]]:
        rolled: dict[tuple[Code, ...], Tally] = defaultdict(Tally)
        for key, tally in self.cells.items():
            rolled[pick(key)].merge(tally)
        return [
            (*key, rolled[key]) for key in sorted(rolled, key=lambda k: [c.sort_key for c in k])
        ]


def regulator_counts(
    complaints: QuerySet[Complaint], start: date, end: date, today: date | None = None
) -> RegulatorCounts:
    """The counts the regulator asks for, by code: the customer told the final decision
    within 15/30/60 days of the clock's (re)start, paused days not counted (cumulative: told
    in 10 days counts in all three), and within the days allowed."""
    today = today or timezone.localdate()
    base = in_period(complaints, start, end)
    rows = (
        base.annotate(stretch=_regulatory_stretches(base, today))
        .values(
            *_names("business"), *_names("cause"), *_names("channel"), "is_major",
            "allowed_days", "stretch",
        )
        .annotate(count=Count("pk"))
    )  # fmt: skip
    counts = RegulatorCounts(Period(start, end))
    for row in rows:
        key = (_code(row, "business"), _code(row, "cause"), _code(row, "channel"))
        counts.cells.setdefault(key, Tally()).add(
            row["count"],
            major=row["is_major"],
            band=_band(row["stretch"]),
            on_time=_on_time(row["stretch"], row["allowed_days"]),
        )
    return counts


GROUPINGS = {
    "business": _names("business"),
    "cause": _names("cause"),
    "channel": _names("channel"),
    "outlet": ["outlet__code", "outlet__name"],
}


def counts_by(
    complaints: QuerySet[Complaint], start: date, end: date, group_by: str
) -> list[tuple[Code, int]]:
    """Complaints of the period per code of one axis, or per outlet."""
    fields = GROUPINGS[group_by]
    prefix = fields[0].removesuffix("__code")
    rows = in_period(complaints, start, end).values(*fields).annotate(count=Count("pk"))
    return sorted(
        ((_code(row, prefix), row["count"]) for row in rows), key=lambda item: item[0].sort_key
    )
