"""Survey scores for the pages, computed in the database: one grouped query for the headline
answers (NPS, CSAT, CES) and one for the five SERVQUAL dimensions, whatever the number of
responses; the statistics (intervals, gaps) are then the plain functions of
:mod:`branchcx.surveys.scoring` applied to the grouped counts.

A dimension's gap for a group is the mean over its responses of each response's gap (the mean
of its item gaps P - E). With every item answered this is exactly SERVQUAL's "average of the
item averages"; when some items are skipped it weighs respondents equally instead of items.
The unweighted SERVQUAL score is the mean of the five dimension gaps, the weighted one weighs
them by the mean importance points respondents gave, and SERVPERF is the mean perception.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import Case, Count, F, IntegerField, Max, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Mod
from django.utils.translation import gettext as _

from branchcx.customers.models import TierLevel
from branchcx.lib.masking import mask_text
from branchcx.org.models import Branch
from branchcx.org.scoping import scope_path
from branchcx.surveys.definition import Definition
from branchcx.surveys.models import Answer, Dimension, DimensionScore, Invitation, Response
from branchcx.surveys.scoring import (
    MIN_DRIVER_ANSWERS_PER_DRIVER,
    AlphaResult,
    CesResult,
    CsatResult,
    DriverResult,
    NpsResult,
    ces_from_moments,
    covariance_from_moments,
    cronbach_alpha_from_moments,
    csat_from_counts,
    nps_from_counts,
    relative_importance_from_covariance,
    small_sample,
)

GROUPINGS = ("network", "branch", "outlet", "month", "quarter", "tier", "segment")


@dataclass(frozen=True)
class DimensionSummary:
    dimension: str
    n: int
    expectation: float | None
    perception: float | None
    gap: float | None
    adequate: float | None
    desired: float | None
    importance: float | None

    @property
    def adequacy(self) -> float | None:
        """Measure of service adequacy: perception minus the adequate level (below 0: the
        service falls short of what customers accept)."""
        if self.perception is None or self.adequate is None:
            return None
        return self.perception - self.adequate

    @property
    def superiority(self) -> float | None:
        """Measure of service superiority: perception minus the desired level."""
        if self.perception is None or self.desired is None:
            return None
        return self.perception - self.desired


@dataclass(frozen=True)
class GroupScores:
    key: Any
    label: str
    n: int
    nps: NpsResult
    csat: CsatResult
    ces: CesResult
    dimensions: dict[str, DimensionSummary] = field(default_factory=dict)

    @property
    def is_small_sample(self) -> bool:
        return small_sample(self.n)

    @property
    def servqual(self) -> float | None:
        """Unweighted SERVQUAL: the mean of the dimension gaps (all five needed)."""
        gaps = [d.gap for d in self.dimensions.values() if d.gap is not None]
        return sum(gaps) / len(gaps) if len(gaps) == len(Dimension.values) else None

    @property
    def servqual_weighted(self) -> float | None:
        """The dimension gaps weighted by the mean importance points."""
        pairs = [
            (d.gap, d.importance)
            for d in self.dimensions.values()
            if d.gap is not None and d.importance is not None
        ]
        total = sum(w for _g, w in pairs)
        if len(pairs) != len(Dimension.values) or total <= 0:
            return None
        return sum(g * w for g, w in pairs) / total

    @property
    def servperf(self) -> float | None:
        """SERVPERF: the mean perception over the dimensions (perception only)."""
        values = [d.perception for d in self.dimensions.values() if d.perception is not None]
        return sum(values) / len(values) if values else None


MEASURES = ("expectation", "perception", "gap", "adequate", "desired", "importance")

# Each grouping as (the database column(s) it groups by, how a row's key is read).
COLUMNS = {
    "network": ["everything"],  # a constant: one group
    "branch": ["outlet__parent_id"],
    "outlet": ["outlet_id"],
    "month": ["month"],
    "quarter": ["month"],
    "tier": ["tier_id"],
    "segment": ["segment"],
}


def _group_key(by: str, row: dict[str, Any]) -> Any:
    if by == "network":
        return "all"
    value = _key(row[COLUMNS[by][0]])
    if by == "quarter" and value is not None:
        return value.replace(month=(value.month - 1) // 3 * 3 + 1)
    return value


@dataclass(frozen=True)
class Selection:
    """Which submitted answers to score: those the user may see, in a period (inclusive
    days), of one survey and within one unit if given."""

    user: Any
    start: date | None = None
    end: date | None = None
    survey: Any = None
    unit: Any = None  # a branch or outlet to narrow to

    def _narrow(self, rows: QuerySet[Any]) -> QuerySet[Any]:
        # Whole months are narrowed by the month column, which the covering indexes hold
        # (the same rows as by the day, which they do not).
        if self.start is not None:
            if self.start.day == 1:
                rows = rows.filter(month__gte=self.start)
            else:
                rows = rows.filter(submitted_on__gte=self.start)
        if self.end is not None:
            if (self.end + timedelta(days=1)).day == 1:
                rows = rows.filter(month__lte=self.end.replace(day=1))
            else:
                rows = rows.filter(submitted_on__lte=self.end)
        if self.survey is not None:
            rows = rows.filter(survey=self.survey)
        if self.unit is not None:
            rows = rows.filter(outlet__path__startswith=self.unit.path)
        return rows

    def responses(self) -> QuerySet[Response]:
        return self._narrow(
            Response.objects.visible_to(self.user).filter(status=Response.Status.SUBMITTED)
        )

    def dimension_rows(self) -> QuerySet[DimensionScore]:
        return self._narrow(DimensionScore.objects.visible_to(self.user))


Totals = dict[Any, dict[str, float]]
DimensionTotals = dict[Any, dict[str, dict[str, float]]]


def _add(into: dict[str, float], row: dict[str, Any]) -> None:
    for name, value in row.items():
        into[name] = into.get(name, 0) + (value or 0)


def _fetch(selection: Selection, columns: list[str]) -> tuple[list[Any], list[Any]]:
    """The headline and dimension figures grouped by ``columns``: counts and sums only, so
    that finer groups add up exactly into coarser ones."""
    headline = (
        selection.responses()
        .order_by()
        .annotate(everything=Value(1))
        .values(*columns)
        .annotate(
            n=Count("pk"),
            promoters=Count("pk", filter=Q(nps__gte=9)),
            passives=Count("pk", filter=Q(nps__gte=7, nps__lte=8)),
            detractors=Count("pk", filter=Q(nps__lte=6)),
            csat_n=Count("csat"),
            satisfied=Count("pk", filter=Q(csat__gte=4)),
            ces_n=Count("ces"),
            ces_sum=Sum("ces"),
            ces_squares=Sum(F("ces") * F("ces")),
        )
    )
    aggregates: dict[str, Any] = {"n": Count("pk")}
    for measure in MEASURES:
        aggregates[f"{measure}_n"] = Count(measure)
        aggregates[f"{measure}_sum"] = Sum(measure)
    dimensions = (
        selection.dimension_rows()
        .order_by()
        .annotate(everything=Value(1))
        .values(*columns, "dimension")
        .annotate(**aggregates)
    )
    return list(headline), list(dimensions)


GROUP_COLUMNS = {column for columns in COLUMNS.values() for column in columns}
# How the dashboard groups, by database. SQLite groups only in index order or after a sort:
# it reads the covering indexes (``response_scores``, ``dimension_scores``: outlet, month,
# tier, segment first) once in their order at that grain, and every view is added up from
# it (the embedded database serves a few outlets, so the grain holds few groups).
# PostgreSQL hashes any grouping: it fetches by outlet and month and by tier and segment,
# each a few groups whatever the size of the network.
GRAIN = ["outlet_id", "month", "tier_id", "segment"]
PLACE_AND_TIME = ["outlet_id", "month"]
PROFILE = ["tier_id", "segment"]


def _grouping_for(by: str) -> list[str]:
    if connection.vendor == "sqlite":
        return GRAIN
    return PROFILE if by in ("tier", "segment") else PLACE_AND_TIME


def _roll_up(by: str, headline: list[Any], dimensions: list[Any]) -> list[GroupScores]:
    columns = GROUP_COLUMNS
    totals: Totals = {}
    for row in headline:
        key = _group_key(by, row)
        _add(totals.setdefault(key, {}), {k: v for k, v in row.items() if k not in columns})
    dimension_totals: DimensionTotals = {}
    for row in dimensions:
        key = _group_key(by, row)
        figures = {k: v for k, v in row.items() if k not in columns and k != "dimension"}
        _add(dimension_totals.setdefault(key, {}).setdefault(row["dimension"], {}), figures)
    labels = _labels(by, list(totals))
    result = [
        GroupScores(
            key=key,
            label=labels.get(key, str(key or "")),
            n=int(t["n"]),
            nps=nps_from_counts(int(t["promoters"]), int(t["passives"]), int(t["detractors"])),
            csat=csat_from_counts(int(t["satisfied"]), int(t["csat_n"])),
            ces=ces_from_moments(int(t["ces_n"]), t["ces_sum"], t["ces_squares"]),
            dimensions={
                dimension: DimensionSummary(
                    dimension,
                    int(d["n"]),
                    *(d[f"{m}_sum"] / d[f"{m}_n"] if d[f"{m}_n"] else None for m in MEASURES),
                )
                for dimension, d in dimension_totals.get(key, {}).items()
            },
        )
        for key, t in totals.items()
    ]
    periods = by in ("month", "quarter")
    return sorted(result, key=lambda g: g.key if periods else (g.label, str(g.key)))


def scores(selection: Selection, by: str = "network") -> list[GroupScores]:
    """Scores per group: one grouped query over the responses and one over the dimension
    rows, plus one for the groups' names, whatever the number of answers."""
    if by not in COLUMNS:
        raise ValueError(f"unknown grouping {by}")
    if by == "branch":
        return _roll_up(by, *_fetch(selection, COLUMNS[by][:1]))
    return _roll_up(by, *_fetch(selection, _grouping_for(by)))


