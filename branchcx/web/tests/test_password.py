from __future__ import annotations

from django.test import Client
from django.urls import reverse

from branchcx.audit.models import AuditEvent
from branchcx.org.actions import do_create_staff
from branchcx.testing import (
    PASSWORD,
    api_client_for,
    assert_scope_rules,
    client_for,
    make_staff,
)


def new_teller(org):
    staff, temporary = do_create_staff(
        org.manager_a,
        branch=org.sh0101,
        username="temp.teller",
        full_name="吴敏",
        employee_no="E50001",
        role="teller",
    )
    return staff, temporary


def signed_in(username: str, password: str) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": password})
    assert response.status_code == 302
    return client


def test_temporary_password_must_be_replaced_before_anything_else(org):
    staff, temporary = new_teller(org)
    client = signed_in("temp.teller", temporary)
    # every page leads to the password page, and the API refuses with a clear code
    assert client.get(reverse("home"))["Location"] == reverse("password_change")
    assert client.get(reverse("org:staff_list"))["Location"] == reverse("password_change")
    api = client.get("/api/v1/me")
    assert (api.status_code, api.json()["code"]) == (403, "password_change_required")
    # choosing a new password lifts the restriction and is audited
    response = client.post(
        reverse("password_change"),
        {
            "old_password": temporary,
            "new_password1": "Own-choice-pass-77",
            "new_password2": "Own-choice-pass-77",
        },
    )
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    staff.refresh_from_db()
    assert staff.must_change_password is False
    assert AuditEvent.objects.filter(action="password_change", actor_name="temp.teller").exists()


def test_weak_new_password_is_refused_and_not_echoed(org):
    client = client_for(org.teller_a)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]
    assert "12345678" not in response.content.decode()
    org.teller_a.refresh_from_db()
    assert org.teller_a.check_password(PASSWORD)


def test_manager_resets_a_password_in_scope(org):
    staff = org.staff(org.teller_a)
    url = reverse("org:staff_reset_password", args=[staff.uuid])
    response = assert_scope_rules(
        url,
        method="post",
        insider=org.manager_a,
        outsider=org.manager_b,
        read_only=org.auditor,
    )
    temporary = response.context["temporary"]
    org.teller_a.refresh_from_db()
    assert org.teller_a.check_password(temporary)
    staff.refresh_from_db()
    assert staff.must_change_password is True
    assert AuditEvent.objects.filter(action="password_reset", actor_name="manager_a").count() == 1


def test_nobody_resets_their_own_password_this_way(org):
    staff = org.staff(org.manager_a)
    url = reverse("org:staff_reset_password", args=[staff.uuid])
    assert client_for(org.manager_a).post(url).status_code == 403


def test_branch_manager_cannot_reset_an_auditor_placed_in_their_branch(org):
    auditor = make_staff("sh.auditor", "auditor", org.sh01, 41)
    url = reverse("org:staff_reset_password", args=[auditor.uuid])
    assert client_for(org.manager_a).post(url).status_code == 403
    auditor.user.refresh_from_db()
    assert auditor.user.check_password(PASSWORD)


def test_api_does_not_let_a_manager_choose_a_password(org):
    response = api_client_for(org.manager_a).post(
        "/api/v1/staff",
        {
            "username": "chosen",
            "full_name": "郑十",
            "employee_no": "E50003",
            "role": "teller",
            "branch": "SH0101",
            "password": "Manager-knows-it-1",
        },
        content_type="application/json",
    )
    assert response.status_code == 422
