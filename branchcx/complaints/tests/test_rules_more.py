"""Further rules: who may extend, telling the customer of a review decision, approving a
decision that is still current, what may be named at intake, evidence and classification."""

from __future__ import annotations

import base64
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import translation

from branchcx.complaints.actions import (
    attachment_bytes,
    do_add_attachment,
    do_approve_decision,
    do_classify,
    do_extend,
    do_record_notification,
    do_transition,
)
from branchcx.complaints.models import Complaint, TimelineEntry
from branchcx.complaints.tests.test_workflow import advance, code, decide, register
from branchcx.customers.actions import do_create_customer
from branchcx.lib.errors import ConflictError
from branchcx.org.models import Role
from branchcx.testing import make_staff

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def customer(org):
    return do_create_customer(
        org.teller_a, customer_no="C7101", home_outlet=org.sh0101,
        became_customer_on=date(2019, 1, 1), name="王五", id_type="passport",
        id_number="E71010001",
    )  # fmt: skip


def test_the_first_extension_needs_the_manager_responsible_for_the_outlet(org, customer):
    officer = make_staff("officer_x", Role.COMPLAINT_OFFICER, org.sh0101, 31).user
    complaint = register(org, customer)
    with pytest.raises(ValidationError, match="manager responsible"):
        do_extend(
            officer, complaint, expected_version=1, reason="需调取录像",
            customer_told_via="sms", proof="SMS-1",
        )  # fmt: skip
    complaint = do_extend(
        org.manager_a, complaint, expected_version=1, reason="需调取录像",
        customer_told_via="sms", proof="SMS-1",
    )  # fmt: skip
    assert complaint.allowed_days == 30


def test_a_review_is_decided_only_once_the_customer_was_told_of_it(org, customer):
    complaint = advance(
        org, register(org, customer), "accepted", "investigating", "decided", "notified",
        "review_requested",
    )  # fmt: skip
    decide(org, complaint, by=org.head_office)
    complaint.refresh_from_db()
    with pytest.raises(ValidationError, match="told of the review decision"):
        do_transition(
            org.head_office, complaint, "review_decided", expected_version=complaint.version
        )
    # telling them of the first decision again does not count
    do_record_notification(
        org.head_office, complaint, kind="decision", method="sms", content="…", proof="SMS-2"
    )
    with pytest.raises(ValidationError, match="told of the review decision"):
        do_transition(
            org.head_office, complaint, "review_decided", expected_version=complaint.version
        )
    do_record_notification(
        org.head_office, complaint, kind="review", method="letter", content="复核结果……",
        proof="挂号信 XA1",
    )  # fmt: skip
    complaint = do_transition(
        org.head_office, complaint, "review_decided", expected_version=complaint.version
    )
    assert complaint.state == "review_decided"


def test_only_the_current_decision_of_a_waiting_complaint_is_approved(org, customer):
    complaint = advance(org, register(org, customer), "accepted", "investigating")
    old = decide(org, complaint, compensation="9000.00")
    complaint.refresh_from_db()
    with pytest.raises(ConflictError):
        do_approve_decision(org.head_office, old, expected_version=complaint.version - 1)
    new = decide(org, complaint, compensation="8000.00")  # replaces the first
    complaint.refresh_from_db()
    with pytest.raises(ValidationError, match="replaced"):
        do_approve_decision(org.head_office, old, expected_version=complaint.version)
    approved = do_approve_decision(org.head_office, new, expected_version=complaint.version)
    complaint.refresh_from_db()
    assert approved.approved_by == org.staff(org.head_office)
    assert complaint.version == approved.complaint.version  # the approval is a change


def test_intake_names_only_customers_and_staff_of_the_actors_reach(org, customer):
    elsewhere = do_create_customer(
        org.teller_b, customer_no="C7102", home_outlet=org.zj0101,
        became_customer_on=date(2019, 1, 1), name="赵六", id_type="passport",
        id_number="E71020001",
    )  # fmt: skip
    other_branch_teller = org.staff(org.teller_b)
    with pytest.raises(ValidationError) as caught:
        register(org, elsewhere, staff_involved=[other_branch_teller])
    assert set(caught.value.message_dict) == {"customer", "staff_involved"}
    assert not Complaint.objects.exists()
    complaint = register(org, customer, staff_involved=[org.staff(org.manager_a)])
    assert list(complaint.staff_involved.all()) == [org.staff(org.manager_a)]


def test_evidence_is_checked_by_content_sealed_at_rest_and_on_the_timeline(org, customer, settings):
    complaint = register(org, customer)
    attachment = do_add_attachment(
        org.teller_a, complaint, filename="C:\\scans\\收据.png", data=PNG, description="收据"
    )
    assert (attachment.filename, attachment.content_type, attachment.size) == (
        "收据.png", "image/png", len(PNG),
    )  # fmt: skip
    assert attachment_bytes(attachment) == PNG
    with connection.cursor() as cursor:
        cursor.execute("SELECT content, filename FROM complaints_attachment")
        content, filename = cursor.fetchone()
    assert content.startswith("v1:") and base64.b64encode(PNG).decode() not in content
    assert filename.startswith("v1:") and "收据" not in filename
    entry = complaint.timeline.filter(kind=TimelineEntry.Kind.NOTE).get()
    assert entry.detail["attachment"] == str(attachment.uuid)

    with pytest.raises(ValidationError, match="PDF, JPEG, PNG"):
        do_add_attachment(org.teller_a, complaint, filename="letter.pdf", data=b"MZ\x90\x00exe")
    settings.BRANCHCX_MAX_ATTACHMENT_BYTES = 32
    with pytest.raises(ValidationError, match="larger than"):
        do_add_attachment(org.teller_a, complaint, filename="big.png", data=PNG)
    assert complaint.attachments.count() == 1


def test_classification_is_corrected_with_the_old_codes_kept(org, customer):
    complaint = register(org, customer)
    complaint = do_classify(
        org.manager_a, complaint, expected_version=1, channel=code("channel", "01"),
        business=code("business", "03"), cause=code("cause", "07"), card_reason=None,
        priority="high", reason="费用争议",
    )  # fmt: skip
    assert (complaint.cause.code, complaint.priority, complaint.version) == ("07", "high", 2)
    entry = complaint.timeline.filter(kind=TimelineEntry.Kind.NOTE).get()
    assert entry.detail["classified"]["from"]["card_reason"] == "03"
    assert entry.detail["classified"]["to"] == {
        "channel": "01", "business": "03", "cause": "07", "card_reason": "", "priority": "high",
    }  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        do_classify(
            org.manager_a, complaint, expected_version=2, channel=None,
            business=code("business", "02"), cause=code("business", "01"),
            card_reason=code("card_reason", "01"), priority="whenever",
        )  # fmt: skip
    assert set(caught.value.message_dict) == {"cause", "card_reason", "priority"}


def test_read_only_staff_can_neither_take_over_nor_recuse(org, customer):
    from django.core.exceptions import PermissionDenied

    from branchcx.complaints.actions import do_offer_handover, do_recuse

    complaint = register(org, customer)
    with pytest.raises(ValidationError, match="does not take complaints"):
        do_offer_handover(
            org.teller_a, complaint, org.staff(org.auditor), expected_version=1, reason="请协助"
        )
    with pytest.raises(PermissionDenied):
        do_recuse(org.auditor, complaint, expected_version=1, reason="亲属")
    complaint.refresh_from_db()
    assert (complaint.pending_owner, complaint.version) == (None, 1)
