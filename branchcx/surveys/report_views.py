"""Satisfaction reports: the dashboard (NPS, CSAT, CES, SERVQUAL, reliability, drivers), the
expectation views (gaps, drift, zone of tolerance, knowledge gap) and the page where managers
record what they believe customers expect.

The pages read the user's answers through ``queries.Selection`` (scoped to their units) and
run a fixed number of grouped queries whatever the number of answers; every figure comes with
its number of answers, and one based on fewer than 30 is marked as a small sample.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods

from branchcx.lib.errors import ConflictError
from branchcx.lib.forms import add_action_errors
from branchcx.lib.paging import page_of, query_without_page
from branchcx.lib.periods import quarter_start
from branchcx.lib.statistics.samples import small_sample
from branchcx.org.access import own_staff_profile, scope_label, units_for_user
from branchcx.org.models import Branch
from branchcx.org.scoping import require_perm
from branchcx.surveys import actions, queries
from branchcx.surveys.models import Dimension, ExpectationBelief, Survey
from branchcx.surveys.report_forms import BeliefForm, ReportFilterForm, quarter_label
from branchcx.web.charts import band, every_month, every_quarter, number

SCORES = "surveys.view_scores"
REPORT_LEVELS = (Branch.Level.BRANCH, Branch.Level.OUTLET)
DIMENSION_LABELS = dict(Dimension.choices)


def _units(user: Any) -> list[Branch]:
    """The branches and outlets of the user's scope, for the unit filter."""
    return list(units_for_user(user, levels=REPORT_LEVELS).only("code", "name", "path", "level"))


def _filters(
    request: HttpRequest, months: int, extra: dict[str, list[tuple[str, Any]]] | None = None
) -> ReportFilterForm:
    return ReportFilterForm(
        request.GET,
        units=_units(request.user),
        surveys=list(Survey.objects.order_by("code")),
        today=timezone.localdate(),
        months=months,
        extra=extra,
    )


def _selection(user: Any, data: dict[str, Any]) -> queries.Selection:
    return queries.Selection(
        user, start=data["start"], end=data["end"], survey=data["survey"], unit=data["unit"]
    )


def _dimension_names() -> list[str]:
    return [str(DIMENSION_LABELS[d]) for d in Dimension.values]


# --- the dashboard ------------------------------------------------------------------------------


SIDES = {"perception": _lazy("What customers perceived"), "expectation": _lazy("What they expect")}


def small(n: int) -> bool:
    return small_sample(n)


def _servqual_n(group: queries.GroupScores) -> int:
    """Answers behind a group's SERVQUAL score: the fewest of its dimensions."""
    return min((d.n for d in group.dimensions.values()), default=0)


def _labelled(groups: list[queries.GroupScores], labels: dict[Any, str]) -> list[dict[str, Any]]:
    return [{"label": labels.get(g.key, g.label) or g.label, "scores": g} for g in groups]


def _driver_rows(analysis: queries.DriverAnalysis) -> list[dict[str, Any]]:
    rows = []
    for group in [analysis.network, *analysis.groups]:
        result = group.result
        weights = (
            [result.drivers[i] for i in range(len(Dimension.values))] if result is not None else []
        )
        rows.append(
            {
                "group": group,
                "label": group.label or _("All answers"),
                "weights": weights,
                "top": DIMENSION_LABELS[result.ranked()[0].name] if result else "",
            }
        )
    return rows


def _dashboard_chart(board: queries.Dashboard, analysis: queries.DriverAnalysis) -> dict[str, Any]:
    """What the charts draw, for the JSON data island (the tables show the same figures)."""
    months = every_month({m.key: m for m in board.months if m.key})
    network = board.network
    dimensions = Dimension.values
    summaries = network.dimensions if network else {}
    driver = analysis.network.result
    return {
        "labels": {
            "nps": _("NPS"),
            "csat": _("CSAT (satisfied, %)"),
            "interval": _("Interval (95%)"),
            "small": _("small sample"),
            "gap": _("Gap (perception - expectation)"),
            "expectation": _("Expectation"),
            "perception": _("Perception"),
            "weight": _("Share of the explained variation (%)"),
        },
        "trend": {
            "months": [label for label, _m in months],
            "nps": band(m.nps if m else None for _l, m in months),
            "csat": band(m.csat if m else None for _l, m in months),
        },
        "outlets": {
            "names": [o.label for o in board.outlets if o.nps.n],
            "nps": [number(o.nps.score) for o in board.outlets if o.nps.n],
            "small": [o.nps.is_small_sample for o in board.outlets if o.nps.n],
        },
        "dimensions": {
            "names": [str(DIMENSION_LABELS[d]) for d in dimensions if d in summaries],
            "gap": [number(summaries[d].gap, 2) for d in dimensions if d in summaries],
            "expectation": [
                number(summaries[d].expectation, 2) for d in dimensions if d in summaries
            ],
            "perception": [
                number(summaries[d].perception, 2) for d in dimensions if d in summaries
            ],
        },
        "drivers": {
            "names": _dimension_names() if driver else [],
            "percent": [number(d.percent) for d in driver.drivers] if driver else [],
        },
    }