def _key(value: Any) -> Any:
    """Periods come back as dates (or datetimes on some backends): one type for both."""
    if hasattr(value, "date") and callable(value.date):
        return value.date()
    return value


def _labels(by: str, keys: list[Any]) -> dict[Any, str]:
    named = [k for k in keys if k]
    if by in ("branch", "outlet"):
        return dict(Branch.objects.filter(pk__in=named).values_list("pk", "name"))
    if by == "tier":
        return dict(TierLevel.objects.filter(pk__in=named).values_list("pk", "name"))
    if by == "month":
        return {k: f"{k:%Y-%m}" for k in keys if k}
    if by == "quarter":
        return {k: f"{k.year}Q{(k.month - 1) // 3 + 1}" for k in keys if k}
    if by == "network":
        return {"all": ""}
    return {}


@dataclass(frozen=True)
class Dashboard:
    network: GroupScores | None
    outlets: list[GroupScores]
    months: list[GroupScores]
    tiers: list[GroupScores] = field(default_factory=list)
    segments: list[GroupScores] = field(default_factory=list)


def dashboard(selection: Selection) -> Dashboard:
    """What the satisfaction dashboard shows: the whole selection, each outlet, month, tier
    and segment: two or four grouped queries over the covering indexes (see ``GRAIN``),
    then added up five ways."""
    headline, dimensions = _fetch(selection, _grouping_for("outlet"))
    by_profile = (
        (headline, dimensions)
        if connection.vendor == "sqlite"
        else _fetch(selection, _grouping_for("tier"))
    )
    network = _roll_up("network", headline, dimensions)
    return Dashboard(
        network=network[0] if network else None,
        outlets=_roll_up("outlet", headline, dimensions),
        months=_roll_up("month", headline, dimensions),
        tiers=_roll_up("tier", *by_profile),
        segments=_roll_up("segment", *by_profile),
    )


