"""Exact look-ups of encrypted values go through keyed blind indexes, and only through them."""

from __future__ import annotations

import os
import re
from hashlib import sha256

import pytest
from django.core.exceptions import FieldError
from django.db import connection

from branchcx.lib import crypto
from branchcx.org.actions import SystemActor, do_update_staff
from branchcx.org.models import StaffProfile

RESIDENT_ID = "11010519491231002X"


def mobile_index(value: str) -> str:
    return StaffProfile._meta.get_field("mobile_index").index_for(value)


def id_number_index(value: str) -> str:
    return StaffProfile._meta.get_field("id_number_index").index_for(value)


def update(staff: StaffProfile, **changes: str) -> StaffProfile:
    return do_update_staff(SystemActor(), staff, expected_version=staff.version, **changes)


@pytest.mark.parametrize(
    "typed",
    ["13912340004", "+86 139-1234-0004", "139 1234 0004", "0086 139 1234 0004", "+8613912340004"],
)
def test_lookup_by_mobile_typed_any_way_finds_the_persona(org, typed):
    found = StaffProfile.objects.get(mobile_index=mobile_index(typed))

    assert found.user == org.teller_a
    assert found.mobile == "13912340004"


def test_lookup_by_resident_id_finds_the_staff_member(org):
    # given
    update(org.staff(org.manager_b), id_number=RESIDENT_ID)

    # when looked up with spaces and a lowercase check character
    found = StaffProfile.objects.filter(id_number_index=id_number_index("110105 19491231 002x"))

    # then
    assert [s.user for s in found] == [org.manager_b]


def test_lookup_of_an_unknown_mobile_finds_nothing(org):
    assert not StaffProfile.objects.filter(mobile_index=mobile_index("13800138000")).exists()


@pytest.mark.parametrize(
    "lookup",
    [
        {"mobile": "13912340004"},
        {"mobile__exact": "13912340004"},
        {"mobile__iexact": "13912340004"},
        {"mobile__contains": "1391234"},
        {"mobile__startswith": "139"},
        {"mobile__in": ["13912340004"]},
        {"id_number": RESIDENT_ID},
        {"id_number__icontains": "1949"},
        {"id_number__endswith": "002X"},
    ],
)
def test_filtering_an_encrypted_field_directly_raises_field_error(db, lookup):
    with pytest.raises(FieldError, match="blind index"):
        StaffProfile.objects.filter(**lookup)


def test_excluding_on_an_encrypted_field_raises_field_error(db):
    with pytest.raises(FieldError):
        StaffProfile.objects.exclude(mobile="13912340004")


def test_isnull_is_the_one_lookup_allowed_on_an_encrypted_field(org):
    assert StaffProfile.objects.filter(mobile__isnull=False).count() == 6
    assert StaffProfile.objects.filter(mobile__isnull=True).count() == 0


def test_blind_index_column_is_a_keyed_hash_not_the_number(org):
    staff = update(org.staff(org.teller_a), id_number=RESIDENT_ID)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT mobile_index, id_number_index FROM org_staffprofile WHERE id = %s", [staff.pk]
        )
        stored = cursor.fetchone()

    # the stored value is the keyed HMAC the look-up computes, never the plain number nor an
    # unkeyed digest an attacker could build a rainbow table for
    for index in stored:
        assert re.fullmatch(r"[0-9a-f]{64}", index)
    assert stored == (mobile_index("13912340004"), id_number_index(RESIDENT_ID))
    assert stored[0] != sha256(b"13912340004").hexdigest()
    assert stored[1] != sha256(RESIDENT_ID.encode()).hexdigest()


def test_index_follows_a_change_of_mobile(org):
    # given
    staff = org.staff(org.teller_a)

    # when the mobile changes
    update(staff, mobile="138 0013 8000")

    # then the new number finds the person and the old one no longer does
    assert StaffProfile.objects.get(mobile_index=mobile_index("13800138000")).pk == staff.pk
    assert not StaffProfile.objects.filter(mobile_index=mobile_index("13912340004")).exists()


def test_clearing_a_value_clears_its_index(org):
    staff = org.staff(org.teller_a)

    staff.mobile = ""
    staff.save()

    assert StaffProfile.objects.get(pk=staff.pk).mobile_index is None


def test_the_same_value_under_two_purposes_gives_unrelated_indexes(settings):
    settings.BRANCHCX_BLIND_INDEX_KEY = os.urandom(32)

    assert crypto.blind_index("13912340004", "staff.mobile") != crypto.blind_index(
        "13912340004", "customer.mobile"
    )


def test_the_index_depends_on_the_blind_index_key(settings):
    settings.BRANCHCX_BLIND_INDEX_KEY = os.urandom(32)
    before = mobile_index("13912340004")

    settings.BRANCHCX_BLIND_INDEX_KEY = os.urandom(32)

    assert mobile_index("13912340004") != before


def test_the_index_is_stable_under_one_key(settings):
    settings.BRANCHCX_BLIND_INDEX_KEY = os.urandom(32)

    assert mobile_index("13912340004") == mobile_index("+86 139 1234 0004")


def test_an_invalid_value_has_no_index(db):
    with pytest.raises(ValueError):
        mobile_index("010-12345678")
    with pytest.raises(ValueError):
        id_number_index("110105194912310021")


def test_history_rows_carry_no_blind_index():
    historical = StaffProfile.history.model

    names = {f.name for f in historical._meta.get_fields()}

    assert "mobile_index" not in names
    assert "id_number_index" not in names