DRIVER_GROUPINGS = [("segment", _lazy("by segment")), ("outlet", _lazy("by outlet"))]
DRIVER_OUTCOMES = [
    ("overall", _lazy("the overall rating (1-7)")),
    ("csat", _lazy("satisfaction (CSAT, 1-5)")),
    ("nps", _lazy("likelihood to recommend (0-10)")),
]


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """Satisfaction of the user's units in a period (the last twelve months by default)."""
    require_perm(request.user, SCORES)
    form = _filters(
        request,
        months=12,
        extra={"drivers": list(DRIVER_GROUPINGS), "outcome": list(DRIVER_OUTCOMES)},
    )
    context: dict[str, Any] = {"form": form, "query": request.GET.urlencode()}
    if not form.is_valid():
        return render(request, "surveys/reports/dashboard.html", context, status=400)
    data = form.cleaned_data
    selection = _selection(request.user, data)
    reading = queries.read(selection)
    board = queries.dashboard(selection, reading)
    analysis = queries.driver_analysis(
        selection, by=data["drivers"], outcome=data["outcome"], reading=reading
    )
    no_tier = {None: _("No tier (anonymous or not recorded)")}
    network = board.network
    scales = queries.reliability(selection, reading)
    servqual_n = _servqual_n(network) if network else 0
    context |= {
        "data": data,
        "board": board,
        "network": network,
        "outlet_rows": [
            {"scores": o, "servqual_n": _servqual_n(o), "servqual_small": small(_servqual_n(o))}
            for o in board.outlets
        ],
        "group_tables": [
            (
                _("By customer tier"),
                "table-tiers",
                _labelled(board.tiers, no_tier),
            ),
            (
                _("By segment"),
                "table-segments",
                _labelled(board.segments, queries.segment_labels()),
            ),
        ],
        "servqual_n": servqual_n,
        "servqual_small": small(servqual_n),
        "dimensions": [
            (DIMENSION_LABELS[d], network.dimensions.get(d) if network else None)
            for d in Dimension.values
        ],
        "scales": [
            {
                "label": DIMENSION_LABELS[s.dimension],
                "side": SIDES[s.role],
                "role": s.role,
                "dimension": s.dimension,
                "items": s.items,
                "n": s.n,
                "dropped": s.dropped,
                "result": s.result,
                "flagged": s.flagged,
                "small": small(s.n),
                "problem": s.problem,
            }
            for s in scales
        ],
        "freshness": reading.freshness,
        "analysis": analysis,
        "driver_rows": _driver_rows(analysis),
        "driver_names": _dimension_names(),
        "outcome_label": dict(DRIVER_OUTCOMES)[data["outcome"]],
        "chart": _dashboard_chart(board, analysis),
        "scope_label": scope_label(request.user, data["unit"]),
    }
    return render(request, "surveys/reports/dashboard.html", context)


# --- the expectation views ----------------------------------------------------------------------


def _expectation_chart(report: queries.ExpectationReport, every: str) -> dict[str, Any]:
    dimensions = Dimension.values
    outlets = [o for o in report.outlets if o.dimensions]
    gaps = [
        [x, y, number(o.dimensions[d].gap, 2)]
        for y, o in enumerate(outlets)
        for x, d in enumerate(dimensions)
        if d in o.dimensions and o.dimensions[d].gap is not None
    ]
    # every period from the first to the last with answers, an empty one as a gap
    fill = every_quarter if every == "quarter" else every_month
    periods = fill({p.key: p for p in report.periods if p.dimensions and p.key})
    return {
        "labels": {
            "gap": _("Gap (perception - expectation)"),
            "expectation": _("expected"),
            "perception": _("perceived"),
        },
        "heat": {
            "dimensions": _dimension_names(),
            "outlets": [
                f"{o.label} (n = {_servqual_n(o)})"
                + (f", {_('small sample')}" if small(_servqual_n(o)) else "")
                for o in outlets
            ],
            "cells": gaps,
            "min": min((float(c[2] or 0) for c in gaps), default=-1.0),
        },
        "drift": {
            "periods": [label for label, _p in periods],
            "dimensions": _dimension_names(),
            "expectation": [
                [number(p.dimensions[d].expectation, 2) if p and d in p.dimensions else None
                 for _l, p in periods]
                for d in dimensions
            ],
            "perception": [
                [number(p.dimensions[d].perception, 2) if p and d in p.dimensions else None
                 for _l, p in periods]
                for d in dimensions
            ],
        },
    }  # fmt: skip


_EMPTY = queries.DimensionSummary("", 0, None, None, None, None, None, None)
EVERY = [("quarter", _lazy("by quarter")), ("month", _lazy("by month"))]


