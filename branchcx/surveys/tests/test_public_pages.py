"""The pages customers answer on, without signing in: invitation links and lobby QR codes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from branchcx.customers.actions import do_create_customer
from branchcx.surveys.actions import do_invite
from branchcx.surveys.models import Answer, FeedbackCode, FollowUp, Invitation, Response, Survey

VISIT = {"section": "visit", "q-csat": "2", "q-ces": "3", "q-wait": "from_15_to_30",
         "q-nps": "4"}  # fmt: skip
FEEDBACK = {"section": "feedback", "q-reason": ["waiting", "attitude"],
            "q-comment": "等了四十分钟，窗口只开了一个。"}  # fmt: skip


@pytest.fixture
def survey(db):
    return Survey.objects.get(code="post-visit")  # shipped, live


@pytest.fixture
def customer(org):
    return do_create_customer(
        org.teller_a, customer_no="C8101", home_outlet=org.sh0101,
        became_customer_on=date(2020, 1, 1), name="吴九", id_type="passport",
        id_number="E81010001",
    )  # fmt: skip


@pytest.fixture
def link(org, survey, customer):
    _invitation, token = do_invite(org.teller_a, survey, customer, outlet=org.sh0101,
                                   trigger="manual", channel="sms")  # fmt: skip
    return reverse("surveys_public:respond", args=[token])


def chinese() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="zh-hans")


def test_a_customer_answers_page_by_page_without_signing_in(link, customer):
    client = chinese()
    first = client.get(link)
    assert first.status_code == 200
    page = first.content.decode()
    assert "您对今天在本网点办理业务的体验满意吗？" in page  # the Chinese wording
    assert "第 1 页，共 2 页" in page
    # when: the first page is posted, the second is shown
    moved = client.post(link, VISIT)
    assert moved.status_code == 302 and moved["Location"] == link
    second = client.get(link)
    assert 'name="section" value="feedback"' in second.content.decode()
    # and the last page submits: thanks, and the link is spent
    done = client.post(link, FEEDBACK)
    assert done.status_code == 200 and 'id="thanks"' in done.content.decode()
    response = Response.objects.get(customer=customer)
    assert (response.status, response.csat, response.nps, response.ces) == ("submitted", 2, 4, 3)
    assert response.answers.get(question_key="reason").choices == ["waiting", "attitude"]
    again = client.get(link)
    assert again.status_code == 200 and 'id="unavailable"' in again.content.decode()
    # the unhappy answer is now the outlet's work
    assert FollowUp.objects.get(response=response).reasons == ["detractor", "low_csat"]


def test_a_page_posted_twice_is_stored_once(link):
    client = chinese()
    client.post(link, VISIT)
    repeated = client.post(link, VISIT)  # a double click: the page has moved on
    assert repeated.status_code == 302
    client.post(link, FEEDBACK)
    client.post(link, FEEDBACK)  # a retry after a timeout: already answered
    assert Answer.objects.filter(question_key="csat").count() == 1
    assert Response.objects.filter(status="submitted").count() == 1


def test_an_out_of_range_answer_is_refused_on_its_question_and_nothing_is_kept(link):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    refused = client.post(link, VISIT | {"q-csat": "9", "q-nps": ""})
    assert refused.status_code == 422
    page = refused.content.decode()
    assert "Choose a whole number from 1 to 5." in page
    assert "Please answer this question." in page
    # what the customer did answer is still on the page
    assert 'value="3" autocomplete="off" checked' in page
    assert not Answer.objects.exists()


def test_an_unknown_or_expired_link_says_so(link, org, survey, customer):
    assert chinese().get(reverse("surveys_public:respond", args=["nope"])).status_code == 404
    with time_machine.travel(timezone.now() + timedelta(days=8)):  # valid for 7 days
        expired = Client(HTTP_ACCEPT_LANGUAGE="en").get(link)
    assert expired.status_code == 410 and "expired" in expired.content.decode()


def test_a_customer_may_answer_anonymously(link, customer):
    client = chinese()
    client.post(link, VISIT | {"anonymous": "1"})
    client.post(link, FEEDBACK)
    response = Response.objects.get()
    assert response.is_anonymous and response.customer is None and response.invitation is None
    assert Invitation.objects.get().used_on is None  # nothing marks whose link it was
    # the follow-up goes to the outlet, without a customer to call, and its times give away
    # only the day of the answer
    follow_up = FollowUp.objects.get(response=response)
    assert follow_up.customer is None
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    assert follow_up.created_at == midnight
    # the link, opened again, says it was answered
    again = client.get(link)
    assert again.status_code == 200 and "已完成" in again.content.decode()


def test_the_page_speaks_english_when_asked(link):
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(link).content.decode()
    assert 'lang="en"' in page and "Page 1 of 2" in page


# --- the lobby QR code ------------------------------------------------------------------------


@pytest.fixture
def stand(org, survey):
    return FeedbackCode.objects.create(survey=survey, outlet=org.sh0101)


def test_a_lobby_answer_is_anonymous_and_once_a_day_per_phone(stand):
    client = chinese()
    url = reverse("surveys_public:lobby", args=[stand.code])
    start = client.get(url)
    assert start.status_code == 200 and 'id="start"' in start.content.decode()
    assert not Response.objects.exists()  # looking creates nothing
    assert client.post(url, {"start": "1"}).status_code == 302
    client.post(url, VISIT | {"q-csat": "5", "q-nps": "10"})
    done = client.post(url, {"section": "feedback", "q-comment": ""})
    assert 'id="thanks"' in done.content.decode()
    response = Response.objects.get()
    assert (response.source, response.is_anonymous, response.customer, response.outlet) == (
        "lobby_qr",
        True,
        None,
        stand.outlet,
    )
    assert response.submitted_at is None and response.resume_hash == ""
    again = client.get(url)
    assert (
        "answered today" in again.content.decode() or 'id="unavailable"' in again.content.decode()
    )
    assert Response.objects.count() == 1


def test_a_lobby_respondent_can_come_back_to_a_half_answered_survey(stand):
    client = chinese()
    url = reverse("surveys_public:lobby", args=[stand.code])
    client.post(url, {"start": "1"})
    client.post(url, VISIT)
    resumed = client.get(url)
    assert 'name="section" value="feedback"' in resumed.content.decode()
    # another phone does not see it
    other = chinese().get(url)
    assert 'id="start"' in other.content.decode()


def test_a_lobby_respondent_may_leave_a_number_to_be_contacted(stand):
    client = chinese()
    url = reverse("surveys_public:lobby", args=[stand.code])
    client.post(url, {"start": "1"})
    bad = client.post(url, VISIT | {"contact": "1", "contact_name": "吴先生",
                                     "contact_mobile": "123"})  # fmt: skip
    assert bad.status_code == 422
    client.post(url, VISIT | {"contact": "1", "contact_name": "吴先生",
                               "contact_mobile": "13912345678"})  # fmt: skip
    client.post(url, FEEDBACK)
    response = Response.objects.get()
    assert not response.is_anonymous
    assert (response.contact_name, response.contact_mobile) == ("吴先生", "13912345678")
    with connection.cursor() as cursor:  # sealed at rest
        cursor.execute("SELECT contact_mobile FROM surveys_response")
        (raw,) = cursor.fetchone()
    assert raw.startswith("v1:") and "13912345678" not in raw


def test_a_retired_feedback_code_is_refused(stand):
    FeedbackCode.objects.filter(pk=stand.pk).update(is_active=False)
    url = reverse("surveys_public:lobby", args=[stand.code])
    assert chinese().get(url).status_code == 404
