"""Pessimistic lock plus optimistic version: the one idiom every edit of a shared record uses.

A form carries the ``version`` the user saw. The action locks the row (``SELECT ... FOR
UPDATE`` on PostgreSQL; SQLite serialises writers for the whole transaction) and refuses the
save with :class:`~branchcx.lib.errors.ConflictError` when someone saved in between, so the
second of two editors is told to reload instead of silently overwriting the first.

Lock order. An action that locks more than one row takes the locks in this order, so two
actions never wait on each other in a cycle:

1. organisation rows (units, then staff);
2. the customer;
3. the case the action is about (complaint, survey, invitation, ...);
4. the case's own records (decisions, revisits, follow-ups, responses, ...);
5. reference data last (codes, rules, targets, guidance).

Within one kind, rows are locked in ascending primary key (``order_by("pk")``). Call inside
``transaction.atomic()``; the lock is held until the transaction ends.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models

from branchcx.lib.errors import ConflictError

M = TypeVar("M", bound=models.Model)


def lock_for_update(
    queryset: models.QuerySet[M], pk: Any, expected_version: int | None = None
) -> M:
    """The row ``pk`` of ``queryset``, locked for the rest of the transaction.

    Only the queryset's own table is locked (``of=("self",)``), not rows it joins through
    ``select_related``. Raises the model's ``DoesNotExist`` when the row is not in the
    queryset (a scoped queryset: outside the user's scope), and :class:`ConflictError` when
    ``expected_version`` is given and the stored ``version`` differs."""
    locked = queryset.select_for_update(of=("self",)).get(pk=pk)
    stored: Any = locked
    if expected_version is not None and stored.version != expected_version:
        raise ConflictError
    return locked
