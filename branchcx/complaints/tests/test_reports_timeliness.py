"""When a complaint counts as decided in time, for the dashboard and the regulator's counts.

The regulation asks for the decision *and* the customer told of it within the deadline, so
the statistics count the day the customer was told of the final decision (approved where
the policy asks for it) since the clock last (re)started, against the days allowed plus the
days paused. A decision recorded early but told late, replaced, awaiting approval or from
before a reopening does not make a complaint timely.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from branchcx.complaints import stats
from branchcx.complaints.actions import (
    do_approve_decision,
    do_merge,
    do_record_revisit,
    do_transition,
)
from branchcx.complaints.models import ClockPause, Complaint, Decision, RootCause
from branchcx.complaints.tests.test_workflow import advance, decide, register
from branchcx.complaints.tests.test_workflow import customer as customer  # a fixture


def received(org, customer, days_ago: int) -> Complaint:
    """A complaint received ``days_ago`` days ago, under investigation."""
    complaint = register(org, customer, received_at=timezone.now() - timedelta(days=days_ago))
    return advance(org, complaint, "accepted", "investigating")


def decision_on_day(org, complaint: Complaint, day: int, compensation: str = "120.00"):
    """A decision on record from ``day`` days after receipt, as ``decide`` words it (the
    action records a decision as of now, and a recorded decision cannot be changed)."""
    amount = Decimal(compensation)
    return Decision.objects.create(
        complaint=complaint, kind="decision", outcome="upheld",
        findings="宣传材料未明示分期手续费率。", basis="《商业银行信用卡业务监督管理办法》",
        root_cause=RootCause.objects.get(code="S03"), remedy="退还已收取的分期手续费。",
        compensation=amount, decided_by=org.staff(org.manager_a),
        decided_at=complaint.received_at + timedelta(days=day),
        needs_approval=amount > settings.BRANCHCX_COMPENSATION_APPROVAL,
    )  # fmt: skip


def decided_and_told(org, complaint: Complaint) -> Complaint:
    """Move on with the decision already recorded, and tell the customer (today)."""
    complaint.refresh_from_db()
    complaint = do_transition(
        org.manager_a, complaint, "decided", expected_version=complaint.version
    )
    return advance(org, complaint, "notified")


def regulatory() -> tuple[int, int, int]:
    levels = stats.sla_compliance(Complaint.objects.all(), timezone.localdate())
    return levels.regulatory.met, levels.regulatory.late, levels.regulatory.overdue


def days_to_decision() -> tuple[int, int, float | None]:
    overall = stats.time_to_decision(Complaint.objects.all())[-1]
    return overall.decided, overall.undecided, overall.mean_days


def regulator_totals() -> stats.Tally:
    today = timezone.localdate()
    return stats.regulator_counts(Complaint.objects.all(), today - timedelta(days=90), today).totals


def bands(tally: stats.Tally) -> tuple[int, int, int, int, int]:
    return tally.decided, tally.within_15, tally.within_30, tally.within_60, tally.on_time


def test_a_decision_told_on_day_17_is_late_though_decided_on_day_10(org, customer):
    # given: received 17 days ago, the decision recorded on day 10
    complaint = received(org, customer, 17)
    decision_on_day(org, complaint, 10)

    # when: the customer is told today, on day 17
    decided_and_told(org, complaint)

    # then: late by the day the customer was told, not the day of the decision
    assert regulatory() == (0, 1, 0)
    assert days_to_decision() == (1, 0, 17.0)
    assert bands(regulator_totals()) == (1, 0, 1, 1, 0)


def test_a_decision_recorded_but_not_told_is_overdue_past_the_deadline(org, customer):
    # given: received 17 days ago, decided on day 10, the customer not told
    complaint = received(org, customer, 17)
    decision_on_day(org, complaint, 10)
    complaint.refresh_from_db()
    do_transition(org.manager_a, complaint, "decided", expected_version=complaint.version)

    # then
    assert regulatory() == (0, 0, 1)
    assert days_to_decision() == (0, 1, None)
    assert bands(regulator_totals()) == (0, 0, 0, 0, 0)


def test_a_replaced_decision_counts_by_the_final_one(org, customer):
    # given: a first decision on day 3, replaced by another today (day 20)
    complaint = received(org, customer, 20)
    decision_on_day(org, complaint, 3)
    decide(org, complaint)

    # when
    decided_and_told(org, complaint)

    # then: 20 days, not 3
    assert regulatory() == (0, 1, 0)
    assert days_to_decision() == (1, 0, 20.0)
    assert bands(regulator_totals()) == (1, 0, 1, 1, 0)


def test_a_decision_awaiting_approval_does_not_count(org, customer):
    # given: large compensation decided on day 3, not approved; the deadline has passed
    complaint = received(org, customer, 17)
    decision = decision_on_day(org, complaint, 3, compensation="8000.00")
    assert decision.needs_approval

    # then: still owed a decision
    assert regulatory() == (0, 0, 1)
    assert days_to_decision() == (0, 1, None)
    assert regulator_totals().decided == 0

    # when: approved today and told
    complaint.refresh_from_db()
    do_approve_decision(org.head_office, decision, expected_version=complaint.version)
    decided_and_told(org, complaint)

    # then: counted by the day the approved decision was told
    assert regulatory() == (0, 1, 0)
    assert days_to_decision() == (1, 0, 17.0)


def test_a_reopened_complaint_is_measured_by_its_new_clock(org, customer):
    # given: decided, told and closed today, 20 days after receipt (late)
    complaint = received(org, customer, 20)
    complaint = advance(org, complaint, "decided", "notified", "closed")
    assert regulatory() == (0, 1, 0)

    # when: the customer is unsatisfied at the call-back: reopened, 15 days again from today
    do_record_revisit(
        org.manager_a, complaint.revisits.get(), method="phone", satisfaction=1,
        note="还是不满意。",
    )  # fmt: skip

    # then: the decision the customer rejected no longer counts; the new one is not yet due
    assert regulatory() == (0, 0, 0)
    assert days_to_decision() == (0, 1, None)
    assert regulator_totals().decided == 0

    # when: decided again and told today
    complaint.refresh_from_db()
    advance(org, complaint, "decided", "notified")

    # then: within the new clock; the customer waited 20 days from receipt in all
    assert regulatory() == (1, 0, 0)
    assert days_to_decision() == (1, 0, 20.0)
    assert bands(regulator_totals()) == (1, 1, 1, 1, 1)


def test_new_facts_restart_the_clock_and_the_merged_complaint_is_left_out(org, customer):
    # given: received 20 days ago; the same customer filed again with new facts 5 days ago
    first = received(org, customer, 20)
    again = register(
        org, customer, received_at=timezone.now() - timedelta(days=5),
        narrative="补充：合同照片显示费率不同。",
    )  # fmt: skip
    do_merge(org.manager_a, again, first, expected_version=again.version, new_facts=True)

    # when: decided and told today, 5 days after the new facts
    first.refresh_from_db()
    advance(org, first, "decided", "notified")

    # then: on time by the restarted clock; the merged complaint is not counted at all
    assert regulatory() == (1, 0, 0)
    assert days_to_decision() == (1, 0, 20.0)
    totals = regulator_totals()
    assert totals.total == 1
    assert bands(totals) == (1, 1, 1, 1, 1)


def test_a_withdrawn_complaint_is_neither_measured_nor_decided(org, customer):
    # given: received 20 days ago, a final decision recorded on day 3, then withdrawn
    complaint = received(org, customer, 20)
    decision_on_day(org, complaint, 3)
    complaint.refresh_from_db()
    do_transition(
        org.manager_a, complaint, "withdrawn", expected_version=complaint.version,
        reason="客户与网点协商一致，撤回投诉。",
    )  # fmt: skip

    # then: the customer was never told a decision; nothing is owed either
    assert regulatory() == (0, 0, 0)
    assert days_to_decision() == (0, 1, None)
    totals = regulator_totals()
    assert (totals.total, totals.decided, totals.undecided) == (1, 0, 1)


def test_extended_days_and_paused_days_count_as_allowed(org, customer):
    # given: received 25 days ago with the deadline extended to 30 days; another received
    # 20 days ago with 10 days in external appraisal (15 allowed)
    extended = received(org, customer, 25)
    Complaint.objects.filter(pk=extended.pk).update(allowed_days=30)
    paused = received(org, customer, 20)
    today = timezone.localdate()
    ClockPause.objects.create(
        complaint=paused, reason="appraisal", started_on=today - timedelta(days=15),
        ended_on=today - timedelta(days=5),
    )  # fmt: skip

    # when: both told today
    advance(org, extended, "decided", "notified")
    advance(org, paused, "decided", "notified")

    # then: both on time; the paused one took 10 days as the regulation counts them
    assert regulatory() == (2, 0, 0)
    assert days_to_decision() == (2, 0, 22.5)  # natural days, as the customers waited
    # 25 days (within 30 and allowed) and 10 days (within 15)
    assert bands(regulator_totals()) == (2, 1, 2, 2, 2)
