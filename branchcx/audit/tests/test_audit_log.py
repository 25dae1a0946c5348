from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from branchcx.audit.actions import Action, record
from branchcx.testing import api_client_for, client_for


def test_auditor_at_head_office_sees_all_events(org):
    record(Action.EXPORT, actor=org.manager_a, branch=org.sh01)
    record(Action.EXPORT, actor=org.manager_b, branch=org.zj01)
    page = client_for(org.auditor).get(reverse("audit:event_list")).context["page"]
    assert {e.actor_name for e in page if e.action == "export"} == {"manager_a", "manager_b"}


def test_branch_manager_sees_only_their_branch_events(org):
    record(Action.EXPORT, actor=org.manager_a, branch=org.sh01)
    record(Action.EXPORT, actor=org.manager_b, branch=org.zj01)
    items = api_client_for(org.manager_a).get("/api/v1/audit/events?action=export").json()["items"]
    assert [i["actor"] for i in items] == ["manager_a"]


def test_teller_cannot_read_the_audit_log(org):
    assert client_for(org.teller_a).get(reverse("audit:event_list")).status_code == 403
    assert api_client_for(org.teller_a).get("/api/v1/audit/events").status_code == 403


def test_anonymous_is_sent_to_sign_in(db):
    from django.test import Client

    response = Client().get(reverse("audit:event_list"))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_search_by_user_action_and_local_date(org):
    record(Action.UNMASK, actor=org.manager_a, branch=org.sh01, field="mobile", reason="核实")
    today = timezone.localdate().isoformat()
    response = client_for(org.auditor).get(
        reverse("audit:event_list"),
        {"actor": "MANAGER_A", "action": "unmask", "date_from": today, "date_to": today},
    )
    events = list(response.context["page"])
    assert [(e.actor_name, e.field) for e in events] == [("manager_a", "mobile")]


def test_reversed_date_range_is_an_error_not_everything(org):
    record(Action.EXPORT, actor=org.manager_a, branch=org.sh01)
    response = client_for(org.auditor).get(
        reverse("audit:event_list"), {"date_from": "2026-02-01", "date_to": "2026-01-01"}
    )
    assert response.context["form"].errors
    assert list(response.context["page"]) == []


def test_branch_manager_does_not_see_what_head_office_did_in_their_branch(org):
    # given the head-office auditor looked at a teller of SH01's outlet
    record(Action.VIEW_PERSONAL, actor=org.auditor, branch=org.sh0101, reason="专项检查")
    record(Action.EXPORT, actor=org.manager_a, branch=org.sh01)
    # then the branch manager sees their own branch's activity, not the review of it
    items = api_client_for(org.manager_a).get("/api/v1/audit/events").json()["items"]
    actors = {i["actor"] for i in items}
    assert "manager_a" in actors
    assert "auditor" not in actors
    # while head office sees both
    everything = api_client_for(org.auditor).get("/api/v1/audit/events").json()["items"]
    assert {"manager_a", "auditor"} <= {i["actor"] for i in everything}
