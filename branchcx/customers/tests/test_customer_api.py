"""The customer API: list, exact search by POST, the 360 view, history, contacts, unmasking;
and the 360 page's and endpoint's query counts staying flat as a relationship grows."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from branchcx.audit.models import AuditEvent
from branchcx.customers.actions import do_log_interaction, do_upsert_holding
from branchcx.customers.models import Holding, Interaction, Product, Transaction
from branchcx.testing import api_client_for, assert_scope_rules, client_for


def grow(org, customer, holdings: int, transactions: int, contacts: int) -> None:
    products = list(
        Product.objects.filter(category__in=["demand_deposit", "time_deposit", "wealth", "fund"])
    )
    start = Holding.objects.count()
    for i in range(holdings):
        do_upsert_holding(
            org.teller_a,
            customer,
            product=products[i % len(products)],
            account_number=f"{31050161373600000000 + start + i}",
            balance=f"{1000 * (i + 1)}.00",
            opened_on=date(2020, 1, 1),
        )
    holding = Holding.objects.filter(customer=customer).first()
    now = timezone.now()
    Transaction.objects.bulk_create(
        Transaction(
            customer=customer,
            holding=holding,
            outlet=org.sh0101,
            amount=Decimal("100.00") + i,
            direction="credit" if i % 3 else "debit",
            kind="deposit",
            channel="counter",
            occurred_at=now - timedelta(days=i % 360, minutes=i),
        )
        for i in range(transactions)
    )
    for i in range(contacts):
        do_log_interaction(
            org.teller_a,
            customer,
            channel="phone",
            purpose="care",
            outcome="resolved",
            notes=f"第{i}次回访",
            occurred_at=now - timedelta(days=i + 1),
        )


def count_queries(fetch) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = fetch()
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_360_page_and_endpoint_query_counts_do_not_grow_with_the_relationship(org, customer):
    web = client_for(org.teller_a)
    api = api_client_for(org.teller_a)
    grow(org, customer, holdings=2, transactions=3, contacts=1)
    api.get("/api/v1/me")  # the token's first use is recorded once; measure after it
    page_small = count_queries(lambda: web.get(f"/customers/{customer.uuid}/"))
    api_small = count_queries(lambda: api.get(f"/api/v1/customers/{customer.uuid}"))
    grow(org, customer, holdings=25, transactions=400, contacts=30)
    assert count_queries(lambda: web.get(f"/customers/{customer.uuid}/")) == page_small
    assert count_queries(lambda: api.get(f"/api/v1/customers/{customer.uuid}")) == api_small


def test_list_is_masked_paginated_and_scoped(org, customer):
    body = assert_scope_rules(
        f"/api/v1/customers/{customer.uuid}", insider=org.teller_a, outsider=org.teller_b, api=True
    ).json()
    assert body["profile"]["name"] == "张*丰"
    listing = api_client_for(org.manager_a).get("/api/v1/customers?page=1").json()
    assert listing["count"] == 1
    row = listing["items"][0]
    assert (row["customer_no"], row["mobile"], row["name"]) == ("C0000001", "138****5678", "张*丰")
    assert api_client_for(org.manager_b).get("/api/v1/customers").json()["count"] == 0


def test_search_is_a_post_and_exact(org, customer):
    api = api_client_for(org.teller_a)
    for text in ("13812345678", "31010419850307001x", "张三丰", "张", "C0000001"):
        found = api.post("/api/v1/customers/search", {"q": text}, content_type="application/json")
        assert [c["customer_no"] for c in found.json()] == ["C0000001"], text
    none = api.post("/api/v1/customers/search", {"q": "张三"}, content_type="application/json")
    assert none.json() == []
    outsider = api_client_for(org.teller_b)
    assert (
        outsider.post(
            "/api/v1/customers/search", {"q": "13812345678"}, content_type="application/json"
        ).json()
        == []
    )


def test_360_endpoint_holds_the_relationship_masked_and_is_audited(org, customer):
    grow(org, customer, holdings=2, transactions=5, contacts=1)
    body = api_client_for(org.teller_a).get(f"/api/v1/customers/{customer.uuid}").json()
    assert body["profile"]["id_number"] == "3101**********001X"
    assert body["profile"]["mobile"] == "138****5678"
    assert body["profile"]["email"] == "z***@example.com"
    assert body["assets"] == "3000.00" and body["profile"]["aum"] == "3000.00"
    assert len(body["holdings"]) == 2
    assert all(h["account_number"].startswith("****") for h in body["holdings"])
    assert len(body["monthly"]) == 12 and sum(m["count"] for m in body["monthly"]) == 5
    assert body["recent_contacts"][0]["notes"] == "第0次回访"
    assert "13812345678" not in str(body)
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.VIEW_PERSONAL, target_id=customer.uuid, actor=org.teller_a
    ).exists()


def test_transactions_and_contacts_are_paginated(org, customer):
    grow(org, customer, holdings=1, transactions=120, contacts=3)
    api = api_client_for(org.teller_a)
    page = api.get(f"/api/v1/customers/{customer.uuid}/transactions?page=3").json()
    assert page["count"] == 120 and len(page["items"]) == 20  # 50 per page
    contacts = api.get(f"/api/v1/customers/{customer.uuid}/contacts").json()
    assert contacts["count"] == 3
    assert (
        api_client_for(org.teller_b)
        .get(f"/api/v1/customers/{customer.uuid}/transactions")
        .status_code
        == 404
    )


def test_log_contact_validates_and_keeps_the_notes(org, customer):
    api = api_client_for(org.teller_a)
    url = f"/api/v1/customers/{customer.uuid}/contacts"
    bad = api.post(
        url,
        {"channel": "fax", "purpose": "service", "outcome": "resolved", "notes": "x"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and "channel" in bad.json()["errors"]
    ok = api.post(
        url,
        {"channel": "phone", "purpose": "service", "outcome": "resolved", "notes": "办理挂失"},
        content_type="application/json",
    )
    assert ok.status_code == 201 and ok.json()["notes"] == "办理挂失"
    assert Interaction.objects.get().notes == "办理挂失"
    auditor = api_client_for(org.auditor).post(
        url,
        {"channel": "phone", "purpose": "service", "outcome": "resolved", "notes": "x"},
        content_type="application/json",
    )
    assert auditor.status_code == 403


@pytest.mark.parametrize(
    "field,value", [("mobile", "13812345678"), ("address", "上海市浦东新区世纪大道100号")]
)
def test_unmask_endpoint_is_audited(org, customer, field, value):
    api = api_client_for(org.manager_a)
    url = f"/api/v1/customers/{customer.uuid}/unmask"
    shown = api.post(
        url, {"field": field, "reason": "核对回访地址"}, content_type="application/json"
    )
    assert shown.json() == {"field": field, "value": value}
    assert (
        AuditEvent.objects.filter(action="unmask", field=field, reason="核对回访地址").count() == 1
    )
    teller = api_client_for(org.teller_a).post(
        url, {"field": field, "reason": "核对回访地址"}, content_type="application/json"
    )
    assert teller.status_code == 403
