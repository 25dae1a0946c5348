"""The demo network has 24 months of survey answers that tell a story: responsiveness is the
widest gap, widest at the busiest outlet, and a strong driver of satisfaction; managers
underestimate what customers expect of it; the scales are reliable, as real answers are; and
unhappy answers are follow-ups."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Count
from django.utils import timezone

from branchcx.customers.demo import build_customers
from branchcx.customers.models import Customer
from branchcx.lib.periods import quarter_start
from branchcx.org.demo import build_organisation
from branchcx.org.models import Branch
from branchcx.surveys import queries
from branchcx.surveys.demo import build_surveys
from branchcx.surveys.models import Dimension, ExpectationBelief, FollowUp, Response


@pytest.fixture
def demo(org):
    build_organisation(branches=1, seed=3)
    build_customers(customers=150, months=2, seed=3)
    # enough SERVQUAL answers (about 85) for the driver analysis, which needs 50
    return build_surveys(months=24, seed=3, per_month=12)


def test_answers_span_24_months_at_every_outlet(demo):
    months = set(Response.objects.values_list("month", flat=True))
    assert len(months) == 24
    assert timezone.localdate().replace(day=1) in months
    outlets = Branch.objects.filter(level="outlet", is_active=True)
    assert set(Response.objects.values_list("outlet", flat=True)) == set(
        outlets.values_list("pk", flat=True)
    )
    assert demo.responses == Response.objects.count()
    # anonymous answers name nobody; identified ones came through an invitation
    assert not Response.objects.filter(is_anonymous=True, customer__isnull=False).exists()
    assert not Response.objects.filter(is_anonymous=False, invitation__isnull=True).exists()


def test_responsiveness_is_the_widest_gap_and_widest_at_the_busiest_outlet(org, demo):
    (network,) = queries.scores(queries.Selection(org.head_office))
    gaps = {d: s.gap for d, s in network.dimensions.items()}
    assert min(gaps, key=lambda d: gaps[d]) == "responsiveness"
    sizes = dict(
        Customer.objects.values("home_outlet")
        .annotate(n=Count("pk"))
        .values_list("home_outlet", "n")
    )
    busiest, quietest = max(sizes, key=sizes.get), min(sizes, key=sizes.get)
    by_outlet = {g.key: g for g in queries.scores(queries.Selection(org.head_office), "outlet")}
    assert (
        by_outlet[busiest].dimensions["responsiveness"].gap
        < by_outlet[quietest].dimensions["responsiveness"].gap
    )
    assert by_outlet[busiest].csat.score < by_outlet[quietest].csat.score


def test_unhappy_recent_answers_are_follow_ups_some_still_open(demo):
    assert demo.follow_ups == FollowUp.objects.count() > 0
    assert FollowUp.objects.filter(state="open").exists()
    assert FollowUp.objects.filter(state="closed").exists()


def test_every_servqual_scale_is_reliable(org, demo):
    # given the demo answers of the whole network, as the dashboard reads them
    scales = queries.reliability(queries.Selection(org.head_office))
    # then every dimension holds together on both sides, so the dashboard flags none
    assert {(s.role, s.dimension) for s in scales} == {
        (role, d) for role in queries.SCALE_ROLES for d in Dimension.values
    }
    for scale in scales:
        assert scale.result is not None, scale
        assert scale.result.alpha >= 0.7, scale
        assert not scale.flagged


def test_responsiveness_is_among_the_two_strongest_drivers(org, demo):
    for outcome in ("overall", "nps", "csat"):  # SERVQUAL asks CSAT too
        analysis = queries.driver_analysis(queries.Selection(org.head_office), outcome=outcome)
        result = analysis.network.result
        assert result is not None, analysis.network.problem
        assert "responsiveness" in [d.name for d in result.ranked()[:2]], outcome
        assert result.weight("responsiveness") > 2 * result.weight("tangibles"), outcome


def test_managers_underestimate_what_customers_expect_on_responsiveness(org, demo):
    # given the beliefs the demo recorded for the last four quarters
    quarters = [quarter_start(timezone.localdate())]
    for _n in range(3):
        quarters.append(quarter_start(quarters[-1] - timedelta(days=1)))
    assert set(ExpectationBelief.objects.values_list("quarter", flat=True)) == set(quarters)
    # when the expectation views compare them with what customers said
    report = queries.expectation_report(queries.Selection(org.head_office))
    compared = [k for k in report.knowledge if k.difference is not None]
    assert compared
    # then managers believe too little on responsiveness and about right on the rest
    for gap in compared:
        if gap.belief.dimension == "responsiveness":
            assert -1.3 <= gap.difference <= -0.7, gap
        else:
            assert abs(gap.difference) <= 0.3, gap
    assert {k.belief.dimension for k in compared} == set(Dimension.values)
