"""Inviting a customer by hand from their page: scoped, the fatigue rule explained, SMS and
email queued, a printed invitation's link shown once."""

from __future__ import annotations

from datetime import date

import pytest
from django.conf import settings
from django.urls import reverse

from branchcx.audit.models import AuditEvent
from branchcx.customers.actions import do_create_customer
from branchcx.messaging.models import OutboxMessage
from branchcx.surveys.actions import token_hash
from branchcx.surveys.models import Invitation
from branchcx.testing import client_for


def english(user):
    client = client_for(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def customer(org):
    return do_create_customer(
        org.teller_a, customer_no="C8701", home_outlet=org.sh0101,
        became_customer_on=date(2020, 1, 1), name="司马光明", id_type="passport",
        id_number="E87010001", mobile="13912348701",
    )  # fmt: skip


def test_the_page_shows_the_masked_addresses_and_is_audited(org, survey, customer):
    page = english(org.teller_a).get(reverse("surveys:invite", args=[customer.uuid]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "139****8701" in text and "13912348701" not in text
    assert "no address on file" in text  # no email
    assert "司马光明" not in text
    assert AuditEvent.objects.filter(action="view_personal", target_id=str(customer.uuid)).exists()


def test_another_branch_gets_404_and_a_role_without_invitations_403(org, survey, customer):
    url = reverse("surveys:invite", args=[customer.uuid])
    assert client_for(org.teller_b).get(url).status_code == 404
    assert client_for(org.auditor).get(url).status_code == 403
    assert client_for(org.teller_b).post(url, {"survey": survey.pk,
                                               "channel": "sms"}).status_code == 404  # fmt: skip
    assert not Invitation.objects.exists()


def test_an_sms_invitation_is_queued(org, survey, customer):
    page = client_for(org.teller_a).post(reverse("surveys:invite", args=[customer.uuid]),
                                         {"survey": survey.pk, "channel": "sms"})  # fmt: skip
    assert page.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.trigger, invitation.channel, invitation.outlet) == ("manual", "sms",
                                                                          org.sh0101)  # fmt: skip
    assert OutboxMessage.objects.filter(purpose="survey_invitation").count() == 1


def test_no_address_for_the_channel_invites_nobody(org, survey, customer):
    page = english(org.teller_a).post(reverse("surveys:invite", args=[customer.uuid]),
                                      {"survey": survey.pk, "channel": "email"})  # fmt: skip
    assert page.status_code == 422 and "no address" in page.content.decode()
    assert not Invitation.objects.exists()


def test_the_fatigue_rule_is_explained(org, survey, customer):
    url = reverse("surveys:invite", args=[customer.uuid])
    client_for(org.teller_a).post(url, {"survey": survey.pk, "channel": "sms"})
    again = english(org.manager_a).post(url, {"survey": survey.pk, "channel": "sms"})
    assert again.status_code == 422
    assert "surveyed in the last 30 days" in again.content.decode()
    assert Invitation.objects.count() == 1


def test_a_printed_invitation_shows_its_link_once(org, survey, customer):
    url = reverse("surveys:invite", args=[customer.uuid])
    page = client_for(org.teller_a).post(url, {"survey": survey.pk, "channel": "printed"})
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    shown = page.context["url"]
    token = shown.rstrip("/").rsplit("/", 1)[1]
    assert Invitation.objects.get().token_hash == token_hash(token)
    assert "<svg" in page.content.decode()
    # the token exists nowhere else: opening the page again does not show it
    later = client_for(org.teller_a).get(url).content.decode()
    assert token not in later
    assert not OutboxMessage.objects.exists()


def test_only_a_live_survey_can_be_chosen(org, survey, customer):
    from branchcx.surveys.actions import do_close_survey

    do_close_survey(org.head_office, survey, expected_version=survey.version)
    page = client_for(org.teller_a).post(reverse("surveys:invite", args=[customer.uuid]),
                                         {"survey": survey.pk, "channel": "sms"})  # fmt: skip
    assert page.status_code == 422 and "survey" in page.context["form"].errors
    assert not Invitation.objects.exists()
