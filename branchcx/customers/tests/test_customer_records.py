from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from branchcx.audit.models import AuditEvent
from branchcx.customers.actions import do_create_customer, do_update_customer
from branchcx.customers.models import Customer
from branchcx.lib.errors import ConflictError
from branchcx.testing import make_staff

from .conftest import ID_OUYANG, ID_ZHANG


def raw_row(table: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return " ".join(str(v) for v in cursor.fetchone())


def create(org, **overrides):
    fields = {
        "customer_no": "C0000002",
        "home_outlet": org.sh0101,
        "became_customer_on": date(2020, 1, 1),
        "name": "欧阳娜娜",
        "id_type": "resident_id",
        "id_number": ID_OUYANG,
    }
    fields.update(overrides)
    return do_create_customer(org.teller_a, **fields)


def test_personal_fields_are_stored_only_encrypted(customer):
    row = raw_row("customers_customer", customer.pk)
    for plain in ("张三丰", ID_ZHANG, "13812345678", "zhang.sf@example.com", "世纪大道"):
        assert plain not in row
    # the history table's "id" is the customer's key (its own key is history_id)
    history = raw_row("customers_historicalcustomer", customer.pk)
    assert "13812345678" not in history
    customer.refresh_from_db()
    assert (customer.name, customer.mobile, customer.email) == (
        "张三丰",
        "13812345678",
        "zhang.sf@example.com",
    )


def test_creation_is_audited_with_a_masked_label(customer):
    event = AuditEvent.objects.get(action="create", target_id=str(customer.uuid))
    assert event.target_label == "C0000001 张*丰"
    assert event.branch.code == "SH0101"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"id_number": "310104198503070015"}, "id_number"),  # check digit
        ({"id_type": "passport", "id_number": "张三"}, "id_number"),
        ({"mobile": "0215555666"}, "mobile"),  # a landline
        ({"email": "not-an-email"}, "email"),
        ({"name": "   "}, "name"),
        ({"customer_no": "C0000001"}, "customer_no"),  # taken by the fixture
        ({"id_number": ID_ZHANG.lower()}, "id_number"),  # same person, typed in lower case
        ({"birth_date": date(2999, 1, 1)}, "birth_date"),
    ],
)
def test_invalid_or_duplicate_input_names_its_field_and_saves_nothing(
    org, customer, overrides, field
):
    with pytest.raises(ValidationError) as caught:
        create(org, **overrides)
    assert field in caught.value.message_dict
    assert Customer.objects.count() == 1


def test_home_must_be_an_open_outlet_in_scope(org):
    with pytest.raises(ValidationError) as not_outlet:
        do_create_customer(
            org.manager_a,
            customer_no="C9",
            home_outlet=org.sh01,
            became_customer_on=date(2020, 1, 1),
            name="李四",
            id_number=ID_OUYANG,
        )
    assert "home_outlet" in not_outlet.value.message_dict
    with pytest.raises(ValidationError) as elsewhere:
        create(org, home_outlet=org.zj0101)
    assert "home_outlet" in elsewhere.value.message_dict


def test_relationship_manager_must_serve_the_outlet(org):
    rm_b = make_staff("rm_b", "relationship_manager", org.zj0101, 60)
    with pytest.raises(ValidationError) as caught:
        create(org, relationship_manager=rm_b)
    assert "relationship_manager" in caught.value.message_dict
    rm_a = make_staff("rm_a", "relationship_manager", org.sh0101, 61)
    assert create(org, relationship_manager=rm_a).relationship_manager == rm_a


def test_marketing_consent_records_when_it_was_given_and_clears_on_withdrawal(org, customer):
    updated = do_update_customer(org.teller_a, customer, expected_version=1, marketing_consent=True)
    assert updated.marketing_consent_at is not None
    withdrawn = do_update_customer(
        org.teller_a, updated, expected_version=2, marketing_consent=False
    )
    assert withdrawn.marketing_consent_at is None


def test_update_audits_field_names_not_values_and_detects_stale_versions(org, customer):
    do_update_customer(org.teller_a, customer, expected_version=1, mobile="139 0000 1111")
    event = AuditEvent.objects.get(action="change", target_id=str(customer.uuid))
    assert event.detail == {"fields": ["mobile"]}
    assert "13900001111" not in str(event.detail) + event.target_label
    with pytest.raises(ConflictError):
        do_update_customer(org.teller_a, customer, expected_version=1, occupation="教师")
    customer.refresh_from_db()
    assert (customer.mobile, customer.occupation) == ("13900001111", "")


def test_auditor_cannot_change_customers(org, customer):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        do_update_customer(org.auditor, customer, expected_version=1, occupation="x")


def test_every_temperament_and_difficult_presentation_has_guidance(db):
    from branchcx.customers.guidance import difficult_presentations, temperament_guidance
    from branchcx.customers.models import Interaction, Temperament

    assert all(temperament_guidance(t) for t in Temperament.values)
    difficult = [str(p.label) for p in Interaction.Presentation if p != "calm"]
    assert [label for label, text in difficult_presentations() if text] == difficult


def test_guidance_head_office_edits_is_what_the_customer_page_shows(org, customer):
    """One wording: the complaint pages' handling guidance is the customer page's too."""
    from branchcx.complaints.models import HandlingGuidance
    from branchcx.complaints.reference import do_update_guidance
    from branchcx.customers.guidance import temperament_guidance

    row = HandlingGuidance.objects.get(topic="temperament", key="analytical")
    do_update_guidance(
        org.head_office, row, expected_version=row.version,
        text="先给数据和条款。", text_en="Facts and terms first.", is_active=True,
    )  # fmt: skip
    assert temperament_guidance("analytical") == "先给数据和条款。"
    row.refresh_from_db()
    do_update_guidance(
        org.head_office, row, expected_version=row.version,
        text=row.text, text_en=row.text_en, is_active=False,
    )  # fmt: skip
    assert temperament_guidance("analytical") is None  # withdrawn everywhere
