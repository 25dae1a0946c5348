"""Head office's complaint settings pages: codes, root causes, service targets, handling
guidance, assignment rules and the bank calendar."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from branchcx.audit.models import AuditEvent
from branchcx.complaints.actions import do_register_complaint
from branchcx.complaints.models import (
    AssignmentRule,
    Classification,
    HandlingGuidance,
    RootCause,
    ServiceTarget,
)
from branchcx.customers.actions import do_create_customer
from branchcx.lib.errors import ConflictError
from branchcx.lib.workdays import add_working_days, add_working_hours
from branchcx.org.calendar import bank_overrides
from branchcx.org.models import CalendarDay, Role
from branchcx.testing import assert_scope_rules, client_for, make_staff


def english(user):
    """A signed-in client that reads the pages in English, so messages can be checked."""
    client = client_for(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def url(name, *args):
    return reverse(name if ":" in name else f"complaints:{name}", args=args)


def code(axis, value):
    return Classification.objects.get(axis=axis, code=value)


def events(action, target_type):
    return AuditEvent.objects.filter(action=action, target_type=target_type)


def officer(org, username, unit, n):
    return make_staff(username, Role.COMPLAINT_OFFICER, unit, n)


def future_monday(years_ahead=5):
    """A Monday of a year the bundled schedule does not know (weekdays work)."""
    day = date(timezone.localdate().year + years_ahead, 3, 1)
    return day + timedelta(days=(7 - day.weekday()) % 7)


# --- who sees what -----------------------------------------------------------------------------

READ_PAGES = [
    ("ref_index", ()),
    ("ref_codes", ()),
    ("ref_code_add", ()),
    ("ref_code_edit", ("business", "01")),
    ("ref_causes", ()),
    ("ref_cause_add", ()),
    ("ref_cause_edit", ("S01",)),
    ("ref_targets", ()),
    ("ref_target_edit", ("normal",)),
    ("ref_guidance", ()),
    ("ref_guidance_add", ()),
    ("ref_guidance_edit", ("general",)),
    ("ref_guidance_edit", ("temperament", "dominant")),
    ("ref_rules", ()),
    ("ref_rule_add", ()),
    ("org:calendar", ()),
    ("org:calendar_add", ()),
]


@pytest.mark.parametrize(("name", "args"), READ_PAGES)
def test_each_settings_page_refuses_a_teller_and_opens_for_head_office(org, name, args):
    assert client_for(org.teller_a).get(url(name, *args)).status_code == 403
    assert client_for(org.head_office).get(url(name, *args)).status_code == 200


def test_anonymous_is_sent_to_sign_in(client, db):
    response = client.get(url("ref_index"))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("ref_codes", ()),
        ("ref_causes", ()),
        ("ref_targets", ()),
        ("ref_guidance", ()),
        ("ref_guidance_edit", ("general",)),
        ("org:calendar", ()),
        ("org:calendar_add", ()),
    ],
)
def test_a_branch_manager_cannot_open_the_network_wide_settings(org, name, args):
    assert client_for(org.manager_a).get(url(name, *args)).status_code == 403


def test_a_keeper_permission_given_in_a_branch_does_not_open_network_wide_data(org):
    # given: a branch manager who was given head office's permission by mistake
    org.manager_a.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="complaints", codename="change_classification"
        )
    )
    # then: the bank's codes still stay out of reach
    client = client_for(org.manager_a)
    assert client.get(url("ref_codes")).status_code == 403
    assert client.post(url("ref_code_retire", "business", "05")).status_code == 403
    assert code("business", "05").is_active is True


def test_the_index_links_only_the_sections_the_user_may_see(org):
    def sections(user):
        return [s.key for s in client_for(user).get(url("ref_index")).context["sections"]]

    assert sections(org.head_office) == [
        "codes",
        "causes",
        "targets",
        "guidance",
        "rules",
        "calendar",
    ]
    assert sections(org.manager_a) == ["rules"]
    assert sections(org.auditor) == ["targets", "rules", "calendar"]


def test_the_auditor_reads_targets_and_calendar_but_changes_nothing(org):
    client = client_for(org.auditor)
    page = client.get(url("ref_targets"))
    assert page.status_code == 200 and not page.context["can_change"]
    assert client.get(url("org:calendar")).status_code == 200
    edit = client.post(
        url("ref_target_edit", "normal"),
        {"first_response_hours": 1, "resolution_hours": 2, "version": 1},
    )
    assert edit.status_code == 403
    assert ServiceTarget.objects.get(priority="normal").first_response_hours == 8


def test_settings_writes_refuse_get_where_only_post_makes_sense(org):
    client = client_for(org.head_office)
    assert client.get(url("ref_code_retire", "business", "01")).status_code == 405
    assert client.get(url("ref_cause_retire", "S01")).status_code == 405


# --- classification codes ----------------------------------------------------------------------


def test_head_office_adds_a_code_and_the_addition_is_audited(org):
    client = english(org.head_office)
    data = {
        "axis": "cause",
        "code": "50",
        "name": "银行自定义原因",
        "name_en": "Bank's own",
        "sort_order": 500,
    }
    response = client.post(url("ref_code_add"), data)
    assert response.status_code == 302
    added = code("cause", "50")
    assert (added.name, added.is_active) == ("银行自定义原因", True)
    (event,) = events("create", "complaints.Classification")
    assert event.actor == org.head_office and event.target_id == "50"
    listed = client.get(url("ref_codes") + "?axis=cause")
    assert "银行自定义原因" in listed.content.decode()


def test_a_code_is_unique_on_its_axis_and_the_clash_is_explained(org):
    client = english(org.head_office)
    data = {
        "axis": "business",
        "code": "01",
        "name": "重复",
        "name_en": "Duplicate",
        "sort_order": 1,
    }
    response = client.post(url("ref_code_add"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["code"] == ["This axis already has a code 01."]
    assert Classification.objects.filter(axis="business", code="01").count() == 1
    # the same value on another axis is a different code
    other_axis = client.post(url("ref_code_add"), data | {"axis": "card_reason", "code": "99"})
    assert other_axis.status_code == 302


def test_a_code_needs_both_names_and_a_plain_value(org):
    client = english(org.head_office)
    response = client.post(
        url("ref_code_add"), {"axis": "cause", "code": "5 0", "name": "", "sort_order": 1}
    )
    assert set(response.context["form"].errors) == {"code", "name", "name_en"}
    assert not Classification.objects.filter(axis="cause", name="").exists()
    assert b"is-invalid" in response.content


def test_head_office_corrects_a_codes_names_and_order(org):
    client = english(org.head_office)
    response = client.post(
        url("ref_code_edit", "channel", "01"),
        {"code": "01", "name": "营业网点柜面", "name_en": "Counter", "sort_order": 5, "version": 1},
    )
    assert response.status_code == 302
    corrected = code("channel", "01")
    assert (corrected.name, corrected.name_en, corrected.sort_order) == (
        "营业网点柜面",
        "Counter",
        5,
    )
    (event,) = events("change", "complaints.Classification")
    assert set(event.detail["fields"]) >= {"name", "sort_order"}


def test_an_unused_code_can_change_its_value_but_a_used_one_cannot(org):
    client = english(org.head_office)
    unused = client.post(
        url("ref_code_edit", "cause", "12"),
        {
            "code": "12A",
            "name": code("cause", "12").name,
            "name_en": "x",
            "sort_order": 1,
            "version": 1,
        },
    )
    assert unused.status_code == 302
    assert Classification.objects.filter(axis="cause", code="12A").exists()
    # given: a complaint filed under business category 05 (which no rule or guidance names)
    customer = do_create_customer(
        org.teller_a,
        customer_no="C7101",
        home_outlet=org.sh0101,
        became_customer_on=date(2018, 1, 1),
        name="李四",
        id_type="passport",
        id_number="E71010001",
    )
    do_register_complaint(
        org.teller_a,
        outlet=org.sh0101,
        intake_channel="counter",
        customer=customer,
        narrative="转账手续费未告知。",
        business=code("business", "05"),
    )
    used = client.post(
        url("ref_code_edit", "business", "05"),
        {"code": "55", "name": "支付", "name_en": "Payments", "sort_order": 1, "version": 1},
    )
    assert used.status_code == 200
    assert used.context["form"].errors["code"] == [
        "Complaints or rules use this code: its value cannot change."
    ]
    assert code("business", "05").name == "支付结算"  # nothing of the edit was saved


def test_two_keepers_editing_one_code_cannot_both_win(org):
    # given: two head-office keepers opened channel code 01 at version 1
    first, second = english(org.head_office), english(org.head_office)
    edit = url("ref_code_edit", "channel", "01")
    assert 'name="version" value="1"' in first.get(edit).content.decode()
    data = {"code": "01", "name_en": "Counter", "sort_order": 1, "version": 1}
    assert first.post(edit, data | {"name": "柜面"}).status_code == 302
    # when: the second keeper's save, based on version 1, arrives after the first
    late = second.post(edit, data | {"name": "营业网点"})
    # then: it is refused with the reason, and the first change stands
    assert late.status_code == 200
    assert "Someone else changed this record" in str(late.context["form"].non_field_errors())
    saved = code("channel", "01")
    assert (saved.name, saved.version) == ("柜面", 2)
    assert events("change", "complaints.Classification").count() == 1


def test_retiring_a_code_moves_its_version_on(org):
    # given: a keeper opened business code 05 at version 1
    client = english(org.head_office)
    edit = url("ref_code_edit", "business", "05")
    # when: the code is retired before the keeper saves
    client.post(url("ref_code_retire", "business", "05"))
    late = client.post(
        edit, {"code": "05", "name": "支付", "name_en": "Payments", "sort_order": 1, "version": 1}
    )
    # then: the save is refused; the retirement and the names stand
    assert late.status_code == 200
    assert (code("business", "05").name, code("business", "05").version) == ("支付结算", 2)


def test_a_retired_code_stays_and_can_come_back(org):
    client = client_for(org.head_office)
    client.post(url("ref_code_retire", "business", "05"))
    assert code("business", "05").is_active is False
    client.post(url("ref_code_reactivate", "business", "05"))
    assert code("business", "05").is_active is True
    assert [e.detail["is_active"] for e in events("change", "complaints.Classification")] == [
        True,
        False,
    ]


def test_an_unknown_code_is_404(org):
    client = client_for(org.head_office)
    assert client.get(url("ref_code_edit", "business", "XX")).status_code == 404
    assert client.post(url("ref_code_retire", "nowhere", "01")).status_code == 404


def test_a_branch_manager_cannot_retire_a_code(org):
    response = client_for(org.manager_a).post(url("ref_code_retire", "business", "05"))
    assert response.status_code == 403
    assert code("business", "05").is_active is True


# --- root causes -------------------------------------------------------------------------------


def test_the_cause_tree_lists_children_under_their_parent(org):
    rows = client_for(org.head_office).get(url("ref_causes")).context["rows"]
    codes = [(r.cause.code, r.depth) for r in rows]
    assert codes[:4] == [("M", 0), ("M01", 1), ("M02", 1), ("P", 0)]
    assert len(codes) == RootCause.objects.count()


def test_head_office_adds_a_cause_under_a_parent(org):
    client = english(org.head_office)
    response = client.post(url("ref_cause_add"), {"code": "S04", "name": "排队过久", "parent": "S"})
    assert response.status_code == 302
    assert RootCause.objects.get(code="S04").parent.code == "S"
    assert events("create", "complaints.RootCause").get().target_id == "S04"
    clash = client.post(url("ref_cause_add"), {"code": "S04", "name": "again", "parent": "S"})
    assert clash.context["form"].errors["code"] == ["Another root cause already has this code."]


def test_a_cause_cannot_move_under_itself_or_its_own_child(org):
    client = english(org.head_office)
    response = client.post(
        url("ref_cause_edit", "S"), {"name": "人员与服务", "parent": "S01", "version": 1}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["parent"] == [
        "A cause cannot go under itself or under a cause below it."
    ]
    assert RootCause.objects.get(code="S").parent is None


def test_a_cause_is_renamed_and_may_move_to_another_parent(org):
    client = client_for(org.head_office)
    client.post(url("ref_cause_edit", "S03"), {"name": "告知不充分", "parent": "P", "version": 1})
    moved = RootCause.objects.get(code="S03")
    assert (moved.name, moved.parent.code) == ("告知不充分", "P")


def test_two_keepers_editing_one_cause_cannot_both_win(org):
    # given: two head-office keepers opened root cause S03 at version 1
    first, second = english(org.head_office), english(org.head_office)
    edit = url("ref_cause_edit", "S03")
    assert 'name="version" value="1"' in first.get(edit).content.decode()
    assert first.post(edit, {"name": "告知不充分", "parent": "S", "version": 1}).status_code == 302
    # when: the second keeper's save, based on version 1, arrives after the first
    late = second.post(edit, {"name": "未告知风险", "parent": "P", "version": 1})
    # then: it is refused with the reason, and the first change stands
    assert late.status_code == 200
    assert "Someone else changed this record" in str(late.context["form"].non_field_errors())
    cause = RootCause.objects.get(code="S03")
    assert (cause.name, cause.parent.code, cause.version) == ("告知不充分", "S", 2)
    assert events("change", "complaints.RootCause").count() == 1


def test_a_parent_is_retired_only_after_its_children(org):
    client = english(org.head_office)
    refused = client.post(url("ref_cause_retire", "T"), follow=True)
    assert "Retire the causes under T first" in refused.content.decode()
    assert RootCause.objects.get(code="T").is_active is True
    for child in ("T01", "T02"):
        client.post(url("ref_cause_retire", child))
    client.post(url("ref_cause_retire", "T"))
    assert not RootCause.objects.filter(code__startswith="T", is_active=True).exists()
    # a child comes back only once its parent is back
    client.post(url("ref_cause_reactivate", "T01"))
    assert RootCause.objects.get(code="T01").is_active is False


# --- service targets ---------------------------------------------------------------------------


def test_head_office_changes_a_target_and_new_complaints_get_it(org):
    client = client_for(org.head_office)
    response = client.post(
        url("ref_target_edit", "normal"),
        {"first_response_hours": 3, "resolution_hours": 30, "version": 1},
    )
    assert response.status_code == 302
    target = ServiceTarget.objects.get(priority="normal")
    assert (target.first_response_hours, target.resolution_hours) == (3, 30)
    (event,) = events("change", "complaints.ServiceTarget")
    assert event.detail["before"] == {"first_response_hours": 8, "resolution_hours": 40}
    complaint = do_register_complaint(
        org.teller_a,
        outlet=org.sh0101,
        intake_channel="counter",
        complainant_name="王五",
        narrative="排队太久。",
    )
    expected = add_working_hours(timezone.localtime(complaint.received_at), 3, bank_overrides())
    assert complaint.respond_by == expected


def test_two_keepers_editing_one_target_cannot_both_win(org):
    # given: two head-office keepers opened the normal-priority targets at version 1
    first, second = english(org.head_office), english(org.head_office)
    edit = url("ref_target_edit", "normal")
    assert 'name="version" value="1"' in first.get(edit).content.decode()
    saved = first.post(edit, {"first_response_hours": 4, "resolution_hours": 32, "version": 1})
    assert saved.status_code == 302
    # when: the second keeper's save, based on version 1, arrives after the first
    late = second.post(edit, {"first_response_hours": 6, "resolution_hours": 24, "version": 1})
    # then: it is refused with the reason, and the first change stands
    assert late.status_code == 200
    assert "Someone else changed this record" in str(late.context["form"].non_field_errors())
    target = ServiceTarget.objects.get(priority="normal")
    assert (target.first_response_hours, target.resolution_hours, target.version) == (4, 32, 2)
    assert events("change", "complaints.ServiceTarget").count() == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"first_response_hours": 0, "resolution_hours": 10}, "first_response_hours"),
        ({"first_response_hours": 8, "resolution_hours": 2001}, "resolution_hours"),
        ({"first_response_hours": 24, "resolution_hours": 8}, "resolution_hours"),
    ],
)
def test_targets_stay_within_bounds_and_resolution_follows_response(org, data, field):
    response = english(org.head_office).post(url("ref_target_edit", "high"), data | {"version": 1})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert ServiceTarget.objects.get(priority="high").first_response_hours == 4


# --- handling guidance -------------------------------------------------------------------------


def test_head_office_edits_guidance_and_the_version_moves_on(org):
    guidance = HandlingGuidance.objects.get(topic="temperament", key="dominant")
    response = client_for(org.head_office).post(
        url("ref_guidance_edit", "temperament", "dominant"),
        {
            "version": guidance.version,
            "text": "开门见山。",
            "text_en": "Be direct.",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    guidance.refresh_from_db()
    assert (guidance.text, guidance.text_en, guidance.version) == ("开门见山。", "Be direct.", 2)
    assert guidance.updated_by == org.staff(org.head_office)
    assert events("change", "complaints.HandlingGuidance").get().detail["version"] == 2


def test_two_editors_of_the_same_guidance_cannot_both_win(org):
    # given: two head-office users opened version 1 of the general guidance
    second = make_staff("head_office_2", Role.HEAD_OFFICE_ADMIN, org.ho, 20).user
    edit = url("ref_guidance_edit", "general")
    first_save = english(org.head_office).post(edit, {"version": 1, "text": "第一版"})
    assert first_save.status_code == 302
    # when: the second saves over the version they loaded
    response = english(second).post(edit, {"version": 1, "text": "第二版", "is_active": "on"})
    # then: told to reload, and the first editor's text stands
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [str(ConflictError())]
    assert HandlingGuidance.objects.get(topic="general").text == "第一版"


def test_guidance_needs_its_chinese_text(org):
    response = english(org.head_office).post(
        url("ref_guidance_edit", "general"), {"version": 1, "text": "   ", "text_en": "x"}
    )
    assert response.status_code == 200 and "text" in response.context["form"].errors
    assert HandlingGuidance.objects.get(topic="general").version == 1


def test_deactivated_guidance_is_kept_but_hidden(org):
    client = client_for(org.head_office)
    guidance = HandlingGuidance.objects.get(topic="presentation", key="calm")
    client.post(
        url("ref_guidance_edit", "presentation", "calm"),
        {"version": guidance.version, "text": guidance.text, "text_en": guidance.text_en},
    )
    guidance.refresh_from_db()
    assert guidance.is_active is False and guidance.version == 2


def test_guidance_is_added_only_for_an_existing_business_category(org):
    client = english(org.head_office)
    response = client.post(url("ref_guidance_add"), {"key": "08", "text": "说明代理产品的责任方。"})
    assert response.status_code == 302
    added = HandlingGuidance.objects.get(topic="category", key="08")
    assert added.text == "说明代理产品的责任方。" and added.version == 1
    assert events("create", "complaints.HandlingGuidance").count() == 1
    unknown = client.post(url("ref_guidance_add"), {"key": "77", "text": "文字"})
    assert "key" in unknown.context["form"].errors
    assert not HandlingGuidance.objects.filter(key="77").exists()
    # a category that has guidance is no longer offered, and a second one is refused
    offered = [value for value, _ in unknown.context["form"].fields["key"].choices]
    assert "08" not in offered and "01" in offered
    twice = client.post(url("ref_guidance_add"), {"key": "08", "text": "再来一次"})
    assert twice.status_code == 200
    assert HandlingGuidance.objects.get(topic="category", key="08").text == added.text


def test_guidance_of_an_unknown_topic_is_404(org):
    assert client_for(org.head_office).get(url("ref_guidance_edit", "nope")).status_code == 404


# --- assignment rules --------------------------------------------------------------------------


@pytest.fixture
def officers(org):
    return {
        "a": officer(org, "officer_a", org.sh0101, 30),
        "b": officer(org, "officer_b", org.zj0101, 31),
    }


def test_a_branch_manager_adds_a_rule_for_an_outlet_of_their_branch(org, officers):
    client = english(org.manager_a)
    step_one = client.get(url("ref_rule_add"))
    assert [u.code for u in step_one.context["form"].fields["unit"].queryset] == ["SH01", "SH0101"]
    form_page = client.get(url("ref_rule_add") + "?unit=SH0101")
    candidates = set(form_page.context["form"].fields["officers"].queryset)
    # the outlet's officer and the managers above it handle complaints; tellers do not
    assert officers["a"] in candidates and org.staff(org.manager_a) in candidates
    assert org.staff(org.teller_a) not in candidates
    assert officers["b"] not in candidates
    response = client.post(
        url("ref_rule_add"),
        {"unit": "SH0101", "business": "03", "officers": [str(officers["a"].uuid)]},
    )
    assert response.status_code == 302
    rule = AssignmentRule.objects.get()
    assert (rule.unit, rule.business.code, list(rule.officers.all())) == (
        org.sh0101,
        "03",
        [officers["a"]],
    )
    event = events("create", "complaints.AssignmentRule").get()
    assert event.branch == org.sh0101 and event.actor == org.manager_a


def test_a_rule_needs_an_officer_who_serves_the_unit(org, officers):
    client = english(org.manager_a)
    nobody = client.post(url("ref_rule_add"), {"unit": "SH0101", "business": ""})
    assert nobody.context["form"].errors["officers"] == ["Choose at least one complaint officer."]
    elsewhere = client.post(
        url("ref_rule_add"), {"unit": "SH0101", "officers": [str(officers["b"].uuid)]}
    )
    assert "officers" in elsewhere.context["form"].errors
    assert not AssignmentRule.objects.exists()


def test_a_unit_has_one_rule_per_category(org, officers):
    client = english(org.manager_a)
    data = {"unit": "SH0101", "business": "", "officers": [str(officers["a"].uuid)]}
    assert client.post(url("ref_rule_add"), data).status_code == 302
    twin = client.post(url("ref_rule_add"), data)
    assert twin.status_code == 200
    assert "already has a rule" in str(twin.context["form"].non_field_errors())
    assert AssignmentRule.objects.count() == 1


def test_a_manager_cannot_add_a_rule_for_another_branch(org, officers):
    response = client_for(org.manager_b).get(url("ref_rule_add") + "?unit=SH0101")
    assert response.status_code == 404
    posted = client_for(org.manager_b).post(
        url("ref_rule_add"), {"unit": "SH0101", "officers": [str(officers["a"].uuid)]}
    )
    assert posted.status_code == 404
    assert not AssignmentRule.objects.exists()


def test_rules_of_another_branch_are_invisible_and_404(org, officers):
    # given: a rule of branch A
    rule = AssignmentRule.objects.create(unit=org.sh0101)
    rule.officers.set([officers["a"]])
    # then: branch B's manager neither lists it nor opens, edits or stops it
    listed = client_for(org.manager_b).get(url("ref_rules"))
    assert list(listed.context["page"]) == []
    assert list(client_for(org.manager_a).get(url("ref_rules")).context["page"]) == [rule]
    data = {
        "business": "",
        "officers": [str(officers["a"].uuid)],
        "is_active": "on",
        "version": "1",
    }
    assert_scope_rules(
        url("ref_rule_edit", rule.pk),
        method="post",
        data=data,
        insider=org.manager_a,
        outsider=org.manager_b,
        read_only=org.auditor,
        ok_status=302,
    )
    assert client_for(org.manager_b).post(url("ref_rule_deactivate", rule.pk)).status_code == 404
    rule.refresh_from_db()
    assert rule.is_active is True


def test_a_manager_changes_officers_and_stops_a_rule(org, officers):
    second = officer(org, "officer_a2", org.sh01, 32)
    rule = AssignmentRule.objects.create(unit=org.sh0101)
    rule.officers.set([officers["a"]])
    client = client_for(org.manager_a)
    page = client.get(url("ref_rule_edit", rule.pk))
    # the current officer is ticked among the candidates
    assert re.search(rf'value="{officers["a"].uuid}"[^>]*checked', page.content.decode())
    client.post(
        url("ref_rule_edit", rule.pk),
        {"business": "", "officers": [str(second.uuid)], "is_active": "on", "version": "1"},
    )
    assert list(rule.officers.all()) == [second]
    client.post(url("ref_rule_deactivate", rule.pk))
    rule.refresh_from_db()
    assert rule.is_active is False
    changes = events("change", "complaints.AssignmentRule").order_by("created_at", "id")
    assert [e.detail["fields"] for e in changes] == [["officers"], ["is_active"]]
    # stopped rules leave the default list but can be shown
    assert list(client.get(url("ref_rules")).context["page"]) == []
    assert list(client.get(url("ref_rules") + "?inactive=1").context["page"]) == [rule]


def test_two_managers_editing_one_rule_cannot_both_win(org, officers):
    # given: a rule both managers of branch A opened at version 1
    second = officer(org, "officer_a2", org.sh01, 32)
    rule = AssignmentRule.objects.create(unit=org.sh0101)
    rule.officers.set([officers["a"]])
    first = client_for(org.manager_a)
    assert 'name="version" value="1"' in first.get(url("ref_rule_edit", rule.pk)).content.decode()
    saved = first.post(
        url("ref_rule_edit", rule.pk),
        {"business": "", "officers": [str(second.uuid)], "is_active": "on", "version": "1"},
    )
    assert saved.status_code == 302
    # when: the other save, based on version 1, arrives second
    late = english(org.manager_a).post(
        url("ref_rule_edit", rule.pk),
        {"business": "", "officers": [str(officers["a"].uuid)], "is_active": "on", "version": "1"},
    )
    # then: it is refused with a reason and the first change stands
    assert late.status_code == 200
    assert "changed" in str(late.context["form"].non_field_errors()).lower()
    rule.refresh_from_db()
    assert (rule.version, list(rule.officers.all())) == (2, [second])


# --- bank calendar -----------------------------------------------------------------------------


def test_a_holiday_entered_moves_the_working_day_count(org):
    monday = future_monday()
    friday = monday - timedelta(days=3)
    assert add_working_days(friday, 1, bank_overrides()) == monday
    response = client_for(org.head_office).post(
        url("org:calendar_add"),
        {"day": monday.isoformat(), "is_working_day": "0", "note": "银行自定休息日"},
    )
    assert response.status_code == 302
    assert add_working_days(friday, 1, bank_overrides()) == monday + timedelta(days=1)
    entry = events("create", "org.CalendarDay").get()
    assert entry.detail == {
        "day": monday.isoformat(),
        "is_working_day": False,
        "note": "银行自定休息日",
    }


def test_a_make_up_working_day_counts_as_working(org):
    saturday = future_monday() + timedelta(days=5)
    friday = saturday - timedelta(days=1)
    client_for(org.head_office).post(
        url("org:calendar_add"),
        {"day": saturday.isoformat(), "is_working_day": "1", "note": "调休上班"},
    )
    assert add_working_days(friday, 1, bank_overrides()) == saturday


def test_a_calendar_day_is_entered_once_named_and_not_in_the_past(org):
    client = english(org.head_office)
    day = future_monday()
    CalendarDay.objects.create(day=day, is_working_day=False, note="春节")
    again = client.post(
        url("org:calendar_add"), {"day": day.isoformat(), "is_working_day": "0", "note": "春节"}
    )
    assert again.context["form"].errors["day"] == [
        "This day is already in the calendar: edit it instead."
    ]
    yesterday = timezone.localdate() - timedelta(days=1)
    past = client.post(
        url("org:calendar_add"), {"day": yesterday.isoformat(), "is_working_day": "0", "note": "x"}
    )
    assert "day" in past.context["form"].errors
    unnamed = client.post(
        url("org:calendar_add"),
        {"day": (day + timedelta(1)).isoformat(), "is_working_day": "0", "note": ""},
    )
    assert "note" in unnamed.context["form"].errors
    assert CalendarDay.objects.count() == 1


def test_a_future_day_is_edited_and_removed_but_a_past_one_stays(org):
    client = english(org.head_office)
    day = future_monday()
    CalendarDay.objects.create(day=day, is_working_day=False, note="春节")
    client.post(url("org:calendar_edit", day.isoformat()), {"is_working_day": "1", "note": "调休"})
    assert CalendarDay.objects.get(day=day).is_working_day is True
    client.post(url("org:calendar_delete", day.isoformat()))
    assert not CalendarDay.objects.filter(day=day).exists()
    assert add_working_days(day - timedelta(days=3), 1, bank_overrides()) == day
    past = CalendarDay.objects.create(
        day=timezone.localdate() - timedelta(days=2), is_working_day=False, note="台风"
    )
    refused = client.post(url("org:calendar_delete", past.day.isoformat()), follow=True)
    assert "Only days still to come can be removed" in refused.content.decode()
    assert CalendarDay.objects.filter(pk=past.pk).exists()
    kinds = [e.detail.get("removed", False) for e in events("change", "")]
    assert kinds == [True]  # the removal is audited (it has no record left to point at)


def test_the_calendar_lists_one_year_and_says_what_the_schedule_says(org):
    day = future_monday()
    CalendarDay.objects.create(day=day, is_working_day=False, note="春节")
    CalendarDay.objects.create(day=day.replace(year=day.year + 1), is_working_day=False, note="x")
    page = client_for(org.head_office).get(url("org:calendar") + f"?year={day.year}")
    assert [r["entry"].day for r in page.context["rows"]] == [day]
    assert page.context["rows"][0]["published"] is None  # that year is not bundled
    assert page.context["year_known"] is False
    assert (
        client_for(org.head_office).get(url("org:calendar_edit", "2026-02-30")).status_code == 404
    )


def test_the_banner_warns_while_next_years_holidays_are_unknown(org, monkeypatch):
    # given: November of a year whose successor the bundled schedule does not know
    today = date(2031, 11, 2)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: today)
    client = english(org.head_office)
    page = client.get(url("org:calendar"))
    assert page.context["unknown_year"] == 2032
    assert "The public holidays of 2032 are not known yet" in page.content.decode()
    assert client.get(url("ref_index")).context["unknown_year"] == 2032
    # when: head office enters next year's Spring Festival
    client.post(
        url("org:calendar_add"), {"day": "2032-02-11", "is_working_day": "0", "note": "春节"}
    )
    # then: the warning is gone
    assert client.get(url("org:calendar")).context["unknown_year"] is None


def test_the_rule_list_does_not_query_per_rule(org, officers):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client_for(org.head_office).get(url("ref_rules")).status_code == 200
        return len(captured)

    AssignmentRule.objects.create(unit=org.sh0101).officers.set([officers["a"]])
    one = queries()
    for unit, business in ((org.sh01, None), (org.zj0101, code("business", "02"))):
        AssignmentRule.objects.create(unit=unit, business=business).officers.set(
            [officers["b"] if unit == org.zj0101 else officers["a"]]
        )
    assert queries() == one


def test_the_old_calendar_address_leads_to_the_organisations_calendar(org):
    response = client_for(org.head_office).get("/complaints/settings/calendar/?year=2027")
    assert response.status_code == 301
    assert response["Location"] == reverse("org:calendar") + "?year=2027"
