from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Count, F, Sum
from django.utils import timezone
from stdnum.cn import ric

from branchcx.customers.demo import CONTACT_NOTES, build_customers
from branchcx.customers.models import Customer, Holding, Interaction, Product, Transaction
from branchcx.org.demo import build_organisation


@pytest.fixture
def demo(db):
    build_organisation(branches=2, seed=3)
    return build_customers(customers=200, months=6, seed=3)


def test_demo_records_are_valid_and_consistent(demo):
    assert demo.customers == Customer.objects.count() == 200
    assert demo.transactions == Transaction.objects.count() > 200 * 6
    assert demo.holdings == Holding.objects.count()
    # identity numbers agree with birth date and sex (17th digit odd for men)
    for customer in Customer.objects.all()[:80]:
        assert ric.is_valid(customer.id_number)
        assert ric.get_birth_date(customer.id_number) == customer.birth_date
        assert (int(customer.id_number[16]) % 2 == 1) == (customer.gender == "male")
    # customers live in outlets; transactions move money on their own accounts, in the past
    assert set(Customer.objects.values_list("home_outlet__level", flat=True)) == {"outlet"}
    assert not Transaction.objects.exclude(holding__customer_id=F("customer_id")).exists()
    assert not Transaction.objects.filter(occurred_at__gt=timezone.now()).exists()
    # what a contact note says fits the contact's purpose (no greeting filed as a complaint)
    contacts = set(Interaction.objects.values_list("purpose", "notes"))
    assert contacts and contacts <= set(CONTACT_NOTES)


def test_aum_follows_holdings_and_wealth_is_skewed(demo):
    for customer in Customer.objects.order_by("-aum")[:15]:
        assets = Holding.objects.filter(
            customer=customer, product__category__in=Product.ASSET_CATEGORIES
        ).aggregate(total=Sum("balance"))["total"] or Decimal(0)
        assert customer.aum == assets
    aums = sorted(Customer.objects.values_list("aum", flat=True), reverse=True)
    assert sum(aums[: len(aums) // 10]) / sum(aums) > Decimal("0.4")
    standard = Customer.objects.filter(tier__code="standard").count()
    assert standard > Customer.objects.filter(tier__code="platinum").count() > 0


def test_activity_is_heterogeneous(demo):
    recent = timezone.now() - timedelta(days=120)
    quiet = Customer.objects.exclude(last_activity_at__gte=recent).count()
    assert 0 < quiet < 200
    per_customer = sorted(
        Transaction.objects.values("customer").annotate(n=Count("id")).values_list("n", flat=True)
    )
    # frequent users transact many times more than the typical customer
    assert per_customer[-1] >= 4 * per_customer[len(per_customer) // 2]
