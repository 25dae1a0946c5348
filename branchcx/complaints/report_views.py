"""Complaint reports: the analysis dashboard and the regulator's statistics workbook.

Both read the user's complaints through ``access`` (scoped to their unit; 403 without the
permission) and narrow them by the period and outlet in the GET parameters. Whole months come
from the statistics rollup (``rollups.read``, rows scoped the same way), the days of partial
months from the complaints; ``stats.figures`` shapes both alike, and the page says how fresh
the figures are. Repeat complainants and customers per outlet are counted live. The
dashboard runs the same number of queries however many complaints there are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from branchcx.complaints import access, rollups, stats
from branchcx.complaints.exports import EXPORT_PERMISSION, export_regulator_statistics
from branchcx.complaints.models import Complaint
from branchcx.complaints.stats import figures
from branchcx.customers.models import Customer
from branchcx.lib.report_filter import ReportFilterForm
from branchcx.org.access import scope_label, units_for_user
from branchcx.org.models import Branch
from branchcx.org.scoping import require_perm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# What the dashboard reads: each figure's keys only, added up by the database.
VOLUME = rollups.COUNTS.by("month")
HEAT = rollups.COUNTS.by("business_id", "cause_id")
PER_OUTLET = rollups.COUNTS.by("unit")
TIMES = rollups.TIMES.by("month", "days")
LEVELS = rollups.LEVELS.by("regulatory", "first_response", "resolution")
CAUSES = rollups.ROOT_CAUSES.by("root_cause_id")
DASHBOARD = (VOLUME, HEAT, PER_OUTLET, TIMES, LEVELS, CAUSES)


@dataclass
class Filters:
    """The report's GET parameters: as typed (to show them again) and as understood."""

    typed: dict[str, str]
    period: stats.Period | None = None
    outlet: Branch | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)

    def query(self) -> str:
        return urlencode({k: v for k, v in self.typed.items() if v})

    @property
    def shown(self) -> dict[str, str]:
        """The dates for the form: as typed, else the period understood."""
        return {
            "start": self.typed["start"] or (f"{self.period.start}" if self.period else ""),
            "end": self.typed["end"] or (f"{self.period.end}" if self.period else ""),
        }


def read_filters(params: QueryDict, outlets: list[Branch], today: date) -> Filters:
    typed = {name: str(params.get(name, "")).strip()[:20] for name in ("start", "end", "outlet")}
    form = ReportFilterForm(
        typed,
        units=outlets,
        today=today,
        unit_field="outlet",
        unit_label=_("Outlet"),
        all_units=_("All outlets"),
        unit_error=_("Choose one of the outlets listed."),
    )
    if not form.is_valid():
        return Filters(
            typed, errors={name: [str(e) for e in errors] for name, errors in form.errors.items()}
        )
    return Filters(typed, period=form.cleaned_data["period"], outlet=form.cleaned_data["outlet"])


def _outlets(user: Any) -> list[Branch]:
    """The outlets of the user's scope, closed ones included (they had complaints)."""
    return list(units_for_user(user, levels=[Branch.Level.OUTLET]).only("code", "name"))


def _narrowed(
    complaints: QuerySet[Complaint], period: stats.Period, outlet: Branch | None
) -> QuerySet[Complaint]:
    narrowed = stats.in_period(complaints, period.start, period.end)
    return narrowed.filter(outlet=outlet) if outlet else narrowed


def _reading(
    user: Any,
    complaints: QuerySet[Complaint],
    period: stats.Period,
    outlet: Branch | None,
    tables: tuple[Any, ...] = DASHBOARD,
) -> rollups.Reading:
    """The period's grouped rows in the user's scope (and outlet), whole months from the
    rollup."""

    def narrowed(rows: Any) -> QuerySet[Any]:
        rows = rows.visible_to(user)
        return rows.filter(unit=outlet) if outlet else rows

    if outlet is not None:
        complaints = complaints.filter(outlet=outlet)
    return rollups.read(complaints, narrowed, period.start, period.end, tables=tables)


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share:.1%}"


