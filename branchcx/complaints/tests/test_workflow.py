"""Registering and handling complaints: ownership, workflow, clock, merging, concurrency."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone, translation

from branchcx.audit.models import AppendOnlyError
from branchcx.complaints.actions import (
    do_answer_handover,
    do_approve_decision,
    do_assign,
    do_extend,
    do_merge,
    do_offer_handover,
    do_pause,
    do_promote_grievance,
    do_record_decision,
    do_record_grievance,
    do_record_notification,
    do_record_revisit,
    do_recuse,
    do_register_complaint,
    do_resume,
    do_transition,
    open_duplicates,
    ownership_history,
    sweep_escalations,
)
from branchcx.complaints.models import (
    AssignmentRule,
    Classification,
    Complaint,
    RootCause,
    State,
    TimelineEntry,
)
from branchcx.complaints.queries import due_soon, overdue
from branchcx.customers.actions import do_create_customer
from branchcx.lib.errors import ConflictError
from branchcx.org.models import CalendarDay, Role
from branchcx.testing import make_staff


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def customer(org):
    return do_create_customer(
        org.teller_a,
        customer_no="C7001",
        home_outlet=org.sh0101,
        became_customer_on=date(2018, 1, 1),
        name="李四",
        id_type="passport",
        id_number="E70010001",
    )


def advance(org, complaint: Complaint, *states: str) -> Complaint:
    """Move a complaint through the workflow as its branch manager, telling the customer
    of the (review) decision, with proof, before moving on."""
    for state in states:
        if state in ("decided", "review_decided"):
            # a review is decided above the outlet by someone other than the first decider
            decide(org, complaint, by=org.head_office if state == "review_decided" else None)
            complaint.refresh_from_db()
        if state in ("notified", "review_decided"):
            do_record_notification(
                org.manager_a, complaint, kind="decision" if state == "notified" else "review",
                method="sms", content="处理决定：退还分期手续费。", proof="SMS-20260301-0001",
            )  # fmt: skip
        complaint = do_transition(
            org.manager_a, complaint, state, expected_version=complaint.version
        )
    return complaint


def decide(org, complaint: Complaint, compensation: str = "120.00", by=None):
    return do_record_decision(
        by or org.manager_a, complaint, expected_version=complaint.version, outcome="upheld",
        findings="宣传材料未明示分期手续费率。", basis="《商业银行信用卡业务监督管理办法》",
        root_cause=RootCause.objects.get(code="S03"), remedy="退还已收取的分期手续费。",
        compensation=Decimal(compensation),
    )  # fmt: skip


def code(axis: str, value: str) -> Classification:
    return Classification.objects.get(axis=axis, code=value)


def register(org, customer, **extra) -> Complaint:
    values = {
        "outlet": org.sh0101,
        "intake_channel": "counter",
        "narrative": "信用卡分期手续费比宣传的高，要求退还。",
        "customer": customer,
        "business": code("business", "03"),
        "card_reason": code("card_reason", "03"),
    }
    return do_register_complaint(org.teller_a, **(values | extra))


def test_the_receiver_owns_a_registered_complaint_and_the_clock_starts(org, customer):
    complaint = register(org, customer)

    assert complaint.number.startswith(f"TS{timezone.localdate():%Y%m%d}")
    assert complaint.owner == complaint.received_by == org.staff(org.teller_a)
    assert complaint.state == State.REGISTERED
    assert complaint.clock.deadline(timezone.localdate()) == timezone.localdate() + timedelta(15)
    (entry,) = complaint.timeline.all()
    assert (entry.kind, entry.to_state, entry.actor) == ("transition", "registered", org.teller_a)


def test_bad_intake_is_refused_field_by_field(org, customer):
    with pytest.raises(ValidationError) as caught:
        do_register_complaint(
            org.teller_a,
            outlet=org.zj0101,  # another branch
            intake_channel="regulator",  # without the regulator's reference
            narrative="  ",
            business=code("cause", "01"),  # a cause offered as business category
            received_at=timezone.now() + timedelta(hours=2),
            representatives=6,
        )
    assert set(caught.value.message_dict) == {
        "outlet", "narrative", "complainant_name", "regulator_reference", "received_at",
        "business", "representatives",
    }  # fmt: skip
    assert not Complaint.objects.exists()


def test_card_sub_reasons_belong_to_bank_card_complaints(org, customer):
    with pytest.raises(ValidationError, match="bank-card"):
        register(org, customer, business=code("business", "02"))


def test_twenty_co_complainants_make_a_major_urgent_complaint(org, customer):
    complaint = register(org, customer, co_complainants=20, representatives=5)
    assert (complaint.is_group, complaint.is_major, complaint.priority) == (True, True, "urgent")
    assert (complaint.major_reason, complaint.escalation, complaint.representatives) == (
        "group", 2, 5,
    )  # fmt: skip
    assert complaint.timeline.filter(kind="escalated").exists()  # head office knows at once


def test_a_disaster_related_complaint_is_major_whatever_its_size(org, customer):
    complaint = register(org, customer, major_reason="disaster")
    assert (complaint.is_major, complaint.is_group, complaint.escalation) == (True, False, 2)
    with pytest.raises(ValidationError) as caught:
        register(org, customer, major_reason="gossip", representatives=-1)
    assert set(caught.value.message_dict) == {"major_reason", "representatives"}


@pytest.mark.parametrize(
    ("co_complainants", "representatives"),
    [(0, 2), (12, 0), (1, 3)],  # representatives of nobody; a group with none; too many
)
def test_representatives_are_consistent_with_the_group(
    org, customer, co_complainants, representatives
):
    with pytest.raises(ValidationError) as caught:
        register(org, customer, co_complainants=co_complainants,
                 representatives=representatives)  # fmt: skip
    assert set(caught.value.message_dict) == {"representatives"}
    assert not Complaint.objects.exists()
    assert register(org, customer, co_complainants=1, representatives=2).is_group


def test_a_group_that_reaches_twenty_becomes_major_after_registration(org, customer):
    from branchcx.complaints.actions import do_change_group

    complaint = register(org, customer, co_complainants=3, representatives=1)
    assert not complaint.is_major and complaint.priority == "normal"
    with pytest.raises(ValidationError) as caught:
        do_change_group(org.manager_a, complaint, expected_version=complaint.version,
                        co_complainants=0, representatives=1)  # fmt: skip
    assert set(caught.value.message_dict) == {"representatives"}
    changed = do_change_group(
        org.manager_a, complaint, expected_version=complaint.version,
        co_complainants=24, representatives=5, reason="又有客户加入。",
    )  # fmt: skip
    stored = Complaint.objects.get(pk=complaint.pk)
    assert (stored.co_complainants, stored.representatives, stored.is_group) == (24, 5, True)
    assert (stored.is_major, stored.major_reason, stored.priority) == (True, "group", "urgent")
    assert (stored.escalation, stored.escalated_at is not None) == (2, True)
    assert stored.version == changed.version == complaint.version + 1
    assert stored.timeline.filter(kind="escalated", detail__major="group").exists()
    with pytest.raises(ConflictError):  # a stale page does not overwrite it
        do_change_group(org.manager_a, complaint, expected_version=complaint.version,
                        co_complainants=2, representatives=1)  # fmt: skip


def test_a_complaint_can_be_marked_major_once_it_is_known(org, customer):
    from branchcx.complaints.actions import do_mark_major

    complaint = register(org, customer)
    with pytest.raises(ValidationError) as caught:  # a group reason needs a group of 20
        do_mark_major(org.manager_a, complaint, expected_version=complaint.version,
                      reason="group")  # fmt: skip
    assert set(caught.value.message_dict) == {"reason"}
    marked = do_mark_major(org.manager_a, complaint, expected_version=complaint.version,
                           reason="disaster", note="客户所在小区受洪水影响。")  # fmt: skip
    assert (marked.is_major, marked.major_reason, marked.priority, marked.escalation) == (
        True, "disaster", "urgent", 2,
    )  # fmt: skip
    assert marked.resolve_by is not None and marked.resolve_by <= complaint.resolve_by
    assert marked.timeline.filter(kind="escalated", detail__major="disaster").exists()
    with pytest.raises(ValidationError) as caught:
        do_mark_major(org.manager_a, marked, expected_version=marked.version, reason="regulator")
    assert set(caught.value.message_dict) == {"state"}
    with pytest.raises(PermissionDenied):  # a teller receives complaints, handlers decide
        do_mark_major(org.teller_a, register(org, customer), expected_version=1,
                      reason="disaster")  # fmt: skip


def test_the_workflow_refuses_what_the_rules_do_not_allow(org, customer):
    complaint = register(org, customer)
    complaint = advance(
        org, complaint, "accepted", "investigating", "decided", "notified", "closed"
    )
    with pytest.raises(ValidationError, match="cannot become"):
        do_transition(org.manager_a, complaint, "decided", expected_version=complaint.version)
    assert [e.to_state for e in complaint.timeline.filter(kind="transition")] == [
        "registered", "accepted", "investigating", "decided", "notified", "closed",
    ]  # fmt: skip


def test_withdrawing_needs_a_reason_and_a_withdrawn_complaint_cannot_be_decided(org, customer):
    complaint = register(org, customer)
    with pytest.raises(ValidationError, match="Say why"):
        do_transition(org.manager_a, complaint, "withdrawn", expected_version=1)
    complaint = do_transition(
        org.manager_a, complaint, "withdrawn", expected_version=1, reason="客户撤回"
    )
    with pytest.raises(ValidationError, match="cannot become"):
        do_transition(org.manager_a, complaint, "decided", expected_version=complaint.version)


def test_a_review_may_be_requested_within_thirty_days_of_the_notification(org, customer):
    complaint = register(org, customer)
    complaint = advance(org, complaint, "accepted", "investigating", "decided", "notified")
    complaint = do_transition(
        org.manager_a, complaint, "review_requested", expected_version=complaint.version
    )
    assert complaint.state == "review_requested"


def test_a_review_requested_too_late_is_refused(org, customer):
    # given: the decision was told 31 days ago (the window runs from the notice)
    with time_machine.travel(timezone.now() - timedelta(days=31)):
        complaint = register(org, customer)
        complaint = advance(org, complaint, "accepted", "investigating", "decided", "notified")
    # then: a request today is refused
    with pytest.raises(ValidationError, match="within 30 days"):
        do_transition(
            org.manager_a, complaint, "review_requested", expected_version=complaint.version
        )


def test_a_review_request_counts_from_the_day_the_customer_asked(org, customer):
    # given: the decision was told 32 days ago; the customer's letter is dated day 29
    today = timezone.localdate()
    with time_machine.travel(timezone.now() - timedelta(days=32)):
        complaint = register(org, customer)
        complaint = advance(org, complaint, "accepted", "investigating", "decided", "notified")
    asked = today - timedelta(days=3)
    # when: it is keyed in today with the day it was written
    with pytest.raises(ValidationError, match="not come"):
        do_transition(
            org.manager_a, complaint, "review_requested", expected_version=complaint.version,
            requested_on=today + timedelta(days=1),
        )  # fmt: skip
    complaint = do_transition(
        org.manager_a, complaint, "review_requested", expected_version=complaint.version,
        requested_on=asked,
    )  # fmt: skip
    # then: accepted, and the review is due 30 days from the request, not from today
    assert complaint.state == "review_requested"
    assert complaint.due_on == asked + timedelta(days=30)
    entry = complaint.timeline.get(to_state="review_requested")
    assert entry.detail["requested_on"] == asked.isoformat()


def test_two_officers_acting_at_once_cannot_both_win(org, customer):
    complaint = register(org, customer)
    do_transition(org.manager_a, complaint, "accepted", expected_version=1)
    with pytest.raises(ConflictError):
        do_transition(org.head_office, complaint, "withdrawn", expected_version=1, reason="x")
    complaint.refresh_from_db()
    assert complaint.state == "accepted"


def test_extension_to_sixty_days_needs_the_higher_level(org, customer):
    complaint = register(org, customer)
    complaint = do_extend(
        org.manager_a,
        complaint,
        expected_version=1,
        reason="需调取录像",
        customer_told_via="sms",
        proof="SMS-0001",
    )
    assert complaint.allowed_days == 30
    # the outlet's own staff cannot approve the second extension
    org.teller_a.user_permissions.add(*org.manager_a.groups.first().permissions.all())
    teller = type(org.teller_a).objects.get(pk=org.teller_a.pk)  # fresh permission cache
    with pytest.raises(ValidationError, match="approval"):
        do_extend(
            teller,
            complaint,
            expected_version=2,
            reason="复杂",
            customer_told_via="phone",
            proof="SMS-0001",
        )
    # nor the branch manager who approved the first extension
    with pytest.raises(ValidationError, match="approval"):
        do_extend(
            org.manager_a, complaint, expected_version=2, reason="复杂",
            customer_told_via="letter", proof="SMS-0001",
        )  # fmt: skip
    # a level above the first approver can
    complaint = do_extend(
        org.head_office,
        complaint,
        expected_version=2,
        reason="复杂",
        customer_told_via="letter",
        proof="SMS-0001",
    )
    assert complaint.allowed_days == 60
    with pytest.raises(ValidationError, match="60 days"):
        do_extend(
            org.head_office,
            complaint,
            expected_version=3,
            reason="再延",
            customer_told_via="sms",
            proof="SMS-0001",
        )
    told = [e.detail["customer_told_via"] for e in complaint.timeline.filter(kind="extension")]
    assert told == ["sms", "letter"]
    notices = complaint.notifications.filter(kind="extension").order_by("pk")
    assert [(n.method, n.proof) for n in notices] == [("sms", "SMS-0001"), ("letter", "SMS-0001")]
    # what the customer was told: the new deadline (30 days from today's receipt), and why
    first_deadline = (timezone.localdate() + timedelta(days=30)).isoformat()
    assert first_deadline in notices[0].content and "需调取录像" in notices[0].content


def test_extension_requires_telling_the_customer(org, customer):
    complaint = register(org, customer)
    with pytest.raises(ValidationError) as caught:
        do_extend(
            org.manager_a, complaint, expected_version=1, reason="", customer_told_via="", proof=""
        )
    assert set(caught.value.message_dict) == {"reason", "customer_told_via", "proof"}


def test_pause_and_resume_move_the_deadline_and_keep_the_history(org, customer):
    today = timezone.localdate()
    with time_machine.travel(timezone.now() - timedelta(days=10)):
        complaint = register(org, customer)
    with time_machine.travel(timezone.now() - timedelta(days=6)):  # recorded when it began
        complaint = do_pause(
            org.manager_a, complaint, expected_version=1, reason="appraisal",
            on=today - timedelta(6),
        )  # fmt: skip
    with pytest.raises(ValidationError):
        do_pause(org.manager_a, complaint, expected_version=2, reason="mediation", on=today)
    with pytest.raises(ValidationError, match="has come"):
        do_resume(org.manager_a, complaint, expected_version=2, on=today + timedelta(days=1))
    complaint = do_resume(
        org.manager_a, complaint, expected_version=2, on=today - timedelta(days=2)
    )
    # received 10 days ago, 4 days paused: 15 + 4 days from receipt
    assert complaint.clock.deadline(today) == today + timedelta(days=9)
    assert complaint.due_on == today + timedelta(days=9)
    assert [e.kind for e in complaint.timeline.all()][-2:] == ["pause", "resume"]


def test_a_pause_can_neither_start_in_the_future_nor_hide_a_breach(org, customer):
    today = timezone.localdate()
    late = register(org, customer, received_at=timezone.now() - timedelta(days=20))
    with pytest.raises(ValidationError, match="cannot undo a breach"):
        do_pause(org.manager_a, late, expected_version=1, reason="mediation", on=today)
    # nor backdated to a day before the breach
    with pytest.raises(ValidationError, match="cannot undo a breach"):
        do_pause(
            org.manager_a, late, expected_version=1, reason="mediation",
            on=today - timedelta(days=6),
        )  # fmt: skip
    with pytest.raises(ValidationError, match="cannot undo a breach"):
        do_extend(
            org.manager_a,
            late,
            expected_version=1,
            reason="复杂",
            customer_told_via="sms",
            proof="SMS-0001",
        )
    fresh = register(org, customer)
    with pytest.raises(ValidationError, match="when it starts"):
        do_pause(
            org.manager_a, fresh, expected_version=1, reason="mediation", on=today + timedelta(1)
        )


def test_a_paused_complaint_is_not_decided_and_restarting_ends_the_pause(org, customer):
    today = timezone.localdate()
    first = register(org, customer, received_at=timezone.now() - timedelta(days=5))
    first = advance(org, first, "accepted", "investigating")
    first = do_pause(org.manager_a, first, expected_version=first.version, reason="appraisal",
                     on=today - timedelta(days=2))  # fmt: skip
    decide(org, first)
    first.refresh_from_db()
    with pytest.raises(ValidationError, match="Resume the clock"):
        do_transition(org.manager_a, first, "decided", expected_version=first.version)

    # new facts arrive: the clock restarts today, the old pause ends and no longer counts
    again = register(org, customer, narrative="补充：鉴定报告显示系统扣款异常。")
    do_merge(org.manager_a, again, first, expected_version=1, new_facts=True)
    first.refresh_from_db()
    assert not first.clock.is_paused
    assert first.clock.deadline(today) == today + timedelta(days=15) == first.due_on


def test_a_refiled_complaint_is_found_and_merged_and_new_facts_restart_the_clock(org, customer):
    first = register(org, customer, received_at=timezone.now() - timedelta(days=10))
    again = register(org, customer, narrative="又来投诉：分期手续费，并补充了合同照片。")

    assert open_duplicates(again) == [first]
    merged = do_merge(org.manager_a, again, first, expected_version=1, new_facts=True)

    first.refresh_from_db()
    assert (merged.state, merged.merged_into) == ("merged", first)
    assert first.clock_started_on == timezone.localdate()  # restarted by the new facts
    assert first.timeline.filter(kind="new_facts").exists()
    assert open_duplicates(first) == []


def test_the_timeline_cannot_be_rewritten(org, customer):
    entry = register(org, customer).timeline.get()
    entry.text = "改写"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        TimelineEntry.objects.filter(pk=entry.pk).update(text="改写")
    with pytest.raises(DatabaseError), transaction.atomic():  # the database refuses too
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE complaints_timelineentry SET kind = 'note' WHERE id = %s", [entry.pk]
            )


def test_ownership_passes_only_when_the_colleague_accepts(org, customer):
    complaint = register(org, customer)
    manager = org.staff(org.manager_a)

    complaint = do_offer_handover(
        org.teller_a, complaint, manager, expected_version=1, reason="需分行协调"
    )
    assert (complaint.owner, complaint.pending_owner) == (org.staff(org.teller_a), manager)
    with pytest.raises(ValidationError, match="not been offered to you"):
        do_answer_handover(org.head_office, complaint, expected_version=2, accept=True)

    complaint = do_answer_handover(org.manager_a, complaint, expected_version=2, accept=True)

    assert (complaint.owner, complaint.pending_owner) == (manager, None)
    assert [e.kind for e in ownership_history(complaint)] == ["handover", "accepted"]


def test_a_declined_hand_over_leaves_the_owner_responsible(org, customer):
    complaint = register(org, customer)
    complaint = do_offer_handover(
        org.teller_a, complaint, org.staff(org.manager_a), expected_version=1, reason="转交"
    )
    with pytest.raises(ValidationError, match="Say why"):
        do_answer_handover(org.manager_a, complaint, expected_version=2, accept=False)
    complaint = do_answer_handover(
        org.manager_a, complaint, expected_version=2, accept=False, reason="应由网点处理"
    )
    assert (complaint.owner, complaint.pending_owner) == (org.staff(org.teller_a), None)


def test_a_complaint_cannot_be_handed_to_another_branch(org, customer):
    complaint = register(org, customer)
    with pytest.raises(ValidationError) as caught:
        do_offer_handover(
            org.teller_a, complaint, org.staff(org.teller_b), expected_version=1, reason="x"
        )
    assert set(caught.value.message_dict) == {"to"}


def test_a_grievance_is_kept_and_can_become_a_complaint_once(org, customer):
    remark = do_record_grievance(
        org.teller_a,
        outlet=org.sh0101,
        source="remark",
        text="排队太久了，下次不来了。",
        customer=customer,
    )
    assert not Complaint.objects.exists()

    complaint = do_promote_grievance(org.teller_a, remark, intake_channel="counter")

    assert complaint.narrative == "排队太久了，下次不来了。"
    assert complaint.received_at >= remark.recorded_at  # a complaint once the customer asks
    remark.refresh_from_db()
    assert remark.promoted_to == complaint
    with pytest.raises(ConflictError):
        do_promote_grievance(org.teller_a, remark, intake_channel="counter")


def test_an_empty_grievance_is_refused(org):
    with pytest.raises(ValidationError) as caught:
        do_record_grievance(org.teller_a, outlet=org.zj0101, source="rumour", text=" ")
    assert set(caught.value.message_dict) == {"outlet", "source", "text"}


@pytest.fixture
def officers(org):
    return [
        make_staff("officer_1", Role.COMPLAINT_OFFICER, org.sh01, 11),
        make_staff("officer_2", Role.COMPLAINT_OFFICER, org.sh01, 12),
        make_staff("officer_card", Role.COMPLAINT_OFFICER, org.sh0101, 13),
    ]


def test_rules_assign_the_least_loaded_officer_of_the_most_specific_rule(org, customer, officers):
    branch_rule = AssignmentRule.objects.create(unit=org.sh01)
    branch_rule.officers.set(officers[:2])
    card_rule = AssignmentRule.objects.create(unit=org.sh0101, business=code("business", "03"))
    card_rule.officers.set(officers[2:])

    card = register(org, customer)
    loan = register(org, customer, business=code("business", "02"), card_reason=None)
    other = register(org, customer, business=None, card_reason=None)

    assert do_assign(org.manager_a, card, expected_version=1).handler == officers[2]
    first = do_assign(org.manager_a, loan, expected_version=1).handler
    second = do_assign(org.manager_a, other, expected_version=1).handler
    assert {first, second} == set(officers[:2])  # the second goes to the less loaded one
    assert loan.timeline.get(kind="assigned").detail["rule"] == branch_rule.pk


def test_a_manager_may_override_the_rules_with_a_reason(org, customer, officers):
    complaint = register(org, customer)
    with pytest.raises(ValidationError, match="No assignment rule"):
        do_assign(org.manager_a, complaint, expected_version=1)
    with pytest.raises(ValidationError) as caught:
        do_assign(org.manager_a, complaint, expected_version=1, handler=org.staff(org.teller_a))
    assert set(caught.value.message_dict) == {"handler", "reason"}

    complaint = do_assign(
        org.manager_a, complaint, expected_version=1, handler=officers[0], reason="熟悉该客户"
    )
    assert complaint.handler == officers[0]


def test_the_due_day_follows_the_clock_and_drives_the_risk_lists(org, customer):
    today = timezone.localdate()
    fresh = register(org, customer)
    late = register(org, customer, received_at=timezone.now() - timedelta(days=16))
    close = register(org, customer, received_at=timezone.now() - timedelta(days=13))
    assert fresh.due_on == today + timedelta(days=15)

    scoped = Complaint.objects.visible_to(org.manager_a)
    assert list(overdue(scoped, today)) == [late]
    assert list(due_soon(scoped, today)) == [close]

    paused = do_pause(
        org.manager_a, close, expected_version=1, reason="mediation", on=today - timedelta(3)
    )
    assert paused.due_on is None and not due_soon(scoped, today).exists()
    resumed = do_resume(org.manager_a, paused, expected_version=2, on=today)
    assert resumed.due_on == today + timedelta(days=5)  # 2 days were left, 3 paused

    fresh = advance(org, fresh, "accepted", "investigating", "decided", "notified")
    assert fresh.due_on is None  # answered: nothing owed
    fresh = do_transition(org.manager_a, fresh, "review_requested", expected_version=fresh.version)
    assert fresh.due_on == today + timedelta(days=30)  # the review's decision
    assert Complaint.objects.visible_to(org.manager_b).count() == 0  # other branch sees none


def test_internal_targets_are_set_in_working_hours_by_priority(org, customer):
    # registered on Friday 6 March 2026 at 16:00: normal = 8 h to respond, 40 h to resolve
    friday = datetime(2026, 3, 6, 16, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    complaint = register(org, customer, received_at=friday)
    assert complaint.respond_by == datetime(2026, 3, 9, 16, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert complaint.resolve_by == datetime(2026, 3, 13, 16, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    urgent = register(org, customer, received_at=friday, co_complainants=25, representatives=3)
    assert urgent.respond_by == datetime(2026, 3, 9, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_the_sweep_escalates_missed_targets_in_bulk_once(org, customer):
    now = timezone.now()
    on_time = register(org, customer)
    unanswered = register(org, customer, received_at=now - timedelta(days=5))
    overdue_one = register(org, customer, received_at=now - timedelta(days=20))
    answered = register(org, customer, received_at=now - timedelta(days=5))
    do_transition(org.manager_a, answered, "accepted", expected_version=1)

    counts = sweep_escalations(now)

    assert counts == {"head_office": 1, "branch": 1}  # the overdue one went straight to HO
    levels = dict(Complaint.objects.values_list("pk", "escalation"))
    assert levels[on_time.pk] == 0 and levels[answered.pk] == 0
    assert levels[unanswered.pk] == 1 and levels[overdue_one.pk] == 2
    assert overdue_one.timeline.filter(kind="escalated").count() == 1
    assert sweep_escalations(now) == {"head_office": 0, "branch": 0}  # not twice


def test_staff_with_an_interest_can_neither_handle_nor_receive_it(org, customer, officers):
    rule = AssignmentRule.objects.create(unit=org.sh01)
    rule.officers.set(officers[:2])
    # the complaint is about officer 1
    complaint = register(org, customer, staff_involved=[officers[0]])
    complaint = do_assign(org.manager_a, complaint, expected_version=1)
    assert complaint.handler == officers[1]  # the rule skips the interested officer

    # officer 2 then declares an interest (a relative of the customer): they stop handling
    officer_2 = officers[1].user
    complaint = do_recuse(officer_2, complaint, expected_version=2, reason="客户系本人亲属")
    assert complaint.handler is None
    with pytest.raises(ValidationError, match="No assignment rule"):
        do_assign(org.manager_a, complaint, expected_version=3)  # nobody eligible is left
    with pytest.raises(ValidationError, match="interest"):
        do_assign(
            org.manager_a, complaint, expected_version=3, handler=officers[0], reason="只有他"
        )
    with pytest.raises(ValidationError, match="interest"):
        do_offer_handover(org.teller_a, complaint, officers[1], expected_version=3, reason="x")
    with pytest.raises(ValidationError, match="already"):
        do_recuse(officer_2, complaint, expected_version=3, reason="again")
    assert complaint.timeline.filter(kind="recusal").get().detail["was_handler"] is True


def test_notified_needs_proof_of_telling_the_customer_after_the_decision(org, customer):
    complaint = advance(org, register(org, customer), "accepted", "investigating", "decided")
    with pytest.raises(ValidationError, match="told of the decision"):
        do_transition(org.manager_a, complaint, "notified", expected_version=complaint.version)
    with pytest.raises(ValidationError) as caught:
        do_record_notification(
            org.manager_a, complaint, kind="decision", method="pigeon", content="", proof=""
        )
    assert set(caught.value.message_dict) == {"method", "content", "proof"}

    notice = do_record_notification(
        org.manager_a, complaint, kind="decision", method="letter",
        content="经核查，决定退还手续费 120 元；如有异议可申请复核、调解、仲裁或诉讼。",
        proof="挂号信 XA123456789CN",
    )  # fmt: skip
    complaint = do_transition(
        org.manager_a, complaint, "notified", expected_version=complaint.version
    )
    assert complaint.state == "notified"
    assert notice.content.startswith("经核查") and notice.proof.endswith("CN")


def test_deciding_needs_a_recorded_decision_and_large_compensation_an_approval(
    org, customer, officers
):
    officer = officers[2].user  # the outlet's complaint officer decides
    complaint = advance(org, register(org, customer), "accepted", "investigating")
    with pytest.raises(ValidationError, match="Record the decision first"):
        do_transition(org.manager_a, complaint, "decided", expected_version=complaint.version)

    decision = decide(org, complaint, compensation="8000.00", by=officer)
    complaint.refresh_from_db()
    assert decision.needs_approval and not decision.is_final
    with pytest.raises(ValidationError, match="Record the decision first"):
        do_transition(org.manager_a, complaint, "decided", expected_version=complaint.version)
    with pytest.raises(ValidationError, match="not the decider"):
        do_approve_decision(officer, decision, expected_version=complaint.version)

    decision = do_approve_decision(org.manager_a, decision, expected_version=complaint.version)
    complaint.refresh_from_db()
    complaint = do_transition(
        org.manager_a, complaint, "decided", expected_version=complaint.version
    )
    assert (complaint.state, decision.approved_by) == ("decided", org.staff(org.manager_a))


def test_a_decision_states_findings_basis_and_remedy(org, customer):
    complaint = advance(org, register(org, customer), "accepted", "investigating")
    with pytest.raises(ValidationError) as caught:
        do_record_decision(
            org.manager_a, complaint, expected_version=complaint.version, outcome="maybe",
            findings=" ", basis="", root_cause=RootCause.objects.get(code="S03"), remedy="",
        )  # fmt: skip
    assert set(caught.value.message_dict) == {"outcome", "findings", "basis", "remedy"}


def test_a_review_gets_its_own_decision(org, customer):
    complaint = advance(
        org, register(org, customer), "accepted", "investigating", "decided", "notified",
        "review_requested", "review_decided",
    )  # fmt: skip
    assert complaint.state == "review_decided"
    assert list(complaint.decisions.values_list("kind", flat=True)) == ["decision", "review"]


def test_closing_sets_a_revisit_and_an_unsatisfied_customer_reopens(org, customer):
    complaint = advance(
        org, register(org, customer), "accepted", "investigating", "decided", "notified", "closed"
    )
    (revisit,) = complaint.revisits.all()
    assert revisit.assigned_to == complaint.owner and revisit.due_on > timezone.localdate()

    with pytest.raises(ValidationError) as caught:
        do_record_revisit(org.teller_a, revisit, method="telepathy", satisfaction=9, note="")
    assert set(caught.value.message_dict) == {"method", "satisfaction", "note"}

    do_record_revisit(org.teller_a, revisit, method="phone", satisfaction=2, note="还是不满意")
    complaint.refresh_from_db()
    assert (complaint.state, complaint.clock_started_on) == ("investigating", timezone.localdate())
    # the old decision does not count for the reopened complaint
    with pytest.raises(ValidationError, match="Record the decision first"):
        do_transition(org.manager_a, complaint, "decided", expected_version=complaint.version)
    with pytest.raises(ValidationError, match="already recorded"):
        do_record_revisit(org.teller_a, revisit, method="phone", satisfaction=5, note="好")


def test_a_satisfied_customer_leaves_the_complaint_closed(org, customer):
    complaint = advance(
        org, register(org, customer), "accepted", "investigating", "decided", "notified", "closed"
    )
    do_record_revisit(
        org.teller_a, complaint.revisits.get(), method="phone", satisfaction=5, note="满意"
    )
    complaint.refresh_from_db()
    assert complaint.state == "closed"
    assert complaint.revisits.get().satisfaction == 5


def test_an_interested_officer_cannot_act_on_the_complaint_at_all(org, customer, officers):
    complaint = register(org, customer, staff_involved=[officers[2]])
    officer = officers[2].user  # the outlet's complaint officer, whom it is about
    with pytest.raises(ValidationError, match="interest"):
        do_transition(officer, complaint, "accepted", expected_version=1)
    with pytest.raises(ValidationError, match="interest"):
        do_extend(
            officer,
            complaint,
            expected_version=1,
            reason="x",
            customer_told_via="sms",
            proof="SMS-0001",
        )


def test_what_the_customer_said_cannot_be_rewritten(org, customer):
    complaint = Complaint.objects.get(pk=register(org, customer).pk)
    complaint.priority = "high"
    complaint.save()  # other fields may change
    complaint.narrative = "改写后的内容"
    with pytest.raises(AppendOnlyError):
        complaint.save()
    assert Complaint.objects.get(pk=complaint.pk).narrative.startswith("信用卡分期")


def test_a_manager_cannot_approve_their_own_decision(org, customer):
    complaint = advance(org, register(org, customer), "accepted", "investigating")
    decision = decide(org, complaint, compensation="9000.00")  # decided by manager_a
    with pytest.raises(ValidationError, match="not the decider"):
        do_approve_decision(org.manager_a, decision, expected_version=complaint.version + 1)
    approved = do_approve_decision(
        org.head_office, decision, expected_version=complaint.version + 1
    )
    assert approved.approved_at is not None


def test_a_manager_stationed_at_the_outlet_cannot_approve_sixty_days(org, customer):
    outlet_manager = make_staff("outlet_mgr", Role.BRANCH_MANAGER, org.sh0101, 21).user
    complaint = register(org, customer)
    complaint = do_extend(
        outlet_manager,
        complaint,
        expected_version=1,
        reason="复杂",
        customer_told_via="sms",
        proof="SMS-0001",
    )
    with pytest.raises(ValidationError, match="approval"):
        do_extend(outlet_manager, complaint, expected_version=2, reason="复杂",
                  customer_told_via="sms", proof="SMS-0001")  # fmt: skip


def test_the_banks_calendar_corrections_move_the_internal_targets(org, customer):
    CalendarDay.objects.create(day=date(2026, 3, 9), is_working_day=False, note="地方假日")
    friday = datetime(2026, 3, 6, 16, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    complaint = register(org, customer, received_at=friday)
    # 1 h on Friday, Monday 9 March off, 7 h on Tuesday
    assert complaint.respond_by == datetime(2026, 3, 10, 16, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
