from __future__ import annotations

import json
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from branchcx.audit.models import AuditEvent
from branchcx.org.actions import do_create_token, do_revoke_token
from branchcx.org.models import ApiToken, Branch, StaffProfile
from branchcx.testing import api_client_for, assert_scope_rules, client_for


def test_me_refuses_anonymous_with_401_and_error_body(db):
    response = Client().get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_me_with_bearer_token(org):
    response = api_client_for(org.teller_a).get("/api/v1/me")
    assert response.status_code == 200
    body = response.json()
    assert (body["username"], body["role"], body["branch"]["code"]) == (
        "teller_a",
        "teller",
        "SH0101",
    )


def test_me_with_browser_session(org):
    assert client_for(org.auditor).get("/api/v1/me").json()["role"] == "auditor"


def test_session_writes_need_csrf(org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.teller_a)
    response = client.post("/api/v1/tokens", {"name": "x"}, content_type="application/json")
    assert response.status_code == 403
    assert not ApiToken.objects.exists()


def test_branch_list_is_scoped_and_paginated(org):
    response = api_client_for(org.manager_a).get("/api/v1/branches?page_size=1")
    body = response.json()
    assert body["count"] == 2
    assert [b["code"] for b in body["items"]] == ["SH01"]


def test_branch_detail_follows_scope_rules(org):
    body = assert_scope_rules(
        "/api/v1/branches/SH0101", insider=org.teller_a, outsider=org.teller_b, api=True
    ).json()
    assert body["parent"] == "SH01"


def test_branch_update_follows_scope_and_role_rules(org):
    assert_scope_rules(
        "/api/v1/branches/SH01",
        method="patch",
        data={"version": 1, "phone": "021-12345678"},
        insider=org.manager_a,
        outsider=org.manager_b,
        read_only=org.auditor,
        api=True,
    )
    assert Branch.objects.get(code="SH01").phone == "021-12345678"


def test_stale_version_answers_409_and_changes_nothing(org):
    client = api_client_for(org.manager_a)
    first = client.patch(
        "/api/v1/branches/SH01", {"version": 1, "name": "A"}, content_type="application/json"
    )
    assert first.status_code == 200
    second = client.patch(
        "/api/v1/branches/SH01", {"version": 1, "name": "B"}, content_type="application/json"
    )
    assert second.status_code == 409
    assert second.json()["code"] == "conflict"
    assert Branch.objects.get(code="SH01").name == "A"


