"""The customer pages: search, the 360 page and its panels, contacts, edits, unmasking."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from branchcx.audit.models import AuditEvent
from branchcx.customers.actions import do_log_interaction, do_upsert_holding
from branchcx.customers.models import Customer, Interaction, Product, Tag, Transaction
from branchcx.org.models import Role
from branchcx.testing import assert_scope_rules, client_for, make_staff
from branchcx.web.panels import Column, Panel, customer_panels


@pytest.fixture
def rich(org, customer) -> Customer:
    """张三丰 with a deposit, a card, two transactions and an agitated contact."""
    deposit = do_upsert_holding(
        org.teller_a,
        customer,
        product=Product.objects.get(code="demand-cny"),
        account_number="31050161373600001234",
        balance="80000.00",
        opened_on=date(2016, 1, 4),
    )
    do_upsert_holding(
        org.teller_a,
        customer,
        product=Product.objects.get(code="card-credit"),
        account_number="6222021234567890",
        balance="-1200.50",
        credit_limit="30000",
        opened_on=date(2018, 5, 1),
    )
    now = timezone.now()
    Transaction.objects.bulk_create(
        [
            Transaction(
                customer=customer,
                holding=deposit,
                amount=Decimal("15000.00"),
                direction="credit",
                kind="salary",
                channel="system",
                occurred_at=now - timedelta(days=40),
            ),
            Transaction(
                customer=customer,
                holding=deposit,
                amount=Decimal("2300.00"),
                direction="debit",
                kind="withdrawal",
                channel="counter",
                outlet=org.sh0101,
                occurred_at=now - timedelta(days=2),
            ),
        ]
    )
    do_log_interaction(
        org.teller_a,
        customer,
        channel="counter",
        purpose="service",
        outcome="follow_up",
        presentation="agitated",
        notes="客户对排队时间不满，要求回电。",
        follow_up_on=timezone.localdate() + timedelta(days=1),
    )
    customer.temperament = "analytical"
    customer.save(update_fields=["temperament"])
    return Customer.objects.get(pk=customer.pk)


def test_360_page_shows_the_whole_relationship_masked_and_is_audited(org, rich):
    page = client_for(org.teller_a).get(f"/customers/{rich.uuid}/")
    assert page.status_code == 200
    html = page.content.decode()
    # masked profile: no plaintext personal data anywhere on the page
    for secret in ("张三丰", "13812345678", "31010419850307001X", "世纪大道", "6222021234567890"):
        assert secret not in html, secret
    assert "张*丰" in html and "138****5678" in html and "3101**********001X" in html
    # holdings with AUM, tier and masked account numbers
    assert "人民币活期存款" in html and "622202******7890" in html
    assert "****************1234" in html
    assert "80,000.00" in html
    # transactions chart data and table; contacts; guidance for the agitated last contact
    assert 'id="txn-chart-data"' in html and "txn-chart" in html
    assert "客户对排队时间不满" in html
    assert 'id="panel-guidance"' in html and "alert-warning" in html
    assert page["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(action=AuditEvent.Action.VIEW_PERSONAL, target_id=rich.uuid)
    assert event.actor == org.teller_a and event.target_label == "C0000001 张*丰"
    assert event.branch == org.sh0101


def test_360_page_keeps_scope_rules(org, rich):
    assert_scope_rules(f"/customers/{rich.uuid}/", insider=org.manager_a, outsider=org.teller_b)
    assert client_for(org.manager_b).get(f"/customers/{rich.uuid}/").status_code == 404
    assert client_for(org.head_office).get(f"/customers/{rich.uuid}/").status_code == 200


def test_a_registered_panel_appears_without_editing_the_page(org, rich):
    panel = Panel(
        key="test-extra",
        title="Extra panel",
        template="customers/panels/guidance.html",
        build=lambda user, customer: {"customer": customer},
        permission="audit.view_auditevent",
        column=Column.MAIN,
        order=99,
    )
    customer_panels.register(panel)
    try:
        assert panel in customer_panels.registered()
        manager = client_for(org.manager_a).get(f"/customers/{rich.uuid}/").content.decode()
        teller = client_for(org.teller_a).get(f"/customers/{rich.uuid}/").content.decode()
    finally:
        customer_panels.unregister("test-extra")
    assert 'id="panel-test-extra"' in manager
    assert 'id="panel-test-extra"' not in teller  # the panel's permission is respected


def test_search_keeps_personal_data_out_of_the_url(org, rich):
    client = client_for(org.teller_a)
    found = client.post("/customers/", {"q": "138 1234 5678"})
    assert found.status_code == 302
    assert "1381234" not in found["Location"] and "search=" in found["Location"]
    listing = client.get(found["Location"])
    assert "C0000001" in listing.content.decode()
    assert "13812345678" not in listing.content.decode()
    # a search key of another session reveals nothing
    other = client_for(org.manager_a).get(found["Location"])
    assert other.status_code == 200
    assert 'name="q" id="q" value=""' in other.content.decode()


def test_list_filters_by_tier_and_tag_within_scope(org, rich):
    tag = Tag.objects.get(code="retirement")
    rich.tags.add(tag)
    client = client_for(org.manager_a)
    assert "C0000001" in client.get("/customers/?tag=retirement").content.decode()
    assert "C0000001" not in client.get("/customers/?tag=edu-planning").content.decode()
    assert "C0000001" in client.get(f"/customers/?tier={rich.tier.code}").content.decode()
    assert "C0000001" not in client.get("/customers/?rm=not-a-staff-id").content.decode()
    empty = client_for(org.manager_b).get("/customers/").content.decode()
    assert "C0000001" not in empty
    assert "暂无客户" in empty


def test_logging_a_contact_keeps_every_word(org, customer):
    client = client_for(org.teller_a)
    url = f"/customers/{customer.uuid}/contacts/new/"
    notes = "  客户说：\n希望下周三上午来办理定期转存，=SUM(A1) 也照记。  "
    missing = client.post(
        url, {"channel": "counter", "purpose": "enquiry", "outcome": "follow_up", "notes": notes}
    )
    assert missing.status_code == 200  # the follow-up date is required: the form comes back
    assert "希望下周三上午" in missing.content.decode()  # nothing typed is lost
    assert not Interaction.objects.exists()
    saved = client.post(
        url,
        {
            "channel": "counter",
            "purpose": "enquiry",
            "outcome": "follow_up",
            "notes": notes,
            "follow_up_on": (timezone.localdate() + timedelta(days=7)).isoformat(),
        },
    )
    assert saved.status_code == 302
    contact = Interaction.objects.get()
    assert contact.notes == notes.strip()
    assert contact.staff.user == org.teller_a


def test_auditor_reads_but_cannot_log_or_edit(org, customer):
    auditor = client_for(org.auditor)
    assert auditor.get(f"/customers/{customer.uuid}/").status_code == 200
    assert auditor.get(f"/customers/{customer.uuid}/contacts/new/").status_code == 403
    assert auditor.get(f"/customers/{customer.uuid}/edit/").status_code == 403
    assert (
        auditor.post(
            f"/customers/{customer.uuid}/unmask/", {"field": "mobile", "reason": "look"}
        ).status_code
        == 403
    )


def test_edit_replaces_only_typed_contact_details_and_detects_conflicts(org, customer):
    rm = make_staff("rm_a", Role.RELATIONSHIP_MANAGER, org.sh0101, 20)
    client = client_for(org.teller_a)
    url = f"/customers/{customer.uuid}/edit/"
    form = client.get(url).content.decode()
    assert "13812345678" not in form and "世纪大道" not in form  # never pre-filled
    data = {
        "version": customer.version,
        "mobile": "",
        "email": "",
        "address": "",
        "occupation": "教师",
        "relationship_manager": str(rm.uuid),
        "kyc_risk": "low",
        "temperament": "amiable",
        "value_orientation": "service",
        "preferred_channel": "phone",
        "contact_times": "工作日晚上",
        "marketing_consent": "on",
        "tags": ["retirement", "low-risk"],
    }
    assert client.post(url, data).status_code == 302
    customer.refresh_from_db()
    assert customer.mobile == "13812345678"  # empty kept it
    assert customer.temperament == "amiable" and customer.relationship_manager == rm
    assert customer.marketing_consent and customer.marketing_consent_at is not None
    assert {t.code for t in customer.tags.all()} == {"retirement", "low-risk"}
    # a second save with the old version is refused, and nothing changes
    stale = client.post(url, {**data, "occupation": "律师"})
    assert stale.status_code == 200
    customer.refresh_from_db()
    assert customer.occupation == "教师"


def test_unmask_needs_a_reason_and_is_audited(org, customer):
    client = client_for(org.manager_a)
    url = f"/customers/{customer.uuid}/unmask/"
    refused = client.post(url, {"field": "mobile", "reason": "x"})
    assert refused.status_code == 422 and "13812345678" not in refused.content.decode()
    shown = client.post(url, {"field": "mobile", "reason": "客户来电核实身份"})
    assert "13812345678" in shown.content.decode()
    event = AuditEvent.objects.get(action=AuditEvent.Action.UNMASK)
    assert (event.field, event.reason, event.actor) == ("mobile", "客户来电核实身份", org.manager_a)
    # tellers serve with masked data only
    assert (
        client_for(org.teller_a)
        .post(url, {"field": "mobile", "reason": "客户来电核实身份"})
        .status_code
        == 403
    )
