from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from branchcx.audit.actions import Action, record
from branchcx.audit.models import AppendOnlyError, AuditEvent
from branchcx.testing import api_client_for, client_for


@pytest.fixture
def event(org):
    return record(Action.EXPORT, actor=org.manager_a, branch=org.sh01, reason="月度报表")


def test_model_refuses_changes_and_deletes(event):
    event.reason = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()


def test_database_refuses_a_raw_update(event):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET reason = 'forged' WHERE id = %s", [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).reason == "月度报表"


def test_api_has_no_way_to_change_events(org, event):
    client = api_client_for(org.auditor)
    assert (
        client.post("/api/v1/audit/events", {}, content_type="application/json").status_code == 405
    )
    assert client.delete("/api/v1/audit/events").status_code == 405


def test_audit_page_is_read_only(org, event):
    assert client_for(org.auditor).post("/audit/").status_code == 405
