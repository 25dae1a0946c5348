"""The SQL building blocks of the complaint statistics: which complaints count, the days from
receipt to telling the customer the final decision, the regulatory stretch and the verdicts
on the regulatory deadline and the bank's own targets — all computed by the database.

Decisions, clock pauses and timeline entries are reached through the complaints queryset
itself (correlated subqueries filtered by the outer complaint), so this module never names
another scoped model's manager and cannot widen the scope it was given.

The regulation asks for a decision *and* the customer told of it within the deadline, so
a complaint counts as decided once the customer was told of its final decision since the
clock last (re)started (see ``told``): a decision awaiting approval, one replaced by a
later decision, or one from before a reopening does not count, however early it was
recorded.

Days are natural days in the bank's time zone, as the regulation counts them (see
``clock.py``). Merged complaints duplicate the complaint they were merged into and are left
out everywhere.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    DateTimeField,
    F,
    FilteredRelation,
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
from django.db.models.functions import Coalesce, Greatest

from branchcx.complaints.models import OPEN_STATES, Complaint, State, TimelineEntry
from branchcx.lib.periods import DaysBetween, Period, local_date

REGULATOR_DAYS = (15, 30, 60)
OVER_60 = 61  # the band of decisions that took longer than the longest extension
# Timeline entries that restart the regulatory clock (15 days again): a reopening after an
# unsatisfied revisit, new facts brought by a merged complaint.
RESTARTS = (TimelineEntry.Kind.REOPENED, TimelineEntry.Kind.NEW_FACTS)
# Transitions that end the handling from the service target's point of view: the customer
# has been told the decision, or withdrew.
RESOLVING_STATES = (State.NOTIFIED, State.WITHDRAWN)

MET, LATE, OVERDUE = "met", "late", "overdue"


def counted(complaints: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """The complaints that count: merged ones are left out."""
    return complaints.exclude(state=State.MERGED).order_by()


def in_period(complaints: QuerySet[Complaint], start: date, end: date) -> QuerySet[Complaint]:
    """Complaints received from ``start`` to ``end`` (local days, both included)."""
    since, until = Period(start, end).bounds()
    return counted(complaints).filter(received_at__gte=since, received_at__lt=until)


def each(complaints: QuerySet[Complaint], **aggregates: Any) -> QuerySet[Any, Any]:
    """The outer row's complaint, for a correlated subquery aggregating its related rows."""
    return complaints.filter(pk=OuterRef("pk")).order_by().values("pk").annotate(**aggregates)


def told(complaints: QuerySet[Complaint], **aggregates: Any) -> QuerySet[Any, Any]:
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
    return each(clock, notified=notified, restarted=restarted, **aggregates).annotate(
        told=Case(
            When(Q(restarted__isnull=True) | Q(notified__gt=F("restarted")), then=F("notified")),
            default=None,
            output_field=DateTimeField(),
        )
    )


def decision_days(complaints: QuerySet[Complaint]) -> Subquery:
    """Natural days from receipt to telling the customer the final decision (the wait as
    the customer lived it, restarts included); None until then."""
    inner = told(complaints).annotate(
        days=DaysBetween(local_date("told"), local_date("received_at"))
    )
    return Subquery(inner.values("days"), output_field=IntegerField())


def paused_days(today: date) -> Any:
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


def regulatory_stretches(complaints: QuerySet[Complaint], today: date) -> Subquery:
    """Which 15-day stretch of the clock the customer was told the final decision in (0 or 1:
    within 15 days, 2: within 30, 3 or 4: within 60, more: later), None until told. Days
    are counted as the regulation counts them: from the day the clock (re)started, less the
    days it was paused. A single arithmetic expression, so the day count is computed once
    per complaint (SQLite converts time zones in Python, once per call) and the grouped
    result stays small."""
    inner = told(complaints, paused=paused_days(today)).annotate(
        stretch=(DaysBetween(local_date("told"), "clock_started_on") - F("paused") + Value(14))
        / Value(15)
    )
    return Subquery(inner.values("stretch"), output_field=IntegerField())


def band(stretch: int | None) -> int | None:
    """The smallest regulatory limit (15, 30, 60 days) a 15-day stretch lies within."""
    if stretch is None:
        return None
    return next((limit for limit in REGULATOR_DAYS if stretch * 15 <= limit), OVER_60)


def on_time(stretch: int | None, allowed_days: int) -> bool:
    """Told within the days allowed. These are 15, 30 or 60 (``clock.py``), whole stretches,
    so the stretch answers exactly: ceil(days / 15) * 15 <= allowed iff days <= allowed."""
    return stretch is not None and stretch * 15 <= allowed_days


def regulatory_verdict(complaints: QuerySet[Complaint], today: date) -> Subquery:
    """Whether the customer was told the final decision within the days allowed (15, 30 or
    60) plus the days the clock was paused, both counted from the clock's latest (re)start:
    ``met`` or ``late``; ``overdue`` for a complaint not yet told whose clock ran past its
    due day (decided but not told included); None otherwise (not yet due, paused,
    withdrawn)."""
    inner = (
        told(complaints, paused=paused_days(today))
        .annotate(elapsed=DaysBetween(local_date("told"), "clock_started_on"))
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


def resolution_verdict(complaints: QuerySet[Complaint], now: datetime) -> Subquery:
    """The internal resolution target: ``met`` when the customer was told (or withdrew) by
    ``resolve_by``, ``late`` after it or when still open past it; None when not yet due.
    ``resolve_by`` starts over when a complaint is reopened, so the latest resolution
    counts."""
    resolved = Max(
        "timeline__at",
        filter=Q(timeline__kind="transition", timeline__to_state__in=RESOLVING_STATES),
    )
    inner = each(complaints, resolved=resolved).annotate(
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


def first_response_verdict(now: datetime) -> Case:
    return Case(
        When(respond_by__isnull=True, then=None),
        When(responded_at__isnull=False, responded_at__lte=F("respond_by"), then=Value(MET)),
        When(responded_at__isnull=False, then=Value(LATE)),
        When(respond_by__lt=now, then=Value(LATE)),
        default=None,
        output_field=CharField(),
    )
