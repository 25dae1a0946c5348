"""The management pages in a real browser: the questionnaire editor puts the cursor on a syntax
error and lays JSON out again, and the preview and the printed stand draw under our CSP."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from branchcx.surveys.actions import do_issue_feedback_code, do_publish, do_save_draft
from branchcx.surveys.models import Survey
from branchcx.surveys.tests.test_answering import DEFINITION
from branchcx.testing import PASSWORD, Org

pytestmark = pytest.mark.browser


def sign_in(page: Page, user) -> None:
    page.goto("/login/")
    page.locator("#id_username").fill(user.get_username())
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/home/$"))


def test_the_editor_points_at_a_syntax_error_and_formats_json(page: Page, live_org: Org) -> None:
    survey = Survey.objects.create(code="browser-check", kind="custom", name="浏览器检查")
    do_save_draft(live_org.head_office, survey, DEFINITION, expected_version=1)
    do_publish(live_org.head_office, survey, expected_version=2)
    lobby = do_issue_feedback_code(live_org.head_office, survey=survey, outlet=live_org.sh0101)
    sign_in(page, live_org.head_office)

    # a syntax error on line 3: the cursor lands there after the refused save
    page.goto(f"/surveys/manage/{survey.code}/edit/")
    editor = page.locator("#id_definition")
    editor.fill('{\n  "title": {"zh": "x"},\n  "sections": [,]\n}')
    page.locator("#save-draft").click()
    expect(page.locator("#definition-errors")).to_be_visible()
    start = editor.evaluate("e => e.selectionStart")
    assert editor.input_value()[:start].count("\n") == 2  # on the third line

    # Format lays a valid document out again
    editor.fill('{"title": {"zh": "x"}, "sections": []}')
    page.locator("#format-json").click()
    assert editor.input_value().startswith('{\n  "title": {\n')

    # the preview of version 1 and the printed stand draw without a CSP violation
    page.goto(f"/surveys/manage/{survey.code}/v1/preview/")
    expect(page.locator("#preview-banner")).to_be_visible()
    page.goto(f"/surveys/manage/lobby/{lobby.pk}/print/")
    qr = page.locator(".stand-qr svg")
    expect(qr).to_be_visible()
    assert qr.bounding_box()["width"] > 200  # sized by the print CSS, not the SVG
