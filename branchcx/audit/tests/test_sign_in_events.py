from __future__ import annotations

from django.test import Client
from django.urls import reverse

from branchcx.audit.models import AuditEvent
from branchcx.testing import PASSWORD


def sign_in(client: Client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_sign_in_and_sign_out_are_recorded(org):
    client = Client()
    assert sign_in(client, "teller_a", PASSWORD).status_code == 302
    client.post(reverse("logout"))
    actions = list(
        AuditEvent.objects.filter(actor_name="teller_a").values_list("action", flat=True)
    )
    assert actions == ["logout", "login"]
    login = AuditEvent.objects.get(action="login")
    assert login.branch == org.sh0101
    assert login.ip_address == "127.0.0.1"


def test_failed_sign_in_is_recorded_without_the_password(org):
    response = sign_in(Client(), "teller_a", "wrong-password-123")
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="login_failed")
    assert event.actor_name == "teller_a"
    assert event.actor is None
    assert "wrong-password-123" not in str(event.detail) + event.reason


def test_five_failures_lock_the_account_from_that_address(org, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "teller_a", "wrong-password-123")
    # the right password no longer helps while locked
    locked = sign_in(client, "teller_a", PASSWORD)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="locked_out", actor_name="teller_a").exists()
    # another account from the same address is not affected (username + IP lockout)
    assert sign_in(Client(), "teller_b", PASSWORD).status_code == 302


def test_wrong_credentials_show_a_clear_message(org):
    response = sign_in(Client(), "teller_a", "nope-nope-nope")
    assert response.context["form"].non_field_errors()


def test_role_change_writes_a_permission_event(org):
    from branchcx.org.actions import do_update_staff

    staff = org.staff(org.teller_a)
    do_update_staff(org.manager_a, staff, expected_version=staff.version, role="lobby_manager")
    event = AuditEvent.objects.get(action="permission_change", detail__role__1="lobby_manager")
    assert event.detail["role"] == ["teller", "lobby_manager"]
    assert event.actor_name == "manager_a"
    org.teller_a.refresh_from_db()
    assert list(org.teller_a.groups.values_list("name", flat=True)) == ["role:lobby_manager"]


def test_group_change_outside_our_actions_is_still_recorded(org):
    from django.contrib.auth.models import Group

    org.teller_a.groups.add(Group.objects.get(name="role:auditor"))
    event = AuditEvent.objects.filter(action="permission_change").latest("created_at")
    assert event.detail["what"] == "user groups"
    assert event.branch == org.sh0101


def test_changing_x_forwarded_for_does_not_dodge_the_lockout(org, settings):
    # given a proxy is configured, but the attacker connects to the app server directly
    settings.BRANCHCX_TRUSTED_PROXIES = ["10.0.0.5"]
    for n in range(settings.AXES_FAILURE_LIMIT + 3):
        client = Client(REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR=f"10.1.1.{n}")
        sign_in(client, "teller_a", "wrong-password-123")
    # then the account is locked for that address, whatever header it sends
    client = Client(REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR="10.1.1.200")
    assert sign_in(client, "teller_a", PASSWORD).status_code == 429
