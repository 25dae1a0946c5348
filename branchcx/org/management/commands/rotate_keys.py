"""Re-encrypt every personal value under the active key (and optionally rebuild blind indexes).

Rotation: put a new key first in BRANCHCX_ENCRYPTION_KEYS, keeping the old one after it;
restart; run ``branchcx rotate-keys``; when it reports nothing left under the old key, drop
the old key from the ring and restart again. Rows are rewritten directly (not through
``save()``): rotation changes no business data, so it adds no change-history entries.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction

from branchcx.audit.actions import Action, record
from branchcx.audit.checks import record_rotation_complete, seal_missing_key_checks
from branchcx.lib import crypto
from branchcx.org.actions import SystemActor

BATCH = 1000


def rotate_model(model: Any, reindex: bool) -> int:
    """Rewrite one model's encrypted columns not sealed with the active key; returns rows."""
    enc_fields = crypto.encrypted_fields(model)
    idx_fields = crypto.blind_index_fields(model) if reindex else []
    if not enc_fields:
        return 0
    active = crypto.active_key_id()
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    pk = qn(model._meta.pk.column)
    columns = [f.column for f in enc_fields]
    select_cols = ", ".join(qn(c) for c in columns)
    by_name = {f.name: f for f in enc_fields}
    rewritten = 0
    last_pk: Any = None
    while True:
        with transaction.atomic():
            # Keyset pagination by primary key; each batch is its own transaction.
            where = f"WHERE {pk} > %s " if last_pk is not None else ""
            sql = f"SELECT {pk}, {select_cols} FROM {table} {where}ORDER BY {pk} LIMIT {BATCH}"  # noqa: S608 (identifiers quoted, values bound)
            with connection.cursor() as cursor:
                cursor.execute(sql, [last_pk] if last_pk is not None else [])
                rows = cursor.fetchall()
            if not rows:
                return rewritten
            for row in rows:
                last_pk = row[0]
                updates: dict[str, Any] = {}
                plain: dict[str, str] = {}
                for field, token in zip(enc_fields, row[1:], strict=True):
                    if not token:
                        continue
                    if crypto.key_id_of(token) != active:
                        updates[field.column] = crypto.reencrypt(token, field.purpose)
                    if idx_fields:
                        plain[field.name] = crypto.decrypt(token, field.purpose)
                for idx in idx_fields:
                    source = plain.get(idx.source)
                    if idx.source in by_name:
                        updates[idx.column] = idx.index_for(source) if source else None
                if updates:
                    # Compare-and-swap: write only if the row still holds what was read. A user
                    # who saved it meanwhile wrote under the active key already; skip it.
                    assignments = ", ".join(f"{qn(c)} = %s" for c in updates)
                    same = " AND ".join(
                        f"{qn(c)} IS NULL" if old is None else f"{qn(c)} = %s"
                        for c, old in zip(columns, row[1:], strict=True)
                    )
                    olds = [old for old in row[1:] if old is not None]
                    with connection.cursor() as cursor:
                        cursor.execute(
                            f"UPDATE {table} SET {assignments} WHERE {pk} = %s AND {same}",  # noqa: S608
                            [*updates.values(), last_pk, *olds],
                        )
                        rewritten += cursor.rowcount


class Command(BaseCommand):
    help = "Re-encrypt personal data under the first key of BRANCHCX_ENCRYPTION_KEYS."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reindex",
            action="store_true",
            help="Also recompute blind indexes (after changing BRANCHCX_BLIND_INDEX_KEY).",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        seal_missing_key_checks()
        total = 0
        per_model: dict[str, int] = {}
        for model in apps.get_models():
            n = rotate_model(model, opts["reindex"])
            if crypto.encrypted_fields(model):
                per_model[model._meta.label] = n
                self.stdout.write(f"{model._meta.label}: {n} rows rewritten")
            total += n
        record_rotation_complete(reindexed=opts["reindex"])
        record(
            Action.KEY_ROTATION,
            actor=SystemActor(),
            detail={
                "active_key": crypto.active_key_id(),
                "rows": per_model,
                "reindex": opts["reindex"],
            },
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Done: {total} rows now sealed with key {crypto.active_key_id()!r}."
            )
        )
