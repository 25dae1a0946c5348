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


def seal_missing_key_checks() -> None:
    """Record a sealed known value for each key of the ring not yet recorded."""
    from branchcx.audit.models import EncryptionKeyCheck

    for key_id, key in crypto.key_ring():
        if not EncryptionKeyCheck.objects.filter(key_id=key_id).exists():
            sealed = crypto.encrypt_with(key_id, key, CHECK_TEXT, CHECK_PURPOSE)
            EncryptionKeyCheck.objects.get_or_create(key_id=key_id, defaults={"sealed": sealed})


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
        if row.key_id not in ring:
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
