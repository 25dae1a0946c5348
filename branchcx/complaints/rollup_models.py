"""The complaint statistics' rollup tables (see :mod:`branchcx.complaints.rollups`).

One row per outlet, month of receipt and what each table groups by, holding counts: the
dashboard, the regulator's workbook and the statistics API add them up instead of reading
every complaint. Merged complaints are left out, as everywhere in the statistics."""

from __future__ import annotations

from django.db import models

from branchcx.rollups.models import RollupRow


def _code(related: str) -> models.ForeignKey:
    return models.ForeignKey(
        "complaints.Classification", on_delete=models.PROTECT, related_name=related, null=True
    )


class ComplaintTally(RollupRow):
    """Counts by JR/T 0169 code, with how soon the customer was told the final decision
    (the 15-day stretch of the clock, None until told): volume, heat map, the regulator's
    cube and the statistics API."""

    business = _code("+")
    cause = _code("+")
    channel = _code("+")
    is_major = models.BooleanField()
    allowed_days = models.PositiveSmallIntegerField()
    stretch = models.IntegerField(null=True)
    count = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["generation", "month", "unit"], name="rollup_tally_cell")]


class ComplaintCounts(RollupRow):
    """Complaints by business category and cause, with how many are major: the dashboard's
    volume, heat map and rates, and the statistics API's counts by category or cause. The
    tally holds the same complaints on more axes; this table is small enough for a page to
    add up in milliseconds."""

    business = _code("+")
    cause = _code("+")
    count = models.PositiveIntegerField()
    major = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["generation", "month", "unit"], name="rollup_counts_cell")]


class ComplaintTimes(RollupRow):
    """Complaints by natural days from receipt to telling the customer (None: not told)."""

    days = models.IntegerField(null=True)
    count = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["generation", "month", "unit"], name="rollup_times_cell")]


class ComplaintLevels(RollupRow):
    """Complaints by their verdict on each service level ("met", "late", "overdue" or None:
    not yet due), as of the time the cell was computed."""

    regulatory = models.CharField(max_length=8, null=True)
    first_response = models.CharField(max_length=8, null=True)
    resolution = models.CharField(max_length=8, null=True)
    count = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["generation", "month", "unit"], name="rollup_levels_cell")]


class ComplaintRootCauses(RollupRow):
    """Root causes named in decisions: decisions, complaints and finished complaints."""

    root_cause = models.ForeignKey(
        "complaints.RootCause", on_delete=models.PROTECT, related_name="+"
    )
    decisions = models.PositiveIntegerField()
    complaints = models.PositiveIntegerField()
    finished = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["generation", "month", "unit"], name="rollup_causes_cell")]
