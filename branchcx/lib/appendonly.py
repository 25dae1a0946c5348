"""Append-only records: what was said, decided or done is added, never rewritten.

Three layers keep a record as recorded:

- :class:`AppendOnlyQuerySet` refuses bulk ``update()`` and ``delete()`` (a mixin; combine it
  with a queryset: ``class Q(AppendOnlyQuerySet, ScopedQuerySet)``);
- :class:`AppendOnlyRecord`, an abstract model, refuses ``delete()`` and any ``save()`` that
  changes a stored row, except its ``later_fields`` while ``open_for_later(stored)`` holds
  (a decision approved once, a revisit done once, a grievance promoted once); it writes only
  the fields that changed, since sealing unchanged text again would store a new ciphertext;
- a database trigger refuses the same around the application. The snippet, per engine,
  is ``Dialect`` in ``complaints/migrations/0008_complaint_records_append_only.py``:
  ``BEFORE UPDATE ... WHEN (<a plain column changed> OR <a sealed column changed other than
  resealed under another key> OR (NOT <open for later> AND <a later column changed>))``
  raising an error, and on PostgreSQL ``BEFORE DELETE`` always (SQLite's test flush deletes,
  so there the models refuse deletes). Sealed columns may change only to a value sealed under
  another key id (``v1:<key id>:...``), which is what ``rotate-keys`` writes. A migration
  that rebuilds the table on SQLite drops its triggers and must create them again.
"""

from __future__ import annotations

from typing import Any, ClassVar, NoReturn

from django.db import models


class AppendOnlyError(Exception):
    """A change to an append-only record was refused."""


class AppendOnlyQuerySet:
    """Bulk writes are refused: rows are added one by one through their model. A mixin,
    put before the queryset class it guards: ``class Q(AppendOnlyQuerySet, ScopedQuerySet)``."""

    model: type[models.Model]
    refusal = ""  # how the records are named in the refusal (default: the model's name)

    def _name(self) -> str:
        return self.refusal or f"{self.model.__name__} records"

    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(f"{self._name()} cannot be changed.")

    def delete(self) -> NoReturn:
        raise AppendOnlyError(f"{self._name()} cannot be deleted.")


class AppendOnlyRecord(models.Model):
    """A record that is added, never deleted, and changed only where it is completed later
    (``later_fields``, once, while ``open_for_later`` holds for the stored row)."""

    later_fields: ClassVar[tuple[str, ...]] = ()
    refusal: ClassVar[str] = ""  # how the records are named in the refusal

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            kwargs["update_fields"] = self._later_changes(kwargs.get("update_fields"))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(f"{self._name()} cannot be deleted.")

    @classmethod
    def _name(cls) -> str:
        return cls.refusal or f"{cls.__name__} records"

    @classmethod
    def open_for_later(cls, stored: dict[str, Any]) -> bool:
        """Whether the row as stored (by attname) may still have its later fields set."""
        return False

    def _later_changes(self, update_fields: Any) -> list[str]:
        """The fields this save changes, checked against the row as stored. Only they are
        written: sealing unchanged text again would store a new ciphertext."""
        if not self.later_fields:
            raise AppendOnlyError(f"{self._name()} cannot be changed.")
        concrete = self._meta.concrete_fields
        by_name = {f.name: f for f in concrete} | {f.attname: f for f in concrete}
        if update_fields is None:
            candidates = [f for f in concrete if f.attname in self.__dict__]
        elif unknown := [n for n in update_fields if n not in by_name]:
            return unknown  # Django refuses fields the model does not have
        else:
            candidates = [by_name[n] for n in update_fields]
        candidates = [f for f in candidates if not f.primary_key]
        stored = (
            type(self)
            ._base_manager.using(self._state.db)
            .filter(pk=self.pk)
            .values(*{f.attname for f in concrete})
            .first()
        )
        if stored is None:
            return [f.name for f in candidates]  # gone: Django reports the failed update
        changed = [
            f
            for f in candidates
            if f.to_python(getattr(self, f.attname)) != f.to_python(stored[f.attname])
        ]
        if changed and (
            any(f.name not in self.later_fields for f in changed) or not self.open_for_later(stored)
        ):
            raise AppendOnlyError(f"{self._name()} cannot be changed.")
        return [f.name for f in changed]
