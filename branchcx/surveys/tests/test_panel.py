"""The "Surveys" panel of the customer 360 page: the customer's own answers (never an anonymous
one), open invitations and follow-ups, the invitation link, and a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from branchcx.surveys.actions import do_invite
from branchcx.surveys.panels import PANEL_ROWS, customer_surveys
from branchcx.surveys.tests.test_api import answer_invited, answered_set, make_customer
from branchcx.testing import client_for


def page_of(user, customer):
    client = client_for(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("customers:detail", args=[customer.uuid]))
    assert response.status_code == 200
    return response.content.decode()


def panel_html(page):
    start = page.index('id="panel-surveys"')
    return page[start : page.index("</section>", start)]


def test_the_panel_lists_the_customers_answers_and_follow_ups(org, survey):
    answered = answered_set(org, survey)
    panel = panel_html(page_of(org.manager_a, answered.customer))
    assert reverse("surveys:response", args=[answered.identified.uuid]) in panel
    assert "NPS 3 · CSAT 2" in panel  # the unhappy answer
    follow_up = answered.identified.follow_up
    assert reverse("surveys:follow_up", args=[follow_up.uuid]) in panel
    assert "Overdue" not in panel
    with time_machine.travel(follow_up.due_at + timedelta(hours=1)):
        assert "Overdue" in panel_html(page_of(org.manager_a, answered.customer))


def test_an_anonymous_answer_never_reaches_the_customers_page(org, survey):
    answered = answered_set(org, survey)
    panel = panel_html(page_of(org.head_office, answered.quiet))
    assert str(answered.anonymous.uuid) not in panel and "data-response" not in panel
    assert "has not answered a survey under their name" in panel
    built = customer_surveys(org.head_office, answered.quiet)
    assert built["responses"] == [] and built["follow_ups"] == []


def test_open_invitations_show_until_answered_or_expired(org, survey):
    customer = make_customer(org.teller_a, org.sh0101, 40, "秦岭")
    invitation, _token = do_invite(org.teller_a, survey, customer, outlet=org.sh0101,
                                   trigger="manual", channel="printed")  # fmt: skip
    panel = panel_html(page_of(org.teller_a, customer))
    assert f'data-invitation="{invitation.uuid}"' in panel
    assert "no answer under their name yet" in panel
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        assert "data-invitation" not in panel_html(page_of(org.teller_a, customer))


def test_a_teller_sees_invitations_and_the_link_but_not_the_answers(org, survey):
    answered = answered_set(org, survey)
    panel = panel_html(page_of(org.teller_a, answered.customer))
    assert "data-response" not in panel and "has not answered" not in panel
    try:
        invite_url = reverse("surveys:invite", args=[answered.customer.uuid])
    except NoReverseMatch:  # the invitation page is not there yet: no link
        assert 'id="invite-to-survey"' not in panel
    else:
        assert f'href="{invite_url}"' in panel
    # the auditor reads the answers but invites nobody
    audited = panel_html(page_of(org.auditor, answered.customer))
    assert "data-response" in audited and 'id="invite-to-survey"' not in audited


def test_the_panel_is_scoped(org, survey):
    answered = answered_set(org, survey)
    # a customer of SH0101 who answered at ZJ0101 later: SH01 does not see that answer
    with time_machine.travel(timezone.now() + timedelta(days=40)):
        answer_invited(org, survey, answered.customer, org.zj0101, by=org.teller_b)
    built = customer_surveys(org.manager_a, answered.customer)
    assert [r.uuid for r in built["responses"]] == [answered.identified.uuid]
    assert len(customer_surveys(org.head_office, answered.customer)["responses"]) == 2


def test_the_panel_costs_the_same_queries_however_many_answers(org, survey, settings):
    settings.BRANCHCX_SURVEY_FATIGUE_DAYS = 0  # the same customer answers again and again
    customer = make_customer(org.teller_a, org.sh0101, 41, "泰山")
    answer_invited(org, survey, customer, org.sh0101, overall={"csat": 1, "nps": 1})
    with CaptureQueriesContext(connection) as few:
        customer_surveys(org.manager_a, customer)
    for n in range(PANEL_ROWS + 2):
        with time_machine.travel(timezone.now() + timedelta(days=n + 1)):
            answer_invited(org, survey, customer, org.sh0101, overall={"csat": 1, "nps": 2})
    with time_machine.travel(timezone.now() + timedelta(days=PANEL_ROWS + 3)):
        do_invite(org.teller_a, survey, customer, outlet=org.sh0101, trigger="manual",
                  channel="printed")  # fmt: skip
    with CaptureQueriesContext(connection) as many:
        built = customer_surveys(org.manager_a, customer)
    assert len(many) <= len(few) + 1  # one count, only once the panel is full
    assert len(built["responses"]) == PANEL_ROWS and built["more"] == 3
    assert len(built["follow_ups"]) == PANEL_ROWS and len(built["invitations"]) == 1
