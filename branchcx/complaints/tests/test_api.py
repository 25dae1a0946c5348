"""The complaints API: scope and roles on every endpoint, masking, the audited detail, intake
with duplicates and suggestions, field errors, version conflicts, and a complaint walked
from receipt to closing through the API alone."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from branchcx.audit.models import AuditEvent
from branchcx.complaints.actions import do_register_complaint, do_transition
from branchcx.complaints.models import Classification, Complaint, State
from branchcx.complaints.tests.test_workflow import advance
from branchcx.customers.actions import do_create_customer
from branchcx.org.models import Role
from branchcx.testing import api_client_for, assert_scope_rules, call, make_staff

NARRATIVE = "信用卡分期手续费比宣传的高，要求退还。"


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
        name="李四光",
        id_type="passport",
        id_number="E70010001",
    )


def register(org, customer=None, *, by=None, **extra: Any) -> Complaint:
    """A complaint received at the counter of SH0101 (or wherever ``extra`` says)."""
    values: dict[str, Any] = {
        "outlet": org.sh0101,
        "intake_channel": "counter",
        "narrative": NARRATIVE,
        "customer": customer,
        "complainant_name": "" if customer else "王小明",
        "complainant_phone": "13912345678",
        "business": Classification.objects.get(axis="business", code="03"),
    }
    return do_register_complaint(by or org.teller_a, **(values | extra))


def post(user_or_client: Any, url: str, data: Any) -> Any:
    client = (
        user_or_client if isinstance(user_or_client, Client) else api_client_for(user_or_client)
    )
    return call(client, "post", url, data, as_json=True)


def url(complaint: Complaint, tail: str = "") -> str:
    return f"/api/v1/complaints/{complaint.uuid}{tail}"


def viewed(complaint: Complaint) -> int:
    """How many times the complaint was shown in full, by the audit log."""
    return AuditEvent.objects.filter(
        action=AuditEvent.Action.VIEW_PERSONAL, target_id=str(complaint.uuid)
    ).count()


def numbers(response: Any) -> list[str]:
    body = response.json()
    rows = body["items"] if isinstance(body, dict) else body
    return [row["number"] for row in rows]


# --- list, search, detail --------------------------------------------------------------------


def test_list_shows_your_scope_only_newest_first_and_masked(org):
    # given two complaints at SH0101 and one at ZJ0101
    earlier = register(org, received_at=timezone.now() - timedelta(hours=2))
    later = register(org)
    theirs = register(org, by=org.teller_b, outlet=org.zj0101)

    # when the teller of SH0101 lists complaints
    response = api_client_for(org.teller_a).get("/api/v1/complaints")

    # then only their outlet's, newest first, the complainant masked and no narrative
    assert response.status_code == 200
    assert response.json()["count"] == 2
    assert numbers(response) == [later.number, earlier.number]
    row = response.json()["items"][0]
    assert (row["complainant_name"], row["complainant_phone"]) == ("王*明", "139****5678")
    assert (row["state"], row["state_label"], row["outlet"]) == (
        "registered", "已登记", {"code": "SH0101", "name": "浦东支行"},
    )  # fmt: skip
    assert (row["owner"], row["business"], row["version"]) == ("测试teller_a", "03", 1)
    assert row["days_left"] == 15
    assert "narrative" not in row
    assert "13912345678" not in response.content.decode()
    assert NARRATIVE not in response.content.decode()
    assert numbers(api_client_for(org.teller_b).get("/api/v1/complaints")) == [theirs.number]


def test_a_customer_filing_for_themselves_is_shown_by_their_masked_name(org, customer):
    register(org, customer)
    (row,) = api_client_for(org.teller_a).get("/api/v1/complaints").json()["items"]
    assert (row["complainant_name"], row["customer_no"]) == ("李*光", "C7001")


def test_list_filters_by_state_outlet_owner_codes_due_and_received(org):
    now = timezone.now()
    overdue = register(org, received_at=now - timedelta(days=20))
    at_risk = register(org, received_at=now - timedelta(days=13))
    fresh = register(org, business=None)
    accepted = do_transition(
        org.manager_a, register(org, by=org.manager_a), "accepted", expected_version=1
    )
    api = api_client_for(org.manager_a)

    def listed(query: str) -> set[str]:
        response = api.get(f"/api/v1/complaints?{query}")
        assert response.status_code == 200, response.json()
        return set(numbers(response))

    assert listed("due=overdue") == {overdue.number}
    assert listed("due=at_risk") == {at_risk.number}
    assert listed("state=accepted") == {accepted.number}
    assert listed(f"owner={org.staff(org.manager_a).uuid}") == {accepted.number}
    assert listed("business=03") == {overdue.number, at_risk.number, accepted.number}
    assert fresh.number not in listed("business=03")
    assert listed("outlet=ZJ0101") == set()
    assert len(listed("outlet=SH0101")) == 4
    since = (timezone.localdate() - timedelta(days=14)).isoformat()
    until = (timezone.localdate() - timedelta(days=1)).isoformat()
    assert overdue.number not in listed(f"received_from={since}")
    assert listed(f"received_from={since}&received_to={until}") == {at_risk.number}
    assert api.get("/api/v1/complaints?due=someday").status_code == 422


def test_list_is_paginated(org):
    made = [register(org, received_at=timezone.now() - timedelta(minutes=i)) for i in range(3)]
    api = api_client_for(org.teller_a)

    first = api.get("/api/v1/complaints?page_size=2").json()
    second = api.get("/api/v1/complaints?page_size=2&page=2").json()

    assert first["count"] == second["count"] == 3
    assert [r["number"] for r in first["items"] + second["items"]] == [c.number for c in made]


def test_list_and_detail_queries_do_not_grow_with_the_data(org, customer):
    api = api_client_for(org.manager_a)
    complaint = register(org, customer)
    api.get("/api/v1/me")  # the token's first use is recorded once; measure after it

    def count(path: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(path).status_code == 200
        return len(ctx.captured_queries)

    listing, detail = count("/api/v1/complaints"), count(url(complaint))
    for _ in range(4):
        register(org, customer)
    complaint = do_transition(org.manager_a, complaint, "accepted", expected_version=1)
    do_transition(org.manager_a, complaint, "investigating", expected_version=2)
    assert count("/api/v1/complaints") == listing
    assert count(url(complaint)) == detail


def test_search_takes_the_number_or_customer_number_in_the_body(org, customer):
    first = register(org, customer)
    second = register(org, customer)
    walk_in = register(org)
    api = api_client_for(org.teller_a)

    by_number = post(api, "/api/v1/complaints/search", {"q": walk_in.number})
    by_customer = post(api, "/api/v1/complaints/search", {"q": "C7001"})

    assert by_number.status_code == 200
    assert numbers(by_number) == [walk_in.number]
    assert numbers(by_customer) == [second.number, first.number]
    assert numbers(post(api, "/api/v1/complaints/search", {"q": "C700"})) == []  # exact only
    outsider = post(org.teller_b, "/api/v1/complaints/search", {"q": first.number})
    assert numbers(outsider) == []
    assert post(api, "/api/v1/complaints/search", {"q": ""}).status_code == 422


def test_detail_is_scoped_shows_the_narrative_and_is_audited(org, customer):
    complaint = register(org, customer, complainant_phone="13912345678")

    response = assert_scope_rules(
        url(complaint), insider=org.teller_a, outsider=org.teller_b, api=True
    )

    body = response.json()
    assert body["narrative"] == NARRATIVE
    assert body["customer"] == {
        "uuid": str(customer.uuid), "customer_no": "C7001", "name": "李*光",
    }  # fmt: skip
    assert body["complainant_phone"] == "139****5678"
    assert "13912345678" not in response.content.decode()
    (viewed,) = AuditEvent.objects.filter(action="view_personal", target_id=str(complaint.uuid))
    assert (viewed.actor, viewed.target_label) == (org.teller_a, complaint.number)


def test_detail_holds_codes_clock_targets_people_and_timeline(org, customer):
    complaint = register(org, customer)

    body = api_client_for(org.teller_a).get(url(complaint)).json()

    today = timezone.localdate()
    assert body["classification"]["business"]["code"] == "03"
    assert body["classification"]["cause"] is None
    assert body["clock"] == {
        "started_on": today.isoformat(), "allowed_days": 15, "running": True, "paused": False,
        "state": "on_track", "deadline": (today + timedelta(days=15)).isoformat(),
        "days_left": 15, "pauses": [],
    }  # fmt: skip
    assert body["targets"]["responded_at"] is None
    teller = {"uuid": str(org.staff(org.teller_a).uuid), "name": "测试teller_a"}
    assert body["people"] == {
        "received_by": teller, "owner": teller, "pending_owner": None, "handler": None,
        "staff_involved": [],
    }  # fmt: skip
    (entry,) = body["timeline"]
    assert (entry["kind"], entry["to_state"], entry["actor"]) == (
        "transition", "registered", "测试teller_a",
    )  # fmt: skip
    assert body["decisions"] == body["notifications"] == body["revisits"] == []


# --- intake ----------------------------------------------------------------------------------


def test_intake_refuses_a_repeat_unless_confirmed_then_names_it_and_suggests(org, customer):
    # given the customer already has an open complaint
    earlier = register(org, customer)
    colleague = org.staff(org.manager_a)

    # when the teller records a new one through the API
    response = post(
        org.teller_a,
        "/api/v1/complaints",
        {
            "outlet": "SH0101",
            "intake_channel": "counter",
            "narrative": NARRATIVE,
            "customer": str(customer.uuid),
            "complainant_phone": "13912345678",
            "cause": "03",
            "staff_involved": [str(colleague.uuid)],
        },
    )

    # then it is refused as the intake page refuses it, and nothing is filed
    assert response.status_code == 422, response.json()
    assert set(response.json()["errors"]) == {"file_anyway"}
    assert Complaint.objects.count() == 1
    # when the teller confirms it is another matter
    response = post(
        org.teller_a,
        "/api/v1/complaints",
        {
            "outlet": "SH0101",
            "intake_channel": "counter",
            "narrative": NARRATIVE,
            "customer": str(customer.uuid),
            "complainant_phone": "13912345678",
            "cause": "03",
            "staff_involved": [str(colleague.uuid)],
            "file_anyway": True,
        },
    )
    # then it is registered, owned by the teller, and the earlier one is flagged
    assert response.status_code == 201, response.json()
    body = response.json()
    created = Complaint.objects.get(uuid=body["complaint"]["uuid"])
    assert created.owner == org.staff(org.teller_a)
    assert list(created.staff_involved.all()) == [colleague]
    assert body["complaint"]["number"] == created.number
    assert (body["complaint"]["state"], body["complaint"]["version"]) == ("registered", 1)
    assert body["complaint"]["classification"]["cause"]["code"] == "03"
    assert [d["number"] for d in body["duplicates"]] == [earlier.number]
    # the business category is suggested from the words, and left for staff to choose
    suggestion = body["suggestions"]["business"]
    assert suggestion["label"] == "03" and 0 < suggestion["confidence"] <= 1
    assert suggestion["source"] in {"model", "lexicon"}
    assert created.business is None


def test_bad_intake_is_422_with_the_fields_at_fault(org, customer):
    teller = api_client_for(org.teller_a)
    wrong_refs = post(
        teller,
        "/api/v1/complaints",
        {
            "outlet": "ZJ0101",  # another branch's outlet
            "intake_channel": "counter",
            "narrative": NARRATIVE,
            "customer": "00000000-0000-0000-0000-000000000000",
            "business": "ZZ",
            "card_reason": "03",
        },
    )
    assert wrong_refs.status_code == 422
    assert wrong_refs.json()["code"] == "invalid"
    assert set(wrong_refs.json()["errors"]) == {"outlet", "customer", "business"}

    wrong_values = post(
        teller,
        "/api/v1/complaints",
        {
            "outlet": "SH0101",
            "intake_channel": "pigeon",
            "narrative": NARRATIVE,
            "representatives": 6,
            "received_at": (timezone.localtime() + timedelta(hours=2))
            .replace(tzinfo=None)
            .isoformat(),  # a local time without offset is read in Asia/Shanghai
        },
    )
    assert wrong_values.status_code == 422
    assert set(wrong_values.json()["errors"]) == {
        "intake_channel", "complainant_name", "representatives", "received_at",
    }  # fmt: skip

    schema = post(teller, "/api/v1/complaints", {"outlet": "SH0101", "narrative": "", "x": 1})
    assert schema.status_code == 422
    assert {"intake_channel", "narrative", "x"} <= set(schema.json()["errors"])
    assert not Complaint.objects.exists()


def test_intake_refuses_a_read_only_role_and_the_anonymous(org):
    body = {"outlet": "SH0101", "intake_channel": "counter", "narrative": NARRATIVE,
            "complainant_name": "王小明"}  # fmt: skip
    assert post(org.auditor, "/api/v1/complaints", body).status_code == 403
    assert post(Client(), "/api/v1/complaints", body).status_code == 401
    assert post(
        org.auditor, "/api/v1/complaints/suggest", {"narrative": NARRATIVE}
    ).status_code == (403)
    assert not Complaint.objects.exists()


def test_suggest_reads_the_narrative_and_saves_nothing(org):
    response = post(org.teller_a, "/api/v1/complaints/suggest", {"narrative": NARRATIVE})
    assert response.status_code == 200
    assert response.json()["business"]["label"] == "03"
    nothing = post(org.teller_a, "/api/v1/complaints/suggest", {"narrative": "谢谢"})
    assert nothing.json()["business"] is None
    assert not Complaint.objects.exists()


# --- scope and roles on every write ----------------------------------------------------------


def writes(org, complaint: Complaint, other: Complaint) -> list[tuple[str, dict[str, Any]]]:
    officer = str(org.staff(org.manager_a).uuid)
    v = complaint.version
    return [
        ("/transitions", {"to_state": "accepted", "expected_version": v}),
        ("/classify", {"channel": None, "business": "03", "cause": "01", "card_reason": None,
                       "priority": "high", "expected_version": v}),
        ("/assign", {"handler": officer, "reason": "熟悉信用卡业务", "expected_version": v}),
        ("/group", {"co_complainants": 3, "representatives": 1, "expected_version": v}),
        ("/major", {"reason": "disaster", "expected_version": v}),
        ("/extend", {"expected_version": v, "reason": "需调取录音", "customer_told_via": "sms",
                     "proof": "SMS-1"}),
        ("/pause", {"expected_version": v, "reason": "mediation"}),
        ("/resume", {"expected_version": v}),
        ("/handover", {"to": officer, "expected_version": v, "reason": "转交"}),
        ("/handover/answer", {"accept": True, "expected_version": v}),
        ("/merge", {"into": str(other.uuid), "new_facts": False, "expected_version": v}),
        ("/recuse", {"expected_version": v, "reason": "客户是我的亲属"}),
        ("/notifications", {"kind": "decision", "method": "sms", "content": "处理决定",
                            "proof": "SMS-2", "expected_version": v}),
        ("/decisions", {"expected_version": v, "outcome": "upheld", "findings": "属实",
                        "basis": "合同条款", "root_cause": "S03", "remedy": "退费"}),
        ("/decisions/1/approve", {"expected_version": v}),
        ("/revisits/1", {"method": "phone", "satisfaction": 5, "note": "满意",
                         "expected_version": v}),
    ]  # fmt: skip


def test_another_branch_gets_404_and_the_auditor_403_on_every_write(org, customer):
    complaint = register(org, customer)
    other = register(org, customer)
    before = complaint.timeline.count()
    teller_b, manager_b = api_client_for(org.teller_b), api_client_for(org.manager_b)
    auditor = api_client_for(org.auditor)

    for tail, body in writes(org, complaint, other):
        path = url(complaint, tail)
        assert post(Client(), path, body).status_code == 401, tail
        refused = post(teller_b, path, body)
        assert (refused.status_code, refused.json()["code"]) == (404, "not_found"), tail
        assert post(manager_b, path, body).status_code == 404, tail
        assert post(auditor, path, body).status_code == 403, tail

    complaint.refresh_from_db()
    assert (complaint.version, complaint.state, complaint.timeline.count()) == (
        1, "registered", before,
    )  # fmt: skip
    assert not complaint.notifications.exists() and not complaint.decisions.exists()


def test_writes_refuse_the_get_method(org):
    complaint = register(org)
    assert api_client_for(org.manager_a).get(url(complaint, "/transitions")).status_code == 405


def test_a_teller_cannot_move_a_complaint_on(org):
    complaint = register(org)

    response = post(
        org.teller_a,
        url(complaint, "/transitions"),
        {"to_state": "accepted", "expected_version": 1},
    )

    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    complaint.refresh_from_db()
    assert complaint.state == State.REGISTERED


def test_a_stale_version_is_a_409_and_changes_nothing(org):
    complaint = register(org)
    manager = api_client_for(org.manager_a)
    accepted = post(
        manager, url(complaint, "/transitions"), {"to_state": "accepted", "expected_version": 1}
    )
    assert (accepted.status_code, accepted.json()["version"]) == (200, 2)

    # someone who read version 1 tries to withdraw it
    stale = post(
        manager,
        url(complaint, "/transitions"),
        {"to_state": "withdrawn", "expected_version": 1, "reason": "客户撤诉"},
    )

    assert (stale.status_code, stale.json()["code"]) == (409, "conflict")
    complaint.refresh_from_db()
    assert (complaint.state, complaint.version) == ("accepted", 2)


def test_a_stale_version_refuses_the_notification_of_the_customer(org):
    # given a decided complaint, and someone who read it before it was decided
    complaint = advance(org, register(org), "accepted", "investigating", "decided")
    body = {"kind": "decision", "method": "sms", "content": "处理决定", "proof": "SMS-3"}

    # when they record telling the customer with the version they read
    stale = post(org.manager_a, url(complaint, "/notifications"), body | {"expected_version": 2})
    missing = post(org.manager_a, url(complaint, "/notifications"), body)

    # then it is a conflict, and nothing is recorded; the version cannot be left out
    assert (stale.status_code, stale.json()["code"]) == (409, "conflict")
    assert missing.status_code == 422 and "expected_version" in missing.json()["errors"]
    assert not complaint.notifications.exists()
    current = post(
        org.manager_a,
        url(complaint, "/notifications"),
        body | {"expected_version": complaint.version},
    )
    assert current.status_code == 201, current.json()


def test_a_stale_version_refuses_the_revisit(org):
    # given a closed complaint whose call-back is due, read by the teller...
    complaint = advance(
        org, register(org), "accepted", "investigating", "decided", "notified", "closed"
    )
    revisit = complaint.revisits.get()
    read = complaint.version
    # ...before a colleague records the customer's request for a review
    do_transition(org.manager_a, complaint, "review_requested", expected_version=read)

    # when the teller records the call-back against the version they read
    stale = post(
        org.teller_a,
        url(complaint, f"/revisits/{revisit.pk}"),
        {"method": "phone", "satisfaction": 1, "note": "不满意", "expected_version": read},
    )

    # then it is a conflict: the revisit stays to do and nothing is reopened
    assert (stale.status_code, stale.json()["code"]) == (409, "conflict")
    revisit.refresh_from_db()
    complaint.refresh_from_db()
    assert (revisit.done_at, complaint.state) == (None, State.REVIEW_REQUESTED)
    current = post(
        org.teller_a,
        url(complaint, f"/revisits/{revisit.pk}"),
        {"method": "phone", "satisfaction": 4, "note": "基本满意", "expected_version": read + 1},
    )
    assert current.status_code == 200, current.json()


def test_the_answer_to_an_intake_is_audited_once(org):
    response = post(
        org.teller_a,
        "/api/v1/complaints",
        {"outlet": "SH0101", "intake_channel": "counter", "narrative": NARRATIVE,
         "complainant_name": "王小明"},
    )  # fmt: skip

    assert response.status_code == 201, response.json()
    created = Complaint.objects.get()
    assert response.json()["complaint"]["narrative"] == NARRATIVE
    (event,) = AuditEvent.objects.filter(action="view_personal", target_id=str(created.uuid))
    assert (event.actor, event.target_label) == (org.teller_a, created.number)


def test_a_refused_write_shows_nothing_and_records_no_view(org):
    complaint = register(org)
    stale = post(
        org.manager_a,
        url(complaint, "/transitions"),
        {"to_state": "withdrawn", "expected_version": 7, "reason": "客户撤诉"},
    )
    assert stale.status_code == 409 and NARRATIVE not in stale.content.decode()
    assert viewed(complaint) == 0


def test_a_transition_the_workflow_forbids_is_422_on_the_state(org):
    complaint = register(org)
    response = post(
        org.manager_a, url(complaint, "/transitions"), {"to_state": "closed", "expected_version": 1}
    )
    assert response.status_code == 422
    assert "state" in response.json()["errors"]


# --- the workflow through the API ------------------------------------------------------------


def test_a_complaint_walks_from_registered_to_closed_through_the_api(org, customer):
    complaint = register(org, customer)
    manager = api_client_for(org.manager_a)
    version = 1

    def step(tail: str, body: dict[str, Any], status: int = 200) -> dict[str, Any]:
        nonlocal version
        audited = viewed(complaint)
        response = post(manager, url(complaint, tail), body)
        assert response.status_code == status, (tail, response.json())
        # every answer carries the complaint in full, so every answer is audited, once
        assert viewed(complaint) == audited + 1, tail
        detail: dict[str, Any] = response.json()
        assert detail["version"] >= version
        version = detail["version"]
        return detail

    step("/transitions", {"to_state": "accepted", "expected_version": version})
    step("/transitions", {"to_state": "investigating", "expected_version": version})
    decided = step(
        "/decisions",
        {
            "expected_version": version, "outcome": "upheld",
            "findings": "宣传材料未明示分期手续费率。",
            "basis": "《商业银行信用卡业务监督管理办法》",
            "root_cause": "S03", "remedy": "退还已收取的分期手续费。", "compensation": "120.00",
        },
        status=201,
    )  # fmt: skip
    (decision,) = decided["decisions"]
    assert (decision["outcome"], decision["compensation"], decision["approved"]) == (
        "upheld", "120.00", True,
    )  # fmt: skip
    step("/transitions", {"to_state": "decided", "expected_version": version})
    told = step(
        "/notifications",
        {"kind": "decision", "method": "sms", "content": "处理决定：退还分期手续费。",
         "proof": "SMS-20260301-0001", "expected_version": version},
        status=201,
    )  # fmt: skip
    assert told["notifications"][0]["proof"] == "SMS-20260301-0001"
    step("/transitions", {"to_state": "notified", "expected_version": version})
    closed = step("/transitions", {"to_state": "closed", "expected_version": version})

    assert closed["state"] == "closed"
    assert closed["clock"]["running"] is False
    states = [e["to_state"] for e in closed["timeline"] if e["kind"] == "transition"]
    assert states == ["registered", "accepted", "investigating", "decided", "notified", "closed"]
    # closing schedules the revisit; a satisfied customer leaves it closed
    (revisit,) = closed["revisits"]
    revisited = step(
        f"/revisits/{revisit['id']}",
        {"method": "phone", "satisfaction": 5, "note": "满意", "expected_version": version},
    )
    assert revisited["state"] == "closed"
    assert revisited["revisits"][0]["satisfaction"] == 5


def test_large_compensation_waits_for_a_manager_other_than_the_decider(org):
    complaint = register(org)
    complaint = do_transition(org.manager_a, complaint, "accepted", expected_version=1)
    complaint = do_transition(org.manager_a, complaint, "investigating", expected_version=2)
    decided = post(
        org.manager_a,
        url(complaint, "/decisions"),
        {"expected_version": 3, "outcome": "upheld", "findings": "属实", "basis": "合同条款",
         "root_cause": "S03", "remedy": "赔偿损失", "compensation": "80000.00"},
    ).json()  # fmt: skip
    (decision,) = decided["decisions"]
    assert (decision["needs_approval"], decision["approved"]) == (True, False)
    approve = url(complaint, f"/decisions/{decision['id']}/approve")

    by_decider = post(org.manager_a, approve, {"expected_version": decided["version"]})
    approved = post(org.head_office, approve, {"expected_version": decided["version"]})

    assert by_decider.status_code == 422
    assert approved.status_code == 200
    assert approved.json()["decisions"][0]["approved_by"] == "测试head_office"
    assert post(org.manager_b, approve, {"expected_version": 5}).status_code == 404


def test_an_unknown_root_cause_or_code_is_422_on_its_field(org):
    complaint = register(org)
    complaint = do_transition(org.manager_a, complaint, "accepted", expected_version=1)
    bad_cause = post(
        org.manager_a,
        url(complaint, "/decisions"),
        {"expected_version": 2, "outcome": "upheld", "findings": "属实", "basis": "合同条款",
         "root_cause": "NOPE", "remedy": "退费"},
    )  # fmt: skip
    assert bad_cause.status_code == 422 and set(bad_cause.json()["errors"]) == {"root_cause"}
    unknown = post(
        org.manager_a,
        url(complaint, "/classify"),
        {"channel": "ZZ", "business": "03", "cause": None, "card_reason": "99",
         "priority": "normal", "expected_version": 2},
    )  # fmt: skip
    assert unknown.status_code == 422
    assert set(unknown.json()["errors"]) == {"channel", "card_reason"}
    complaint.refresh_from_db()
    assert complaint.version == 2


def test_classify_sets_the_codes_and_keeps_the_old_ones_on_the_timeline(org):
    complaint = register(org)

    response = post(
        org.manager_a,
        url(complaint, "/classify"),
        {"channel": None, "business": "03", "cause": "04", "card_reason": "03",
         "priority": "high", "expected_version": 1, "reason": "客户反映被误导办理分期"},
    )  # fmt: skip

    body = response.json()
    assert response.status_code == 200, body
    assert (body["cause"], body["priority"], body["version"]) == ("04", "high", 2)
    assert body["classification"]["card_reason"]["code"] == "03"
    change = body["timeline"][-1]["detail"]["classified"]
    assert (change["from"]["cause"], change["to"]["cause"]) == ("", "04")


def test_handover_is_offered_to_a_colleague_and_accepted_by_them(org):
    complaint = register(org)
    manager = org.staff(org.manager_a)

    offered = post(
        org.teller_a,
        url(complaint, "/handover"),
        {"to": str(manager.uuid), "expected_version": 1, "reason": "需要支行长处理"},
    )
    assert offered.status_code == 200, offered.json()
    assert offered.json()["people"]["pending_owner"]["uuid"] == str(manager.uuid)
    accepted = post(
        org.manager_a, url(complaint, "/handover/answer"), {"accept": True, "expected_version": 2}
    )

    assert accepted.status_code == 200, accepted.json()
    people = accepted.json()["people"]
    assert (people["owner"]["name"], people["pending_owner"]) == ("测试manager_a", None)
    # someone of another branch is not a colleague: the body is at fault, not the URL
    elsewhere = post(
        org.manager_a,
        url(complaint, "/handover"),
        {"to": str(org.staff(org.teller_b).uuid), "expected_version": 3, "reason": "转交"},
    )
    assert elsewhere.status_code == 422 and set(elsewhere.json()["errors"]) == {"to"}


def test_assign_chooses_an_officer_and_recusal_takes_them_off(org):
    officer = make_staff("officer_a", Role.COMPLAINT_OFFICER, org.sh01, 10)
    complaint = register(org)

    assigned = post(
        org.manager_a,
        url(complaint, "/assign"),
        {"handler": str(officer.uuid), "reason": "熟悉信用卡业务", "expected_version": 1},
    )
    assert assigned.status_code == 200, assigned.json()
    assert assigned.json()["handler"] == "测试officer_a"
    recused = post(
        officer.user, url(complaint, "/recuse"), {"expected_version": 2, "reason": "客户是亲属"}
    )

    assert recused.status_code == 200, recused.json()
    assert recused.json()["people"]["handler"] is None
    assert recused.json()["timeline"][-1]["kind"] == "recusal"
    again = post(
        officer.user,
        url(complaint, "/transitions"),
        {"to_state": "accepted", "expected_version": 3},
    )
    assert again.status_code == 422


def test_the_clock_pauses_resumes_and_extends_through_the_api(org):
    complaint = register(org)

    paused = post(
        org.manager_a,
        url(complaint, "/pause"),
        {"expected_version": 1, "reason": "mediation", "note": "转调解中心"},
    ).json()
    assert (paused["clock"]["paused"], paused["due_on"]) == (True, None)
    assert paused["clock"]["pauses"][0]["reason"] == "mediation"
    resumed = post(org.manager_a, url(complaint, "/resume"), {"expected_version": 2}).json()
    assert resumed["clock"]["paused"] is False
    extended = post(
        org.manager_a,
        url(complaint, "/extend"),
        {"expected_version": 3, "reason": "需调取通话录音", "customer_told_via": "sms",
         "proof": "SMS-EXT-1"},
    )  # fmt: skip

    assert extended.status_code == 200, extended.json()
    assert extended.json()["clock"]["allowed_days"] == 30
    assert extended.json()["notifications"][0]["kind"] == "extension"


def test_a_refiled_complaint_merges_into_the_open_one(org, customer):
    open_one = register(org, customer)
    refiled = register(org, customer)

    merged = post(
        org.manager_a,
        url(refiled, "/merge"),
        {"into": str(open_one.uuid), "new_facts": False, "expected_version": 1},
    )

    assert merged.status_code == 200, merged.json()
    assert merged.json()["state"] == "merged"
    assert merged.json()["merged_into"] == {"uuid": str(open_one.uuid), "number": open_one.number}
    elsewhere = register(org, by=org.teller_b, outlet=org.zj0101)
    foreign = post(
        org.manager_a,
        url(open_one, "/merge"),
        {"into": str(elsewhere.uuid), "new_facts": False, "expected_version": 1},
    )
    assert foreign.status_code == 422 and set(foreign.json()["errors"]) == {"into"}


def test_a_review_request_keyed_in_late_counts_from_the_day_the_customer_asked(org):
    # given: a decision told a week ago; the customer's letter asking for a review is two
    # days old
    with time_machine.travel(timezone.now() - timedelta(days=7)):
        complaint = advance(org, register(org), "accepted", "investigating", "decided", "notified")
    asked = timezone.localdate() - timedelta(days=2)
    body = {"to_state": "review_requested", "expected_version": complaint.version}

    # when: it is recorded with the letter's date
    future = post(
        org.manager_a,
        url(complaint, "/transitions"),
        body | {"requested_on": (timezone.localdate() + timedelta(days=1)).isoformat()},
    )
    done = post(org.manager_a, url(complaint, "/transitions"),
                body | {"requested_on": asked.isoformat()})  # fmt: skip

    # then: a future day is refused; the review is due 30 days from the letter
    assert future.status_code == 422 and "requested_on" in future.json()["errors"]
    assert done.status_code == 200, done.json()
    complaint.refresh_from_db()
    assert complaint.due_on == asked + timedelta(days=30)


def test_the_api_corrects_the_group_and_marks_major_as_the_pages_do(org):
    complaint = register(org)
    refused = post(org.manager_a, url(complaint, "/group"),
                   {"co_complainants": 0, "representatives": 2, "expected_version": 1})  # fmt: skip
    assert refused.status_code == 422
    assert set(refused.json()["errors"]) == {"representatives"}
    wanted = {"co_complainants": 20, "representatives": 5, "expected_version": 1}
    response = post(org.manager_a, url(complaint, "/group"), wanted)
    body = response.json()
    assert response.status_code == 200, body
    assert (body["co_complainants"], body["representatives"], body["version"]) == (20, 5, 2)
    assert (body["is_major"], body["priority"]) == (True, "urgent")
    again = post(org.manager_a, url(complaint, "/major"),
                 {"reason": "regulator", "expected_version": 2})  # fmt: skip
    assert again.status_code == 422 and set(again.json()["errors"]) == {"state"}
