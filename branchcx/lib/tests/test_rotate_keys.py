"""Key rotation (``rotate_keys``): every record stays readable, and look-ups keep working."""

from __future__ import annotations

import os
from dataclasses import dataclass
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from branchcx.audit.checks import check_encryption_keys
from branchcx.audit.models import AuditEvent, EncryptionKeyCheck
from branchcx.lib import crypto
from branchcx.org.actions import SystemActor, do_update_staff
from branchcx.org.management.commands import rotate_keys
from branchcx.org.models import StaffProfile
from branchcx.testing import Org, build_org

K1 = os.urandom(32)
K2 = os.urandom(32)
TABLES = ("org_staffprofile", "org_historicalstaffprofile")


@dataclass
class Seeded:
    org: Org
    # pk -> (mobile, id_number) as written under k1
    plain: dict[int, tuple[str, str]]
    history_plain: set[tuple[int, str, str]]


def raw_tokens(table: str) -> list[str]:
    """Every non-empty encrypted value of ``table``, read around the ORM."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT mobile, id_number FROM {table}")  # noqa: S608
        return [value for row in cursor.fetchall() for value in row if value]


def history_values() -> set[tuple[int, str, str]]:
    return {(h.id, h.mobile, h.id_number) for h in StaffProfile.history.all()}


@pytest.fixture
def seeded(db, settings) -> Seeded:
    """The organisation written under ring [k1], with resident IDs and a changed mobile."""
    settings.BRANCHCX_ENCRYPTION_KEYS = [("k1", K1)]
    org = build_org()
    for user, changes in (
        (org.teller_a, {"id_number": "11010519491231002X"}),
        (org.manager_b, {"id_number": "110101199003077774"}),
        (org.teller_b, {"mobile": "13800138000"}),
    ):
        staff = org.staff(user)
        do_update_staff(SystemActor(), staff, expected_version=staff.version, **changes)
    plain = {s.pk: (s.mobile, s.id_number) for s in StaffProfile.objects.all()}
    for table in TABLES:
        assert all(token.startswith("v1:k1:") for token in raw_tokens(table))
    return Seeded(org=org, plain=plain, history_plain=history_values())


def rotate(*args: str) -> str:
    out = StringIO()
    call_command("rotate_keys", *args, stdout=out)
    return out.getvalue()


def test_rotation_keeps_every_record_readable_after_the_old_key_is_dropped(seeded, settings):
    # given data under k1, and a new key k2 put first in the ring
    settings.BRANCHCX_ENCRYPTION_KEYS = [("k2", K2), ("k1", K1)]
    events_before = AuditEvent.objects.filter(action=AuditEvent.Action.KEY_ROTATION).count()

    # when
    rotate()

    # then every stored value is sealed with k2
    for table in TABLES:
        tokens = raw_tokens(table)
        assert tokens
        assert all(token.startswith("v1:k2:") for token in tokens), table
    # and with k1 dropped from the ring, every profile and history row still decrypts
    settings.BRANCHCX_ENCRYPTION_KEYS = [("k2", K2)]
    assert {s.pk: (s.mobile, s.id_number) for s in StaffProfile.objects.all()} == seeded.plain
    assert history_values() == seeded.history_plain
    # and the rotation is on the audit log
    events = AuditEvent.objects.filter(action=AuditEvent.Action.KEY_ROTATION)
    assert events.count() == events_before + 1
    event = events.first()
    assert event.actor_name == "system"
    assert event.detail["active_key"] == "k2"
    assert event.detail["rows"]["org.StaffProfile"] == 6


def test_rotation_adds_no_change_history_entries(seeded, settings):
    settings.BRANCHCX_ENCRYPTION_KEYS = [("k2", K2), ("k1", K1)]
    before = StaffProfile.history.count()

    rotate()

    assert StaffProfile.history.count() == before


def test_rotation_works_across_batches(seeded, settings, monkeypatch):
    # given batches much smaller than the table
    monkeypatch.setattr(rotate_keys, "BATCH", 2)
    settings.BRANCHCX_ENCRYPTION_KEYS = [("k2", K2), ("k1", K1)]

    # when
    rotate()

    # then no row was skipped between batches
    settings.BRANCHCX_ENCRYPTION_KEYS = [("k2", K2)]
    for table in TABLES:
        assert all(token.startswith("v1:k2:") for token in raw_tokens(table))
    assert history_values() == seeded.history_plain


def test_a_second_rotation_rewrites_nothing(seeded, settings):
    settings.BRANCHCX_ENCRYPTION_KEYS = [("k2", K2), ("k1", K1)]
    rotate()
    after_first = {table: raw_tokens(table) for table in TABLES}

    output = rotate()

    assert {table: raw_tokens(table) for table in TABLES} == after_first
    assert "org.StaffProfile: 0 rows rewritten" in output


def test_rotation_keeps_blind_index_lookups_working(seeded, settings):
    settings.BRANCHCX_ENCRYPTION_KEYS = [("k2", K2), ("k1", K1)]

    rotate()

    field = StaffProfile._meta.get_field("mobile_index")
    found = StaffProfile.objects.get(mobile_index=field.index_for("+86 139-1234-0004"))
    assert found.user == seeded.org.teller_a


def test_reindex_after_changing_the_blind_index_key_makes_lookups_work_again(seeded, settings):
    mobile = StaffProfile._meta.get_field("mobile_index")
    id_number = StaffProfile._meta.get_field("id_number_index")
    # given a new blind-index key: the stored indexes no longer match
    settings.BRANCHCX_BLIND_INDEX_KEY = os.urandom(32)
    assert not StaffProfile.objects.filter(mobile_index=mobile.index_for("13912340004")).exists()

    # when
    rotate("--reindex")

    # then look-ups by mobile and by resident ID find the right people again
    assert StaffProfile.objects.get(mobile_index=mobile.index_for("13912340004")).user == (
        seeded.org.teller_a
    )
    assert StaffProfile.objects.get(mobile_index=mobile.index_for("13800138000")).user == (
        seeded.org.teller_b
    )
    assert StaffProfile.objects.get(
        id_number_index=id_number.index_for("11010519491231002x")
    ).user == (seeded.org.teller_a)
    # and a profile without a resident ID still has no index for it
    assert StaffProfile.objects.get(user=seeded.org.auditor).id_number_index is None


def test_reindex_also_rotates_to_the_active_key(seeded, settings):
    settings.BRANCHCX_ENCRYPTION_KEYS = [("k2", K2), ("k1", K1)]
    settings.BRANCHCX_BLIND_INDEX_KEY = os.urandom(32)

    rotate("--reindex")

    assert all(token.startswith("v1:k2:") for token in raw_tokens("org_staffprofile"))
    mobile = StaffProfile._meta.get_field("mobile_index")
    assert StaffProfile.objects.filter(mobile_index=mobile.index_for("13912340004")).exists()


def test_rotation_without_the_old_key_stops_naming_the_ring_and_records_no_rotation(
    seeded, settings
):
    # given a ring that has already lost k1
    settings.BRANCHCX_ENCRYPTION_KEYS = [("k2", K2)]
    events_before = AuditEvent.objects.filter(action=AuditEvent.Action.KEY_ROTATION).count()

    # when / then
    with pytest.raises(crypto.DecryptionError, match="BRANCHCX_ENCRYPTION_KEYS"):
        rotate()
    after = AuditEvent.objects.filter(action=AuditEvent.Action.KEY_ROTATION).count()
    assert after == events_before


def test_rotation_seals_a_key_check_for_the_new_key(seeded, settings):
    settings.BRANCHCX_ENCRYPTION_KEYS = [("k2", K2), ("k1", K1)]

    rotate()

    assert EncryptionKeyCheck.objects.filter(key_id="k2").exists()
    settings.BRANCHCX_ENCRYPTION_KEYS = [("k2", K2)]
    assert check_encryption_keys() == []


def test_rotation_never_overwrites_a_change_saved_while_it_ran(org, settings):
    """A user's edit between rotate-keys' read and write must survive (compare-and-swap)."""
    from branchcx.org.actions import do_update_staff
    from branchcx.org.management.commands import rotate_keys as command
    from branchcx.org.models import StaffProfile

    staff = org.staff(org.teller_a)
    old_ring = settings.BRANCHCX_ENCRYPTION_KEYS
    settings.BRANCHCX_ENCRYPTION_KEYS = [("k2", b"\x02" * 32), *old_ring]
    real_reencrypt = command.crypto.reencrypt
    edited = []

    def reencrypt_after_a_concurrent_edit(token, purpose):
        # the user saves a new mobile just after rotate-keys read the row
        if not edited:
            edited.append(True)
            fresh = StaffProfile.objects.get(pk=staff.pk)
            do_update_staff(
                org.manager_a, fresh, expected_version=fresh.version, mobile="13800138000"
            )
        return real_reencrypt(token, purpose)

    command.crypto.reencrypt = reencrypt_after_a_concurrent_edit
    try:
        command.rotate_model(StaffProfile, reindex=False)
    finally:
        command.crypto.reencrypt = real_reencrypt
    staff.refresh_from_db()
    assert staff.mobile == "13800138000"
