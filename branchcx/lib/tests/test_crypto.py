"""Encryption at rest: what the database holds, and how decryption fails when it must."""

from __future__ import annotations

import base64
import os

import pytest
from django.db import connection

from branchcx.lib import crypto
from branchcx.org.actions import SystemActor, do_update_staff
from branchcx.org.models import StaffProfile

TELLER_A_MOBILE = "13912340004"  # built by branchcx.testing for persona n=4
RESIDENT_ID = "11010519491231002X"
K1 = os.urandom(32)
K2 = os.urandom(32)


def qn(name: str) -> str:
    return connection.ops.quote_name(name)


def raw_cells(table: str, where: str = "", params: tuple[object, ...] = ()) -> list[tuple]:
    """Every cell of ``table`` as the database returns it, bypassing the ORM."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {qn(table)} {where}", params)  # noqa: S608
        return cursor.fetchall()


def raw_personal(pk: int) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {qn('mobile')}, {qn('id_number')} FROM {qn('org_staffprofile')} "  # noqa: S608
            f"WHERE {qn('id')} = %s",
            [pk],
        )
        mobile, id_number = cursor.fetchone()
    return mobile, id_number


def raw_update(pk: int, **columns: str) -> None:
    assignments = ", ".join(f"{qn(c)} = %s" for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {qn('org_staffprofile')} SET {assignments} WHERE {qn('id')} = %s",  # noqa: S608
            [*columns.values(), pk],
        )


def give_id_number(staff: StaffProfile, id_number: str = RESIDENT_ID) -> StaffProfile:
    return do_update_staff(
        SystemActor(), staff, expected_version=staff.version, id_number=id_number
    )


# --- what the database holds -------------------------------------------------------------


def test_raw_sql_read_of_mobile_and_id_number_returns_no_plaintext(org):
    # given a member of staff with a mobile and a resident ID
    staff = give_id_number(org.staff(org.teller_a))

    # when the row is read around the ORM
    mobile, id_number = raw_personal(staff.pk)
    cells = raw_cells("org_staffprofile", f"WHERE {qn('id')} = %s", (staff.pk,))

    # then both columns hold ciphertext, and no column of the row holds either plaintext
    assert mobile.startswith("v1:")
    assert id_number.startswith("v1:")
    flat = " ".join(str(cell) for cell in cells[0])
    assert TELLER_A_MOBILE not in flat
    assert RESIDENT_ID not in flat
    assert RESIDENT_ID[:17] not in flat


def test_no_row_of_the_staff_table_holds_any_personas_mobile_in_plaintext(org):
    mobiles = [s.mobile for s in StaffProfile.objects.all()]
    assert len(mobiles) == 6 and all(mobiles)

    flat = " ".join(str(cell) for row in raw_cells("org_staffprofile") for cell in row)

    for mobile in mobiles:
        assert mobile not in flat


def test_orm_reads_back_the_plaintext_that_the_column_hides(org):
    staff = give_id_number(org.staff(org.teller_a))

    fresh = StaffProfile.objects.get(pk=staff.pk)

    assert fresh.mobile == TELLER_A_MOBILE
    assert fresh.id_number == RESIDENT_ID
    assert raw_personal(staff.pk) != (TELLER_A_MOBILE, RESIDENT_ID)


def test_ciphertext_of_the_same_value_differs_on_every_save(org):
    # given
    staff = org.staff(org.teller_a)
    first, _ = raw_personal(staff.pk)

    # when the unchanged value is saved again
    staff.save()
    second, _ = raw_personal(staff.pk)
    staff.save()
    third, _ = raw_personal(staff.pk)

    # then each save sealed it under a fresh nonce
    assert len({first, second, third}) == 3
    assert StaffProfile.objects.get(pk=staff.pk).mobile == TELLER_A_MOBILE


def test_two_people_with_the_same_mobile_have_different_ciphertexts(org):
    a = org.staff(org.teller_a)
    b = org.staff(org.teller_b)
    b.mobile = a.mobile
    b.save()

    assert raw_personal(a.pk)[0] != raw_personal(b.pk)[0]


def test_history_table_holds_no_plaintext(org):
    # given a profile with several history rows: creation, ID added, mobile changed
    staff = give_id_number(org.staff(org.teller_a))
    staff = do_update_staff(
        SystemActor(), staff, expected_version=staff.version, mobile="13800138000"
    )
    history = list(staff.history.all())
    assert len(history) >= 3

    # when the historical table is read around the ORM
    rows = raw_cells("org_historicalstaffprofile")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {qn('mobile')}, {qn('id_number')} "  # noqa: S608
            f"FROM {qn('org_historicalstaffprofile')} WHERE {qn('id')} = %s",
            [staff.pk],
        )
        personal = cursor.fetchall()

    # then neither the old nor the new values appear anywhere in it
    flat = " ".join(str(cell) for row in rows for cell in row)
    for plain in (TELLER_A_MOBILE, "13800138000", RESIDENT_ID):
        assert plain not in flat
    assert all(m.startswith("v1:") for m, _ in personal)
    assert any(i.startswith("v1:") for _, i in personal)
    # and the history still reads back through the ORM
    assert {h.mobile for h in history} == {TELLER_A_MOBILE, "13800138000"}


def test_an_empty_personal_field_stores_no_ciphertext_and_no_index(org):
    staff = org.staff(org.teller_a)
    assert staff.id_number == ""

    _, id_number = raw_personal(staff.pk)

    assert id_number == ""
    assert StaffProfile.objects.get(pk=staff.pk).id_number_index is None


def test_unicode_text_round_trips(settings):
    settings.BRANCHCX_ENCRYPTION_KEYS = [("k1", K1)]
    text = "上海市浦东新区世纪大道100号 2号楼"

    token = crypto.encrypt(text, "customer.address")

    assert text not in token
    assert crypto.decrypt(token, "customer.address") == text


def test_stored_value_names_format_and_active_key(settings):
    settings.BRANCHCX_ENCRYPTION_KEYS = [("k2", K2), ("k1", K1)]

    token = crypto.encrypt(TELLER_A_MOBILE, "staff.mobile")

    assert token.startswith("v1:k2:")
    assert crypto.key_id_of(token) == "k2"
    blob = base64.b64decode(token.split(":", 2)[2])
    # 12-byte nonce, ciphertext as long as the plaintext, 16-byte tag
    assert len(blob) == 12 + len(TELLER_A_MOBILE) + 16


def test_older_keys_of_the_ring_still_decrypt(settings):
    settings.BRANCHCX_ENCRYPTION_KEYS = [("k1", K1)]
    old = crypto.encrypt(TELLER_A_MOBILE, "staff.mobile")

    settings.BRANCHCX_ENCRYPTION_KEYS = [("k2", K2), ("k1", K1)]

    assert crypto.decrypt(old, "staff.mobile") == TELLER_A_MOBILE
    assert crypto.key_id_of(crypto.reencrypt(old, "staff.mobile")) == "k2"


def test_encrypted_field_keeps_its_purpose_in_migrations():
    field = StaffProfile._meta.get_field("mobile")

    _, _, _, kwargs = field.deconstruct()

    assert kwargs["purpose"] == "staff.mobile"


# --- how decryption fails ----------------------------------------------------------------


def test_decryption_with_a_ring_lacking_the_key_id_names_the_setting(settings):
    # given data sealed under k1
    settings.BRANCHCX_ENCRYPTION_KEYS = [("k1", K1)]
    token = crypto.encrypt(TELLER_A_MOBILE, "staff.mobile")

    # when the ring no longer holds k1
    settings.BRANCHCX_ENCRYPTION_KEYS = [("k2", K2)]

    # then decryption says which key is missing and where it belongs
    with pytest.raises(crypto.DecryptionError) as caught:
        crypto.decrypt(token, "staff.mobile")
    assert "BRANCHCX_ENCRYPTION_KEYS" in str(caught.value)
    assert "'k1'" in str(caught.value)


def test_reading_a_record_whose_key_left_the_ring_raises_decryption_error(org, settings):
    pk = org.staff(org.teller_a).pk
    settings.BRANCHCX_ENCRYPTION_KEYS = [("other", K2)]

    with pytest.raises(crypto.DecryptionError, match="BRANCHCX_ENCRYPTION_KEYS"):
        StaffProfile.objects.get(pk=pk)


def test_a_wrong_key_under_the_same_id_gives_a_clear_decryption_error(settings):
    settings.BRANCHCX_ENCRYPTION_KEYS = [("k1", K1)]
    token = crypto.encrypt(TELLER_A_MOBILE, "staff.mobile")

    settings.BRANCHCX_ENCRYPTION_KEYS = [("k1", K2)]

    with pytest.raises(crypto.DecryptionError) as caught:
        crypto.decrypt(token, "staff.mobile")
    message = str(caught.value)
    assert "'k1'" in message
    assert "BRANCHCX_ENCRYPTION_KEYS" in message
    assert "not the key" in message


def test_ciphertext_sealed_for_one_purpose_does_not_decrypt_for_another(settings):
    settings.BRANCHCX_ENCRYPTION_KEYS = [("k1", K1)]
    token = crypto.encrypt(RESIDENT_ID, "staff.id_number")

    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token, "staff.mobile")


def test_ciphertext_moved_to_a_column_with_another_purpose_fails_to_decrypt(org):
    # given a profile with both fields set
    staff = give_id_number(org.staff(org.teller_a))
    mobile_token, _ = raw_personal(staff.pk)

    # when the mobile's ciphertext is pasted into the ID column around the application
    raw_update(staff.pk, id_number=mobile_token)

    # then reading the record refuses instead of showing a phone number as an ID
    with pytest.raises(crypto.DecryptionError):
        StaffProfile.objects.get(pk=staff.pk)


def test_plaintext_written_around_the_application_is_refused_on_read(org):
    staff = org.staff(org.teller_a)
    raw_update(staff.pk, mobile=TELLER_A_MOBILE)

    with pytest.raises(crypto.DecryptionError, match="not BranchCX ciphertext"):
        StaffProfile.objects.get(pk=staff.pk)


def test_an_altered_ciphertext_fails_to_decrypt(settings):
    settings.BRANCHCX_ENCRYPTION_KEYS = [("k1", K1)]
    token = crypto.encrypt(TELLER_A_MOBILE, "staff.mobile")
    blob = bytearray(base64.b64decode(token.split(":", 2)[2]))
    blob[14] ^= 0x01
    altered = "v1:k1:" + base64.b64encode(bytes(blob)).decode()

    with pytest.raises(crypto.DecryptionError, match="altered"):
        crypto.decrypt(altered, "staff.mobile")


@pytest.mark.parametrize("body", [b"abc", b"n" * 7, b"n" * 12, b"n" * 27])
def test_a_truncated_ciphertext_raises_decryption_error(settings, body):
    settings.BRANCHCX_ENCRYPTION_KEYS = [("k1", K1)]
    token = "v1:k1:" + base64.b64encode(body).decode()

    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token, "staff.mobile")


@pytest.mark.parametrize(
    "token",
    ["", "13912340004", "v1:k1:", "v1::AAAA", "v2:k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "v1:k1:!!"],
)
def test_a_value_that_is_not_ciphertext_raises_decryption_error(settings, token):
    settings.BRANCHCX_ENCRYPTION_KEYS = [("k1", K1)]

    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token, "staff.mobile")
