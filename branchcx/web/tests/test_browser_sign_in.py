"""Sign in, switch language and sign out in a real browser (headless Chromium).

The ``page`` fixture (branchcx.browser_testing) fails these tests on any CSP violation,
JavaScript error or failed request, so they also prove the shell runs under our CSP.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from branchcx.browser_testing import BrowserProblems
from branchcx.testing import PASSWORD, Org

pytestmark = pytest.mark.browser


def test_sign_in_switch_language_and_sign_out(page: Page, live_org: Org) -> None:
    html = page.locator("html")

    # Anonymous visitors land on the sign-in page, in Chinese for a zh-CN browser.
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/$"))
    expect(html).to_have_attribute("lang", "zh-hans")
    expect(page.locator("main h1")).to_have_text("登录")

    page.locator("#id_username").fill(live_org.teller_a.get_username())
    page.locator("#id_password").fill(PASSWORD)
    # Scoped to <main>: the navbar's language switch is a form with submit buttons too.
    page.locator("main button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/home/$"))

    # The language buttons post to set_language and come back to the same page.
    page.locator('button[data-language="en"]').click()
    expect(html).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/home/$"))
    sign_out = page.locator("#user-menu + .dropdown-menu #sign-out")
    expect(sign_out).to_have_text("Sign out")

    # The menu opens only if Bootstrap's JavaScript loaded and ran under the CSP.
    expect(sign_out).to_be_hidden()
    page.locator("button#user-menu").click()
    expect(sign_out).to_be_visible()
    sign_out.click()

    expect(page).to_have_url(re.compile(r"/login/$"))
    expect(page.locator("main h1")).to_have_text("Sign in")


def test_inline_script_is_refused_and_reported(
    page: Page, browser_problems: BrowserProblems
) -> None:
    page.goto("/login/")
    assert browser_problems.all() == []

    # The CSP allows scripts only from our own files: an injected inline script must not run,
    # and the refusal must reach the fixture (which would fail any other test because of it).
    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.inlineScriptRan = true;";
            document.body.append(script);
        }"""
    )
    browser_problems.wait_for(page, lambda: browser_problems.csp_violations)
    assert page.evaluate("window.inlineScriptRan") is None
    assert any("script-src" in v for v in browser_problems.csp_violations)

    browser_problems.clear()  # provoked on purpose: let teardown pass


def test_javascript_error_is_reported(page: Page, browser_problems: BrowserProblems) -> None:
    page.goto("/login/")
    # Thrown outside page.evaluate, like a bug in one of our scripts would be.
    page.evaluate("() => { setTimeout(() => { throw new Error('deliberate failure'); }); }")
    browser_problems.wait_for(page, lambda: browser_problems.page_errors)
    assert "deliberate failure" in browser_problems.page_errors[0]

    browser_problems.clear()