# --- distribution -----------------------------------------------------------------------------

# A multiplicative hash spreads customer ids evenly over 0-99: the same customer is in or out
# of a rule's sample every time, whichever database computes it.
SAMPLE_MULTIPLIER = 2654435761


def invitation_candidates(
    rule: Any, since: datetime, until: datetime
) -> list[tuple[int, int, Any]]:
    """(customer id, outlet id, complaint id or None) for the events of ``rule`` between
    ``since`` (excluded) and ``until``, in the rule's unit, one per customer (their latest
    event), in the rule's sample and not surveyed within the fatigue window."""
    from branchcx.complaints.models import State, TimelineEntry
    from branchcx.customers.models import ContactChannel, Interaction, Transaction

    if rule.trigger == Invitation.Trigger.COMPLAINT_CLOSED:
        events = TimelineEntry.objects.filter(
            kind=TimelineEntry.Kind.TRANSITION,
            to_state=State.CLOSED,
            at__gt=since,
            at__lte=until,
            complaint__customer__isnull=False,
            complaint__outlet__path__startswith=rule.unit.path,
            complaint__outlet__level="outlet",
        ).values_list("complaint__customer_id", "complaint__outlet_id", "complaint_id", "at")
    elif rule.trigger == Invitation.Trigger.TRANSACTION:
        events = Transaction.objects.filter(
            occurred_at__gt=since,
            occurred_at__lte=until,
            kind__in=rule.transaction_kinds,
            outlet__path__startswith=rule.unit.path,
            outlet__level="outlet",
        ).values_list("customer_id", "outlet_id", Value(None, IntegerField()), "occurred_at")
    elif rule.trigger == Invitation.Trigger.QUEUE_VISIT:
        # a served visit: a contact at the counter of an outlet, with the customer served
        # (resolved or passed to a colleague) by a member of that outlet's staff
        events = Interaction.objects.filter(
            channel=ContactChannel.COUNTER,
            outcome__in=(Interaction.Outcome.RESOLVED, Interaction.Outcome.REFERRED),
            occurred_at__gt=since,
            occurred_at__lte=until,
            staff__branch__path__startswith=rule.unit.path,
            staff__branch__level="outlet",
        ).values_list("customer_id", "staff__branch_id", Value(None, IntegerField()),
                      "occurred_at")  # fmt: skip
    else:
        return []
    fatigue = until - timedelta(days=int(settings.BRANCHCX_SURVEY_FATIGUE_DAYS))
    column = (
        "complaint__customer_id"
        if rule.trigger == Invitation.Trigger.COMPLAINT_CLOSED
        else "customer_id"
    )
    events = (
        events.alias(
            bucket=Mod(F(column) * SAMPLE_MULTIPLIER + rule.pk, 100)
        )
        .filter(bucket__lt=rule.sample_percent)
        .exclude(**{f"{column}__in": Invitation.objects.filter(created_at__gte=fatigue)
                   .values("customer_id")})
        .exclude(**{f"{column}__in": Response.objects.filter(
            customer__isnull=False, submitted_on__gte=fatigue.date()).values("customer_id")})
        .order_by()
    )  # fmt: skip
    # one sweep's window of events (an hour's), so deduplicating here stays small
    latest: dict[int, tuple[int, int, Any, datetime]] = {}
    for customer_id, outlet_id, complaint_id, at in events:
        if customer_id not in latest or at > latest[customer_id][3]:
            latest[customer_id] = (customer_id, outlet_id, complaint_id, at)
    return [row[:3] for row in sorted(latest.values(), key=lambda r: r[3])]


