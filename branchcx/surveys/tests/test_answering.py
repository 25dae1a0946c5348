"""Answering a survey: one-time links, page-by-page saving and resuming, refusing bad or
repeated answers, anonymity, versions, the fatigue rule and the follow-ups unhappy answers
create."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from branchcx.customers.actions import do_create_customer
from branchcx.lib.errors import ConflictError
from branchcx.surveys.actions import (
    SurveyUnavailable,
    do_answer_section,
    do_close_survey,
    do_invite,
    do_publish,
    do_save_draft,
    next_section,
    open_invitation,
    start_from_invitation,
    stored_answers,
)
from branchcx.surveys.definition import AnswerError
from branchcx.surveys.models import Answer, DimensionScore, FollowUp, Invitation, Response

SCALE = {"min": 1, "max": 7}
DEFINITION = {
    "title": {"zh": "网点服务调查", "en": "Outlet service survey"},
    "sections": [
        {
            "key": "quality",
            "title": {"zh": "服务质量", "en": "Service quality"},
            "questions": [
                {"key": "e11", "type": "scale", "role": "expectation", "dimension":
                 "responsiveness", "item": 11, "scale": SCALE,
                 "text": {"zh": "优秀的银行员工会为客户提供及时的服务。",
                          "en": "Employees of excellent banks give prompt service."}},
                {"key": "p11", "type": "scale", "role": "perception", "dimension":
                 "responsiveness", "item": 11, "scale": SCALE,
                 "text": {"zh": "本网点员工为您提供了及时的服务。",
                          "en": "This outlet's employees gave you prompt service."}},
                {"key": "z_resp", "type": "zone", "dimension": "responsiveness",
                 "scale": SCALE, "text": {"zh": "您可接受的最低水平与期望水平",
                                          "en": "Lowest acceptable and desired level"}},
                {"key": "importance", "type": "importance",
                 "text": {"zh": "请把100分分配给五个方面", "en": "Share 100 points"}},
            ],
        },
        {
            "key": "overall",
            "title": {"zh": "总体", "en": "Overall"},
            "questions": [
                {"key": "csat", "type": "csat", "text": {"zh": "满意吗？", "en": "Satisfied?"}},
                {"key": "nps", "type": "nps", "text": {"zh": "推荐吗？", "en": "Recommend?"}},
                {"key": "why", "type": "text", "required": False,
                 "show_if": {"question": "csat", "op": "lte", "value": 3},
                 "text": {"zh": "哪里让您不满意？", "en": "What disappointed you?"}},
            ],
        },
    ],
}  # fmt: skip
POINTS = {"tangibles": 10, "reliability": 30, "responsiveness": 30, "assurance": 15,
          "empathy": 15}  # fmt: skip
QUALITY = {"e11": 7, "p11": 4, "z_resp": {"a": 5, "d": 7}, "importance": POINTS}
HAPPY = {"csat": 5, "nps": 10}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def customer(org):
    return do_create_customer(
        org.teller_a, customer_no="C8001", home_outlet=org.sh0101,
        became_customer_on=date(2020, 1, 1), name="周八", id_type="passport",
        id_number="E80010001",
    )  # fmt: skip


def invite(org, survey, customer):
    return do_invite(org.teller_a, survey, customer, outlet=org.sh0101, trigger="manual",
                     channel="sms")  # fmt: skip


def answer_all(response, quality=None, overall=None, anonymous=None):
    response = do_answer_section(response, "quality", quality or QUALITY, anonymous=anonymous)
    return do_answer_section(response, "overall", overall or HAPPY)


# --- the link -------------------------------------------------------------------------------


def test_a_link_answers_once(org, survey, customer):
    # given: an invitation, answered in full
    invitation, token = invite(org, survey, customer)
    response = answer_all(start_from_invitation(open_invitation(token)))
    # then: submitted, and the link is spent
    assert response.status == "submitted"
    invitation.refresh_from_db()
    assert invitation.used_on == timezone.localdate()
    with pytest.raises(SurveyUnavailable) as caught:
        open_invitation(token)
    assert caught.value.reason == "used"
    # only the hash of the token is stored
    assert token not in str(Invitation.objects.values_list("token_hash", flat=True).get())


def test_an_unknown_expired_or_closed_link_is_refused_with_the_reason(org, survey, customer):
    with pytest.raises(SurveyUnavailable) as unknown:
        open_invitation("not-a-token")
    assert unknown.value.reason == "unknown"
    _invitation, token = invite(org, survey, customer)
    with (
        time_machine.travel(timezone.now() + timedelta(days=15)),
        pytest.raises(SurveyUnavailable) as expired,
    ):
        open_invitation(token)
    assert expired.value.reason == "expired"
    do_close_survey(org.head_office, survey, expected_version=survey.version)
    with pytest.raises(SurveyUnavailable) as closed:
        open_invitation(token)
    assert closed.value.reason == "closed"


def test_a_half_answered_survey_resumes_where_it_stopped(org, survey, customer):
    _invitation, token = invite(org, survey, customer)
    response = start_from_invitation(open_invitation(token))
    do_answer_section(response, "quality", QUALITY)
    # when: the customer opens the link again later
    again = start_from_invitation(open_invitation(token))
    # then: the same response, on the second page, with the first page's answers
    assert again.pk == response.pk and again.status == "in_progress"
    assert next_section(again) == "overall"
    assert stored_answers(again) == QUALITY


def test_a_repeated_page_is_stored_once(org, survey, customer):
    _invitation, token = invite(org, survey, customer)
    response = start_from_invitation(open_invitation(token))
    do_answer_section(response, "quality", QUALITY)
    do_answer_section(response, "quality", QUALITY)  # a double click
    answer_all_rest = do_answer_section(response, "overall", HAPPY)
    do_answer_section(answer_all_rest, "overall", HAPPY)  # a retry after a timeout
    # e, p, zone (a, d), 5 importance rows, csat, nps
    assert Answer.objects.filter(response=response).count() == 11
    assert DimensionScore.objects.filter(response=response).count() == 5


def test_bad_answers_are_refused_and_nothing_is_stored(org, survey, customer):
    _invitation, token = invite(org, survey, customer)
    response = start_from_invitation(open_invitation(token))
    wrong = QUALITY | {"e11": 8, "z_resp": {"a": 7, "d": 5},
                       "importance": POINTS | {"empathy": 20}}  # fmt: skip
    with pytest.raises(AnswerError) as caught:
        do_answer_section(response, "quality", wrong)
    errors = caught.value.errors
    assert set(errors) == {"e11", "z_resp", "importance"}
    assert "1 to 7" in errors["e11"] and "add up to 100" in errors["importance"]
    assert "adequate level cannot be above" in errors["z_resp"]
    assert not Answer.objects.exists()
    # a page cannot be skipped either
    with pytest.raises(ValidationError, match="in order"):
        do_answer_section(response, "overall", HAPPY)


def test_a_condition_asks_why_only_when_unhappy(org, survey, customer):
    _invitation, token = invite(org, survey, customer)
    response = do_answer_section(start_from_invitation(open_invitation(token)), "quality",
                                 QUALITY)  # fmt: skip
    response = do_answer_section(response, "overall",
                                 {"csat": 5, "nps": 9, "why": "排队太久"})  # fmt: skip
    # the hidden question's answer is not stored
    assert not Answer.objects.filter(response=response, question_key="why").exists()


# --- anonymity --------------------------------------------------------------------------------


def test_an_anonymous_answer_names_nobody_not_even_through_its_link(org, survey, customer):
    sent_on = timezone.localdate()
    invitation, token = invite(org, survey, customer)
    with time_machine.travel(timezone.now() + timedelta(days=3)):
        response = answer_all(start_from_invitation(open_invitation(token)), anonymous=True)
    response = Response.objects.get(pk=response.pk)
    assert response.is_anonymous
    assert (response.customer, response.invitation, response.submitted_at,
            response.started_at) == (None, None, None, None)  # fmt: skip
    assert response.submitted_on == sent_on + timedelta(days=3)  # the day only
    # the invitation looks like one never answered: nothing tells whose link brought it
    spent_hash = invitation.token_hash
    invitation.refresh_from_db()
    assert invitation.used_on is None and invitation.token_hash != spent_hash
    assert not Invitation.objects.filter(token_hash=spent_hash).exists()
    # and yet the link is spent: opened again, it says so and starts nothing
    with pytest.raises(SurveyUnavailable) as refused:
        open_invitation(token)
    assert refused.value.reason == "used"
    assert not Response.objects.filter(invitation=invitation).exists()
    assert not Response.objects.filter(customer=customer).exists()
    # and the database refuses to put a name back on it
    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.filter(pk=response.pk).update(customer=customer)


# --- versions ---------------------------------------------------------------------------------


def test_a_response_keeps_the_version_it_answered(org, survey, customer):
    # given: a customer half-way through version 1
    _invitation, token = invite(org, survey, customer)
    response = do_answer_section(start_from_invitation(open_invitation(token)), "quality",
                                 QUALITY)  # fmt: skip
    first = response.survey_version
    # when: head office edits the live survey and publishes the edit
    edited = DEFINITION | {"title": {"zh": "网点服务调查（第二版）", "en": "Outlet survey v2"}}
    draft = do_save_draft(org.head_office, survey, edited, expected_version=survey.version)
    assert (draft.number, first.number) == (2, 1)
    assert first.published_at is not None and draft.published_at is None
    survey.refresh_from_db()
    do_publish(org.head_office, survey, expected_version=survey.version)
    # then: the response goes on in version 1; version 1 is unchanged
    response = do_answer_section(response, "overall", HAPPY)
    assert response.survey_version == first
    first.refresh_from_db()
    assert first.definition["title"]["zh"] == "网点服务调查"
    assert survey.current().number == 2


def test_two_editors_of_one_survey_cannot_both_save(org, survey):
    do_save_draft(org.head_office, survey, DEFINITION, expected_version=survey.version)
    with pytest.raises(ConflictError):
        do_save_draft(org.head_office, survey, DEFINITION, expected_version=survey.version)


def test_a_broken_questionnaire_is_refused_with_where(org, survey):
    broken = DEFINITION | {"sections": [{"key": "s", "title": {"zh": "一"}, "questions": [
        {"key": "q", "type": "single", "text": {"zh": "选"}, "choices": []}]}]}  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        do_save_draft(org.head_office, survey, broken, expected_version=survey.version)
    assert "at least two choices" in caught.value.message_dict["definition"][0]


# --- fatigue ----------------------------------------------------------------------------------


def test_a_customer_is_not_asked_again_within_the_fatigue_window(org, survey, customer):
    invite(org, survey, customer)
    with pytest.raises(ValidationError, match="last 30 days"):
        invite(org, survey, customer)
    assert Invitation.objects.count() == 1
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        invite(org, survey, customer)
    assert Invitation.objects.count() == 2


# --- the closed loop --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quality", "overall", "reasons"),
    [
        (QUALITY | {"p11": 6}, {"csat": 4, "nps": 3}, ["detractor"]),
        (QUALITY | {"p11": 6}, {"csat": 2, "nps": 8}, ["low_csat"]),
        (QUALITY, {"csat": 4, "nps": 9}, ["below_adequate"]),  # perceived 4 < adequate 5
        (QUALITY | {"p11": 6}, {"csat": 4, "nps": 9}, []),
    ],
)
def test_unhappy_answers_become_a_follow_up_for_the_outlet(
    org, survey, customer, quality, overall, reasons
):
    _invitation, token = invite(org, survey, customer)
    response = answer_all(start_from_invitation(open_invitation(token)), quality, overall)
    follow_up = FollowUp.objects.filter(response=response).first()
    if not reasons:
        assert follow_up is None
        return
    assert follow_up.reasons == reasons
    assert (follow_up.outlet, follow_up.customer, follow_up.state) == (org.sh0101, customer, "open")
    assert follow_up.due_at > timezone.now()


def test_the_next_answer_of_a_followed_up_customer_shows_whether_it_helped(org, survey, customer):
    _invitation, token = invite(org, survey, customer)
    first = answer_all(start_from_invitation(open_invitation(token)),
                       overall={"csat": 1, "nps": 2})  # fmt: skip
    follow_up = FollowUp.objects.get(response=first)
    FollowUp.objects.filter(pk=follow_up.pk).update(state="closed")
    with time_machine.travel(timezone.now() + timedelta(days=40)):
        _invitation, token = invite(org, survey, customer)
        second = answer_all(start_from_invitation(open_invitation(token)),
                            QUALITY | {"p11": 6}, {"csat": 5, "nps": 9})  # fmt: skip
    follow_up.refresh_from_db()
    assert follow_up.next_response == second
    assert (second.csat - first.csat, second.nps - first.nps) == (4, 7)
