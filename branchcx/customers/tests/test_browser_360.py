"""The 360 page in a real browser: the ECharts chart draws under our CSP, the unmask form
works through htmx, and the page reports no script error or CSP violation."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from branchcx.customers.actions import do_create_customer, do_upsert_holding
from branchcx.customers.models import Product, Transaction
from branchcx.testing import PASSWORD, Org

from .conftest import ID_ZHANG

pytestmark = pytest.mark.browser


def test_360_chart_draws_and_unmask_works(page: Page, live_org: Org) -> None:
    customer = do_create_customer(
        live_org.teller_a,
        customer_no="C0000001",
        home_outlet=live_org.sh0101,
        became_customer_on=date(2015, 6, 1),
        name="张三丰",
        id_number=ID_ZHANG,
        mobile="13812345678",
    )
    holding = do_upsert_holding(
        live_org.teller_a,
        customer,
        product=Product.objects.get(code="demand-cny"),
        account_number="31050161373600001234",
        balance="5000.00",
        opened_on=date(2020, 1, 1),
    )
    Transaction.objects.create(
        customer=customer,
        holding=holding,
        amount=Decimal("800.00"),
        direction="credit",
        kind="deposit",
        channel="counter",
        occurred_at=timezone.now() - timedelta(days=3),
    )
    page.goto("/login/")
    page.locator("#id_username").fill(live_org.manager_a.get_username())
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/home/$"))

    page.goto(f"/customers/{customer.uuid}/")
    expect(page.locator("#txn-chart")).to_have_attribute("data-ready", "1")
    expect(page.locator("#txn-chart canvas")).to_have_count(1)
    mobile = page.locator("#personal-mobile")
    expect(mobile).to_contain_text("138****5678")
    mobile.locator("input[name=reason]").fill("客户来电核实")
    mobile.locator("button[type=submit]").click()
    expect(mobile.locator("[data-unmasked=mobile]")).to_have_text("13812345678")