def invited_today(rule: Any, day: date) -> dict[int, int]:
    """Invitations this rule made on ``day``, per outlet (the quota counts them)."""
    return dict(
        Invitation.objects.filter(rule=rule, created_at__date=day)
        .values("outlet_id")
        .annotate(n=Count("pk"))
        .values_list("outlet_id", "n")
    )


# --- responses read one by one: the response page, the API and the Excel export --------------


@dataclass(frozen=True)
class AnswerPart:
    """One stored value a question gives (a pair gives two, an importance question one per
    dimension), with the wording a reader sees for it."""

    question_key: str
    role: str
    dimension: str
    wording: str
    type: str


def _part_label(role: str, dimension: str) -> str:
    labels = {
        "expectation": _("expected"),
        "perception": _("experienced"),
        "adequate": _("lowest acceptable"),
        "desired": _("desired"),
    }
    if role == "importance":
        return str(Dimension(dimension).label) if dimension in Dimension.values else dimension
    return str(labels.get(role, ""))


def answer_parts(definition: Definition) -> list[AnswerPart]:
    """Every value the questionnaire can store, in its order, keyed like the answer rows
    (question key, role, dimension), worded in the current language."""
    parts = []
    for q in definition.questions():
        dim = q.dimension or ""
        if q.type == "pair":
            parts += [
                AnswerPart(q.key, "expectation", dim, str(q.expectation_text or q.text), q.type),
                AnswerPart(q.key, "perception", dim, str(q.perception_text or q.text), q.type),
            ]
        elif q.type == "zone":
            parts += [
                AnswerPart(q.key, role, dim, f"{q.text} ({_part_label(role, dim)})", q.type)
                for role in ("adequate", "desired")
            ]
        elif q.type == "importance":
            parts += [
                AnswerPart(q.key, "importance", d, f"{q.text} ({_part_label('importance', d)})",
                           q.type)
                for d in q.dimensions
            ]  # fmt: skip
        else:
            role = {"scale": q.role, "single": "choice", "multiple": "choice"}.get(q.type, q.type)
            parts.append(AnswerPart(q.key, role, dim, str(q.text), q.type))
    return parts


def choice_labels(definition: Definition) -> dict[str, dict[str, str]]:
    """Question key -> choice value -> label in the current language."""
    return {
        q.key: {c.value: str(c.label) for c in q.choices}
        for q in definition.questions()
        if q.choices
    }


@dataclass(frozen=True)
class AnswerLine:
    question_key: str
    wording: str
    role: str
    dimension: str
    number: int | None
    choices: tuple[str, ...]
    text: str

    @property
    def is_comment(self) -> bool:
        return self.role == "text"

    @property
    def shown(self) -> str:
        if self.is_comment:
            return self.text
        if self.choices:
            return ", ".join(self.choices)
        return "" if self.number is None else str(self.number)


def answer_lines(definition: Definition, answers: Any) -> list[AnswerLine]:
    """The answers read against the questionnaire they answered: each with its question's
    wording and choice labels (comments with their numbers masked), in the questionnaire's
    order (answers to questions a later
    edit removed cannot occur: a response keeps its version)."""
    parts = answer_parts(definition)
    order = {(p.question_key, p.role, p.dimension): i for i, p in enumerate(parts)}
    wording = {(p.question_key, p.role, p.dimension): p.wording for p in parts}
    labels = choice_labels(definition)
    rows = sorted(answers, key=lambda a: order.get((a.question_key, a.role, a.dimension), 10**6))
    return [
        AnswerLine(
            question_key=a.question_key,
            wording=wording.get((a.question_key, a.role, a.dimension), a.question_key),
            role=a.role,
            dimension=a.dimension,
            number=a.number,
            choices=tuple(labels.get(a.question_key, {}).get(c, c) for c in a.choices),
            # numbers a customer wrote (their own or anyone's) are masked like everywhere
            text=mask_text(a.text or ""),
        )
        for a in rows
    ]


def answers_by_response(response_ids: list[int]) -> dict[int, list[Answer]]:
    """The answers of several responses in one query (the export reads them in batches)."""
    found: dict[int, list[Answer]] = {pk: [] for pk in response_ids}
    for answer in Answer.objects.filter(response_id__in=response_ids).order_by("response_id", "id"):
        found[answer.response_id].append(answer)
    return found


def dimensions_by_response(response_ids: list[int]) -> dict[int, dict[str, DimensionScore]]:
    found: dict[int, dict[str, DimensionScore]] = {pk: {} for pk in response_ids}
    for row in DimensionScore.objects.filter(response_id__in=response_ids):
        found[row.response_id][row.dimension] = row
    return found


