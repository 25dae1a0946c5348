from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from branchcx.audit.models import AuditEvent
from branchcx.org.models import ApiToken, StaffProfile


def out(*args, **kwargs) -> str:
    buffer = StringIO()
    call_command(*args, stdout=buffer, **kwargs)
    return buffer.getvalue()


def test_createuser_makes_a_staff_member_who_can_sign_in(org, monkeypatch):
    monkeypatch.setenv("BRANCHCX_PASSWORD", "Strong-pass-2026")
    out(
        "createuser",
        "zj.lobby",
        role="lobby_manager",
        unit="ZJ0101",
        full_name="陈静",
        employee_no="E60001",
    )
    staff = StaffProfile.objects.get(employee_no="E60001")
    assert staff.branch == org.zj0101
    assert staff.user.check_password("Strong-pass-2026")
    created = AuditEvent.objects.get(action="create", target_id=str(staff.uuid))
    assert created.actor_name == "system"


def test_createuser_rejects_weak_password_and_unknown_unit(org, monkeypatch):
    monkeypatch.setenv("BRANCHCX_PASSWORD", "12345678")
    with pytest.raises(CommandError, match="password"):
        out("createuser", "weak", role="teller", unit="SH0101", full_name="甲", employee_no="E1")
    with pytest.raises(CommandError, match="No unit"):
        out("createuser", "x", role="teller", unit="NOPE", full_name="乙", employee_no="E2")
    assert not StaffProfile.objects.filter(employee_no__in=["E1", "E2"]).exists()


def test_token_command_creates_lists_and_revokes(org):
    created = out("token", "create", "teller_a", name="报表").splitlines()
    secret = created[1]
    assert (
        Client(headers={"Authorization": f"Bearer {secret}"}).get("/api/v1/me").status_code == 200
    )
    assert "active" in out("token", "list", "teller_a")
    token = ApiToken.objects.get(name="报表")
    out("token", "revoke", str(token.uuid))
    assert (
        Client(headers={"Authorization": f"Bearer {secret}"}).get("/api/v1/me").status_code == 401
    )


def test_createunit_builds_the_tree_in_order(db):
    out("createunit", "HO", name="总行", level="head_office")
    out("createunit", "GD01", name="深圳分行", level="branch", parent="HO")
    with pytest.raises(CommandError, match="parent"):
        out("createunit", "GD0101", name="南山支行", level="outlet", parent="HO")
    out("createunit", "GD0101", name="南山支行", level="outlet", parent="GD01")
    from branchcx.org.models import Branch

    assert Branch.objects.get(code="GD0101").path == "/HO/GD01/GD0101/"


def test_demo_is_refused_in_production_mode(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="evaluation only"):
        out("demo")
    from branchcx.org.models import Branch

    assert not Branch.objects.exists()


def test_admin_cannot_edit_accounts(org):
    from django.contrib.auth import get_user_model

    root = get_user_model().objects.create_superuser("root", password="Root-pass-2026-x")
    client = Client()
    client.force_login(root)
    url = f"/admin/auth/user/{org.teller_a.pk}/change/"
    client.post(url, {"username": "renamed", "is_superuser": "on"})
    org.teller_a.refresh_from_db()
    assert (org.teller_a.username, org.teller_a.is_superuser) == ("teller_a", False)
