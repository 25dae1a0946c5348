"""The follow-up queue: scoped, audited, and what staff record is kept."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from branchcx.audit.models import AuditEvent
from branchcx.complaints.models import Complaint
from branchcx.customers.actions import do_create_customer
from branchcx.surveys.actions import do_invite, open_invitation, start_from_invitation
from branchcx.surveys.models import FollowUp
from branchcx.surveys.tests.test_answering import QUALITY, answer_all
from branchcx.testing import assert_scope_rules, client_for


def english(user):
    """A signed-in client reading the pages in English."""
    client = client_for(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def follow_up(org, survey):
    customer = do_create_customer(
        org.teller_a, customer_no="C8501", home_outlet=org.sh0101,
        became_customer_on=date(2020, 1, 1), name="欧阳明", id_type="passport",
        id_number="E85010001",
    )  # fmt: skip
    _invitation, token = do_invite(org.teller_a, survey, customer, outlet=org.sh0101,
                                   trigger="manual", channel="sms")  # fmt: skip
    answer_all(start_from_invitation(open_invitation(token)), QUALITY | {"p11": 6},
               {"csat": 1, "nps": 2, "why": "柜台只开了一个窗口，等了五十分钟。"})  # fmt: skip
    return FollowUp.objects.get()


def test_the_queue_shows_the_branchs_follow_ups_masked(org, follow_up):
    page = english(org.manager_a).get(reverse("surveys:follow_ups"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "欧阳明" not in text and "欧*明" in text
    assert "Would not recommend us (0-6)" in text
    other = client_for(org.manager_b).get(reverse("surveys:follow_ups"))
    assert list(other.context["page"]) == []


def test_a_follow_up_is_scoped_and_its_reading_audited(org, follow_up):
    url = reverse("surveys:follow_up", args=[follow_up.uuid])
    assert_scope_rules(url, insider=org.manager_a, outsider=org.manager_b)
    page = client_for(org.manager_a).get(url).content.decode()
    assert "柜台只开了一个窗口，等了五十分钟。" in page  # the customer's own words
    assert AuditEvent.objects.filter(action="view_personal", target_id=str(follow_up.uuid)).exists()


def test_recording_the_contact_keeps_every_outcome_and_closes(org, follow_up):
    url = reverse("surveys:follow_up", args=[follow_up.uuid])
    client = client_for(org.manager_a)
    client.post(url, {"method": "phone", "outcome": "已致电致歉，说明增开窗口安排。",
                      "version": 1})  # fmt: skip
    follow_up.refresh_from_db()
    assert (follow_up.state, follow_up.contact_method) == ("contacted", "phone")
    client.post(url, {"method": "visit", "outcome": "客户到店，表示满意。", "close": "on",
                      "version": 2})  # fmt: skip
    follow_up.refresh_from_db()
    assert follow_up.state == "closed" and follow_up.closed_at is not None
    assert "已致电致歉" in follow_up.outcome and "客户到店" in follow_up.outcome


def test_a_stale_or_empty_record_is_refused_and_an_auditor_changes_nothing(org, follow_up):
    url = reverse("surveys:follow_up", args=[follow_up.uuid])
    stale = english(org.manager_a).post(url, {"method": "phone", "outcome": "x",
                                                  "version": 0})  # fmt: skip
    assert "changed" in str(stale.context["form"].non_field_errors()).lower()
    empty = client_for(org.manager_a).post(url, {"method": "", "outcome": "", "version": 1})
    assert set(empty.context["form"].errors) >= {"method", "outcome"}
    denied = client_for(org.auditor).post(url, {"method": "phone", "outcome": "x",
                                                 "version": 1})  # fmt: skip
    assert denied.status_code == 403
    follow_up.refresh_from_db()
    assert (follow_up.state, follow_up.outcome) == ("open", "")


def test_the_customers_next_answer_shows_whether_the_follow_up_helped(org, follow_up, survey):
    url = reverse("surveys:follow_up", args=[follow_up.uuid])
    client_for(org.manager_a).post(url, {"method": "phone", "outcome": "已致歉。", "close": "on",
                                         "version": 1})  # fmt: skip
    with time_machine.travel(timezone.now() + timedelta(days=40)):
        _invitation, token = do_invite(
            org.teller_a, survey, follow_up.customer, outlet=org.sh0101, trigger="manual",
            channel="sms",
        )  # fmt: skip
        answer_all(start_from_invitation(open_invitation(token)), QUALITY | {"p11": 6},
                   {"csat": 5, "nps": 9})  # fmt: skip
    page = english(org.manager_a).get(url).content.decode()
    assert "The customer answered again" in page
    assert "satisfaction 1 → 5" in page and "likelihood to recommend 2 → 9" in page


def test_a_complaint_registered_from_a_follow_up_is_tied_to_it_once(org, follow_up):
    client = english(org.manager_a)
    form = client.get(
        reverse("complaints:create"),
        {"customer": follow_up.customer.uuid, "follow_up": follow_up.uuid},
    ).content.decode()
    assert f'name="follow_up" value="{follow_up.uuid}"' in form
    data = {
        "customer": str(follow_up.customer.uuid), "follow_up": str(follow_up.uuid),
        "outlet": "SH0101", "intake_channel": "hotline", "priority": "normal",
        "narrative": "客户回访时要求正式答复：等候五十分钟", "co_complainants": 0,
        "representatives": 0,
    }  # fmt: skip
    assert client.post(reverse("complaints:create"), data).status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.complaint is not None
    assert follow_up.complaint.customer_id == follow_up.customer_id
    page = client.get(reverse("surveys:follow_up", args=[follow_up.uuid])).content.decode()
    assert follow_up.complaint.number in page

    # the follow-up keeps its complaint: a later one for the customer is filed on its own
    first = follow_up.complaint
    form = client.get(
        reverse("complaints:create"),
        {"customer": follow_up.customer.uuid, "follow_up": follow_up.uuid},
    ).content.decode()
    assert 'name="follow_up"' not in form
    again = client.post(reverse("complaints:create"), data | {"file_anyway": "on"})
    assert again.status_code == 302 and Complaint.objects.count() == 2
    follow_up.refresh_from_db()
    assert follow_up.complaint == first


def test_linking_a_second_complaint_to_a_follow_up_is_refused(org, follow_up):
    from django.core.exceptions import ValidationError

    from branchcx.complaints.tests.test_workflow import register
    from branchcx.surveys.actions import do_link_complaint

    do_link_complaint(org.manager_a, follow_up, register(org, follow_up.customer))
    with pytest.raises(ValidationError, match="already registered"):
        do_link_complaint(org.manager_a, follow_up, register(org, follow_up.customer))
    follow_up.refresh_from_db()
    assert Complaint.objects.count() == 2 and follow_up.version == 2


def test_a_follow_up_of_another_customer_or_branch_is_not_found(org, follow_up):
    other = do_create_customer(
        org.teller_a, customer_no="C8502", home_outlet=org.sh0101,
        became_customer_on=date(2020, 1, 1), name="李雷", id_type="passport",
        id_number="E85020001",
    )  # fmt: skip
    url = reverse("complaints:create")
    mine = english(org.manager_a)
    assert mine.get(url, {"customer": other.uuid, "follow_up": follow_up.uuid}).status_code == 404
    assert mine.get(url, {"customer": other.uuid, "follow_up": "nonsense"}).status_code == 404