def group_codes(by: str, keys: list[Any]) -> dict[Any, str]:
    """The public code of each group a score is grouped by: a unit's or tier's code (never
    a database id), a period's first day, the segment itself."""
    named = [k for k in keys if k is not None]
    if by in ("branch", "outlet"):
        return dict(Branch.objects.filter(pk__in=named).values_list("pk", "code"))
    if by == "tier":
        return dict(TierLevel.objects.filter(pk__in=named).values_list("pk", "code"))
    if by in ("month", "quarter"):
        return {k: k.isoformat() for k in named}
    return {k: str(k) for k in named}


# --- satisfaction dashboard and expectation views (issue 5 items 4-5) --------------------------
# Reliability and driver analysis need more than per-group sums of one column: alpha needs each
# respondent's total over a scale's items, drivers need each respondent's five dimension scores
# side by side. Both are computed in the database as a per-response subquery aggregated again
# per group, so Python receives a few dozen rows of moments whatever the number of answers.

DRIVER_OUTCOMES = ("overall", "csat", "nps")
DRIVER_GROUPINGS = ("segment", "outlet")
SCALE_ROLES = ("perception", "expectation")


@dataclass(frozen=True)
class ScaleReliability:
    """Cronbach's alpha of one dimension's items on one side (perception or expectation)."""

    role: str
    dimension: str
    items: int
    n: int  # respondents who answered every item
    dropped: int  # respondents who skipped one
    result: AlphaResult | None
    problem: str = ""  # why there is no result

    @property
    def flagged(self) -> bool:
        return self.result is not None and not self.result.reliable


def _rows(sql: str, params: Any) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def reliability(selection: Selection) -> list[ScaleReliability]:
    """Raw Cronbach's alpha per dimension and side over the respondents who answered every item
    of it (a scale's items: those answered by anyone in the selection).

    One query, two grouped passes over the item answers: per item the count, sum and sum of
    squares of the answers, and per scale and number of items answered the count and the sum
    and sum of squares of the respondents' totals (a subquery grouped by response). When every
    respondent answered every item, as the shipped questionnaires require, the item sums are
    those of the complete respondents; otherwise a third pass takes the answers of the
    incomplete respondents back out. (Window functions would do it in one pass, but their
    sort costs four times as much on SQLite: see the benchmark.)"""
    # selection.responses() carries the user's scope: the answers are read through it
    answers = (
        Answer.objects.filter(
            response__in=selection.responses().values("pk"),
            role__in=SCALE_ROLES,
            item__isnull=False,
            number__isnull=False,
            dimension__in=Dimension.values,
        )
        .order_by()
        .values_list("response_id", "role", "dimension", "item", "number")
    )
    inner, params = answers.query.sql_with_params()
    per_response = """
        SELECT response_id, role, dimension, COUNT(*) AS k, SUM(number) AS t
        FROM a GROUP BY response_id, role, dimension
    """
    sql = f"""
        WITH a (response_id, role, dimension, item, number) AS ({inner}),
        r AS ({per_response})
        SELECT 'item', role, dimension, item, COUNT(*), SUM(number), SUM(number * number)
        FROM a GROUP BY role, dimension, item
        UNION ALL
        SELECT 'total', role, dimension, k, COUNT(*), SUM(t), SUM(t * t)
        FROM r GROUP BY role, dimension, k
    """  # noqa: S608 (the inner query is Django's, with its parameters kept apart)
    Moments = dict[int, list[float]]  # item, or items answered -> [count, sum, squares]
    items: dict[tuple[str, str], Moments] = {}
    totals: dict[tuple[str, str], Moments] = {}
    for kind, role, dimension, key, n, total, squares in _rows(sql, params):
        into = items if kind == "item" else totals
        into.setdefault((role, dimension), {})[int(key)] = [int(n), float(total), float(squares)]
    incomplete = {
        scale: len(found)
        for scale, found in items.items()
        if set(totals.get(scale, {})) - {len(found)}
    }
    if incomplete:
        # the answers of respondents who skipped an item of the scale come back out
        pick = " OR ".join("(r.role = %s AND r.dimension = %s AND r.k < %s)" for _s in incomplete)
        chosen = [v for (role, dimension), k in incomplete.items() for v in (role, dimension, k)]
        correction = f"""
            WITH a (response_id, role, dimension, item, number) AS ({inner}),
            r AS ({per_response})
            SELECT a.role, a.dimension, a.item, COUNT(*), SUM(a.number),
                SUM(a.number * a.number)
            FROM a JOIN r ON r.response_id = a.response_id AND r.role = a.role
                AND r.dimension = a.dimension
            WHERE {pick}
            GROUP BY a.role, a.dimension, a.item
        """  # noqa: S608 (placeholders only; the inner query is Django's)
        for role, dimension, item, n, total, squares in _rows(correction, [*params, *chosen]):
            moments = items[(role, dimension)][int(item)]
            moments[0] -= int(n)
            moments[1] -= float(total)
            moments[2] -= float(squares)
    result = []
    for role in SCALE_ROLES:
        for dimension in Dimension.values:
            found = items.get((role, dimension))
            if not found:
                continue
            k = len(found)
            by_k = totals.get((role, dimension), {})
            seen = sum(int(m[0]) for m in by_k.values())
            n, total, squares = by_k.get(k, [0, 0.0, 0.0])
            n = int(n)
            try:
                alpha: AlphaResult | None = cronbach_alpha_from_moments(
                    n,
                    [found[i][1] for i in sorted(found)],
                    [found[i][2] for i in sorted(found)],
                    total,
                    squares,
                    dropped=seen - n,
                )
                problem = ""
            except ValueError:
                alpha = None
                if k < 2:
                    problem = _("A single question: alpha needs two or more.")
                elif n < 2:
                    problem = _("Fewer than 2 customers answered every question.")
                else:
                    problem = _("Every customer gave the same total: alpha is undefined.")
            result.append(ScaleReliability(role, dimension, k, n, seen - n, alpha, problem))
    return result


