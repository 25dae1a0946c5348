"""The complaint pages: lists with their filters, intake with the duplicate warning and the
suggestions, the complaint page, the voice of the customer, and the panels elsewhere."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from branchcx.audit.models import AuditEvent
from branchcx.complaints.actions import do_record_grievance, do_record_revisit, do_transition
from branchcx.complaints.models import Classification, Complaint, Grievance, HandlingGuidance
from branchcx.complaints.tests.test_workflow import advance, code, register
from branchcx.complaints.views import EXCERPT_CHARS, _targets, guidance_for
from branchcx.customers.actions import do_create_customer
from branchcx.testing import client_for


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def customer(org):
    return do_create_customer(
        org.teller_a, customer_no="C7201", home_outlet=org.sh0101,
        became_customer_on=date(2019, 1, 1), name="欧阳明", id_type="passport",
        id_number="E72010001", temperament="analytical",
    )  # fmt: skip


def en(client):
    client.cookies["django_language"] = "en"
    return client


def test_the_list_shows_what_is_overdue_and_at_risk_with_masked_names(org, customer):
    late = register(org, customer, received_at=timezone.now() - timedelta(days=16))
    soon = register(org, customer, received_at=timezone.now() - timedelta(days=13))
    calm = register(org, customer)
    client = en(client_for(org.manager_a))

    page = client.get(reverse("complaints:list")).content.decode()
    assert all(c.number in page for c in (late, soon, calm))
    assert "欧阳明" not in page and "欧*明" in page  # staff screens keep first and last
    assert "1 overdue" in page and "1 due within 3 days" in page

    overdue_page = client.get(reverse("complaints:list"), {"due": "overdue"}).content.decode()
    assert late.number in overdue_page and soon.number not in overdue_page
    at_risk = client.get(reverse("complaints:list"), {"due": "at_risk"}).content.decode()
    assert soon.number in at_risk and late.number not in at_risk and calm.number not in at_risk
    by_number = client.get(reverse("complaints:list"), {"number": calm.number.lower()})
    assert calm.number in by_number.content.decode()
    assert late.number not in by_number.content.decode()


def test_the_list_filters_by_owner_category_and_state(org, customer):
    card = register(org, customer)
    loan = register(org, customer, business=code("business", "02"), card_reason=None)
    advance(org, loan, "accepted")
    client = en(client_for(org.manager_a))
    page = client.get(reverse("complaints:list"), {"business": "02"}).content.decode()
    assert loan.number in page and card.number not in page
    page = client.get(reverse("complaints:list"), {"state": "registered"}).content.decode()
    assert card.number in page and loan.number not in page
    mine = en(client_for(org.teller_a)).get(reverse("complaints:list"), {"owner": "mine"})
    assert card.number in mine.content.decode()  # the teller received both: first contact
    not_mine = en(client_for(org.manager_a)).get(reverse("complaints:list"), {"owner": "mine"})
    assert card.number not in not_mine.content.decode()


def test_other_branches_see_nothing_and_get_404(org, customer):
    complaint = register(org, customer)
    client = client_for(org.teller_b)
    assert complaint.number not in client.get(reverse("complaints:list")).content.decode()
    assert client.get(reverse("complaints:detail", args=[complaint.uuid])).status_code == 404
    assert (
        client_for(org.manager_b)
        .get(reverse("complaints:create"), {"customer": customer.uuid})
        .status_code
        == 404
    )


def intake(client, customer=None, **extra):
    data = {
        "outlet": "SH0101", "intake_channel": "counter", "narrative": "信用卡年费被多扣了两次",
        "priority": "normal", "co_complainants": 0, "representatives": 0,
    }  # fmt: skip
    if customer is not None:
        data["customer"] = str(customer.uuid)
    return client.post(reverse("complaints:create"), data | extra)


def test_intake_registers_and_the_receiver_owns_the_complaint(org, customer):
    response = intake(en(client_for(org.teller_a)), customer, business="03", cause="07")
    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("complaints:detail", args=[complaint.uuid])
    assert complaint.owner == org.staff(org.teller_a)
    assert (complaint.business.code, complaint.cause.code) == ("03", "07")
    assert complaint.narrative == "信用卡年费被多扣了两次"


def test_intake_warns_of_the_customers_open_complaint_and_files_only_when_confirmed(org, customer):
    first = register(org, customer)
    client = en(client_for(org.teller_a))
    form = client.get(reverse("complaints:create"), {"customer": customer.uuid}).content.decode()
    assert "already has an open complaint" in form and first.number in form

    refused = intake(client, customer)
    assert refused.status_code == 200
    assert "confirm that this is a different matter" in refused.content.decode()
    assert Complaint.objects.count() == 1  # nothing filed twice
    assert intake(client, customer, file_anyway="on").status_code == 302
    assert Complaint.objects.count() == 2


def test_a_walk_in_complainant_is_recognised_by_the_phone_however_written(org, customer):
    # given: a walk-in complained without being a customer, giving a mobile number
    client = en(client_for(org.teller_a))
    first = intake(client, complainant_name="路人甲", complainant_phone="139 1234 0001")
    assert first.status_code == 302
    stored = Complaint.objects.get()
    assert "13912340001" not in str(stored.complainant_phone_index)  # an HMAC, not the number
    # when: they come back and give it written another way
    again = intake(client, complainant_name="路人甲", complainant_phone="+86 139-1234-0001")
    # then: the open complaint is named and nothing is filed until staff confirm
    page = again.content.decode()
    assert again.status_code == 200 and stored.number in page
    assert "confirm that this is a different matter" in page
    assert Complaint.objects.count() == 1
    # a customer whose own mobile it is is recognised too
    customer.mobile = "13912340002"
    customer.save()
    register(org, customer)
    by_customer = intake(client, complainant_name="路人乙", complainant_phone="13912340002")
    assert by_customer.status_code == 200 and Complaint.objects.count() == 2
    assert (
        intake(client, complainant_name="路人丙", complainant_phone="13912340003").status_code
        == 302
    )


def test_bad_intake_keeps_what_was_typed_and_says_what_is_wrong(org):
    response = intake(
        en(client_for(org.teller_a)), intake_channel="regulator", narrative="网点服务态度差"
    )
    page = response.content.decode()
    assert response.status_code == 200 and not Complaint.objects.exists()
    assert "Give the regulator&#x27;s reference for a transfer." in page  # escaped by Django
    assert "Name the complainant, or choose the customer." in page
    assert "网点服务态度差" in page  # what the customer said is not lost


def test_suggestions_are_offered_with_confidence_and_never_applied(org):
    client = en(client_for(org.teller_a))
    response = client.post(
        reverse("complaints:suggest"), {"narrative": "信用卡年费被多扣了，我要找媒体曝光"}
    )
    page = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert 'data-use-field="business" data-use-value="03"' in page
    assert 'data-use-field="cause" data-use-value="07"' in page
    assert 'data-use-field="priority" data-use-value="urgent"' in page
    assert "% confidence" in page and "keywords" in page
    # the suggestion is only shown: registering without choosing leaves the codes empty
    intake(client, narrative="信用卡年费被多扣了，我要找媒体曝光", complainant_name="张三")
    assert Complaint.objects.get().business is None


def test_guidance_follows_the_customers_temperament_and_the_category(org, customer):
    complaint = register(org, customer)
    HandlingGuidance.objects.filter(topic="category", key="03").update(text_en="Pull the fees.")
    items = {g["topic"]: g["text"] for g in guidance_for(customer, complaint)}
    assert set(items) == {"Every complaint", "Customer's temperament", "Business category"}
    assert items["Business category"] == "Pull the fees."
    assert items["Customer's temperament"].startswith("Analytical")


def test_the_360_page_lists_the_customers_complaints_for_those_allowed(org, customer):
    complaint = register(org, customer)
    page = en(client_for(org.teller_a)).get(reverse("customers:detail", args=[customer.uuid]))
    text = page.content.decode()
    assert complaint.number in text
    assert f"{reverse('complaints:create')}?customer={customer.uuid}" in text


def test_the_360_panel_costs_the_same_queries_however_many_complaints(org, customer):
    from branchcx.complaints.panels import customer_complaints

    register(org, customer)
    with CaptureQueriesContext(connection) as few:
        customer_complaints(org.manager_a, customer)
    for _ in range(12):
        register(org, customer)
    with CaptureQueriesContext(connection) as many:
        customer_complaints(org.manager_a, customer)
    assert len(many) <= len(few) + 1  # one count, only once the panel is full


def test_the_home_page_shows_handlers_what_is_at_risk_today(org, customer):
    late = register(org, customer, received_at=timezone.now() - timedelta(days=17))
    home = en(client_for(org.manager_a)).get(reverse("home")).content.decode()
    assert "Complaints at risk today" in home and late.number in home and "1 overdue" in home
    teller_home = en(client_for(org.teller_a)).get(reverse("home")).content.decode()
    assert "Complaints at risk today" not in teller_home  # tellers do not handle complaints


def test_a_grievance_is_recorded_and_made_a_complaint_that_keeps_its_words(org, customer):
    client = en(client_for(org.teller_a))
    response = client.post(
        reverse("complaints:grievances"),
        {"outlet": "SH0101", "source": "remark", "text": "柜台只开了一个窗口，等了四十分钟"},
    )
    assert response.status_code == 302
    grievance = Grievance.objects.get()
    listing = client.get(reverse("complaints:grievances")).content.decode()
    assert "等了四十分钟" in listing

    refused = client.post(
        reverse("complaints:grievance_promote", args=[grievance.uuid]),
        {"intake_channel": "counter", "priority": "normal"},
    )  # no customer and no complainant named
    assert refused.status_code == 302 and not Complaint.objects.exists()
    assert refused["Location"] == reverse("complaints:grievance", args=[grievance.uuid])
    client.post(
        reverse("complaints:grievance_promote", args=[grievance.uuid]),
        {"intake_channel": "counter", "priority": "normal", "complainant_name": "王先生"},
    )
    complaint = Complaint.objects.get()
    assert complaint.narrative == "柜台只开了一个窗口，等了四十分钟"
    grievance.refresh_from_db()
    assert grievance.promoted_to == complaint
    assert "等了四十分钟" not in client.get(reverse("complaints:grievances")).content.decode()
    other = do_record_grievance(org.teller_b, outlet=org.zj0101, source="survey", text="评分低")
    assert (
        client.post(
            reverse("complaints:grievance_promote", args=[other.uuid]),
            {"intake_channel": "counter", "priority": "normal", "complainant_name": "x"},
        ).status_code
        == 404
    )


def test_opening_a_complaint_shows_both_clocks_and_the_timeline_and_is_audited(org, customer):
    complaint = register(org, customer, received_at=timezone.now() - timedelta(days=13))
    complaint = advance(org, complaint, "accepted")
    response = en(client_for(org.manager_a)).get(
        reverse("complaints:detail", args=[complaint.uuid])
    )
    page = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert complaint.due_on.isoformat() in page and "2 days left" in page
    assert "Internal service targets" in page and "First response" in page
    assert "Registered" in page and "Accepted" in page  # on the timeline
    assert "信用卡分期手续费" in page  # what the customer said
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.VIEW_PERSONAL, target_label=complaint.number
    ).exists()


# --- the voice of the customer: excerpts in the list, the full text audited ---------------------

LONG_REMARK = "柜台只开了一个窗口，排队等了四十分钟，大堂经理也不在，客户说下次要去别的银行办理业务"


def viewed(target) -> int:
    return AuditEvent.objects.filter(
        action=AuditEvent.Action.VIEW_PERSONAL, target_id=str(target.uuid)
    ).count()


def test_the_grievance_list_shows_only_the_start_of_what_was_said_unaudited(org):
    grievance = do_record_grievance(org.teller_a, outlet=org.sh0101, source="remark",
                                    text=LONG_REMARK)  # fmt: skip
    assert len(LONG_REMARK) > EXCERPT_CHARS

    listing = en(client_for(org.manager_a)).get(reverse("complaints:grievances"))

    page = listing.content.decode()
    assert LONG_REMARK[: EXCERPT_CHARS - 1] + "…" in page
    assert LONG_REMARK not in page and "去别的银行办理业务" not in page
    assert reverse("complaints:grievance", args=[grievance.uuid]) in page
    assert viewed(grievance) == 0


def test_reading_a_grievance_in_full_is_audited_and_offers_to_make_it_a_complaint(org):
    grievance = do_record_grievance(org.teller_a, outlet=org.sh0101, source="remark",
                                    text=LONG_REMARK)  # fmt: skip
    address = reverse("complaints:grievance", args=[grievance.uuid])

    response = en(client_for(org.teller_a)).get(address)

    page = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert LONG_REMARK in page
    assert reverse("complaints:grievance_promote", args=[grievance.uuid]) in page
    (event,) = AuditEvent.objects.filter(action="view_personal", target_id=str(grievance.uuid))
    assert (event.actor, event.target_type, event.branch) == (
        org.teller_a, "complaints.Grievance", org.sh0101,
    )  # fmt: skip
    # a read-only role reads it (audited too) and is not offered the promotion
    read_only = en(client_for(org.auditor)).get(address).content.decode()
    assert LONG_REMARK in read_only and "promote-form" not in read_only
    assert viewed(grievance) == 2


def test_a_grievance_of_another_branch_is_404_and_the_page_answers_get_only(org):
    grievance = do_record_grievance(org.teller_a, outlet=org.sh0101, source="remark",
                                    text=LONG_REMARK)  # fmt: skip
    address = reverse("complaints:grievance", args=[grievance.uuid])

    assert client_for(org.teller_b).get(address).status_code == 404
    assert client_for(org.teller_a).post(address).status_code == 405
    anonymous = Client().get(address)
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    assert viewed(grievance) == 0


# --- lists, panel and the complaint page -----------------------------------------------------


def test_the_escalated_filter_leaves_out_every_finished_state(org, customer):
    # given two major complaints (head office knows at once): one open, one review decided
    major = {"co_complainants": 20, "representatives": 5}
    still_open = register(org, customer, **major)
    reviewed = advance(
        org, register(org, customer, **major), "accepted", "investigating", "decided",
        "notified", "review_requested", "review_decided",
    )  # fmt: skip
    assert (reviewed.state, reviewed.escalation) == ("review_decided", 2)

    page = en(client_for(org.manager_a)).get(reverse("complaints:list"), {"due": "escalated"})

    text = page.content.decode()
    assert still_open.number in text and reviewed.number not in text


def test_an_old_open_complaint_comes_first_on_the_customer_panel(org, customer):
    from branchcx.complaints.panels import PANEL_ROWS, customer_complaints

    # given an open complaint older than a full panel of newer, finished ones
    old = register(org, customer, received_at=timezone.now() - timedelta(days=10))
    for _ in range(PANEL_ROWS):
        newer = register(org, customer)
        do_transition(org.manager_a, newer, "withdrawn", expected_version=1, reason="客户撤诉")

    panel = customer_complaints(org.manager_a, customer)

    shown = [row["complaint"] for row in panel["complaints"]]
    assert shown[0] == old and len(shown) == PANEL_ROWS
    assert panel["more"] == 1


def test_after_a_reopening_the_resolution_target_waits_for_the_new_decision(org, customer):
    # given a complaint decided and closed, then reopened by an unhappy customer
    complaint = advance(
        org, register(org, customer), "accepted", "investigating", "decided", "notified",
        "closed",
    )  # fmt: skip
    do_record_revisit(org.teller_a, complaint.revisits.get(), method="phone", satisfaction=1,
                      note="客户认为补偿不足。")  # fmt: skip
    complaint = Complaint.objects.get(pk=complaint.pk)
    assert complaint.state == "investigating"

    # then the first decision no longer meets the resolution target...
    (resolution,) = [t for t in _targets(complaint) if t["label"] == "Resolution"]
    assert resolution["done"] is None and resolution["status"] != "met"

    # ...the decision after the reopening does
    complaint = advance(org, complaint, "decided")
    decided_again = complaint.timeline.filter(to_state="decided").order_by("-at").first()
    (resolution,) = [t for t in _targets(complaint) if t["label"] == "Resolution"]
    assert resolution["done"] == decided_again.at
    assert complaint.timeline.filter(to_state="decided").count() == 2


def test_the_list_does_not_prefetch_what_it_does_not_show(org, customer):
    for _ in range(3):
        register(org, customer)
    client = en(client_for(org.manager_a))
    client.get(reverse("complaints:list"))  # warm the session
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("complaints:list")).status_code == 200
    assert not any("complaints_clockpause" in q["sql"] for q in queries.captured_queries)


# --- the interface's language ------------------------------------------------------------------


def test_classification_names_follow_the_interface_language(org, customer):
    Classification.objects.filter(axis="cause", code="07").update(name_en="")
    complaint = register(org, customer, cause=code("cause", "07"))
    chinese_cause = code("cause", "07").name
    address = reverse("complaints:detail", args=[complaint.uuid])

    english = en(client_for(org.manager_a)).get(address).content.decode()
    listing = en(client_for(org.manager_a)).get(reverse("complaints:list")).content.decode()
    chinese = client_for(org.manager_a).get(address).content.decode()

    assert "03 Bank cards" in english and "03 银行卡" not in english
    assert '<dd class="col-sm-9">Instalments</dd>' in english  # the card sub-reason
    assert f"07 {chinese_cause}" in english  # no English name given: the Chinese one
    assert "<td>Bank cards</td>" in listing
    assert "03 银行卡" in chinese and "Bank cards" not in chinese
    intake_form = en(client_for(org.teller_a)).get(reverse("complaints:create")).content.decode()
    assert ">03 Bank cards</option>" in intake_form
    assert 'aria-label="Breadcrumb"' in english
