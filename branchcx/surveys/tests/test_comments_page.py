"""The "what customers say" page: the comments of the user's scope with their sentiment and
dimensions, counted on top, filtered, masked, audited and never cached."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse, reverse_lazy
from django.utils import timezone

from branchcx.audit.models import AuditEvent
from branchcx.surveys.actions import do_issue_feedback_code, start_from_lobby
from branchcx.surveys.models import Answer, FollowUp, Response
from branchcx.surveys.tests.test_answering import QUALITY, answer_all
from branchcx.testing import client_for

# lazy: resolving URLs while the tests are collected would load the URLconf too early
URL = reverse_lazy("surveys:comments")
QUEUE = "柜台只开了一个窗口，等了五十分钟。请回电13812345678"
PRAISE = "柜员很专业，态度也好。"
MIXED = "柜员很专业，但是排队太久了。"


@pytest.fixture
def say(org, survey):
    """Submit a lobby answer with a comment at an outlet (unhappy: a follow-up is created
    when ``csat`` is 1 or 2); returns the comment's answer."""
    stands = {}

    def say(text, outlet=None, csat=3):
        outlet = outlet or org.sh0101
        if outlet.pk not in stands:
            stands[outlet.pk] = do_issue_feedback_code(
                org.head_office, survey=survey, outlet=outlet
            )
        response, _secret = start_from_lobby(stands[outlet.pk])
        answer_all(response, QUALITY | {"p11": 7}, {"csat": csat, "nps": 8, "why": text})
        return Answer.objects.get(response=response, role="text")

    return say


def english(user):
    client = client_for(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def shown(page):
    return [row["answer"].text for row in page.context["comments"]]


def test_the_branch_sees_its_comments_masked_with_their_reading(org, say):
    say(QUEUE, csat=1)
    say(PRAISE)
    say("西湖支行的柜员很好", outlet=org.zj0101)
    page = english(org.manager_a).get(URL)
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    text = page.content.decode()
    assert sorted(shown(page)) == sorted([QUEUE, PRAISE])  # not the other branch's
    assert "138****5678" in text and "13812345678" not in text
    assert "等了五十分钟" in text
    assert 'data-sentiment="negative"' in text and 'data-theme="responsiveness"' in text
    assert "Responsiveness" in text and "Assurance" in text
    # the unhappy answer has a follow-up, linked
    follow_up = FollowUp.objects.get()
    assert reverse("surveys:follow_up", args=[follow_up.uuid]) in text


def test_the_counts_on_top_are_per_dimension_and_sentiment(org, say):
    for text in (QUEUE, QUEUE, PRAISE, MIXED):
        say(text)
    summary = english(org.manager_a).get(URL).context["summary"]
    assert (summary.themes["responsiveness"].negative, summary.themes["assurance"].positive) == (
        3,
        1,
    )
    assert summary.everything.total == 4


def test_each_page_view_is_audited_once_without_the_text(org, say):
    say(QUEUE)
    english(org.manager_a).get(URL, {"theme": "responsiveness"})
    (event,) = AuditEvent.objects.filter(action="view_personal")
    assert event.actor == org.manager_a and event.target_label == "survey comments"
    assert event.detail["theme"] == "responsiveness" and event.detail["shown"] == 1
    assert "窗口" not in str(event.detail) and "1381234" not in str(event.detail)


def test_only_who_may_see_answers_sees_the_comments(org, say):
    say(QUEUE)
    assert client_for(org.teller_a).get(URL).status_code == 403
    anonymous = client_for(org.teller_a)
    anonymous.logout()
    assert anonymous.get(URL)["Location"].startswith("/login/")
    assert client_for(org.manager_a).post(URL).status_code == 405
    assert not AuditEvent.objects.filter(action="view_personal").exists()
    # an auditor reads them (in scope, read-only)
    assert shown(client_for(org.auditor).get(URL)) == [QUEUE]


def test_the_filters_narrow_the_comments(org, say, survey):
    queue, praise, mixed = say(QUEUE), say(PRAISE), say(MIXED)
    west = say("等太久了", outlet=org.zj0101)
    Response.objects.filter(pk=praise.response_id).update(
        submitted_on=timezone.localdate() - timedelta(days=40)
    )
    client = client_for(org.head_office)
    assert sorted(shown(client.get(URL, {"theme": "responsiveness"}))) == sorted(
        [QUEUE, MIXED, west.text]
    )
    assert shown(client.get(URL, {"sentiment": "positive"})) == [PRAISE]
    assert shown(client.get(URL, {"unit": "ZJ0101"})) == [west.text]
    recent = {"start": f"{timezone.localdate() - timedelta(days=7)}"}
    assert PRAISE not in shown(client.get(URL, recent))
    assert len(shown(client.get(URL, {"survey": survey.code}))) == 4
    assert shown(client.get(URL, {"theme": "assurance", "sentiment": "negative"})) == [MIXED]
    assert queue.sentiment == -1 and mixed.sentiment == -1


def test_filters_that_do_not_fit_say_why_and_show_nothing(org, say):
    say(QUEUE)
    page = english(org.manager_a).get(URL, {"start": "2025-05-01", "end": "2025-04-01"})
    assert page.status_code == 200
    assert "The comments cannot be shown for these filters" in page.content.decode()
    assert "comments" not in page.context
    other = english(org.manager_a).get(URL, {"theme": "price"})
    assert "Choose one of the options listed." in other.content.decode()
    assert not AuditEvent.objects.filter(action="view_personal").exists()


def test_the_list_reads_a_fixed_number_of_queries(org, say):
    def queries_for_a_page():
        client = client_for(org.manager_a)
        with CaptureQueriesContext(connection) as context:
            client.get(URL)
        return len(context)

    say(QUEUE, csat=1)
    few = queries_for_a_page()
    for text in (PRAISE, MIXED, QUEUE, PRAISE, MIXED):
        say(text, csat=1)
    assert queries_for_a_page() == few  # no query per comment, outlet, survey or follow-up


def test_the_follow_up_shows_the_comments_reading(org, say):
    say(QUEUE, csat=1)
    follow_up = FollowUp.objects.get()
    text = english(org.manager_a).get(reverse("surveys:follow_up", args=[follow_up.uuid]))
    page = text.content.decode()
    assert 'data-sentiment="negative"' in page and 'data-theme="responsiveness"' in page