RELIABILITY_CACHE_SECONDS = 15 * 60


def reliability_cached(selection: Selection) -> tuple[datetime, list[ScaleReliability]]:
    """:func:`reliability` and when it was computed, kept for a quarter of an hour per scope
    and filters.

    Alpha reads every item answer (44 per SERVQUAL response): seconds on SQLite for a few
    hundred thousand answers (see benchmarks/results), while it describes the questionnaire
    and moves slowly. The dashboard shows it from the cache, saying when it was computed."""
    when, scales = _cached("reliability", selection, lambda: reliability(selection))
    return when, scales


def _cached(name: str, selection: Selection, compute: Any, *extra: Any) -> tuple[datetime, Any]:
    """``compute()`` and when it ran, kept for RELIABILITY_CACHE_SECONDS per scope, filters
    and language (the reasons for a missing figure are worded in it)."""
    from django.core.cache import cache
    from django.utils import timezone
    from django.utils.translation import get_language

    parts = [
        get_language(),
        scope_path(selection.user),
        selection.start,
        selection.end,
        getattr(selection.survey, "pk", None),
        getattr(selection.unit, "pk", None),
        *extra,
    ]
    key = f"surveys:{name}:" + ":".join(str(p) for p in parts)
    found = cache.get(key)
    if found is None:
        found = (timezone.now(), compute())
        cache.set(key, found, RELIABILITY_CACHE_SECONDS)
    return found[0], found[1]


@dataclass(frozen=True)
class DriverGroup:
    """Driver weights of one group, or why they are not shown."""

    key: Any
    label: str
    n: int  # responses with every dimension and the outcome answered
    seen: int  # responses with any dimension row
    result: DriverResult | None
    problem: str = ""

    @property
    def is_small_sample(self) -> bool:
        return small_sample(self.n)


@dataclass(frozen=True)
class DriverAnalysis:
    outcome: str
    by: str
    minimum: int
    network: DriverGroup
    groups: list[DriverGroup]


def _driver_group(key: Any, label: str, moments: list[float], minimum: int) -> DriverGroup:
    p = len(Dimension.values)
    seen, n = int(moments[0]), int(moments[1])
    sums = moments[2 : 3 + p]
    products = np.zeros((p + 1, p + 1))
    for position, (i, j) in enumerate(_PAIRS):
        products[i, j] = products[j, i] = moments[3 + p + position]
    if n < minimum:
        problem = _(
            "Not shown: %(n)s complete answers, at least %(minimum)s are needed (ten per "
            "dimension) before the weights of related dimensions stop swinging."
        ) % {"n": n, "minimum": minimum}
        return DriverGroup(key, label, n, seen, None, problem)
    covariance = covariance_from_moments(n, sums, products)
    if covariance[p, p] <= 1e-9:
        problem = _("Not shown: every answer gave the same rating, so there is nothing to explain.")
        return DriverGroup(key, label, n, seen, None, problem)
    result = relative_importance_from_covariance(
        covariance, n, list(Dimension.values), dropped=seen - n
    )
    return DriverGroup(key, label, n, seen, result)


# (i, j) with i <= j over the five perceptions and the outcome (index 5)
_PAIRS = [(i, j) for i in range(len(Dimension.values) + 1) for j in range(i, 6)]