def test_unknown_fields_are_422_not_ignored(org):
    response = api_client_for(org.manager_a).patch(
        "/api/v1/branches/SH01",
        {"version": 1, "name": "A", "path": "/HACK/"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
    assert Branch.objects.get(code="SH01").name == "上海分行"


def test_malformed_json_is_400(org):
    response = api_client_for(org.manager_a).generic(
        "PATCH", "/api/v1/branches/SH01", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


def test_oversize_body_is_413(org, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    payload = json.dumps({"version": 1, "address": "x" * 2000})
    response = api_client_for(org.manager_a).generic(
        "PATCH", "/api/v1/branches/SH01", payload, content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert Branch.objects.get(code="SH01").address == ""


def test_validation_error_from_action_is_422_with_field(org):
    response = api_client_for(org.manager_a).patch(
        "/api/v1/branches/SH01",
        {"version": 1, "opening_hours": {"mon": "25:00-26:00"}},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "opening_hours" in response.json()["errors"]


def test_unknown_api_path_answers_json_404(org):
    response = api_client_for(org.teller_a).get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_wrong_method_is_405(org):
    assert api_client_for(org.teller_a).put("/api/v1/me").status_code == 405


def test_staff_list_masks_personal_data(org):
    items = api_client_for(org.manager_a).get("/api/v1/staff").json()["items"]
    teller = next(i for i in items if i["username"] == "teller_a")
    assert teller["mobile"] == "139****0004"


def test_staff_detail_follows_scope_rules_and_is_audited(org):
    staff = org.staff(org.teller_a)
    assert_scope_rules(
        f"/api/v1/staff/{staff.uuid}", insider=org.manager_a, outsider=org.manager_b, api=True
    )
    assert AuditEvent.objects.filter(action="view_personal", target_id=str(staff.uuid)).exists()


def test_api_unmask_writes_one_event(org):
    staff = org.staff(org.teller_a)
    response = api_client_for(org.manager_a).post(
        f"/api/v1/staff/{staff.uuid}/unmask",
        {"field": "mobile", "reason": "客户核实"},
        content_type="application/json",
    )
    assert response.json() == {"field": "mobile", "value": "13912340004"}
    assert AuditEvent.objects.filter(action="unmask").count() == 1


def test_api_unmask_refused_for_teller(org):
    staff = org.staff(org.teller_a)
    response = api_client_for(org.teller_a).post(
        f"/api/v1/staff/{staff.uuid}/unmask",
        {"field": "mobile", "reason": "只是看看而已"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="unmask").exists()


def test_create_staff_via_api(org):
    response = api_client_for(org.manager_a).post(
        "/api/v1/staff",
        {
            "username": "api.teller",
            "full_name": "孙八",
            "employee_no": "E70001",
            "role": "teller",
            "branch": "SH0101",
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["temporary_password"]
    assert StaffProfile.objects.filter(employee_no="E70001", branch=org.sh0101).exists()


def test_create_staff_in_other_branch_is_404(org):
    response = api_client_for(org.manager_a).post(
        "/api/v1/staff",
        {
            "username": "api.other",
            "full_name": "周九",
            "employee_no": "E70002",
            "role": "teller",
            "branch": "ZJ0101",
        },
        content_type="application/json",
    )
    assert response.status_code == 404
    assert not StaffProfile.objects.filter(employee_no="E70002").exists()


def test_token_is_stored_hashed_and_shown_once(org):
    client = client_for(org.teller_a)
    response = client.post("/api/v1/tokens", {"name": "报表脚本"}, content_type="application/json")
    assert response.status_code == 201
    secret = response.json()["secret"]
    token = ApiToken.objects.get(name="报表脚本")
    assert secret not in (token.digest, token.prefix)
    assert len(token.digest) == 64
    listed = client.get("/api/v1/tokens").json()["items"]
    assert "secret" not in listed[0]


def test_revoked_and_expired_tokens_are_refused(org):
    token, secret = do_create_token(org.teller_a, name="old")
    do_revoke_token(org.teller_a, token)
    revoked = Client(headers={"Authorization": f"Bearer {secret}"}).get("/api/v1/me")
    assert revoked.status_code == 401
    token2, secret2 = do_create_token(org.teller_a, name="expired")
    ApiToken.objects.filter(pk=token2.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    expired = Client(headers={"Authorization": f"Bearer {secret2}"}).get("/api/v1/me")
    assert expired.status_code == 401


def test_user_revokes_only_own_token(org):
    token, _secret = do_create_token(org.teller_b, name="b's")
    response = api_client_for(org.teller_a).delete(f"/api/v1/tokens/{token.uuid}")
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    own = api_client_for(org.teller_b).delete(f"/api/v1/tokens/{token.uuid}")
    assert own.status_code == 204
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_rate_limit_answers_429_with_retry_after(org, settings):
    settings.BRANCHCX_API_RATE = "3/min"
    client = api_client_for(org.teller_a)
    statuses = [client.get("/api/v1/me").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    last = client.get("/api/v1/me")
    assert last.json()["code"] == "throttled"
    assert int(last["Retry-After"]) > 0


def test_repeated_bad_tokens_are_throttled(db):
    client = Client(headers={"Authorization": "Bearer bcx_wrong"})
    statuses = [client.get("/api/v1/me").status_code for _ in range(21)]
    assert statuses[:20] == [401] * 20
    assert statuses[20] == 429


def test_openapi_document_is_served(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/me" in paths
    assert "/api/v1/branches" in paths


def test_interactive_docs_are_off_outside_debug_mode(org):
    # the suite runs with DEBUG off, as production does
    response = client_for(org.teller_a).get("/api/v1/docs")
    assert response.status_code == 404


def test_every_api_error_has_the_same_shape(org):
    client = api_client_for(org.teller_a)
    # unsupported method
    wrong_method = client.put("/api/v1/me")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["code"] == "method_not_allowed"
    # malformed id: not found, like any id outside the scope
    malformed = client.get("/api/v1/staff/not-a-uuid")
    assert (malformed.status_code, malformed.json()["code"]) == (404, "not_found")
    # schema errors name their field like action errors do
    invalid = client.post("/api/v1/tokens", {"name": ""}, content_type="application/json")
    assert invalid.status_code == 422
    assert list(invalid.json()["errors"]) == ["name"]


def test_csrf_failure_says_so(org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.teller_a)
    response = client.post("/api/v1/tokens", {"name": "x"}, content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (403, "csrf_failed")
