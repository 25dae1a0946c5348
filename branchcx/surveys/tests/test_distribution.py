"""Who is invited, when: rules after a closed complaint or a transaction, sampling, the
outlet's daily quota, the fatigue window, and the message queued in the outbox."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from branchcx.complaints.tests.test_workflow import advance, register
from branchcx.customers.actions import do_create_customer
from branchcx.customers.models import Transaction
from branchcx.messaging.models import OutboxMessage
from branchcx.surveys.actions import run_distribution
from branchcx.surveys.models import DistributionRule, Invitation, Survey
from branchcx.surveys.queries import SAMPLE_MULTIPLIER


def customer(org, n: int, *, outlet=None, mobile: str | None = None):
    return do_create_customer(
        org.teller_a, customer_no=f"C84{n:03d}", home_outlet=outlet or org.sh0101,
        became_customer_on=date(2020, 1, 1), name=f"客户{n}", id_type="passport",
        id_number=f"E840{n:05d}", mobile=mobile if mobile is not None else f"1381234{n:04d}",
    )  # fmt: skip


def rule(org, trigger: str, **extra) -> DistributionRule:
    code = "post-complaint" if trigger == "complaint_closed" else "post-visit"
    values = {"survey": Survey.objects.get(code=code), "unit": org.sh01, "trigger": trigger,
              "channel": "sms"}  # fmt: skip
    return DistributionRule.objects.create(**(values | extra))


def pay(customer, outlet, kind: str = "deposit", minutes_ago: int = 30) -> Transaction:
    return Transaction.objects.create(
        customer=customer, outlet=outlet, amount=Decimal("100.00"), direction="credit",
        kind=kind, channel="counter",
        occurred_at=timezone.now() - timedelta(minutes=minutes_ago),
    )  # fmt: skip


def test_a_closed_complaint_brings_its_revisit_survey_by_sms(org):
    # given: a rule for SH01 and a complaint closed there
    the_rule = rule(org, "complaint_closed")
    someone = customer(org, 1)
    complaint = advance(org, register(org, someone), "accepted", "investigating", "decided",
                        "notified", "closed")  # fmt: skip
    # when: the distribution runs
    counts = run_distribution()
    # then: one invitation, tied to the complaint, and its SMS waiting in the outbox
    assert counts["invited"] == 1
    invitation = Invitation.objects.get()
    assert (invitation.customer, invitation.complaint, invitation.rule, invitation.trigger) == (
        someone,
        complaint,
        the_rule,
        "complaint_closed",
    )
    message = OutboxMessage.objects.get()
    assert (message.channel, message.recipient, message.purpose) == (
        "sms",
        "13812340001",
        "survey_invitation",
    )
    assert "/s/" in message.body and org.sh0101.name in message.body
    # and the next run invites nobody again
    assert run_distribution()["invited"] == 0
    assert Invitation.objects.count() == 1


def test_a_transaction_rule_takes_its_kinds_at_outlets_of_its_unit(org):
    rule(org, "transaction", transaction_kinds=["withdrawal"])
    here, wrong_kind, elsewhere = customer(org, 1), customer(org, 2), customer(org, 3)
    pay(here, org.sh0101, "withdrawal")
    pay(wrong_kind, org.sh0101, "deposit")
    pay(elsewhere, org.zj0101, "withdrawal")
    run_distribution()
    assert list(Invitation.objects.values_list("customer", flat=True)) == [here.pk]


def test_the_sample_is_a_stable_share_of_customers(org):
    the_rule = rule(org, "transaction", transaction_kinds=["deposit"], sample_percent=50,
                    daily_quota=0)  # fmt: skip
    people = [customer(org, n) for n in range(1, 21)]
    for person in people:
        pay(person, org.sh0101)
    run_distribution()
    invited = set(Invitation.objects.values_list("customer_id", flat=True))
    expected = {p.pk for p in people if (p.pk * SAMPLE_MULTIPLIER + the_rule.pk) % 100 < 50}
    assert invited == expected and 0 < len(invited) < 20


def test_an_outlet_invites_no_more_than_its_daily_quota(org):
    rule(org, "transaction", transaction_kinds=["deposit"], daily_quota=2)
    for n in range(1, 6):
        pay(customer(org, n), org.sh0101)
    counts = run_distribution()
    assert (counts["invited"], counts["over_quota"]) == (2, 3)
    assert Invitation.objects.filter(outlet=org.sh0101).count() == 2


def test_a_customer_surveyed_recently_is_not_asked_again(org):
    rule(org, "transaction", transaction_kinds=["deposit"])
    person = customer(org, 1)
    with time_machine.travel(timezone.now() - timedelta(days=10)):
        pay(person, org.sh0101)
        run_distribution()
    assert Invitation.objects.count() == 1
    pay(person, org.sh0101)
    assert run_distribution()["invited"] == 0
    assert Invitation.objects.count() == 1


def test_a_customer_without_a_mobile_is_skipped_and_nothing_is_kept(org):
    rule(org, "transaction", transaction_kinds=["deposit"])
    pay(customer(org, 1, mobile=""), org.sh0101)
    assert run_distribution()["no_address"] == 1
    assert not Invitation.objects.exists() and not OutboxMessage.objects.exists()


@pytest.mark.parametrize("status", ["draft", "closed"])
def test_a_survey_that_is_not_live_invites_nobody(org, status):
    the_rule = rule(org, "transaction", transaction_kinds=["deposit"])
    Survey.objects.filter(pk=the_rule.survey_id).update(status=status)
    pay(customer(org, 1), org.sh0101)
    assert run_distribution()["invited"] == 0
    the_rule.refresh_from_db()
    assert the_rule.swept_until is not None  # the window is spent all the same


def test_a_served_counter_visit_brings_the_post_visit_survey(org):
    from branchcx.customers.actions import do_log_interaction

    rule(org, "queue_visit")
    served, phoned, unreached = customer(org, 1), customer(org, 2), customer(org, 3)
    then = timezone.now() - timedelta(minutes=20)
    visit = {"purpose": "service", "notes": "办理存款", "occurred_at": then}
    do_log_interaction(org.teller_a, served, channel="counter", outcome="resolved", **visit)
    do_log_interaction(org.teller_a, phoned, channel="phone", outcome="resolved", **visit)
    do_log_interaction(org.teller_a, unreached, channel="counter", outcome="no_contact", **visit)
    assert run_distribution()["invited"] == 1
    invitation = Invitation.objects.get()
    assert (invitation.customer, invitation.outlet, invitation.trigger) == (
        served,
        org.sh0101,  # the outlet of the teller who served
        "queue_visit",
    )
