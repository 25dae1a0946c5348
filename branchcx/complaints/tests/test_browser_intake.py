"""Intake in a real browser: typing what the customer said brings suggestions (htmx), and a
suggestion is applied only when "Use" is clicked; the page raises no script or CSP error."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from branchcx.complaints.models import Complaint
from branchcx.testing import PASSWORD, Org

pytestmark = pytest.mark.browser


def test_suggestions_appear_while_typing_and_apply_only_when_chosen(
    page: Page, live_org: Org
) -> None:
    page.goto("/login/")
    page.locator("#id_username").fill(live_org.teller_a.get_username())
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/home/$"))

    page.goto("/complaints/new/")
    page.locator("#id_complainant_name").fill("张先生")
    page.locator("#id_narrative").fill("信用卡年费被多扣了两次，不处理就找媒体曝光")
    use_business = page.locator('[data-use-field="business"]')
    expect(use_business).to_be_visible()
    expect(page.locator("#id_business")).to_have_value("")  # shown, not applied

    use_business.click()
    expect(page.locator("#id_business")).to_have_value("03")
    expect(page.locator("#id_priority")).to_have_value("normal")  # the other one was not used
    page.locator("#intake-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/complaints/[0-9a-f-]{36}/$"))
    complaint = Complaint.objects.get()
    assert (complaint.business.code, complaint.priority) == ("03", "normal")
