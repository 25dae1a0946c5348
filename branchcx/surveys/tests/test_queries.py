"""Scores computed in the database equal the plain functions applied to the same answers."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.utils import timezone

from branchcx.customers.actions import do_create_customer
from branchcx.surveys import queries
from branchcx.surveys.actions import do_invite, open_invitation, start_from_invitation
from branchcx.surveys.scoring import ces, csat_interval, nps
from branchcx.surveys.tests.test_answering import POINTS, QUALITY, answer_all

ANSWERS = [  # (outlet, p11 perception, csat, nps)
    ("sh0101", 4, 5, 10),
    ("sh0101", 6, 4, 9),
    ("sh0101", 2, 2, 3),
    ("zj0101", 7, 5, 10),
    ("zj0101", 5, 3, 6),
]


@pytest.fixture
def answered(org, survey):
    for n, (outlet, perceived, satisfaction, recommend) in enumerate(ANSWERS):
        unit = getattr(org, outlet)
        teller = org.teller_a if outlet == "sh0101" else org.teller_b
        customer = do_create_customer(
            teller, customer_no=f"C83{n:02d}", home_outlet=unit,
            became_customer_on=date(2020, 1, 1), name=f"客户{n}", id_type="passport",
            id_number=f"E8300{n:04d}",
        )  # fmt: skip
        _invitation, token = do_invite(teller, survey, customer, outlet=unit, trigger="manual",
                                       channel="sms")  # fmt: skip
        answer_all(
            start_from_invitation(open_invitation(token)),
            QUALITY | {"p11": perceived},
            {"csat": satisfaction, "nps": recommend},
        )


def test_network_scores_equal_the_functions_on_the_answers(org, answered):
    (network,) = queries.scores(queries.Selection(org.head_office))
    assert network.n == 5
    expected = nps([a[3] for a in ANSWERS])
    assert (network.nps.score, network.nps.se) == pytest.approx((expected.score, expected.se))
    assert network.csat == csat_interval([a[2] for a in ANSWERS])
    assert network.ces == ces([])  # this survey asks no effort question
    gaps = [a[1] - 7 for a in ANSWERS]  # every expectation was 7
    responsiveness = network.dimensions["responsiveness"]
    assert responsiveness.gap == pytest.approx(sum(gaps) / 5)
    assert responsiveness.adequacy == pytest.approx(sum(a[1] for a in ANSWERS) / 5 - 5)
    assert responsiveness.importance == POINTS["responsiveness"]


def test_scores_by_outlet_and_by_month_and_scoped(org, answered):
    everything = queries.Selection(org.head_office)
    by_outlet = {g.label: g for g in queries.scores(everything, "outlet")}
    assert {name: g.n for name, g in by_outlet.items()} == {
        org.sh0101.name: 3,
        org.zj0101.name: 2,
    }
    assert by_outlet[org.sh0101.name].nps.score == pytest.approx(100 * (2 - 1) / 3)
    assert by_outlet[org.sh0101.name].is_small_sample
    (month,) = queries.scores(everything, "month")
    assert month.key == timezone.localdate().replace(day=1)
    (quarter,) = queries.scores(everything, "quarter")
    assert (quarter.n, quarter.nps.score) == (5, month.nps.score)
    # a branch manager sees their own outlets only, dimensions included
    (mine,) = queries.scores(queries.Selection(org.manager_a), "outlet")
    assert (mine.label, mine.n, mine.dimensions["empathy"].n) == (org.sh0101.name, 3, 3)


def test_only_submitted_answers_in_the_period_count(org, answered, survey):
    with time_machine.travel(timezone.now() - timedelta(days=40)):
        customer = do_create_customer(
            org.teller_a, customer_no="C8399", home_outlet=org.sh0101,
            became_customer_on=date(2020, 1, 1), name="早客", id_type="passport",
            id_number="E83990001",
        )  # fmt: skip
        _invitation, token = do_invite(org.teller_a, survey, customer, outlet=org.sh0101,
                                       trigger="manual", channel="sms")  # fmt: skip
        answer_all(start_from_invitation(open_invitation(token)))
    today = timezone.localdate()
    recent = queries.Selection(org.head_office, start=today - timedelta(days=7))
    (network,) = queries.scores(recent)
    assert (network.n, network.dimensions["tangibles"].n) == (5, 5)
    assert queries.scores(queries.Selection(org.head_office))[0].n == 6
