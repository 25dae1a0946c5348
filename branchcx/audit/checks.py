"""Start-up check that the configured key ring is the one the database was encrypted with.

Tagged ``database``: it runs in ``migrate``, ``check --database default`` and before
``branchcx serve`` and ``branchcx worker`` start. A key that is well-formed but wrong would
otherwise surface only as a failure when the first personal record is read.
"""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.db import DatabaseError, connection

from branchcx.lib import crypto

CHECK_PURPOSE = "branchcx.key-check"
CHECK_TEXT = "BranchCX key check"


BLIND_INDEX_ROW = "#blind-index"  # "#" cannot appear in a ring key id


def seal_missing_key_checks() -> None:
    """Record a sealed known value for each key of the ring (and the blind-index key) not yet
    recorded. A key that comes back into the ring is no longer retired."""
    from branchcx.audit.models import EncryptionKeyCheck

    for key_id, key in crypto.key_ring():
        sealed = crypto.encrypt_with(key_id, key, CHECK_TEXT, CHECK_PURPOSE)
        EncryptionKeyCheck.objects.get_or_create(key_id=key_id, defaults={"sealed": sealed})
    EncryptionKeyCheck.objects.get_or_create(
        key_id=BLIND_INDEX_ROW, defaults={"sealed": crypto.blind_index(CHECK_TEXT, CHECK_PURPOSE)}
    )


def record_rotation_complete(reindexed: bool) -> None:
    """After ``rotate-keys``: every key but the active one holds no data any more."""
    from django.utils import timezone

    from branchcx.audit.models import EncryptionKeyCheck

    EncryptionKeyCheck.objects.exclude(key_id__in=[crypto.active_key_id(), BLIND_INDEX_ROW]).filter(
        retired_at=None
    ).update(retired_at=timezone.now())
    EncryptionKeyCheck.objects.filter(key_id=crypto.active_key_id()).update(retired_at=None)
    if reindexed:
        EncryptionKeyCheck.objects.update_or_create(
            key_id=BLIND_INDEX_ROW,
            defaults={"sealed": crypto.blind_index(CHECK_TEXT, CHECK_PURPOSE)},
        )


@checks.register(checks.Tags.database)
def check_encryption_keys(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from branchcx.audit.models import EncryptionKeyCheck

    try:
        if EncryptionKeyCheck._meta.db_table not in connection.introspection.table_names():
            return []  # not migrated yet
        stored = list(EncryptionKeyCheck.objects.all())
    except DatabaseError:
        return []
    errors: list[checks.CheckMessage] = []
    ring = dict(crypto.key_ring())
    for row in stored:
        if row.key_id == BLIND_INDEX_ROW:
            if row.sealed != crypto.blind_index(CHECK_TEXT, CHECK_PURPOSE):
                errors.append(
                    checks.Error(
                        "BRANCHCX_BLIND_INDEX_KEY is not the key the search indexes were built "
                        "with: look-ups by mobile or ID number would find nothing.",
                        hint="Set the previous key again, or rebuild the indexes with "
                        "`branchcx rotate-keys --reindex`.",
                        id="branchcx.E012",
                    )
                )
            continue
        if row.key_id not in ring:
            if row.retired_at is None:
                errors.append(
                    checks.Error(
                        f"BRANCHCX_ENCRYPTION_KEYS no longer contains key {row.key_id!r}, but "
                        "data may still be encrypted with it (rotate-keys has not finished).",
                        hint=f"Put {row.key_id!r} back after the active key, run "
                        "`branchcx rotate-keys`, then remove it.",
                        id="branchcx.E011",
                    )
                )
            continue
        try:
            ok = crypto.decrypt(row.sealed, CHECK_PURPOSE) == CHECK_TEXT
        except crypto.DecryptionError:
            ok = False
        if not ok:
            errors.append(
                checks.Error(
                    f"BRANCHCX_ENCRYPTION_KEYS: the key with id {row.key_id!r} is not the key "
                    "this database was encrypted with.",
                    hint="Set BRANCHCX_ENCRYPTION_KEYS to the ring the data was written with; "
                    "BranchCX will not start with a wrong key.",
                    id="branchcx.E010",
                )
            )
    return errors
