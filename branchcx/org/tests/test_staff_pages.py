from __future__ import annotations

from django.contrib.auth import get_user_model
from django.urls import reverse

from branchcx.audit.models import AuditEvent
from branchcx.org.models import StaffProfile
from branchcx.testing import assert_scope_rules, client_for, make_staff


def test_staff_list_is_scoped_and_masks_mobiles(org):
    response = client_for(org.manager_a).get(reverse("org:staff_list"))
    names = {s.user.username for s in response.context["page"]}
    assert names == {"manager_a", "teller_a"}
    body = response.content.decode()
    assert "139****0004" in body
    assert "13912340004" not in body


def test_staff_detail_follows_scope_rules_and_records_the_view(org):
    staff = org.staff(org.teller_a)
    url = reverse("org:staff_detail", args=[staff.uuid])
    response = assert_scope_rules(url, insider=org.manager_a, outsider=org.manager_b)
    assert "13912340004" not in response.content.decode()
    views = AuditEvent.objects.filter(action="view_personal", target_id=str(staff.uuid))
    assert [e.actor_name for e in views] == ["manager_a"]


def test_unmask_requires_a_reason_and_writes_one_audit_event(org):
    staff = org.staff(org.teller_a)
    url = reverse("org:staff_unmask", args=[staff.uuid])
    client = client_for(org.manager_a)
    # without a reason: refused, nothing recorded
    refused = client.post(url, {"field": "mobile", "reason": ""})
    assert refused.status_code == 422
    assert not AuditEvent.objects.filter(action="unmask").exists()
    # with a reason: the plaintext, and exactly one event naming field and reason
    shown = client.post(url, {"field": "mobile", "reason": "客户来电核实"})
    assert shown.status_code == 200
    assert "13912340004" in shown.content.decode()
    assert shown["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(action="unmask")
    assert (event.actor_name, event.field, event.reason) == ("manager_a", "mobile", "客户来电核实")
    assert event.branch == org.sh0101


def test_unmask_is_refused_without_the_permission(org):
    staff = org.staff(org.teller_a)
    url = reverse("org:staff_unmask", args=[staff.uuid])
    response = client_for(org.teller_a).post(url, {"field": "mobile", "reason": "好奇看看"})
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="unmask").exists()


def test_unmask_of_other_branch_staff_is_not_found(org):
    staff = org.staff(org.teller_b)
    url = reverse("org:staff_unmask", args=[staff.uuid])
    response = client_for(org.manager_a).post(url, {"field": "mobile", "reason": "核实身份"})
    assert response.status_code == 404


def test_branch_manager_creates_teller_with_temporary_password(org):
    data = {
        "username": "new.teller",
        "full_name": "王小明",
        "employee_no": "E90001",
        "role": "teller",
        "branch": "SH0101",
        "mobile": "13812345678",
        "id_number": "",
    }
    response = client_for(org.manager_a).post(reverse("org:staff_create"), data)
    assert response.status_code == 200
    temporary = response.context["temporary"]
    assert temporary
    user = get_user_model().objects.get(username="new.teller")
    assert user.check_password(temporary)
    assert list(user.groups.values_list("name", flat=True)) == ["role:teller"]
    assert AuditEvent.objects.filter(action="permission_change", actor_name="manager_a").exists()


def test_branch_manager_cannot_create_an_auditor(org):
    data = {
        "username": "sneaky",
        "full_name": "李四",
        "employee_no": "E90002",
        "role": "auditor",
        "branch": "SH01",
    }
    response = client_for(org.manager_a).post(reverse("org:staff_create"), data)
    # the role is not offered, so the form rejects it and nothing is created
    assert response.status_code == 200
    assert not get_user_model().objects.filter(username="sneaky").exists()


def test_branch_manager_cannot_place_staff_in_another_branch(org):
    data = {
        "username": "elsewhere",
        "full_name": "赵六",
        "employee_no": "E90003",
        "role": "teller",
        "branch": "ZJ0101",
    }
    response = client_for(org.manager_a).post(reverse("org:staff_create"), data)
    assert response.status_code == 200
    assert not get_user_model().objects.filter(username="elsewhere").exists()


def test_invalid_mobile_is_reported_on_its_field(org):
    data = {
        "username": "badphone",
        "full_name": "钱七",
        "employee_no": "E90004",
        "role": "teller",
        "branch": "SH0101",
        "mobile": "12345",
    }
    response = client_for(org.manager_a).post(reverse("org:staff_create"), data)
    assert response.context["form"].errors["mobile"]
    assert not StaffProfile.objects.filter(employee_no="E90004").exists()


def test_deactivating_staff_blocks_sign_in(org):
    staff = org.staff(org.teller_a)
    url = reverse("org:staff_edit", args=[staff.uuid])
    data = {
        "version": staff.version,
        "full_name": staff.full_name,
        "role": "teller",
        "branch": "SH0101",
        "is_active": "",
    }
    assert client_for(org.manager_a).post(url, data).status_code == 302
    org.teller_a.refresh_from_db()
    assert org.teller_a.is_active is False


def test_nobody_changes_their_own_role(org):
    staff = org.staff(org.manager_a)
    url = reverse("org:staff_edit", args=[staff.uuid])
    data = {
        "version": staff.version,
        "full_name": staff.full_name,
        "role": "branch_manager",
        "branch": "SH0101",
        "is_active": "on",
    }
    response = client_for(org.manager_a).post(url, data)
    assert response.status_code == 403
    staff.refresh_from_db()
    assert staff.branch == org.sh01


def test_change_history_lists_fields_not_personal_values(org):
    staff = org.staff(org.teller_a)
    edit = reverse("org:staff_edit", args=[staff.uuid])
    client = client_for(org.manager_a)
    client.post(
        edit,
        {
            "version": staff.version,
            "full_name": staff.full_name,
            "role": "teller",
            "branch": "SH0101",
            "is_active": "on",
            "mobile": "13800001111",
        },
    )
    response = client.get(reverse("org:staff_detail", args=[staff.uuid]))
    body = response.content.decode()
    assert response.context["history"][0]["fields"] == ["mobile"]
    assert "13800001111" not in body


def test_complaint_officer_cannot_unmask_colleagues(org):
    officer = make_staff("officer_a", "complaint_officer", org.sh0101, 40)
    staff = org.staff(org.teller_a)
    url = reverse("org:staff_unmask", args=[staff.uuid])
    response = client_for(officer.user).post(url, {"field": "mobile", "reason": "想核对一下"})
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="unmask").exists()
