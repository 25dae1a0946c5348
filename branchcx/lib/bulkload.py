"""Bulk inserts for imports: rows prepared once, sent with COPY on PostgreSQL.

Django's ``bulk_create`` compiles an INSERT with one placeholder per value, runs every value
through the field machinery twice (model instance, then compiler) and, with change history,
encrypts each personal value a second time for the history row. For files of millions of
rows that is most of the cost. :class:`Loader` prepares each value once — encrypted by the
field itself, and on databases other than PostgreSQL (whose driver adapts Python values
natively) passed through the field's ``get_db_prep_save``, so what is stored is what
``save()`` would store — lets a history row reuse the already encrypted values, and writes
with ``COPY … FROM STDIN`` on PostgreSQL, ``executemany`` elsewhere, inside the caller's
transaction.

It bypasses model ``save()`` and signals, like ``bulk_create``: only for models whose save
adds nothing but what the fields compute (blind indexes are filled from their source here).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any

from django.db import connection, models
from django.utils import timezone

from branchcx.lib.crypto import BlindIndexField, EncryptedTextField


class Loader:
    """Prepared inserts into one model's table (primary key left to the database)."""

    def __init__(self, model: type[models.Model]) -> None:
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.columns = [f.column for f in self.fields]
        self.table = model._meta.db_table
        # Worked out once per field, not per row: where a missing value comes from.
        self.indexes = [f for f in self.fields if isinstance(f, BlindIndexField)]
        self.plain: list[tuple[str, Callable[[Any], Any], Callable[[Any], Any]]] = []
        for field in self.fields:
            if field not in self.indexes:
                self.plain.append((field.attname, _default(field), _converter(field)))

    def prepare(self, values: dict[str, Any], now: Any = None) -> dict[str, Any]:
        """Database values by attribute name for one row, from Python values by attribute
        name; missing fields take their defaults, ``auto_now`` fields ``now``, and blind
        indexes the keyed hash of their source's plaintext (unless given)."""
        now = now or timezone.now()
        row: dict[str, Any] = {}
        for name, default, convert in self.plain:
            row[name] = convert(values[name] if name in values else default(now))
        for index in self.indexes:
            name = index.attname
            if name in values:  # computed already by the caller
                row[name] = values[name]
            else:
                plain = values.get(index.source)
                row[name] = index.index_for(plain) if plain else None
        return row

    def insert(self, rows: Sequence[dict[str, Any]]) -> None:
        """Write prepared rows (as returned by :meth:`prepare`)."""
        if not rows:
            return
        names = [f.attname for f in self.fields]
        copy_rows(self.table, self.columns, ([row[n] for n in names] for row in rows))


class HistoryLoader(Loader):
    """History rows (django-simple-history) for rows just inserted, reusing their prepared,
    already encrypted values: one ``+`` row each, as ``bulk_create_with_history`` writes."""

    def __init__(self, model: type[models.Model]) -> None:
        super().__init__(model.history.model)  # type: ignore[attr-defined]

    def rows_for(
        self, prepared: Iterable[tuple[int, dict[str, Any]]], user_id: int | None, now: Any
    ) -> list[dict[str, Any]]:
        extra = {
            "history_date": now,
            "history_type": "+",
            "history_change_reason": None,
            "history_user_id": user_id,
        }
        own = {name: self._field(name).get_db_prep_save(v, connection) for name, v in extra.items()}
        names = [f.attname for f in self.fields]
        return [
            {
                name: own[name] if name in own else (pk if name == "id" else row[name])
                for name in names
            }
            for pk, row in prepared
        ]

    def _field(self, attname: str) -> models.Field[Any, Any]:
        return next(f for f in self.fields if f.attname == attname)


def _default(field: models.Field[Any, Any]) -> Callable[[Any], Any]:
    """The value of a field left out, given the time of the load."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return _same
    if field.has_default() and callable(field.default):
        return lambda _now: field.default()
    constant = field.get_default()  # as a model instance would: "" for text, else None
    return lambda _now: constant


# Field types whose Python values PostgreSQL's driver stores exactly as save() would.
NATIVE_ON_POSTGRESQL = frozenset(
    {
        "CharField", "TextField", "BooleanField", "IntegerField", "BigIntegerField",
        "SmallIntegerField", "PositiveIntegerField", "PositiveSmallIntegerField",
        "PositiveBigIntegerField", "DecimalField", "DateField", "UUIDField", "ForeignKey",
    }
)  # fmt: skip


def _converter(field: models.Field[Any, Any]) -> Callable[[Any], Any]:
    """How a Python value becomes what is stored: the field's own ``get_db_prep_save``
    (encryption; SQLite's UTC text and UUID hex; naive times made aware), except on
    PostgreSQL for the plain types its driver adapts itself (a third of the cost)."""
    native = field.get_internal_type() in NATIVE_ON_POSTGRESQL
    if native and connection.vendor == "postgresql" and not isinstance(field, EncryptedTextField):
        return _same
    return partial(field.get_db_prep_save, connection=connection)


def _same(value: Any) -> Any:
    return value


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    quote = connection.ops.quote_name
    column_list = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            statement = f"COPY {quote(table)} ({column_list}) FROM STDIN"
            with cursor.cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {quote(table)} ({column_list}) VALUES ({marks})",  # noqa: S608
                list(rows),
            )


def update_later(model: type[models.Model], column: str, values: Sequence[tuple[int, Any]]) -> int:
    """Set ``column`` to the given value for each primary key where it is empty or earlier:
    one ``UPDATE … FROM (VALUES …)`` statement (PostgreSQL, SQLite ≥ 3.33)."""
    if not values:
        return 0
    field = model._meta.get_field(column)
    if not isinstance(field, models.Field) or model._meta.pk is None:
        raise TypeError(f"{model.__name__}.{column} is not a column of a table with a key")
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    target, pk = quote(field.column), quote(model._meta.pk.column)
    rows = ", ".join(["(CAST(%s AS BIGINT), %s)"] * len(values))
    params: list[Any] = []
    for key, value in values:
        params += [key, field.get_db_prep_save(value, connection)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {target} = v.column2 FROM (VALUES {rows}) AS v "  # noqa: S608
            f"WHERE {table}.{pk} = v.column1 "
            f"AND ({table}.{target} IS NULL OR {table}.{target} < v.column2)",
            params,
        )
        return int(cursor.rowcount)