def driver_analysis(
    selection: Selection, *, by: str = "segment", outcome: str = "overall"
) -> DriverAnalysis:
    """Which dimensions explain the outcome (the overall rating by default), per group and
    for the whole selection: the LMG shares of R-squared from the covariance matrix of the
    five dimension perceptions and the outcome.

    The database pivots each response's five dimension rows into one row (conditional
    aggregation), keeps the responses with all five and the outcome, and sums per group the
    values and their cross-products; groups add up into the whole selection exactly."""
    if by not in DRIVER_GROUPINGS:
        raise ValueError(f"unknown grouping {by}")
    if outcome not in DRIVER_OUTCOMES:
        raise ValueError(f"unknown outcome {outcome}")
    names = list(Dimension.values)
    column = "outlet_id" if by == "outlet" else "segment"
    pivot = (
        selection.dimension_rows()
        .order_by()
        .values("response_id")
        .annotate(
            **{
                f"x{i}": Max(Case(When(dimension=name, then=F("perception"))))
                for i, name in enumerate(names)
            },
            g=Max(column),
        )
        .values_list("response_id", *[f"x{i}" for i in range(len(names))], "g")
    )
    inner, params = pivot.query.sql_with_params()
    drivers = [f"x{i}" for i in range(len(names))]
    variables = [*drivers, "y"]
    complete = " AND ".join(f"{v} IS NOT NULL" for v in variables)
    kept = ", ".join(f"CASE WHEN {complete} THEN {v} END AS {v}" for v in variables)
    sums = ", ".join(f"SUM({v})" for v in variables)
    products = ", ".join(f"SUM({variables[i]} * {variables[j]})" for i, j in _PAIRS)
    # the outcome is read once per response (not once per dimension row); ``outcome`` is one
    # of DRIVER_OUTCOMES, a column name
    sql = f"""
        WITH p (response_id, {", ".join(drivers)}, g) AS ({inner}),
        o AS (
            SELECT p.g AS g, {", ".join(f"p.{x} AS {x}" for x in drivers)}, r.{outcome} AS y
            FROM p JOIN {Response._meta.db_table} r ON r.id = p.response_id
        )
        SELECT g, COUNT(*), COUNT(y), {sums}, {products}
        FROM (SELECT g, {kept} FROM o) q
        GROUP BY g
    """  # noqa: S608 (fixed column names; the inner query is Django's, parameters apart)
    grouped = {row[0]: [float(v or 0) for v in row[1:]] for row in _rows(sql, params)}
    minimum = MIN_DRIVER_ANSWERS_PER_DRIVER * len(names)
    labels = _driver_labels(by, list(grouped))
    groups = sorted(
        (
            _driver_group(key, labels.get(key, str(key or "")), moments, minimum)
            for key, moments in grouped.items()
        ),
        key=lambda g: (-g.n, g.label),
    )
    network_moments = [math.fsum(values) for values in zip(*grouped.values(), strict=True)]
    network = _driver_group(
        "all", "", network_moments or [0.0] * (3 + len(names) + len(_PAIRS)), minimum
    )
    return DriverAnalysis(outcome, by, minimum, network, groups)


def driver_analysis_cached(
    selection: Selection, *, by: str = "segment", outcome: str = "overall"
) -> tuple[datetime, DriverAnalysis]:
    """:func:`driver_analysis` and when it was computed, kept like the reliability: it pivots
    every response's dimension rows (a second or two at 100,000 responses on SQLite) and,
    being a regression over months of answers, moves slowly."""
    when, analysis = _cached(
        "drivers", selection, lambda: driver_analysis(selection, by=by, outcome=outcome),
        by, outcome,
    )  # fmt: skip
    return when, analysis


def _driver_labels(by: str, keys: list[Any]) -> dict[Any, str]:
    if by == "outlet":
        return _labels("outlet", keys)
    return segment_labels()


def segment_labels() -> dict[Any, str]:
    from branchcx.customers.models import ValueOrientation

    return {"": _("No segment (anonymous or not recorded)"), None: _("No segment")} | {
        value: str(label) for value, label in ValueOrientation.choices
    }


@dataclass(frozen=True)
class ToleranceRow:
    outlet: GroupScores
    dimension: DimensionSummary


@dataclass(frozen=True)
class KnowledgeGap:
    """What a unit's managers believed customers expect on a dimension in a quarter, against
    what the customers of that unit said in that quarter (within the selected period)."""

    belief: Any  # ExpectationBelief
    customers: float | None  # mean expectation
    n: int

    @property
    def difference(self) -> float | None:
        return None if self.customers is None else self.belief.expectation - self.customers

    @property
    def is_small_sample(self) -> bool:
        return small_sample(self.n)


@dataclass(frozen=True)
class ExpectationReport:
    outlets: list[GroupScores]
    periods: list[GroupScores]
    below_adequate: list[ToleranceRow]
    knowledge: list[KnowledgeGap]


def _quarter_of(day: date) -> date:
    return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)


def expectation_report(selection: Selection, every: str = "quarter") -> ExpectationReport:
    """The expectation views from one fetch by outlet and month (see ``GRAIN``): gaps per
    outlet, expectation and perception per period (drift), the outlet dimensions below the
    adequate level (worst first), and the managers' beliefs against what customers said (the
    knowledge gap)."""
    if every not in ("month", "quarter"):
        raise ValueError(f"unknown period {every}")
    headline, dimensions = _fetch(selection, _grouping_for("outlet"))
    outlets = _roll_up("outlet", headline, dimensions)
    below = sorted(
        (
            ToleranceRow(outlet, summary)
            for outlet in outlets
            for summary in outlet.dimensions.values()
            if summary.adequacy is not None and summary.adequacy < 0
        ),
        key=lambda row: (row.dimension.adequacy, row.outlet.label),
    )
    return ExpectationReport(
        outlets=outlets,
        periods=_roll_up(every, headline, dimensions),
        below_adequate=below,
        knowledge=_knowledge_gaps(selection, dimensions),
    )


