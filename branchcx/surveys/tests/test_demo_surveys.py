"""The demo network has 24 months of survey answers that tell a story: responsiveness is the
widest gap, widest at the busiest outlet, and unhappy answers are follow-ups."""

from __future__ import annotations

import pytest
from django.db.models import Count
from django.utils import timezone

from branchcx.customers.demo import build_customers
from branchcx.customers.models import Customer
from branchcx.org.demo import build_organisation
from branchcx.org.models import Branch
from branchcx.surveys import queries
from branchcx.surveys.demo import build_surveys
from branchcx.surveys.models import FollowUp, Response


@pytest.fixture
def demo(org):
    build_organisation(branches=1, seed=3)
    build_customers(customers=150, months=2, seed=3)
    return build_surveys(months=24, seed=3, per_month=8)


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