def _chart_data(report: dict[str, Any]) -> dict[str, Any]:
    """What the charts draw, for the JSON data island (the tables show the same figures)."""
    heat: stats.Heatmap = report["heat"]
    times = [t for t in report["times"] if t.month is not None]
    rates = [r for r in report["rates"].outlets if r.per_10k is not None]
    return {
        "labels": {
            "complaints": _("Complaints"),
            "major": _("Major complaints"),
            "mean": _("Mean days"),
            "median": _("Median days"),
            "per10k": _("Complaints per 10,000 customers"),
        },
        "volume": {
            "months": [f"{m.month:%Y-%m}" for m in report["volume"]],
            "counts": [m.count for m in report["volume"]],
            "major": [m.major for m in report["volume"]],
        },
        "heatmap": {
            "causes": [c.label for c in heat.causes],
            "businesses": [b.label for b in heat.businesses],
            "cells": [
                [x, y, heat.count(b.code, c.code)]
                for y, b in enumerate(heat.businesses)
                for x, c in enumerate(heat.causes)
                if heat.count(b.code, c.code)
            ],
            "max": heat.peak,
        },
        "times": {
            "months": [f"{t.month:%Y-%m}" for t in times],
            "mean": [None if t.mean_days is None else round(t.mean_days, 1) for t in times],
            "median": [t.median_days for t in times],
        },
        "rates": {
            "outlets": [r.outlet.label for r in rates if r.outlet],
            "values": [r.per_10k for r in rates],
        },
    }


def build_report(
    user: Any,
    complaints: QuerySet[Complaint],
    outlets: list[Branch],
    period: stats.Period,
    outlet: Branch | None,
) -> tuple[dict[str, Any], rollups.Reading]:
    """The dashboard's figures for the user's ``complaints`` (scoped) in a period and outlet:
    whole months from the rollup, repeat complainants and customers per outlet live."""
    start, end = period.start, period.end
    reading = _reading(user, complaints, period, outlet)
    customers = Customer.objects.visible_to(user)
    if outlet is not None:
        customers = customers.filter(home_outlet=outlet)
    served, names = stats.customers_per_outlet(customers, end)
    names |= figures.outlet_codes(outlets)
    report: dict[str, Any] = {
        "volume": figures.volume(reading.of(VOLUME), start, end),
        "heat": figures.heatmap(reading.of(HEAT)),
        "times": figures.time_to_decision(reading.of(TIMES)),
        "levels": figures.service_levels(reading.of(LEVELS)),
        "repeats": stats.repeat_complainants(_narrowed(complaints, period, outlet), start),
        "causes": figures.root_causes(reading.of(CAUSES)),
        "rates": figures.rates(
            figures.complaints_per_outlet(reading.of(PER_OUTLET)), served, names
        ),
    }
    return report, reading


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """Complaint analysis for a period (the last twelve months by default) and an outlet."""
    complaints = access.complaints_for_user(request.user)
    outlets = _outlets(request.user)
    today = timezone.localdate()
    filters = read_filters(request.GET, outlets, today)
    context: dict[str, Any] = {
        "filters": filters,
        "outlets": outlets,
        "can_export": request.user.has_perm(EXPORT_PERMISSION),
    }
    period = filters.period
    if filters.errors or period is None:
        return render(request, "complaints/reports/dashboard.html", context, status=400)
    report, reading = build_report(request.user, complaints, outlets, period, filters.outlet)
    levels: stats.ServiceLevels = report["levels"]
    context |= {
        "report": report,
        "total": report["heat"].total,
        "major": sum(m.major for m in report["volume"]),
        "overall_times": report["times"][-1],
        "service_levels": [
            (label, c, _percent(c.share))
            for label, c in (
                (_("Decided and told within the regulatory deadline"), levels.regulatory),
                (_("First response within the internal target"), levels.first_response),
                (_("Resolved within the internal target"), levels.resolution),
            )
        ],
        "shares": {"regulatory": _percent(levels.regulatory.share)},
        "chart": _chart_data(report),
        "scope_label": scope_label(request.user, filters.outlet),
        "freshness": reading.freshness,
    }
    return render(request, "complaints/reports/dashboard.html", context)


@login_required
@require_GET
def regulator_export(request: HttpRequest) -> HttpResponse:
    """The regulator's statistics of a period as Excel: counts by JR/T 0169 code, no
    personal data. Audited."""
    require_perm(request.user, EXPORT_PERMISSION)
    complaints = access.complaints_for_user(request.user)
    filters = read_filters(request.GET, _outlets(request.user), timezone.localdate())
    period = filters.period
    if filters.errors or period is None:
        # the dashboard shows the same parameters with what is wrong with them
        return redirect(f"{reverse('complaints:dashboard')}?{filters.query()}")
    reading = _reading(request.user, complaints, period, filters.outlet, (rollups.TALLY,))
    content = export_regulator_statistics(
        request.user,
        figures.regulator_counts(reading.of(rollups.TALLY), period.start, period.end),
        reading.freshness,
        period=period,
        scope=scope_label(request.user, filters.outlet),
        outlet=filters.outlet.code if filters.outlet else "",
    )
    name = f"complaint-statistics-{period.start:%Y%m%d}-{period.end:%Y%m%d}"
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    response["Cache-Control"] = "no-store"
    return response


urlpatterns: list[URLPattern] = [
    path("reports/", dashboard, name="dashboard"),
    path("reports/regulator.xlsx", regulator_export, name="regulator_export"),
]
