"""The start-up check (branchcx.E010): BranchCX refuses a well-formed but wrong key."""

from __future__ import annotations

import os

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from branchcx.audit.checks import CHECK_PURPOSE, CHECK_TEXT, check_encryption_keys
from branchcx.audit.checks import seal_missing_key_checks as seal
from branchcx.audit.models import EncryptionKeyCheck
from branchcx.lib import crypto

K1 = os.urandom(32)
K2 = os.urandom(32)
WRONG = os.urandom(32)


@pytest.fixture
def fresh_db(db):
    """A database with no key checks recorded yet (as before the first start)."""
    EncryptionKeyCheck.objects.all().delete()


def test_the_right_key_passes_the_check(fresh_db, settings):
    # given
    settings.BRANCHCX_ENCRYPTION_KEYS = [("k1", K1)]

    # when
    seal()

    # then
    assert check_encryption_keys() == []
    row = EncryptionKeyCheck.objects.get(key_id="k1")
    assert crypto.decrypt(row.sealed, CHECK_PURPOSE) == CHECK_TEXT


def test_a_different_key_under_the_same_id_fails_the_check_with_E010(fresh_db, settings):
    # given the database was sealed with k1
    settings.BRANCHCX_ENCRYPTION_KEYS = [("k1", K1)]
    seal()

    # when the ring names k1 but holds another key
    settings.BRANCHCX_ENCRYPTION_KEYS = [("k1", WRONG)]
    errors = check_encryption_keys()

    # then
    assert [e.id for e in errors] == ["branchcx.E010"]
    assert errors[0].is_serious()
    assert "BRANCHCX_ENCRYPTION_KEYS" in errors[0].msg
    assert "'k1'" in errors[0].msg


def test_sealing_again_with_a_wrong_key_does_not_overwrite_the_record(fresh_db, settings):
    settings.BRANCHCX_ENCRYPTION_KEYS = [("k1", K1)]
    seal()
    settings.BRANCHCX_ENCRYPTION_KEYS = [("k1", WRONG)]

    # when the wrong ring starts (serve, worker and rotate-keys all seal first)
    seal()

    # then the check still refuses it
    assert [e.id for e in check_encryption_keys()] == ["branchcx.E010"]


def test_only_the_wrong_key_of_the_ring_is_reported(fresh_db, settings):
    settings.BRANCHCX_ENCRYPTION_KEYS = [("k2", K2), ("k1", K1)]
    seal()

    settings.BRANCHCX_ENCRYPTION_KEYS = [("k2", K2), ("k1", WRONG)]
    errors = check_encryption_keys()

    assert len(errors) == 1
    assert "'k1'" in errors[0].msg


def test_every_key_of_the_ring_is_sealed(fresh_db, settings):
    settings.BRANCHCX_ENCRYPTION_KEYS = [("k2", K2), ("k1", K1)]

    seal()

    recorded = set(EncryptionKeyCheck.objects.values_list("key_id", flat=True))
    assert recorded == {"k1", "k2", "#blind-index"}


def test_a_key_dropped_after_rotation_finished_is_not_an_error(fresh_db, settings):
    settings.BRANCHCX_ENCRYPTION_KEYS = [("k2", K2), ("k1", K1)]
    seal()
    call_command("rotate_keys", stdout=open(os.devnull, "w"))  # noqa: SIM115

    settings.BRANCHCX_ENCRYPTION_KEYS = [("k2", K2)]

    assert check_encryption_keys() == []


def test_a_key_dropped_before_rotation_stops_start_up_with_E011(fresh_db, settings):
    # given data sealed with k1, and a ring where k1 was replaced without rotating
    settings.BRANCHCX_ENCRYPTION_KEYS = [("k1", K1)]
    seal()
    settings.BRANCHCX_ENCRYPTION_KEYS = [("k2", K2)]
    seal()

    errors = check_encryption_keys()

    assert [e.id for e in errors] == ["branchcx.E011"]
    assert "'k1'" in errors[0].msg


def test_a_changed_blind_index_key_stops_start_up_until_reindexed(fresh_db, settings):
    settings.BRANCHCX_ENCRYPTION_KEYS = [("k1", K1)]
    seal()
    settings.BRANCHCX_BLIND_INDEX_KEY = os.urandom(32)

    assert [e.id for e in check_encryption_keys()] == ["branchcx.E012"]

    call_command("rotate_keys", "--reindex", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert check_encryption_keys() == []


def test_the_check_command_stops_on_a_wrong_key(fresh_db, settings):
    settings.BRANCHCX_ENCRYPTION_KEYS = [("k1", K1)]
    seal()
    settings.BRANCHCX_ENCRYPTION_KEYS = [("k1", WRONG)]

    with pytest.raises(SystemCheckError, match=r"branchcx\.E010"):
        call_command("check", "--database", "default")
