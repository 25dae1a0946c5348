"""The workflow's pages: one form per action, the attachment download, the decision letter and
the buttons a complaint page offers (``available_actions``)."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from branchcx.audit.models import AuditEvent
from branchcx.complaints import access
from branchcx.complaints.actions import (
    do_add_attachment,
    do_assign,
    do_offer_handover,
    do_pause,
    do_record_notification,
    do_transition,
)
from branchcx.complaints.models import (
    AssignmentRule,
    Attachment,
    Complaint,
    Decision,
    Notification,
    RootCause,
    State,
)
from branchcx.complaints.tests.test_workflow import advance, code, decide, register
from branchcx.complaints.workflow_views import available_actions
from branchcx.customers.actions import do_create_customer
from branchcx.org.models import Role
from branchcx.testing import client_for, make_staff

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(64)
CONFLICT = "Someone changed this complaint after you opened it"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def customer(org):
    return do_create_customer(
        org.teller_a, customer_no="C7301", home_outlet=org.sh0101,
        became_customer_on=date(2020, 1, 1), name="司马光", id_type="passport",
        id_number="E73010001",
    )  # fmt: skip


def en(client):
    client.cookies["django_language"] = "en"
    return client


def url(name: str, complaint: Complaint, **kwargs) -> str:
    return reverse(f"complaints:{name}", kwargs={"uuid": complaint.uuid, **kwargs})


def detail(complaint: Complaint) -> str:
    return reverse("complaints:detail", kwargs={"uuid": complaint.uuid})


def fresh(complaint: Complaint) -> Complaint:
    return Complaint.objects.get(pk=complaint.pk)


def page_of(response) -> str:
    return response.content.decode()


def closed_with_everything(org, customer) -> tuple[Complaint, Decision, Attachment]:
    """A complaint decided, notified and closed (so its revisit is due), with a file."""
    complaint = advance(
        org, register(org, customer), "accepted", "investigating", "decided", "notified", "closed"
    )
    attachment = do_add_attachment(org.teller_a, complaint, filename="receipt.png", data=PNG)
    return complaint, complaint.decisions.get(), attachment


# --- each form: shown, acted on, refused with the reason -------------------------------------


@pytest.mark.parametrize(
    "name",
    ["transition", "classify", "group", "major", "assign", "handover_offer", "extend",
     "pause", "resume", "recuse", "notification", "decide", "attachment_upload"],
)  # fmt: skip
def test_each_form_shows_the_complaint_and_carries_its_version(org, customer, name):
    complaint = advance(org, register(org, customer), "accepted")

    response = en(client_for(org.manager_a)).get(url(name, complaint))

    assert response.status_code == 200
    page = page_of(response)
    assert complaint.number in page
    assert name == "attachment_upload" or f'name="version" value="{complaint.version}"' in page
    assert response["Cache-Control"] == "no-store"


def test_accepting_a_complaint_returns_to_its_page_with_a_message(org, customer):
    complaint = register(org, customer)
    client = en(client_for(org.manager_a))

    response = client.post(
        url("transition", complaint), {"version": complaint.version, "to_state": "accepted"}
    )

    assert response.status_code == 302 and response["Location"] == detail(complaint)
    assert fresh(complaint).state == State.ACCEPTED
    follow = client.get(url("classify", complaint))
    assert "The complaint is now: Accepted." in page_of(follow)


def test_the_state_form_offers_only_the_moves_allowed_from_here(org, customer):
    complaint = register(org, customer)
    page = page_of(en(client_for(org.manager_a)).get(url("transition", complaint)))
    assert 'value="accepted"' in page and 'value="withdrawn"' in page
    assert 'value="decided"' not in page and 'value="closed"' not in page


def test_withdrawing_without_a_reason_is_refused_on_the_form(org, customer):
    complaint = register(org, customer)

    response = en(client_for(org.manager_a)).post(
        url("transition", complaint),
        {"version": complaint.version, "to_state": "withdrawn", "reason": " "},
    )

    assert response.status_code == 200
    assert "Say why." in page_of(response)
    assert fresh(complaint).state == State.REGISTERED


def test_a_stale_version_shows_the_conflict_and_changes_nothing(org, customer):
    complaint = register(org, customer)
    seen = complaint.version
    do_transition(org.manager_a, complaint, "accepted", expected_version=seen)  # a colleague
    before = fresh(complaint)

    response = en(client_for(org.manager_a)).post(
        url("transition", complaint),
        {"version": seen, "to_state": "withdrawn", "reason": "客户撤回"},
    )

    page = page_of(response)
    assert response.status_code == 200 and CONFLICT in page
    assert f'href="{detail(complaint)}"' in page  # the way to reload
    after = fresh(complaint)
    assert (after.state, after.version) == (before.state, before.version) == ("accepted", 2)


def test_a_stale_version_also_guards_the_notification_of_the_customer(org, customer):
    complaint = advance(org, register(org, customer), "accepted", "investigating", "decided")
    stale = complaint.version - 1

    response = en(client_for(org.manager_a)).post(
        url("notification", complaint),
        {"version": stale, "kind": "decision", "method": "sms", "sent_at": "2026-01-05T10:00",
         "content": "处理决定", "proof": "SMS-1"},
    )  # fmt: skip

    assert CONFLICT in page_of(response)
    assert not complaint.notifications.exists()


def test_classifying_sets_the_codes_and_the_priority(org, customer):
    complaint = register(org, customer, business=None, card_reason=None)

    response = en(client_for(org.manager_a)).post(
        url("classify", complaint),
        {"version": complaint.version, "business": code("business", "03").pk,
         "card_reason": code("card_reason", "03").pk, "priority": "high", "reason": "核实"},
    )  # fmt: skip

    assert response.status_code == 302
    after = fresh(complaint)
    assert (after.business.code, after.card_reason.code, after.priority) == ("03", "03", "high")


def test_the_group_is_corrected_and_a_major_complaint_marked_from_its_page(org, customer):
    complaint = register(org, customer)
    client = en(client_for(org.manager_a))
    page = page_of(client.get(detail(complaint)))
    assert url("group", complaint) in page and url("major", complaint) in page
    refused = client.post(url("group", complaint),
                          {"version": complaint.version, "co_complainants": 4,
                           "representatives": 0})  # fmt: skip
    assert "A group complaint names one to five representatives." in page_of(refused)
    saved = client.post(url("group", complaint),
                        {"version": complaint.version, "co_complainants": 4,
                         "representatives": 2, "reason": "同小区客户"})  # fmt: skip
    assert saved.status_code == 302
    assert (fresh(complaint).co_complainants, fresh(complaint).is_major) == (4, False)
    wanted = {"version": fresh(complaint).version, "reason": "public_health"}
    marked = client.post(url("major", complaint), wanted)
    assert marked.status_code == 302
    after = fresh(complaint)
    assert (after.is_major, after.major_reason, after.escalation) == (True, "public_health", 2)
    assert url("major", complaint) not in page_of(client.get(detail(complaint)))


def test_a_card_sub_reason_outside_card_complaints_is_refused_on_its_field(org, customer):
    complaint = register(org, customer, business=None, card_reason=None)
    response = en(client_for(org.manager_a)).post(
        url("classify", complaint),
        {"version": complaint.version, "business": code("business", "02").pk,
         "card_reason": code("card_reason", "03").pk, "priority": "normal"},
    )  # fmt: skip
    assert "Sub-reasons apply to bank-card complaints only." in page_of(response)
    assert fresh(complaint).business is None


def test_assignment_by_the_rules_or_to_a_named_officer_with_a_reason(org, customer):
    officer = make_staff("officer_a", Role.COMPLAINT_OFFICER, org.sh0101, 31)
    other = make_staff("officer_a2", Role.COMPLAINT_OFFICER, org.sh0101, 32)
    rule = AssignmentRule.objects.create(unit=org.sh01)
    rule.officers.add(officer)
    complaint = register(org, customer)
    client = en(client_for(org.manager_a))

    by_rules = client.post(url("assign", complaint), {"version": 1, "how": "rules"})
    assert by_rules.status_code == 302 and fresh(complaint).handler == officer

    page = page_of(client.get(url("assign", complaint)))
    assert other.full_name in page and "测试teller_a" not in page  # only those who handle
    unexplained = client.post(
        url("assign", complaint), {"version": 2, "how": "officer", "handler": str(other.uuid)}
    )
    assert "Say why you choose the handler yourself." in page_of(unexplained)
    named = client.post(
        url("assign", complaint),
        {"version": 2, "how": "officer", "handler": str(other.uuid), "reason": "熟悉信用卡业务"},
    )
    assert named.status_code == 302 and fresh(complaint).handler == other


def test_a_hand_over_is_offered_and_only_the_colleague_offered_answers(org, customer):
    complaint = register(org, customer)  # received, and so owned, by teller_a
    manager = org.staff(org.manager_a)
    owner = en(client_for(org.teller_a))

    offer_page = page_of(owner.get(url("handover_offer", complaint)))
    assert manager.full_name in offer_page
    assert "测试auditor" not in offer_page  # serves the outlet, but takes no complaints
    offered = owner.post(
        url("handover_offer", complaint),
        {"version": 1, "to": str(manager.uuid), "reason": "需分行协调"},
    )
    assert offered.status_code == 302 and fresh(complaint).pending_owner == manager

    assert owner.get(url("handover_answer", complaint)).status_code == 403
    answer_page = en(client_for(org.manager_a)).get(url("handover_answer", complaint))
    assert "需分行协调" in page_of(answer_page)  # the offer's reason, to decide on
    (shown,) = AuditEvent.objects.filter(action="view_personal", actor=org.manager_a)
    assert (shown.target_id, shown.detail["document"]) == (str(complaint.uuid), "handover_answer")
    declined = en(client_for(org.manager_a)).post(
        url("handover_answer", complaint), {"version": 2, "answer": "decline"}
    )
    assert "Say why." in page_of(declined)
    accepted = en(client_for(org.manager_a)).post(
        url("handover_answer", complaint), {"version": 2, "answer": "accept"}
    )
    assert accepted.status_code == 302
    assert (fresh(complaint).owner, fresh(complaint).pending_owner) == (manager, None)


def test_an_extension_needs_the_proof_of_telling_the_customer(org, customer):
    complaint = advance(org, register(org, customer), "accepted")
    client = en(client_for(org.manager_a))
    data = {"version": complaint.version, "reason": "需调取外部证据", "customer_told_via": "sms"}

    refused = client.post(url("extend", complaint), data)
    assert refused.status_code == 200 and "This field is required." in page_of(refused)
    assert fresh(complaint).allowed_days == 15

    extended = client.post(url("extend", complaint), data | {"proof": "SMS-20260301-0002"})
    assert extended.status_code == 302 and fresh(complaint).allowed_days == 30
    notice = complaint.notifications.get()
    assert (notice.kind, notice.proof) == (Notification.Kind.EXTENSION, "SMS-20260301-0002")


def test_pausing_and_resuming_the_clock(org, customer):
    complaint = advance(org, register(org, customer), "accepted")
    client = en(client_for(org.manager_a))
    today = timezone.localdate().isoformat()

    paused = client.post(
        url("pause", complaint),
        {"version": complaint.version, "reason": "mediation", "on": today, "note": "调解中心"},
    )
    assert paused.status_code == 302 and fresh(complaint).clock.is_paused

    resumed = client.post(url("resume", complaint), {"version": fresh(complaint).version,
                                                     "on": today})  # fmt: skip
    assert resumed.status_code == 302 and not fresh(complaint).clock.is_paused


def test_declaring_an_interest_stops_the_handler_handling(org, customer):
    officer = make_staff("officer_r", Role.COMPLAINT_OFFICER, org.sh0101, 33)
    complaint = register(org, customer)
    do_assign(org.manager_a, complaint, expected_version=1, handler=officer, reason="指定")

    response = en(client_for(officer.user)).post(
        url("recuse", complaint), {"version": 2, "reason": "客户是我的亲属"}
    )

    assert response.status_code == 302
    assert fresh(complaint).handler is None
    assert complaint.recusals.get().staff == officer


def test_the_decision_is_recorded_and_large_compensation_approved_by_a_manager(org, customer):
    complaint = advance(org, register(org, customer), "accepted", "investigating")
    decision_form = {
        "version": complaint.version, "outcome": "partly", "findings": "宣传材料未明示费率。",
        "basis": "《商业银行信用卡业务监督管理办法》", "remedy": "退还手续费。",
        "root_cause": RootCause.objects.get(code="S03").pk, "compensation": "8000.00",
    }  # fmt: skip

    recorded = en(client_for(org.manager_a)).post(url("decide", complaint), decision_form)

    assert recorded.status_code == 302
    decision = complaint.decisions.get()
    assert decision.needs_approval and decision.approved_at is None
    approver = en(client_for(org.head_office))
    approve_url = url("approve_decision", complaint, decision_id=decision.pk)
    assert "宣传材料未明示费率。" in page_of(approver.get(approve_url))  # read before approving
    # the findings were shown: audited like the complaint page
    (shown,) = AuditEvent.objects.filter(
        action="view_personal", actor=org.head_office, detail__document="decision_approval"
    )
    assert (shown.target_id, shown.target_label) == (str(complaint.uuid), complaint.number)
    approved = approver.post(approve_url, {"version": fresh(complaint).version})
    assert approved.status_code == 302
    assert Decision.objects.get(pk=decision.pk).approved_by == org.staff(org.head_office)


def test_a_decision_without_findings_is_refused_field_by_field(org, customer):
    complaint = advance(org, register(org, customer), "accepted", "investigating")
    response = en(client_for(org.manager_a)).post(
        url("decide", complaint),
        {"version": complaint.version, "outcome": "upheld", "findings": "", "basis": "",
         "root_cause": RootCause.objects.get(code="S03").pk, "remedy": "", "compensation": "0"},
    )  # fmt: skip
    assert response.status_code == 200
    assert page_of(response).count("This field is required.") == 3
    assert not complaint.decisions.exists()


def test_the_root_causes_offered_are_the_active_leaves_of_the_tree(org, customer):
    complaint = advance(org, register(org, customer), "accepted", "investigating")
    page = page_of(en(client_for(org.manager_a)).get(url("decide", complaint)))
    assert "S03 人员与服务 › 告知与解释不充分" in page
    assert f'value="{RootCause.objects.get(code="S").pk}"' not in page  # a heading


def test_the_notification_is_recorded_and_the_customer_can_be_marked_told(org, customer):
    complaint = advance(org, register(org, customer), "accepted", "investigating", "decided")
    client = en(client_for(org.manager_a))
    response = client.post(
        url("notification", complaint),
        {"version": complaint.version, "kind": "decision", "method": "letter", "sent_at": "",
         "content": "处理决定书已寄出。", "proof": "挂号信 XA123456789CN"},
    )  # fmt: skip
    assert response.status_code == 302
    told = client.post(url("transition", complaint),
                       {"version": complaint.version, "to_state": "notified"})  # fmt: skip
    assert told.status_code == 302 and fresh(complaint).state == State.NOTIFIED


def test_a_refiled_complaint_is_merged_into_the_open_one(org, customer):
    first = advance(org, register(org, customer), "accepted", "investigating")
    again = register(org, customer)

    response = en(client_for(org.manager_a)).post(
        url("merge", again), {"version": again.version, "into": str(first.uuid), "new_facts": "no"}
    )

    assert response.status_code == 302
    assert (fresh(again).state, fresh(again).merged_into) == (State.MERGED, first)


def test_the_revisit_is_recorded_and_an_unhappy_customer_reopens_the_complaint(org, customer):
    complaint, _decision, _file = closed_with_everything(org, customer)
    revisit = complaint.revisits.get()

    client = en(client_for(org.teller_a))
    response = client.post(
        url("revisit", complaint, revisit_id=revisit.pk),
        {"version": complaint.version, "method": "phone", "satisfaction": "2",
         "note": "客户认为补偿不足。"},
    )  # fmt: skip

    assert response.status_code == 302
    assert fresh(complaint).state == State.INVESTIGATING
    follow = client.get(url("recuse", complaint))
    assert "open again for investigation" in page_of(follow)


# --- evidence ------------------------------------------------------------------------------


def test_a_png_is_attached_and_downloaded_as_filed_with_safe_headers(org, customer):
    complaint = register(org, customer)
    client = en(client_for(org.teller_a))
    upload_page = page_of(client.get(url("attachment_upload", complaint)))
    assert "PDF, JPEG, PNG, MP3, WAV" in upload_page and "10 MB" in upload_page
    assert 'enctype="multipart/form-data"' in upload_page

    uploaded = client.post(
        url("attachment_upload", complaint),
        {"file": SimpleUploadedFile("收据 1.png", PNG, "application/octet-stream"),
         "description": "缴费收据"},
    )  # fmt: skip
    assert uploaded.status_code == 302
    attachment = complaint.attachments.get()
    assert attachment.content_type == "image/png"

    download = client.get(url("attachment_download", complaint, attachment_uuid=attachment.uuid))

    assert download.status_code == 200 and download.content == PNG
    assert hashlib.sha256(download.content).hexdigest() == attachment.sha256
    assert download["Content-Type"] == "image/png"
    assert download["Content-Disposition"] == f"attachment; filename*=utf-8''{quote('收据 1.png')}"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(action="view_personal", target_id=str(attachment.uuid))
    assert (event.actor, event.target_label) == (org.teller_a, complaint.number)


def test_a_program_renamed_to_pdf_is_refused_with_the_accepted_types(org, customer):
    complaint = register(org, customer)
    response = en(client_for(org.teller_a)).post(
        url("attachment_upload", complaint),
        {"file": SimpleUploadedFile("statement.pdf", EXE, "application/pdf")},
    )
    assert response.status_code == 200
    assert "Attach a PDF, JPEG, PNG, MP3, WAV file." in page_of(response)
    assert not complaint.attachments.exists()


def test_a_file_one_byte_over_the_limit_is_stopped_while_it_arrives(org, customer, settings):
    # given a limit of half a megabyte and a PNG one byte longer
    settings.BRANCHCX_MAX_ATTACHMENT_BYTES = 512 * 1024
    complaint = register(org, customer)
    over = PNG + bytes(512 * 1024 + 1 - len(PNG))

    response = en(client_for(org.teller_a)).post(
        url("attachment_upload", complaint),
        {"file": SimpleUploadedFile("over.png", over, "image/png"), "description": "收据"},
    )

    # then the form says why, and the file was dropped by the upload handler, not kept whole
    page = page_of(response)
    assert response.status_code == 200
    assert "The file is larger than 0.5 MB." in page
    assert "This field is required." not in page
    assert not response.wsgi_request.FILES  # nothing spooled for the view to read
    assert not complaint.attachments.exists()


def test_a_file_exactly_at_the_limit_is_attached(org, customer, settings):
    settings.BRANCHCX_MAX_ATTACHMENT_BYTES = 1024
    complaint = register(org, customer)
    exact = PNG + bytes(1024 - len(PNG))

    response = en(client_for(org.teller_a)).post(
        url("attachment_upload", complaint),
        {"file": SimpleUploadedFile("exact.png", exact, "image/png")},
    )

    assert response.status_code == 302
    assert complaint.attachments.get().size == 1024


def test_the_upload_still_checks_the_csrf_token(org, customer):
    # the view is exempt from the middleware's check only to install the size limit first
    complaint = register(org, customer)
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.teller_a)

    response = client.post(
        url("attachment_upload", complaint), {"file": SimpleUploadedFile("a.png", PNG)}
    )

    assert response.status_code == 403
    assert not complaint.attachments.exists()


def test_the_upload_limit_stops_at_the_first_chunk_past_it(settings):
    from django.core.files.uploadhandler import StopUpload

    from branchcx.complaints.uploads import AttachmentLimit

    settings.BRANCHCX_MAX_ATTACHMENT_BYTES = 100
    limit = AttachmentLimit()
    assert limit.receive_data_chunk(b"x" * 60, 0) == b"x" * 60
    assert limit.receive_data_chunk(b"x" * 40, 60) == b"x" * 40  # exactly the limit
    with pytest.raises(StopUpload) as stopped:
        limit.receive_data_chunk(b"x", 100)
    assert stopped.value.connection_reset is False  # the page answers, the connection stays
    assert limit.exceeded and limit.file_complete(101) is None


def test_an_oversize_file_is_refused_with_the_limit(org, customer, settings):
    settings.BRANCHCX_MAX_ATTACHMENT_BYTES = 512 * 1024
    complaint = register(org, customer)
    big = PNG + bytes(600 * 1024)
    response = en(client_for(org.teller_a)).post(
        url("attachment_upload", complaint), {"file": SimpleUploadedFile("big.png", big)}
    )
    assert "The file is larger than 0.5 MB." in page_of(response)
    assert not complaint.attachments.exists()


# --- the decision letter -----------------------------------------------------------------------


def test_the_letter_states_the_findings_and_the_customers_remedies_in_chinese(org, customer):
    complaint, decision, _file = closed_with_everything(org, customer)

    response = en(client_for(org.teller_a)).get(
        url("decision_letter", complaint, decision_id=decision.pk)
    )

    page = page_of(response)
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert "投诉处理决定告知书" in page and complaint.number in page
    assert "尊敬的司马光：" in page  # full name: the letter is to them
    assert "宣传材料未明示分期手续费率。" in page and "《商业银行信用卡业务监督管理办法》" in page
    assert "您的投诉成立" in page and "人民币120.00元" in page
    assert "自收到本告知书之日起30日内" in page and "申请复核" in page
    assert "调解" in page and "仲裁" in page and "提起诉讼" in page
    assert "上海分行浦东支行" in page
    assert f"{timezone.localtime(complaint.received_at):%Y}年" in page
    assert "Print" in page and "nav" not in page  # a print page: no navigation
    assert AuditEvent.objects.filter(
        action="view_personal", target_id=str(complaint.uuid), detail__document="decision_letter"
    ).exists()


def test_a_letter_of_a_decision_awaiting_approval_is_marked_as_a_draft(org, customer):
    complaint = advance(org, register(org, customer), "accepted", "investigating")
    decision = decide(org, complaint, compensation="9000.00")
    page = page_of(
        en(client_for(org.manager_a)).get(
            url("decision_letter", complaint, decision_id=decision.pk)
        )
    )
    assert "Draft: the compensation awaits a manager" in page


# --- scope and permissions ------------------------------------------------------------------


def all_urls(complaint: Complaint, decision: Decision, attachment: Attachment) -> list[str]:
    revisit = complaint.revisits.get()
    return [
        *(url(name, complaint) for name in (
            "transition", "classify", "assign", "handover_offer", "handover_answer", "extend",
            "pause", "resume", "recuse", "notification", "decide", "merge",
            "attachment_upload",
        )),
        url("approve_decision", complaint, decision_id=decision.pk),
        url("decision_letter", complaint, decision_id=decision.pk),
        url("revisit", complaint, revisit_id=revisit.pk),
        url("attachment_download", complaint, attachment_uuid=attachment.uuid),
    ]  # fmt: skip


def test_another_branch_gets_404_on_every_page_and_changes_nothing(org, customer):
    complaint, decision, attachment = closed_with_everything(org, customer)
    outsider = client_for(org.teller_b)
    outside_manager = client_for(org.manager_b)
    reads = {  # GET only: a POST is refused with 405 whatever the complaint
        url("decision_letter", complaint, decision_id=decision.pk),
        url("attachment_download", complaint, attachment_uuid=attachment.uuid),
    }
    for address in all_urls(complaint, decision, attachment):
        assert outsider.get(address).status_code == 404, address
        if address not in reads:
            assert outside_manager.post(address, {"version": 6}).status_code == 404, address
    assert fresh(complaint).version == complaint.version
    assert not AuditEvent.objects.filter(actor__in=[org.teller_b, org.manager_b],
                                         action="view_personal").exists()  # fmt: skip


def test_anonymous_visitors_are_sent_to_sign_in(org, customer):
    complaint, decision, attachment = closed_with_everything(org, customer)
    for address in all_urls(complaint, decision, attachment):
        response = Client().get(address)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_teller_cannot_decide_and_an_auditor_changes_nothing(org, customer):
    complaint = advance(org, register(org, customer), "accepted", "investigating")
    data = {"version": complaint.version, "outcome": "upheld", "findings": "x", "basis": "x",
            "root_cause": RootCause.objects.get(code="S03").pk, "remedy": "x"}  # fmt: skip
    teller = client_for(org.teller_a)
    assert teller.get(url("decide", complaint)).status_code == 403
    assert teller.post(url("decide", complaint), data).status_code == 403
    auditor = client_for(org.auditor)
    for name in ("decide", "transition", "recuse", "attachment_upload", "handover_offer"):
        assert auditor.post(url(name, complaint), data).status_code == 403, name
    assert not complaint.decisions.exists() and fresh(complaint).version == complaint.version


def test_the_download_only_answers_get(org, customer):
    complaint, _decision, attachment = closed_with_everything(org, customer)
    address = url("attachment_download", complaint, attachment_uuid=attachment.uuid)
    assert client_for(org.teller_a).post(address).status_code == 405


# --- the buttons ---------------------------------------------------------------------------


def names(user, complaint: Complaint) -> list[str]:
    return [b["name"] for b in available_actions(user, fresh(complaint))]


def targets(user, complaint: Complaint) -> set[str]:
    return {
        b["url"].split("?to=")[1]
        for b in available_actions(user, fresh(complaint))
        if "?to=" in b["url"]
    }


def test_a_new_complaint_offers_its_handler_acceptance_first_and_withdrawal_as_danger(
    org, customer
):
    complaint = register(org, customer)
    buttons = available_actions(org.manager_a, fresh(complaint))
    assert buttons[0]["url"] == url("transition", complaint) + "?to=accepted"
    assert buttons[0]["style"] == "primary"
    withdraw = next(b for b in buttons if b["url"].endswith("?to=withdrawn"))
    assert withdraw["style"] == "danger"
    assert {"classify", "assign", "extend", "pause", "attachment_upload"} <= set(
        names(org.manager_a, complaint)
    )
    assert "decide" not in names(org.manager_a, complaint)
    assert {b["style"] for b in buttons} <= {"primary", "secondary", "danger"}


def test_a_teller_who_received_it_may_hand_it_over_but_not_handle_it(org, customer):
    complaint = register(org, customer)
    teller = names(org.teller_a, complaint)
    assert {"handover_offer", "attachment_upload", "recuse"} <= set(teller)
    assert not {"transition", "decide", "classify", "extend"} & set(teller)
    assert available_actions(org.auditor, fresh(complaint)) == []
    assert available_actions(org.teller_b, fresh(complaint)) == []


def test_a_withdrawn_complaint_offers_no_decision_and_no_move(org, customer):
    complaint = register(org, customer)
    do_transition(org.manager_a, complaint, "withdrawn", expected_version=1, reason="客户撤回")
    left = names(org.manager_a, complaint)
    assert not {"decide", "transition", "classify", "handover_offer", "pause"} & set(left)
    assert left == ["attachment_upload"]


def test_only_the_colleague_offered_is_asked_to_answer_the_hand_over(org, customer):
    complaint = register(org, customer)
    do_offer_handover(
        org.teller_a, complaint, org.staff(org.manager_a), expected_version=1, reason="转交"
    )
    assert names(org.manager_a, complaint)[0] == "handover_answer"
    assert "handover_answer" not in names(org.teller_a, complaint)
    assert "handover_offer" not in names(org.teller_a, complaint)  # one offer at a time


def test_approval_is_offered_to_a_manager_other_than_the_decider_while_it_waits(org, customer):
    complaint = advance(org, register(org, customer), "accepted", "investigating")
    decide(org, complaint, compensation="9000.00")  # by manager_a
    assert "approve_decision" in names(org.head_office, complaint)
    assert "approve_decision" not in names(org.manager_a, complaint)  # the decider
    assert "decided" not in targets(org.manager_a, complaint)  # not before the approval
    officer = make_staff("officer_x", Role.COMPLAINT_OFFICER, org.sh0101, 34)
    assert "approve_decision" not in names(officer.user, complaint)


def test_a_decided_complaint_asks_for_the_proof_of_telling_the_customer(org, customer):
    complaint = advance(org, register(org, customer), "accepted", "investigating")
    assert "decided" not in targets(org.manager_a, complaint)  # nothing decided yet
    decide(org, complaint)
    assert "decided" in targets(org.manager_a, complaint)
    complaint = advance(org, fresh(complaint), "decided")
    buttons = names(org.manager_a, complaint)
    assert "notification" in buttons and "decision_letter" in buttons
    assert "decide" not in buttons


def test_a_paused_clock_offers_resuming_and_hides_the_rest_of_the_clock(org, customer):
    complaint = advance(org, register(org, customer), "accepted")
    do_pause(org.manager_a, complaint, expected_version=complaint.version, reason="appraisal")
    left = names(org.manager_a, complaint)
    assert "resume" in left and "pause" not in left and "extend" not in left


def test_a_closed_complaint_offers_the_revisit_to_those_who_serve(org, customer):
    complaint, _decision, _file = closed_with_everything(org, customer)
    assert "revisit" in names(org.teller_a, complaint)
    assert targets(org.manager_a, complaint) == {"review_requested"}


def test_the_buttons_cost_a_few_queries(org, customer, django_assert_max_num_queries):
    complaint = advance(org, register(org, customer), "accepted", "investigating")
    decide(org, complaint)
    do_record_notification(
        org.manager_a, complaint, kind="decision", method="sms", content="x", proof="p"
    )
    user = type(org.manager_a).objects.get(pk=org.manager_a.pk)
    loaded = access.get_complaint_for_user(user, complaint.uuid)  # as the complaint page does
    with django_assert_max_num_queries(4):
        available_actions(user, loaded)


def test_the_version_field_cannot_be_left_out(org, customer):
    complaint = register(org, customer)
    response = en(client_for(org.manager_a)).post(
        url("transition", complaint), {"to_state": "accepted"}
    )
    assert response.status_code == 200 and fresh(complaint).state == State.REGISTERED
    assert "The page was incomplete" in page_of(response)


def test_compensation_is_shown_as_a_number_in_the_letter(org, customer):
    complaint = advance(org, register(org, customer), "accepted", "investigating")
    decision = decide(org, complaint, compensation="0")
    assert decision.compensation == Decimal("0")
    page = page_of(
        en(client_for(org.manager_a)).get(
            url("decision_letter", complaint, decision_id=decision.pk)
        )
    )
    assert "本次处理不涉及经济补偿。" in page
