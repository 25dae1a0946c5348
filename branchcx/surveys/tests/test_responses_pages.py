"""The response pages and the masked Excel export: scoped, masked, audited, capped."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from branchcx.audit.models import AuditEvent
from branchcx.surveys.actions import do_leave_contact
from branchcx.surveys.tests.test_answering import QUALITY, answer_all
from branchcx.surveys.tests.test_api import (
    COMMENT_SHOWN,
    answer_in_lobby,
    answer_invited,
    answered_set,
    make_customer,
)
from branchcx.testing import assert_scope_rules, client_for


@pytest.fixture
def answered(org, survey):
    return answered_set(org, survey)


def english(user):
    client = client_for(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def workbook(response):
    assert response.status_code == 200, response.content[:500]
    return load_workbook(io.BytesIO(response.content))


def sheet_rows(book, title):
    return [list(row) for row in book[title].iter_rows(values_only=True)]


# --- the list --------------------------------------------------------------------------------


def test_the_list_shows_the_scopes_responses_masked(org, answered):
    page = english(org.manager_a).get(reverse("surveys:responses"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "欧*明" in text and "欧阳明" not in text and "C9001" in text
    assert "C9002" not in text and "周静" not in text  # answered anonymously
    assert "柜台只开了一个窗口" not in text  # comments only on the response's page
    shown = {row["response"].uuid for row in page.context["rows"]}
    assert shown == {answered.identified.uuid, answered.anonymous.uuid, answered.lobby.uuid}
    assert reverse("surveys:export_responses") in text
    theirs = client_for(org.manager_b).get(reverse("surveys:responses")).context["rows"]
    assert [row["response"].uuid for row in theirs] == [answered.theirs.uuid]


def test_the_list_filters_by_survey_outlet_period_and_respondents(org, answered):
    client = client_for(org.head_office)
    url = reverse("surveys:responses")

    def shown(**query):
        return {row["response"].uuid for row in client.get(url, query).context["rows"]}

    assert shown(who="identified") == {answered.identified.uuid, answered.theirs.uuid}
    assert shown(who="anonymous") == {answered.anonymous.uuid, answered.lobby.uuid}
    assert shown(outlet="ZJ0101") == {answered.theirs.uuid}
    assert len(shown(survey="outlet-service")) == 4
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert shown(start=tomorrow.isoformat()) == set()
    assert shown(start=tomorrow.isoformat(), end=timezone.localdate().isoformat()) == set()
    # an outlet outside the scope is not a choice
    refused = client_for(org.manager_a).get(url, {"outlet": "ZJ0101"})
    assert "outlet" in refused.context["form"].errors and refused.context["rows"] == []


def test_the_list_needs_the_right_to_read_responses(org, answered):
    assert client_for(org.teller_a).get(reverse("surveys:responses")).status_code == 403
    assert client_for(org.teller_a).post(reverse("surveys:responses")).status_code == 405


def test_the_list_costs_the_same_queries_however_many_responses(org, survey):
    client = client_for(org.manager_a)
    first = make_customer(org.teller_a, org.sh0101, 20, "甲乙")
    answer_invited(org, survey, first, org.sh0101, overall={"csat": 1, "nps": 1})

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("surveys:responses")).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for n in range(21, 25):
        answer_invited(org, survey, make_customer(org.teller_a, org.sh0101, n, "丙丁"), org.sh0101)
    answer_in_lobby(org, survey)
    assert count() == few


# --- one response ----------------------------------------------------------------------------


def test_a_response_is_scoped_worded_audited_and_not_cached(org, answered):
    url = reverse("surveys:response", args=[answered.identified.uuid])
    page = assert_scope_rules(url, insider=org.manager_a, outsider=org.manager_b,
                              read_only=org.teller_a)  # fmt: skip
    assert page["Cache-Control"] == "no-store"
    text = english(org.manager_a).get(url).content.decode()
    assert "What disappointed you?" in text and COMMENT_SHOWN in text
    assert "Employees of excellent banks give prompt service." in text
    assert "欧*明" in text and "欧阳明" not in text
    assert reverse("surveys:follow_up", args=[answered.identified.follow_up.uuid]) in text
    events = AuditEvent.objects.filter(action="view_personal",
                                       target_id=str(answered.identified.uuid))  # fmt: skip
    assert events.count() == 2 and {e.actor for e in events} == {org.manager_a}
    assert all("欧阳明" not in e.target_label for e in events)


def test_an_anonymous_response_page_names_nobody(org, answered):
    text = (
        english(org.manager_a)
        .get(reverse("surveys:response", args=[answered.anonymous.uuid]))
        .content.decode()
    )
    assert "Answered anonymously" in text
    assert "C9002" not in text and "周*" not in text
    assert str(answered.quiet.uuid) not in text


def test_a_lobby_respondent_who_left_a_contact_is_shown_masked(org, survey):
    from branchcx.surveys.actions import do_issue_feedback_code, start_from_lobby

    lobby = do_issue_feedback_code(org.manager_a, survey=survey, outlet=org.sh0101)
    response, _secret = start_from_lobby(lobby)
    do_leave_contact(response, name="钱学森", mobile="13900003333")
    answer_all(response, QUALITY, {"csat": 1, "nps": 0})
    text = english(org.manager_a).get(reverse("surveys:response", args=[response.uuid]))
    body = text.content.decode()
    assert "钱*森" in body and "139****3333" in body
    assert "钱学森" not in body and "13900003333" not in body


# --- the export ------------------------------------------------------------------------------


def test_the_export_is_masked_worded_and_audited(org, answered):
    url = reverse("surveys:export_responses")
    response = english(org.manager_a).get(url, {"survey": "outlet-service"})
    assert response["Cache-Control"] == "no-store"
    book = workbook(response)
    assert book.sheetnames == ["About", "outlet-service"]
    header, *rows = sheet_rows(book, "outlet-service")
    assert len(rows) == 3  # their branch's answers only
    by_id = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    mine = by_id[str(answered.identified.uuid)]
    assert (mine["Name (masked)"], mine["Mobile (masked)"], mine["Customer number"]) == (
        "欧*明", "139****1111", "C9001",
    )  # fmt: skip
    assert (mine["NPS"], mine["CSAT"], mine["Anonymous"]) == (3, 2, "No")
    assert mine["Responsiveness: gap (experienced - expected)"] == -1
    assert mine["Reliability: importance (points)"] == 30
    assert mine["[p11] This outlet's employees gave you prompt service."] == 6
    assert (
        mine["[why] What disappointed you?"]
        == "柜台只开了一个窗口，等了五十分钟。请回电138****5678。"
    )
    anonymous = by_id[str(answered.anonymous.uuid)]
    assert anonymous["Customer number"] is None and anonymous["Name (masked)"] is None
    assert anonymous["Anonymous"] == "Yes"
    everything = str([sheet_rows(book, t) for t in book.sheetnames])
    for secret in ("欧阳明", "13900001111", "13812345678", "周静", "C9002"):
        assert secret not in everything
    (event,) = AuditEvent.objects.filter(action="export", field="survey_responses")
    assert event.actor == org.manager_a
    assert event.detail == {"filters": {"survey": "outlet-service"}, "rows": 3}
    about = {row[0]: row[1] for row in sheet_rows(book, "About")}
    assert about["Survey responses"] == 3 and about["Survey"] == "outlet-service"


def test_the_export_takes_the_lists_filters_and_refuses_without_the_right(org, answered):
    url = reverse("surveys:export_responses")
    book = workbook(client_for(org.head_office).get(url, {"who": "anonymous"}))
    _header, *rows = sheet_rows(book, "outlet-service")
    assert {row[0] for row in rows} == {str(answered.anonymous.uuid), str(answered.lobby.uuid)}
    assert client_for(org.teller_a).get(url).status_code == 403
    assert client_for(org.auditor).get(url).status_code == 200  # auditors export, masked
    bad = client_for(org.head_office).get(url, {"start": "2030-01-02", "end": "2030-01-01"})
    assert bad.status_code == 302 and bad["Location"].startswith(reverse("surveys:responses"))
    assert AuditEvent.objects.filter(action="export").count() == 2


@override_settings(BRANCHCX_SURVEY_EXPORT_MAX_ROWS=2)
def test_too_many_rows_are_refused_with_the_reason(org, answered):
    client = english(org.manager_a)
    refused = client.get(reverse("surveys:export_responses"), follow=True)
    assert "More than 2 responses match; narrow the filters" in refused.content.decode()
    assert not AuditEvent.objects.filter(action="export").exists()
    allowed = client.get(reverse("surveys:export_responses"), {"who": "identified"})
    assert allowed.status_code == 200


def test_the_export_reads_answers_in_batches_not_per_response(org, survey, monkeypatch):
    from branchcx.surveys import exports

    monkeypatch.setattr(exports, "BATCH", 2)
    client = client_for(org.manager_a)
    answer_invited(org, survey, make_customer(org.teller_a, org.sh0101, 30, "甲乙"), org.sh0101)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            workbook(client.get(reverse("surveys:export_responses")))
        return len(ctx.captured_queries)

    one_batch = count()
    answer_invited(org, survey, make_customer(org.teller_a, org.sh0101, 31, "丙丁"), org.sh0101)
    assert count() == one_batch  # still one batch of two
    for n in range(32, 34):
        answer_invited(org, survey, make_customer(org.teller_a, org.sh0101, n, "戊己"), org.sh0101)
    assert count() == one_batch + 3  # one more batch: its rows and their answers and scores


def test_numbers_written_in_a_comment_are_masked_on_every_page_and_the_api(org, survey):
    from branchcx.surveys.models import FollowUp
    from branchcx.surveys.tests.test_api import answer_invited, make_customer
    from branchcx.testing import api_client_for

    someone = make_customer(org.teller_a, org.sh0101, 7, "钱进", mobile="13900007777")
    comment = "排队太久，请回电13812345678，卡号6222021234567890123"
    response = answer_invited(org, survey, someone, org.sh0101,
                              overall={"csat": 1, "nps": 2, "why": comment})  # fmt: skip
    page = english(org.manager_a).get(reverse("surveys:response", args=[response.uuid]))
    follow_up = FollowUp.objects.get(response=response)
    work = english(org.manager_a).get(reverse("surveys:follow_up", args=[follow_up.uuid]))
    api = api_client_for(org.manager_a).get(f"/api/v1/responses/{response.uuid}")
    api_text = json.dumps(api.json(), ensure_ascii=False)
    for text in (page.content.decode(), work.content.decode(), api_text):
        assert "排队太久" in text  # the comment is there
        assert "13812345678" not in text and "6222021234567890123" not in text
        assert "138****5678" in text


def test_the_list_narrows_to_one_customers_identified_answers(org, answered):
    url = reverse("surveys:responses")
    client = english(org.manager_a)
    rows = client.get(url, {"customer": str(answered.customer.uuid)}).context["rows"]
    assert [r["response"] for r in rows] == [answered.identified]
    # the customer who answered anonymously has no answers to show, and nonsense finds nothing
    assert client.get(url, {"customer": str(answered.quiet.uuid)}).context["rows"] == []
    assert client.get(url, {"customer": "nonsense"}).context["rows"] == []