def _knowledge_gaps(selection: Selection, dimensions: list[Any]) -> list[KnowledgeGap]:
    from branchcx.surveys.models import ExpectationBelief

    beliefs = ExpectationBelief.objects.visible_to(selection.user).select_related("unit")
    if selection.unit is not None:
        beliefs = beliefs.filter(unit__path__startswith=selection.unit.path)
    if selection.start is not None:
        beliefs = beliefs.filter(quarter__gte=_quarter_of(selection.start))
    if selection.end is not None:
        beliefs = beliefs.filter(quarter__lte=selection.end)
    order = {name: position for position, name in enumerate(Dimension.values)}
    found = sorted(
        beliefs.order_by(),
        key=lambda b: (-b.quarter.toordinal(), b.unit.path, order.get(b.dimension, 9)),
    )
    if not found:
        return []
    # customers' expectation sums per (outlet, quarter, dimension), then per belief's unit
    sums: dict[tuple[Any, date, str], list[float]] = {}
    for row in dimensions:
        key = (row["outlet_id"], _quarter_of(_key(row["month"])), row["dimension"])
        into = sums.setdefault(key, [0.0, 0.0])
        into[0] += row["expectation_sum"] or 0
        into[1] += row["expectation_n"] or 0
    paths = dict(Branch.objects.filter(pk__in={k[0] for k in sums}).values_list("pk", "path"))
    # indexed by quarter and dimension: each belief then reads only its quarter's outlets
    by_period: dict[tuple[date, str], list[tuple[str, float, float]]] = {}
    for (outlet, quarter, dimension), (total, count) in sums.items():
        by_period.setdefault((quarter, dimension), []).append((paths.get(outlet, ""), total, count))
    gaps = []
    for belief in found:
        total = count = 0.0
        for path, s, n in by_period.get((belief.quarter, belief.dimension), []):
            if path.startswith(belief.unit.path):
                total, count = total + s, count + n
        gaps.append(KnowledgeGap(belief, total / count if count else None, int(count)))
    return gaps


# --- survey comments: sentiment and themes ----------------------------------------------------


@dataclass(frozen=True)
class CommentCounts:
    """Comments by sentiment."""

    positive: int = 0
    neutral: int = 0
    negative: int = 0

    @property
    def total(self) -> int:
        return self.positive + self.neutral + self.negative

    @property
    def net(self) -> int | None:
        """Per cent positive minus per cent negative (None without comments)."""
        if not self.total:
            return None
        return round(100 * (self.positive - self.negative) / self.total)


@dataclass(frozen=True)
class CommentSummary:
    everything: CommentCounts  # every analysed comment
    themes: dict[str, CommentCounts]  # each SERVQUAL dimension, in order (a comment can be
    # under several)
    unthemed: CommentCounts  # comments about none of the five
    unanalysed: int  # not yet analysed (``branchcx surveys analyse-comments``)


def comments(selection: Selection) -> QuerySet[Any]:
    """The comments (text answers) of the selection's submitted responses, in the user's
    scope (through the responses)."""
    from branchcx.surveys.models import Answer

    return Answer.objects.filter(role="text", response__in=selection.responses())


def comments_about(rows: QuerySet[Any], theme: str) -> QuerySet[Any]:
    """The comments among ``rows`` about ``theme``. The themes are a JSON list, and JSON
    containment has no portable lookup (PostgreSQL's jsonb has one, SQLite none); but the
    lists are a few distinct combinations of five names, so the combinations holding the
    theme are read first (one grouped query) and matched exactly."""
    combinations = rows.order_by().values_list("themes", flat=True).distinct()
    return rows.filter(themes__in=[c for c in combinations if theme in c])


def comment_summary(selection: Selection) -> CommentSummary:
    """Positive, neutral and negative comments, in all and per SERVQUAL dimension: one
    grouped query over the (sentiment, themes) pairs, which are few whatever the number of
    comments, added up here."""
    grouped = comments(selection).order_by().values("sentiment", "themes").annotate(n=Count("pk"))
    names = {1: "positive", 0: "neutral", -1: "negative"}
    everything: dict[str, int] = {}
    unthemed: dict[str, int] = {}
    themes: dict[str, dict[str, int]] = {d: {} for d in Dimension.values}
    unanalysed = 0
    for row in grouped:
        name, n = names.get(row["sentiment"]), row["n"]
        if name is None:
            unanalysed += n
            continue
        everything[name] = everything.get(name, 0) + n
        found = [t for t in row["themes"] or [] if t in themes]
        for theme in found:
            themes[theme][name] = themes[theme].get(name, 0) + n
        if not found:
            unthemed[name] = unthemed.get(name, 0) + n
    return CommentSummary(
        everything=CommentCounts(**everything),
        themes={d: CommentCounts(**counts) for d, counts in themes.items()},
        unthemed=CommentCounts(**unthemed),
        unanalysed=unanalysed,
    )