@login_required
@require_GET
def expectations(request: HttpRequest) -> HttpResponse:
    """Gaps by outlet and dimension, expectation drift, service below the adequate level and
    the knowledge gap, over the last two years by default (drift needs the longer view)."""
    require_perm(request.user, SCORES)
    form = _filters(request, months=24, extra={"every": list(EVERY)})
    context: dict[str, Any] = {"form": form}
    if not form.is_valid():
        return render(request, "surveys/reports/expectations.html", context, status=400)
    data = form.cleaned_data
    report = queries.expectation_report(_selection(request.user, data), every=data["every"])
    heat_outlets = [o for o in report.outlets if o.dimensions]
    context |= {
        "data": data,
        "report": report,
        "freshness": report.freshness,
        "dimensions": [(d, DIMENSION_LABELS[d]) for d in Dimension.values],
        "heat_outlets": heat_outlets,
        "heat_rows": [
            {
                "outlet": o,
                "n": _servqual_n(o),
                "small": small(_servqual_n(o)),
                "cells": [
                    {"dimension": d, "gap": o.dimensions[d].gap if d in o.dimensions else None}
                    for d in Dimension.values
                ],
            }
            for o in heat_outlets
        ],
        "drift_rows": [
            {
                "period": p,
                "n": _servqual_n(p),
                "small": small(_servqual_n(p)),
                "cells": [p.dimensions.get(d) or _EMPTY for d in Dimension.values],
            }
            for p in report.periods
            if p.dimensions
        ],
        "zone_rows": [
            {
                "outlet": row.outlet.label,
                "label": DIMENSION_LABELS[row.dimension.dimension],
                "d": row.dimension,
                "small": small(row.dimension.n),
            }
            for row in report.below_adequate
        ],
        "chart": _expectation_chart(report, data["every"]),
        "scope_label": scope_label(request.user, data["unit"]),
        "can_record": request.user.has_perm("surveys.add_expectationbelief"),
        "knowledge": [
            {
                "gap": k,
                "quarter": quarter_label(k.belief.quarter),
                "dimension": DIMENSION_LABELS.get(k.belief.dimension, k.belief.dimension),
            }
            for k in report.knowledge
        ],
    }
    return render(request, "surveys/reports/expectations.html", context)


# --- what managers believe customers expect -----------------------------------------------------

BELIEVE = "surveys.add_expectationbelief"


def _belief_units(user: Any) -> list[Branch]:
    return list(
        Branch.objects.visible_to(user)
        .filter(is_active=True)
        .only("code", "name", "path", "level")
        .order_by("path")
    )


def _stored(user: Any, unit: Branch, quarter: Any) -> list[ExpectationBelief]:
    return list(
        ExpectationBelief.objects.visible_to(user)
        .filter(unit=unit, quarter=quarter)
        .select_related("recorded_by")
    )


@login_required
@require_http_methods(["GET", "POST"])
def beliefs(request: HttpRequest) -> HttpResponse:
    """Record, for a unit and a quarter, the level (1-7) its managers believe customers expect
    on each dimension; choosing a unit and quarter shows what is recorded, to update it."""
    require_perm(request.user, BELIEVE)
    units = _belief_units(request.user)
    today = timezone.localdate()
    stored: list[ExpectationBelief] = []
    if request.method == "POST":
        posted = request.POST.copy()
        form = BeliefForm(posted, units=units, today=today)
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.do_record_beliefs(
                    request.user, unit=data["unit"], quarter=data["quarter"],
                    expectations=form.expectations(), note=data["note"], seen=data["seen"],
                )  # fmt: skip
            except ValidationError as exc:
                add_action_errors(form, exc)
            except ConflictError as exc:
                # show the colleague's figures and let the manager record again over them
                form.add_error(None, str(exc))
                stored = _stored(request.user, data["unit"], data["quarter"])
                posted["seen"] = actions.belief_stamp(stored)
            else:
                messages.success(request, _("Recorded."))
                query = urlencode({"unit": data["unit"].code, "quarter": f"{data['quarter']}"})
                return redirect(f"{reverse('surveys:beliefs')}?{query}")
    else:
        form = BeliefForm(units=units, today=today)
        unit = form.units.get(request.GET.get("unit", ""))
        if unit is None and units:
            profile = own_staff_profile(request.user)
            unit = form.units.get(profile.branch.code if profile else "", units[0])
        quarter = form.quarters.get(request.GET.get("quarter", ""), quarter_start(today))
        if unit is not None:
            stored = _stored(request.user, unit, quarter)
            values = {b.dimension: b.expectation for b in stored}
            form.initial = {
                "unit": unit.code,
                "quarter": f"{quarter}",
                "note": next((b.note for b in stored if b.note), ""),
                "seen": actions.belief_stamp(stored),
                **values,
            }
    recorded = (
        ExpectationBelief.objects.visible_to(request.user)
        .select_related("unit", "recorded_by")
        .order_by("-quarter", "unit__path", "dimension")
    )
    page = page_of(request, recorded)
    return render(
        request,
        "surveys/reports/beliefs.html",
        {
            "form": form,
            "stored": stored,
            "page": page,
            "query": query_without_page(request),
            "rows": [
                {
                    "belief": b,
                    "quarter": quarter_label(b.quarter),
                    "dimension": DIMENSION_LABELS.get(b.dimension, b.dimension),
                }
                for b in page
            ],
        },
        status=400 if request.method == "POST" else 200,
    )
