from __future__ import annotations

from django.urls import reverse

from branchcx.audit.models import AuditEvent
from branchcx.lib.errors import ConflictError
from branchcx.org.models import Branch
from branchcx.testing import assert_scope_rules, client_for


def test_branch_list_shows_only_units_in_scope(org):
    response = client_for(org.teller_a).get(reverse("org:branch_list"))
    assert response.status_code == 200
    units = [u.code for u in response.context["page"]]
    assert units == ["SH0101"]


def test_branch_list_is_paginated_and_searchable(org):
    response = client_for(org.head_office).get(reverse("org:branch_list"), {"q": "杭州"})
    assert [u.code for u in response.context["page"]] == ["ZJ01"]


def test_branch_detail_follows_scope_rules(org):
    url = reverse("org:branch_detail", args=["SH0101"])
    response = assert_scope_rules(url, insider=org.teller_a, outsider=org.teller_b)
    assert "浦东支行" in response.content.decode()


def test_branch_edit_follows_scope_and_role_rules(org):
    url = reverse("org:branch_edit", args=["SH01"])
    data = {"version": 1, "name": "上海分行营业部", "hours_mon": "09:00-17:00"}
    # given: auditor (in scope, read-only), manager_b (other branch), manager_a (owner)
    assert_scope_rules(
        url,
        method="post",
        data=data,
        insider=org.manager_a,
        outsider=org.manager_b,
        read_only=org.auditor,
        ok_status=302,
    )
    branch = Branch.objects.get(code="SH01")
    assert branch.name == "上海分行营业部"
    assert branch.opening_hours == {"mon": "09:00-17:00"}
    assert branch.version == 2
    assert AuditEvent.objects.filter(action="change", target_id="SH01").count() == 1


def test_branch_edit_rejects_wrong_method(org):
    url = reverse("org:branch_edit", args=["SH01"])
    assert client_for(org.manager_a).delete(url).status_code == 405


def test_branch_edit_with_stale_version_changes_nothing(org):
    # given: someone saved the unit after this user opened the form
    client = client_for(org.manager_a)
    url = reverse("org:branch_edit", args=["SH01"])
    client.post(url, {"version": 1, "name": "A"})
    # when: the second save carries the old version
    response = client.post(url, {"version": 1, "name": "B"})
    # then
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [str(ConflictError())]
    assert Branch.objects.get(code="SH01").name == "A"


def test_branch_edit_rejects_malformed_opening_hours(org):
    client = client_for(org.manager_a)
    url = reverse("org:branch_edit", args=["SH01"])
    response = client.post(url, {"version": 1, "name": "上海分行", "hours_tue": "17:00-09:00"})
    assert response.status_code == 200
    assert Branch.objects.get(code="SH01").opening_hours == {}
    assert response.context["form"].errors


def test_branch_manager_cannot_close_a_unit(org):
    client = client_for(org.manager_a)
    url = reverse("org:branch_edit", args=["SH0101"])
    client.post(url, {"version": 1, "name": "浦东支行", "is_active": ""})
    assert Branch.objects.get(code="SH0101").is_active is True


def test_only_head_office_creates_units(org):
    url = reverse("org:branch_create")
    data = {"code": "SH0103", "name": "静安支行", "level": "outlet", "parent": "SH01"}
    assert client_for(org.manager_a).post(url, data).status_code == 403
    response = client_for(org.head_office).post(url, data)
    assert response.status_code == 302
    created = Branch.objects.get(code="SH0103")
    assert created.path == "/HO/SH01/SH0103/"


def test_outlet_must_hang_under_a_branch(org):
    url = reverse("org:branch_create")
    data = {"code": "XX01", "name": "错误", "level": "outlet", "parent": "HO"}
    response = client_for(org.head_office).post(url, data)
    assert response.status_code == 200
    assert not Branch.objects.filter(code="XX01").exists()
