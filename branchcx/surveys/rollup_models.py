"""The satisfaction figures' rollup tables (see :mod:`branchcx.surveys.rollups`).

One row per outlet, month of the answer, survey and what each table groups by, holding
counts, sums and sums of products only, so that any set of rows adds up exactly to the
figures of the answers it covers: the dashboard's scores, Cronbach's alpha and the driver
weights are computed from these sums, never from the answers themselves."""

from __future__ import annotations

from django.db import models

from branchcx.rollups.models import RollupRow


def _survey() -> models.ForeignKey:
    return models.ForeignKey("surveys.Survey", on_delete=models.CASCADE, related_name="+")


def _tier() -> models.ForeignKey:
    return models.ForeignKey(
        "customers.TierLevel", on_delete=models.SET_NULL, null=True, related_name="+"
    )


class ResponseTally(RollupRow):
    """Headline answers: NPS groups, CSAT top-2-box, CES moments."""

    survey = _survey()
    tier = _tier()
    segment = models.CharField(max_length=12)
    n = models.PositiveIntegerField()
    promoters = models.PositiveIntegerField()
    passives = models.PositiveIntegerField()
    detractors = models.PositiveIntegerField()
    csat_n = models.PositiveIntegerField()
    satisfied = models.PositiveIntegerField()
    ces_n = models.PositiveIntegerField()
    ces_sum = models.FloatField()
    ces_squares = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["generation", "month", "unit"], name="rollup_resp_cell")]


class DimensionTally(RollupRow):
    """Per SERVQUAL dimension: how many answers and the sum of each measure."""

    survey = _survey()
    tier = _tier()
    segment = models.CharField(max_length=12)
    dimension = models.CharField(max_length=16)
    n = models.PositiveIntegerField()
    expectation_n = models.PositiveIntegerField()
    expectation_sum = models.FloatField()
    perception_n = models.PositiveIntegerField()
    perception_sum = models.FloatField()
    gap_n = models.PositiveIntegerField()
    gap_sum = models.FloatField()
    adequate_n = models.PositiveIntegerField()
    adequate_sum = models.FloatField()
    desired_n = models.PositiveIntegerField()
    desired_sum = models.FloatField()
    importance_n = models.PositiveIntegerField()
    importance_sum = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["generation", "month", "unit"], name="rollup_dim_cell")]


class ScaleMoments(RollupRow):
    """For Cronbach's alpha: per scale (side and dimension) and number of its items a
    respondent answered (``answered``), either one item's answers (``item``) or, with
    ``item`` None, the respondents' totals over the scale: count, sum, sum of squares."""

    survey = _survey()
    role = models.CharField(max_length=12)
    dimension = models.CharField(max_length=16)
    answered = models.PositiveSmallIntegerField()
    item = models.PositiveSmallIntegerField(null=True)
    n = models.PositiveIntegerField()
    total = models.FloatField()
    squares = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["generation", "month", "unit"], name="rollup_scale_cell")]


class DriverMoments(RollupRow):
    """For the driver weights: per segment and outcome, the responses seen and complete, the
    sums of the five perceptions and the outcome and of their cross-products (see
    ``queries._PAIRS``), as one list."""

    survey = _survey()
    segment = models.CharField(max_length=12)
    outcome = models.CharField(max_length=8)
    moments = models.JSONField()

    class Meta:
        indexes = [models.Index(fields=["generation", "month", "unit"], name="rollup_driver_cell")]
