"""Distribution rules on the management pages: head office for any unit, branch managers for
their own units, auditors read; switching a rule off or on is version-checked and audited."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from branchcx.audit.models import AuditEvent
from branchcx.surveys.actions import do_add_rule
from branchcx.surveys.models import DistributionRule
from branchcx.testing import assert_scope_rules, client_for


def english(user):
    client = client_for(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def rule_form(survey, unit, **changes):
    return {
        "survey": survey.pk, "unit": unit.pk, "trigger": "complaint_closed", "channel": "sms",
        "sample_percent": "50", "daily_quota": "20",
    } | changes  # fmt: skip


@pytest.fixture
def rule(org, survey):
    return do_add_rule(org.head_office, survey=survey, unit=org.sh0101,
                       trigger="complaint_closed", channel="sms")  # fmt: skip


def test_a_branch_manager_adds_a_rule_for_their_own_outlet(org, survey):
    page = client_for(org.manager_a).post(reverse("surveys:rule_add"),
                                          rule_form(survey, org.sh0101))  # fmt: skip
    assert page.status_code == 302
    rule = DistributionRule.objects.get()
    assert (rule.unit, rule.sample_percent, rule.daily_quota) == (org.sh0101, 50, 20)
    assert AuditEvent.objects.filter(action="create", actor=org.manager_a,
                                     target_id=str(rule.uuid)).exists()  # fmt: skip


def test_a_branch_manager_cannot_add_a_rule_for_another_branch(org, survey):
    page = client_for(org.manager_a).post(reverse("surveys:rule_add"),
                                          rule_form(survey, org.zj0101))  # fmt: skip
    assert page.status_code == 422 and "unit" in page.context["form"].errors
    assert not DistributionRule.objects.exists()


def test_tellers_and_auditors_cannot_add_rules(org, survey):
    for user in (org.teller_a, org.auditor):
        page = client_for(user).post(reverse("surveys:rule_add"), rule_form(survey, org.sh0101))
        assert page.status_code == 403
    assert client_for(org.teller_a).get(reverse("surveys:rules")).status_code == 403
    assert client_for(org.auditor).get(reverse("surveys:rules")).status_code == 200
    assert not DistributionRule.objects.exists()


def test_a_transaction_rule_needs_its_transaction_types(org, survey):
    form = rule_form(survey, org.sh01, trigger="transaction")
    page = english(org.head_office).post(reverse("surveys:rule_add"), form)
    assert "transaction types" in str(page.context["form"].errors["transaction_kinds"])
    client_for(org.head_office).post(
        reverse("surveys:rule_add"), form | {"transaction_kinds": ["purchase", "deposit"]}
    )
    assert DistributionRule.objects.get().transaction_kinds == ["deposit", "purchase"]


def test_the_list_is_scoped_and_takes_a_fixed_number_of_queries(
    org, survey, rule, django_assert_max_num_queries
):
    do_add_rule(org.head_office, survey=survey, unit=org.zj0101, trigger="complaint_closed",
                channel="sms")  # fmt: skip
    assert [r["rule"].unit for r in client_for(org.manager_a).get(
        reverse("surveys:rules")).context["rows"]] == [org.sh0101]  # fmt: skip
    client = client_for(org.head_office)
    client.get(reverse("surveys:rules"))
    for _i in range(5):
        do_add_rule(org.head_office, survey=survey, unit=org.sh01, trigger="transaction",
                    channel="email", transaction_kinds=["deposit"])  # fmt: skip
    with django_assert_max_num_queries(12):
        page = client.get(reverse("surveys:rules"))
    assert len(page.context["rows"]) == 7


def test_switching_a_rule_off_and_on_is_scoped_checked_and_audited(org, rule):
    url = reverse("surveys:rule_switch", args=[rule.pk])
    # the other branch gets 404, the auditor 403, Shanghai's manager switches it off
    assert_scope_rules(url, method="post", data={"active": "0", "version": rule.version},
                       insider=org.manager_a, outsider=org.manager_b, read_only=org.auditor,
                       ok_status=302)  # fmt: skip
    rule.refresh_from_db()
    assert (rule.is_active, rule.version) == (False, 2)
    assert AuditEvent.objects.filter(action="change", actor=org.manager_a,
                                     target_id=str(rule.uuid)).exists()  # fmt: skip
    # a switch from a page opened before that change is refused
    stale = english(org.head_office).post(url, {"active": "1", "version": 1}, follow=True)
    assert "Someone else changed" in stale.content.decode()
    rule.refresh_from_db()
    assert not rule.is_active
    # switched on again, it starts from now (nothing from while it was off)
    client_for(org.head_office).post(url, {"active": "1", "version": 2})
    rule.refresh_from_db()
    assert rule.is_active and rule.swept_until is not None
    assert client_for(org.head_office).get(url).status_code == 405
