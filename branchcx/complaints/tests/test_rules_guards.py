"""Rules that keep the deadline and the independence of handling honest: no merge, pause,
restart or level of approval can move a deadline or let anyone judge their own case."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from branchcx.complaints.actions import (
    do_approve_decision,
    do_assign,
    do_classify,
    do_merge,
    do_pause,
    do_record_notification,
    do_record_revisit,
    do_transition,
)
from branchcx.complaints.models import Escalation, Priority
from branchcx.complaints.tests.test_workflow import advance, decide, register
from branchcx.customers.actions import do_create_customer
from branchcx.org.models import Role
from branchcx.testing import make_staff


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def customer(org):
    return do_create_customer(
        org.teller_a, customer_no="C7201", home_outlet=org.sh0101,
        became_customer_on=date(2019, 1, 1), name="钱七", id_type="passport",
        id_number="E72010001",
    )  # fmt: skip


def days_ago(n: int):
    return time_machine.travel(timezone.now() - timedelta(days=n))


# --- the deadline cannot be moved ------------------------------------------------------------


def test_an_earlier_complaint_is_not_merged_into_a_later_one(org, customer):
    # given: a complaint due tomorrow and a fresh one from the same customer
    with days_ago(14):
        old = register(org, customer)
    fresh = register(org, customer, narrative="又来投诉，补充材料。")
    # when: someone merges the old one into the fresh one
    with pytest.raises(ValidationError, match="later complaint into the earlier"):
        do_merge(org.manager_a, old, fresh, expected_version=1, new_facts=False)
    # then: nothing moved; the right way round still works
    old.refresh_from_db()
    assert (old.state, old.due_on) == ("registered", timezone.localdate() + timedelta(days=1))
    merged = do_merge(org.manager_a, fresh, old, expected_version=1, new_facts=False)
    old.refresh_from_db()
    assert merged.merged_into == old and old.due_on == timezone.localdate() + timedelta(days=1)


def test_a_pause_is_recorded_within_three_days_of_its_start(org, customer):
    with days_ago(10):
        complaint = register(org, customer)
    today = timezone.localdate()
    with pytest.raises(ValidationError, match="within 3 days"):
        do_pause(org.manager_a, complaint, expected_version=1, reason="appraisal",
                 on=today - timedelta(days=4))  # fmt: skip
    complaint = do_pause(org.manager_a, complaint, expected_version=1, reason="appraisal",
                         on=today - timedelta(days=3))  # fmt: skip
    assert complaint.clock.is_paused


def test_a_decided_complaint_cannot_be_paused(org, customer):
    complaint = advance(org, register(org, customer), "accepted", "investigating", "decided")
    with pytest.raises(ValidationError, match="still being investigated"):
        do_pause(org.manager_a, complaint, expected_version=complaint.version,
                 reason="mediation")  # fmt: skip


def test_moving_on_in_the_workflow_keeps_the_clock_paused(org, customer):
    # given: a registered complaint sent for appraisal
    complaint = register(org, customer)
    complaint = do_pause(org.manager_a, complaint, expected_version=1, reason="appraisal")
    # when: it is accepted and investigated meanwhile
    complaint = advance(org, complaint, "accepted", "investigating")
    # then: the appraisal still stops the clock
    assert complaint.clock.is_paused and complaint.due_on is None
    assert not complaint.timeline.filter(kind="resume").exists()


def test_withdrawing_ends_the_pause_on_the_timeline(org, customer):
    complaint = register(org, customer)
    complaint = do_pause(org.manager_a, complaint, expected_version=1, reason="mediation")
    complaint = do_transition(org.manager_a, complaint, "withdrawn",
                              expected_version=complaint.version, reason="客户撤诉")  # fmt: skip
    assert not complaint.clock.is_paused
    resume = complaint.timeline.get(kind="resume")
    assert resume.detail == {"on": timezone.localdate().isoformat(), "because": "withdrawn"}


def test_new_facts_end_a_pause_on_the_timeline_never_before_it_began(org, customer):
    # given: paused yesterday; the re-filed complaint arrived two days ago
    with days_ago(5):
        first = register(org, customer)
    with days_ago(2):
        again = register(org, customer, narrative="补充：新的扣款记录。")
    first = do_pause(org.manager_a, first, expected_version=1, reason="appraisal",
                     on=timezone.localdate() - timedelta(days=1))  # fmt: skip
    # when: merged with new facts
    do_merge(org.manager_a, again, first, expected_version=1, new_facts=True)
    # then: the pause ended the day it began (the restart day is earlier), on the timeline
    first.refresh_from_db()
    pause = first.pauses.get()
    assert pause.ended_on == pause.started_on == timezone.localdate() - timedelta(days=1)
    assert first.timeline.get(kind="resume").detail["because"] == "clock_restarted"


def test_a_decision_made_before_new_facts_does_not_decide_the_complaint(org, customer):
    with days_ago(3):
        first = register(org, customer)
        first = advance(org, first, "accepted", "investigating")
        decide(org, first)
    again = register(org, customer, narrative="补充：新证据。")
    do_merge(org.manager_a, again, first, expected_version=1, new_facts=True)
    first.refresh_from_db()
    with pytest.raises(ValidationError, match="Record the decision first"):
        do_transition(org.manager_a, first, "decided", expected_version=first.version)


def test_the_customer_is_told_only_after_the_approval(org, customer):
    # given: large compensation waiting for approval, and the customer told meanwhile
    complaint = advance(org, register(org, customer), "accepted", "investigating")
    decision = decide(org, complaint, compensation="9000.00")
    do_record_notification(org.manager_a, complaint, kind="decision", method="sms",
                           content="处理决定……", proof="SMS-1")  # fmt: skip
    complaint.refresh_from_db()
    do_approve_decision(org.head_office, decision, expected_version=complaint.version)
    complaint.refresh_from_db()
    complaint = do_transition(org.manager_a, complaint, "decided",
                              expected_version=complaint.version)  # fmt: skip
    # then: the early notice does not count
    with pytest.raises(ValidationError, match="how the customer was told"):
        do_transition(org.manager_a, complaint, "notified", expected_version=complaint.version)
    do_record_notification(org.manager_a, complaint, kind="decision", method="letter",
                           content="处理决定……", proof="挂号信 1")  # fmt: skip
    complaint = do_transition(org.manager_a, complaint, "notified",
                              expected_version=complaint.version)  # fmt: skip
    assert complaint.state == "notified"


# --- levels of approval -------------------------------------------------------------------------


def test_the_second_extension_is_approved_above_the_first_approver(org, customer):
    outlet_manager = make_staff("outlet_mgr", Role.BRANCH_MANAGER, org.sh0101, 41).user
    complaint = register(org, customer)
    from branchcx.complaints.actions import do_extend

    def extend(actor, version):
        return do_extend(actor, complaint, expected_version=version, reason="复杂",
                         customer_told_via="sms", proof="SMS-9")  # fmt: skip

    complaint = extend(outlet_manager, 1)  # the outlet's manager approves 15 → 30
    with pytest.raises(ValidationError, match="approval"):
        extend(outlet_manager, 2)
    complaint = extend(org.manager_a, 2)  # the branch above approves 30 → 60
    assert complaint.allowed_days == 60
    actors = [e.actor for e in complaint.timeline.filter(kind="extension").order_by("at")]
    assert actors == [outlet_manager, org.manager_a]


def test_a_branch_does_not_review_its_own_decision(org, customer):
    # given: the first decision made at branch SH01
    complaint = advance(org, register(org, customer), "accepted", "investigating", "decided",
                        "notified", "review_requested")  # fmt: skip
    officer = make_staff("sh01_officer", Role.COMPLAINT_OFFICER, org.sh01, 42).user
    # then: another SH01 officer cannot decide the review; head office can
    with pytest.raises(ValidationError, match="level above"):
        decide(org, complaint, by=officer)
    review = decide(org, complaint, by=org.head_office)
    assert review.kind == "review"


def test_a_review_decision_is_approved_above_the_outlet(org, customer):
    outlet_manager = make_staff("outlet_mgr2", Role.BRANCH_MANAGER, org.sh0101, 43).user
    complaint = advance(org, register(org, customer, received_at=None), "accepted",
                        "investigating", "decided", "notified", "review_requested")  # fmt: skip
    review = decide(org, complaint, compensation="9000.00", by=org.head_office)
    complaint.refresh_from_db()
    with pytest.raises(ValidationError, match="manager responsible"):
        do_approve_decision(outlet_manager, review, expected_version=complaint.version)
    approved = do_approve_decision(org.manager_a, review, expected_version=complaint.version)
    assert approved.approved_at is not None


# --- interests and ownership --------------------------------------------------------------------


def test_the_receiver_cannot_register_a_complaint_about_themselves(org, customer):
    with pytest.raises(ValidationError) as caught:
        register(org, customer, staff_involved=[org.staff(org.teller_a)])
    assert "ask a colleague" in caught.value.message_dict["staff_involved"][0]


def test_choosing_the_handler_is_a_managers_decision_and_not_an_interested_ones(org, customer):
    officer = make_staff("officer_y", Role.COMPLAINT_OFFICER, org.sh0101, 44)
    complaint = register(org, customer, staff_involved=[org.staff(org.manager_a)])
    # a complaint officer cannot pick the handler by hand
    with pytest.raises(ValidationError, match="manager's decision"):
        do_assign(officer.user, complaint, expected_version=1, handler=officer, reason="我来")
    # the manager the complaint is about cannot either
    with pytest.raises(ValidationError, match="interest"):
        do_assign(org.manager_a, complaint, expected_version=1, handler=officer, reason="x")
    complaint = do_assign(org.head_office, complaint, expected_version=1, handler=officer,
                          reason="熟悉信用卡业务")  # fmt: skip
    assert complaint.handler == officer


def test_staff_the_complaint_is_about_do_not_record_its_revisit(org, customer):
    # given: a closed complaint about the branch manager
    complaint = register(org, customer, staff_involved=[org.staff(org.manager_a)])
    officer = make_staff("officer_z", Role.COMPLAINT_OFFICER, org.sh01, 45).user
    complaint = advance_as(officer, org, complaint)
    revisit = complaint.revisits.get()
    # then: they cannot log the customer's satisfaction
    with pytest.raises(ValidationError, match="interest"):
        do_record_revisit(org.manager_a, revisit, method="phone", satisfaction=5, note="满意")
    done = do_record_revisit(officer, revisit, method="phone", satisfaction=5, note="满意")
    assert done.done_at is not None


def advance_as(actor, org, complaint):
    """Accept, investigate, decide, tell and close, as ``actor`` (decisions by head office)."""
    from branchcx.complaints.actions import do_record_decision
    from branchcx.complaints.models import RootCause

    for state in ("accepted", "investigating", "decided", "notified", "closed"):
        if state == "decided":
            do_record_decision(
                org.head_office, complaint, expected_version=complaint.version,
                outcome="upheld", findings="属实。", basis="制度。",
                root_cause=RootCause.objects.get(code="S03"), remedy="致歉。",
            )  # fmt: skip
            complaint.refresh_from_db()
        if state == "notified":
            do_record_notification(actor, complaint, kind="decision", method="sms",
                                   content="处理决定……", proof="SMS-7")  # fmt: skip
        complaint = do_transition(actor, complaint, state, expected_version=complaint.version)
    return complaint


# --- major complaints -------------------------------------------------------------------------


def test_a_major_complaint_stays_urgent_and_with_head_office(org, customer):
    # given: a major complaint (20 co-complainants), escalated to head office at intake
    with days_ago(2):
        major = register(org, customer, co_complainants=20, representatives=5)
    with pytest.raises(ValidationError, match="stays urgent"):
        do_classify(org.manager_a, major, expected_version=1, channel=None,
                    business=major.business, cause=None, card_reason=major.card_reason,
                    priority=Priority.NORMAL)  # fmt: skip
    # when: new facts restart its clock
    again = register(org, customer, narrative="集体投诉补充材料。")
    do_merge(org.manager_a, again, major, expected_version=1, new_facts=True)
    # then: it is still escalated to head office
    major.refresh_from_db()
    assert major.escalation == Escalation.HEAD_OFFICE


def test_a_review_request_is_escalated_afresh_when_its_deadline_is_missed(org, customer):
    # given: a complaint that missed its first deadline (escalated), then decided and told
    from branchcx.complaints.actions import sweep_escalations

    with days_ago(40):
        complaint = register(org, customer)
    sweep_escalations()
    complaint.refresh_from_db()
    assert complaint.escalation == Escalation.HEAD_OFFICE
    complaint = advance(org, complaint, "accepted", "investigating", "decided", "notified")
    # when: the customer asks for a review
    complaint = do_transition(org.manager_a, complaint, "review_requested",
                              expected_version=complaint.version)  # fmt: skip
    # then: the escalation starts over, and a missed review deadline escalates again
    assert complaint.escalation == Escalation.NONE
    assert sweep_escalations(timezone.now() + timedelta(days=31))["head_office"] == 1
