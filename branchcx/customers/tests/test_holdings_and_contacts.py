from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from branchcx.customers.actions import (
    do_create_customer,
    do_log_interaction,
    do_upsert_holding,
)
from branchcx.customers.models import Customer, Holding, Interaction, Product
from branchcx.customers.queries import refresh_aum


def product(code: str) -> Product:
    return Product.objects.get(code=code)


def hold(org, customer, code: str, account: str, balance: str, **kw):
    return do_upsert_holding(
        org.teller_a,
        customer,
        product=product(code),
        account_number=account,
        balance=balance,
        opened_on=date(2020, 1, 1),
        **kw,
    )


def test_aum_counts_asset_holdings_only_and_sets_the_tier(org, customer):
    hold(org, customer, "demand-cny", "6222021234567890", "120000.00")
    hold(org, customer, "wm-fixed", "1000200030004000", "450000.00")
    hold(org, customer, "loan-mortgage", "5000600070008000", "-800000.00")
    hold(
        org,
        customer,
        "time-1y",
        "9000800070006000",
        "99999.99",
        status="closed",
        closed_on=date(2023, 1, 1),
    )
    customer.refresh_from_db()
    assert customer.aum == Decimal("570000.00")
    assert customer.tier.code == "platinum"


def test_upsert_updates_the_same_account_instead_of_duplicating(org, customer):
    first = hold(org, customer, "demand-cny", "6222 0212 3456 7890", "100.00")
    second = hold(org, customer, "demand-cny", "6222021234567890", "60000.00")
    assert first.pk == second.pk
    assert Holding.objects.count() == 1
    customer.refresh_from_db()
    assert customer.tier.code == "gold"


def test_account_numbers_are_encrypted(org, customer):
    holding = hold(org, customer, "demand-cny", "6222021234567890", "1.00")
    with connection.cursor() as cursor:
        cursor.execute("SELECT account_number FROM customers_holding WHERE id = %s", [holding.pk])
        assert "6222021234567890" not in cursor.fetchone()[0]


def test_negative_balance_only_for_what_the_customer_owes(org, customer):
    with pytest.raises(ValidationError) as caught:
        hold(org, customer, "demand-cny", "6222021234567890", "-5.00")
    assert "balance" in caught.value.message_dict
    assert not Holding.objects.exists()


def test_an_account_cannot_move_to_another_customer(org, customer):
    other = do_create_customer(
        org.teller_a,
        customer_no="C2",
        home_outlet=org.sh0101,
        became_customer_on=date(2020, 1, 1),
        name="李四",
        id_type="passport",
        id_number="E00000001",
    )
    hold(org, customer, "demand-cny", "6222021234567890", "1.00")
    with pytest.raises(ValidationError):
        hold(org, other, "demand-cny", "6222021234567890", "2.00")


def test_refreshing_many_customers_takes_a_fixed_number_of_queries(
    org, customer, django_assert_max_num_queries
):
    for n in range(5):
        c = do_create_customer(
            org.teller_a,
            customer_no=f"C9{n}",
            home_outlet=org.sh0101,
            became_customer_on=date(2020, 1, 1),
            name=f"客户{n}",
            id_type="passport",
            id_number=f"E9000000{n}",
        )
        Holding.objects.create(
            customer=c,
            product=product("demand-cny"),
            account_number=f"62220212345678{n}0",
            balance=Decimal(n * 150000),
            opened_on=date(2020, 1, 1),
        )
    with django_assert_max_num_queries(2):
        refresh_aum(Customer.objects.all())
    assert Customer.objects.get(customer_no="C94").tier.code == "platinum"


def test_contact_is_recorded_encrypted_and_marks_activity(org, customer):
    contact = do_log_interaction(
        org.teller_a,
        customer,
        channel="counter",
        purpose="enquiry",
        outcome="follow_up",
        presentation="confused",
        notes="客户询问大额存单利率，下周回电",
        follow_up_on=timezone.localdate() + timedelta(days=7),
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT notes FROM customers_interaction WHERE id = %s", [contact.pk])
        assert "大额存单" not in cursor.fetchone()[0]
    customer.refresh_from_db()
    assert customer.last_activity_at == contact.occurred_at
    assert Interaction.objects.visible_to(org.teller_b).count() == 0
    assert Interaction.objects.visible_to(org.manager_a).get().notes.startswith("客户询问")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"notes": "  "}, "notes"),
        ({"outcome": "follow_up", "follow_up_on": None}, "follow_up_on"),
        ({"occurred_at": timezone.now() + timedelta(hours=1)}, "occurred_at"),
        ({"channel": "pigeon"}, "channel"),
    ],
)
def test_incomplete_contacts_are_refused(org, customer, changes, field):
    fields = {
        "channel": "phone",
        "purpose": "care",
        "outcome": "resolved",
        "notes": "生日问候",
        **changes,
    }
    with pytest.raises(ValidationError) as caught:
        do_log_interaction(org.teller_a, customer, **fields)
    assert field in caught.value.message_dict
    assert not Interaction.objects.exists()


def test_auditors_do_not_record_contacts(org, customer):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        do_log_interaction(
            org.auditor, customer, channel="phone", purpose="care", outcome="resolved", notes="x"
        )


def test_refreshing_no_customers_is_a_no_op(db):
    assert refresh_aum(Customer.objects.none()) == 0
    assert refresh_aum(Customer.objects.filter(pk__in=[])) == 0
