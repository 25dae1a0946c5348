"""Writes to staff through the API keep the same rules as the pages."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from branchcx.org.models import Branch, StaffProfile
from branchcx.testing import api_client_for, assert_scope_rules, client_for


def patch(user, staff, **changes):
    return api_client_for(user).patch(
        f"/api/v1/staff/{staff.uuid}",
        {"version": staff.version, **changes},
        content_type="application/json",
    )


def test_staff_writes_follow_scope_and_read_only_rules(org):
    staff = org.staff(org.teller_a)
    assert_scope_rules(
        f"/api/v1/staff/{staff.uuid}",
        method="patch",
        data={"version": staff.version, "full_name": "杨改名"},
        insider=org.manager_a,
        outsider=org.manager_b,
        read_only=org.auditor,
        api=True,
    )
    assert_scope_rules(
        f"/api/v1/staff/{staff.uuid}/unmask",
        method="post",
        data={"field": "mobile", "reason": "核实身份信息"},
        insider=org.manager_a,
        outsider=org.manager_b,
        read_only=org.auditor,
        api=True,
    )
    staff.refresh_from_db()
    assert staff.full_name == "杨改名"


def test_staff_create_is_refused_to_read_only_roles(org):
    payload = {
        "username": "by.auditor",
        "full_name": "某某",
        "employee_no": "E30001",
        "role": "teller",
        "branch": "SH0101",
    }
    response = api_client_for(org.auditor).post(
        "/api/v1/staff", payload, content_type="application/json"
    )
    assert response.status_code == 403
    assert not StaffProfile.objects.filter(employee_no="E30001").exists()


def test_branch_manager_cannot_promote_to_auditor(org):
    staff = org.staff(org.teller_a)
    assert patch(org.manager_a, staff, role="auditor").status_code == 403
    staff.refresh_from_db()
    assert staff.role == "teller"


def test_branch_manager_cannot_create_an_auditor_through_the_api(org):
    response = api_client_for(org.manager_a).post(
        "/api/v1/staff",
        {
            "username": "sneaky2",
            "full_name": "李四",
            "employee_no": "E30002",
            "role": "auditor",
            "branch": "SH01",
        },
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not StaffProfile.objects.filter(employee_no="E30002").exists()


def test_moving_staff_to_another_branch_is_not_found(org):
    staff = org.staff(org.teller_a)
    assert patch(org.manager_a, staff, branch="ZJ0101").status_code == 404
    staff.refresh_from_db()
    assert staff.branch == org.sh0101


def test_nobody_changes_their_own_role_through_the_api(org):
    staff = org.staff(org.manager_a)
    assert patch(org.manager_a, staff, role="teller").status_code == 403


def test_own_personal_data_can_be_corrected_on_the_page(org):
    staff = org.staff(org.head_office)
    response = client_for(org.head_office).post(
        reverse("org:staff_edit", args=[staff.uuid]),
        {
            "version": staff.version,
            "full_name": staff.full_name,
            "role": staff.role,
            "branch": "HO",
            "is_active": "on",
            "mobile": "13700001111",
        },
    )
    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.mobile == "13700001111"


def test_stale_staff_version_is_409(org):
    staff = org.staff(org.teller_a)
    assert patch(org.manager_a, staff, full_name="一").status_code == 200
    assert patch(org.manager_a, staff, full_name="二").status_code == 409
    staff.refresh_from_db()
    assert staff.full_name == "一"


def test_closed_units_take_no_staff(org):
    Branch.objects.filter(code="SH0101").update(is_active=False)
    response = api_client_for(org.manager_a).post(
        "/api/v1/staff",
        {
            "username": "closed",
            "full_name": "关门",
            "employee_no": "E30003",
            "role": "teller",
            "branch": "SH0101",
        },
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "branch" in response.json()["errors"]


def test_branch_manager_cannot_close_a_unit_through_the_api(org):
    response = api_client_for(org.manager_a).patch(
        "/api/v1/branches/SH0101",
        {"version": 1, "is_active": False},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert Branch.objects.get(code="SH0101").is_active is True


def test_page_writes_need_a_csrf_token(org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.manager_a)
    response = client.post(reverse("org:branch_edit", args=["SH01"]), {"version": 1, "name": "X"})
    assert response.status_code == 403
    assert Branch.objects.get(code="SH01").name == "上海分行"
