from __future__ import annotations

from pathlib import Path

from django.contrib.auth.models import Group
from django.core.management import call_command

from branchcx.org.models import Role
from branchcx.org.roles import ROLE_PERMISSIONS, group_name, permission_matrix_markdown

DOCS = Path(__file__).resolve().parents[3] / "docs" / "permissions.md"


def test_every_role_is_a_group_with_exactly_its_permissions(db):
    for role in Role.values:
        group = Group.objects.get(name=group_name(role))
        granted = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        assert granted == ROLE_PERMISSIONS[role], role


def test_auditor_can_only_read(db):
    writes = {p for p in ROLE_PERMISSIONS[Role.AUDITOR] if not p.split(".")[1].startswith("view_")}
    # their own API token is the one thing they create (it reads with their permissions), and
    # exporting a masked list, the complaint statistics or the (masked) survey responses is
    # a read that leaves the system, audited like any other
    assert writes == {
        "org.add_apitoken",
        "customers.export_customers",
        "complaints.export_statistics",
        "surveys.export_responses",
    }


def test_sync_roles_repairs_a_tampered_group(db):
    group = Group.objects.get(name=group_name(Role.TELLER))
    group.permissions.clear()
    call_command("sync_roles", verbosity=0)
    assert group.permissions.count() == len(ROLE_PERMISSIONS[Role.TELLER])


def test_permission_matrix_document_matches_code(db):
    assert DOCS.read_text(encoding="utf-8") == permission_matrix_markdown(), (
        "docs/permissions.md is out of date: "
        "run `branchcx permissions-matrix > docs/permissions.md`"
    )
